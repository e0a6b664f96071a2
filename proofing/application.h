/*
 * The POST /v1/applications body (api/openapi.yaml), parsed and validated into
 * plain C strings, with its price computed.
 */
#ifndef RXCA_APPLICATION_H
#define RXCA_APPLICATION_H

#include <time.h>

#include <jansson.h>

#include "common/bounds.h"
#include "common/problem.h"
#include "proofing/catalog.h"
#include "proofing/policy.h"
#include "proofing/price.h"

#define APPLICATION_MIN_AGE 18 /* years, at the time of applying */

#define INVITATION_TOKEN_CHARS 43 /* base64url of 32 random bytes */

struct secret_qa {
	char *question; /* as given, surrounding spaces trimmed */
	char *answer;   /* as given; normalise before hashing */
};

struct application_input {
	char *product;          /* catalog product code */
	char *storage;          /* catalog storage code */
	char *shipping;         /* catalog shipping code */
	char *program;          /* partner program slug, or NULL */
	char *voucher;          /* voucher code (unchecked), or NULL */
	char *invitation;       /* an invitation link's token, or NULL */
	char *given_name;       /* validate_name */
	char *middle_name;      /* or NULL */
	char *family_name;      /* validate_name */
	char date_of_birth[11]; /* YYYY-MM-DD */
	char *email;            /* lower-cased */
	char *phone;            /* E.164 */
	char *line1;            /* home address */
	char *line2;            /* or NULL */
	char *city;
	char *state;              /* USPS code for US; else free or NULL */
	char *postal_code;        /* ZIP for US */
	char *country;            /* ISO 3166 alpha-2, upper-case */
	char *npi;                /* or NULL for a non-EPCS product */
	char *dea_number;         /* upper-cased; or NULL for non-EPCS */
	char *ssn_last4;          /* 4 digits */
	char *avs_card_token;     /* card for address verification */
	char *payment_card_token; /* card for payment */
	char *password;           /* account password, wiped on free */
	struct secret_qa qa[BOUND_QUESTIONS]; /* answers wiped on free */
	int nqa;                              /* entries used in qa: 0 or 3 */
	char *agreement_version; /* subscriber agreement accepted */
	struct price price;      /* computed without a voucher */
};

/*
 * Parses and validates body under policy at time now against cat.  Unknown
 * fields, wrong types, missing and invalid values are reported as 422
 * field errors in p named by JSON path ("applicant.home_address.zip"), as
 * many as BOUND_FIELD_ERRORS; a body that is not an object is a 400.
 * Surrounding spaces of names, address parts and questions are trimmed.
 * p must be clear on entry.  Returns 0 with out filled (the caller frees
 * it with application_input_free()), or -1 with out zeroed.
 */
int application_parse(const json_t *body, enum policy policy, time_t now,
    const struct catalog *cat, struct application_input *out,
    struct problem *p);

/* Frees the strings of in, wiping the password, answers, card tokens and
 * SSN digits first, and zeroes in.  NULL-safe. */
void application_input_free(struct application_input *in);

#endif
