/*
 * The one error report of rxca: an HTTP status, an RFC 9457 type slug, a
 * message that is safe to show a client, and the fields that were wrong.
 * Operator detail goes to the log, never here.
 */
#ifndef RXCA_PROBLEM_H
#define RXCA_PROBLEM_H

#include <stddef.h>

#include "common/bounds.h"

struct problem_field {
	char field[96];    /* JSON path, e.g. applicant.email */
	char message[160]; /* what is wrong, for the client */
};

struct problem {
	int status;       /* HTTP status; 0 means no problem */
	char type[48];    /* slug after /errors/ */
	char title[96];   /* short, fixed per type */
	char detail[256]; /* this occurrence, client-safe */
	int retry_after;  /* seconds for Retry-After, or 0 */
	int nfields;      /* entries used in fields */
	struct problem_field fields[BOUND_FIELD_ERRORS]; /* failing fields */
};

/*
 * The registry of problem types: every slug a reply of rxca (the server,
 * rxca-admin, the token client and agent) can carry, with its status and
 * its one title (RFC 9457: the title does not change from occurrence to
 * occurrence).  A slug has one status, except where one name serves two
 * documented meanings (certificate-expired: 410 for a renewal, 422 for a
 * credential verification).  The HTTP layer's own refusals (http-NNN,
 * titled by their status) are not in it.  tests/problem_check.py checks
 * every problem_set() in the tree and the tables of api/openapi.yaml
 * against it.
 */
struct problem_type {
	const char *slug;  /* after /errors/ */
	int status;        /* HTTP status; 0: any (a relayed answer) */
	const char *title; /* short, fixed */
};

/* The registered type slug with status (or registered with any status),
 * or NULL. */
const struct problem_type *problem_type_find(const char *slug, int status);

/* The registry: *n entries, sorted by slug and status. */
const struct problem_type *problem_types(size_t *n);

/* Clears p to "no problem". */
void problem_clear(struct problem *p);

/*
 * Sets status, type and title and formats detail.  The title of a
 * registered type is the registry's (title is then only a reminder at the
 * call site, which tests/problem_check.py keeps equal); an unregistered
 * type is logged as a bug and keeps title.  Fields already added
 * are kept.  Always returns -1 so callers can "return problem_set(...)".
 */
int problem_set(struct problem *p, int status, const char *type,
    const char *title, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * Adds a failing field (kept silently past BOUND_FIELD_ERRORS).  If p has
 * no status yet it becomes 422 invalid-field.  Returns -1.
 */
int problem_field(struct problem *p, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Shorthands for the common statuses; each returns -1. */
int problem_invalid(struct problem *p, const char *field, const char *msg);
int problem_internal(struct problem *p);
int problem_unavailable(struct problem *p);

/* The base of every problem type's URI. */
#define PROBLEM_TYPE_BASE "https://rxca.dev/errors/"

struct json_t;

/*
 * The one writer of RFC 9457 bodies (application/problem+json): p as
 * compact JSON, {"type": PROBLEM_TYPE_BASE + p->type ("internal" if
 * empty), "title": p->title (title if empty), "status": p->status (500 if
 * 0), "detail", "errors": [{"field", "message"}...] (if p has fields)},
 * then the members of extra (a JSON object, may be NULL; its reference is
 * taken) merged in.  A new string (caller frees with free()), or NULL if
 * a text is not UTF-8.
 */
char *problem_json(
    const struct problem *p, const char *title, struct json_t *extra);

#endif
