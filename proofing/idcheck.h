/*
 * The JSON contract with the outside identity providers
 * (proofing/PROVIDERS.md): building the request bodies and checking the
 * answers.  Pure: no I/O.  An answer that does not match the contract in
 * every detail is refused, never guessed at.
 */
#ifndef RXCA_IDCHECK_H
#define RXCA_IDCHECK_H

#include <stddef.h>

#include "common/problem.h"

#define IDCHECK_MAX_REASONS 16          /* reason codes kept from one answer */
#define IDCHECK_REASON_LEN  48          /* characters of one reason code */
#define IDCHECK_MAX_ANSWER  (64 * 1024) /* bytes of one answer body */
#define IDCHECK_REQUEST_ID  96          /* bytes of a request id, with NUL */

/* What the identity-verification provider said. */
enum idv_decision { IDV_PASS, IDV_FAIL, IDV_REVIEW };

/* What the card address-verification provider said. */
enum avs_result { AVS_MATCH, AVS_PARTIAL, AVS_NO_MATCH, AVS_UNAVAILABLE };

/* The person to check, borrowed strings; optional ones may be NULL. */
struct idcheck_subject {
	const char *given_name;    /* required */
	const char *middle_name;   /* or NULL */
	const char *family_name;   /* required */
	const char *date_of_birth; /* YYYY-MM-DD */
	const char *email;         /* required */
	const char *phone;         /* E.164 */
	const char *line1;         /* home address */
	const char *line2;         /* or NULL */
	const char *city;          /* required */
	const char *state;         /* or NULL outside the U.S. */
	const char *postal_code;   /* required */
	const char *country;       /* ISO 3166 alpha-2 */
	const char *ssn_last4;     /* four digits */
	const char *card_token;    /* AVS card token */
};

struct idv_answer {
	enum idv_decision decision; /* pass, fail or review */
	int score;                  /* 0..100 */
	int nreasons;               /* used in reasons */
	char reasons[IDCHECK_MAX_REASONS][IDCHECK_REASON_LEN + 1]; /* codes */
};

/*
 * The request bodies (JSON text, NUL-terminated) for the IDV and AVS
 * calls.  Caller frees with free(); the IDV body holds identity data, so
 * the caller wipes it first.
 */
char *idcheck_idv_request(
    const struct idcheck_subject *s, const char *request_id);
char *idcheck_avs_request(
    const struct idcheck_subject *s, const char *request_id);

/*
 * Checks an IDV answer body of len bytes against the contract: a JSON
 * object with exactly request_id (equal to request_id), decision, score
 * (0..100) and reasons (at most IDCHECK_MAX_REASONS codes of
 * [a-z0-9_]{1,48}).  0 with out filled, or -1 with p saying what is wrong
 * (status 502, type "provider-garbage").
 */
int idcheck_idv_parse(const char *body, size_t len, const char *request_id,
    struct idv_answer *out, struct problem *p);

/* As idcheck_idv_parse for an AVS answer: request_id and result. */
int idcheck_avs_parse(const char *body, size_t len, const char *request_id,
    enum avs_result *out, struct problem *p);

/* Names as in the contract ("pass", "match", ...). */
const char *idcheck_idv_name(enum idv_decision d);
const char *idcheck_avs_name(enum avs_result r);
/* The value named name; 0, or -1 if unknown. */
int idcheck_idv_parse_name(const char *name, enum idv_decision *out);
int idcheck_avs_parse_name(const char *name, enum avs_result *out);

#endif
