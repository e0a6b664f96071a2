/*
 * rxca-token's client of the rxca REST API (and of an OCSP responder),
 * over libcurl: JSON requests with an optional bearer token, and raw
 * POSTs.  Answers are bounded (TOKCLIENT_REPLY_MAX); every call has
 * connect and total timeouts.  HTTPS is checked against the system's CA
 * store, or against cafile when one is given.
 */
#ifndef RXCA_TOKCLIENT_HTTP_H
#define RXCA_TOKCLIENT_HTTP_H

#include <stddef.h>

#include <jansson.h>

#include "common/problem.h"

#define TOKCLIENT_REPLY_MAX   (256 * 1024) /* an answer's body, bytes */
#define TOKCLIENT_URL_MAX     2048         /* a request URL */
#define TOKCLIENT_CONNECT_SEC 10           /* connect timeout */
#define TOKCLIENT_TOTAL_SEC   60           /* whole request timeout */

struct tokclient;

/*
 * A client of the server at base (http:// or https://, no trailing
 * path needed), trusting cafile (may be NULL) for HTTPS.  NULL with p set
 * for a bad URL.  Free with tokclient_free().
 */
struct tokclient *tokclient_new(
    const char *base, const char *cafile, struct problem *p);

/* Frees c.  NULL is a no-op. */
void tokclient_free(struct tokclient *c);

/*
 * Sends method path (appended to the base) with body (borrowed; may be
 * NULL) as JSON and bearer (may be NULL) as the Authorization.  On an
 * answer, whatever its status, sets *status and *reply (a new reference,
 * or NULL if the body is not JSON) and returns 0; on a failure to reach
 * the server returns -1 with p set (503 server-unreachable).
 */
int tokclient_json(struct tokclient *c, const char *method, const char *path,
    const char *bearer, json_t *body, long *status, json_t **reply,
    struct problem *p);

/*
 * POSTs body (len bytes, content type ctype) to the absolute url, or GETs
 * it if body is NULL.  On an answer sets *status, *out (caller frees with
 * free()) and *outlen and returns 0; else -1 with p set.
 */
int tokclient_raw(struct tokclient *c, const char *url, const char *ctype,
    const unsigned char *body, size_t len, long *status, unsigned char **out,
    size_t *outlen, struct problem *p);

#endif
