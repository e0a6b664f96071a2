/*
 * The libcurl adapter of OpenID proofing: GETs of the discovery document,
 * the key set and userinfo, and the form POST to the token endpoint
 * (client_secret_basic).  As proofing/provider_http.c: a connect and a
 * total timeout, no redirects, http and https only, an answer bounded to
 * OIDC_MAX_JWKS bytes.  Thread-safe once curl_global_init() has run.
 */
#ifndef RXCA_PROVIDER_OIDC_H
#define RXCA_PROVIDER_OIDC_H

#include "common/problem.h"
#include "proofing/provider_http.h"

/*
 * GETs url (bearer: an access token sent as a Bearer token, or NULL).
 * Returns 0 with a 2xx answer in out (free with provider_reply_free()), or
 * -1 with p set: 503 "provider-unavailable" when nothing came back in time,
 * 502 "oidc-provider-error" for a non-2xx status or an answer over the
 * bound.  ep gives the timeouts and CA file; its base_url is not used.
 */
int provider_oidc_get(const struct provider_endpoint *ep, const char *url,
    const char *bearer, struct provider_reply *out, struct problem *p);

/* POSTs form (application/x-www-form-urlencoded) to url, authenticated as
 * client_id with secret (client_secret_basic); as provider_oidc_get. */
int provider_oidc_token(const struct provider_endpoint *ep, const char *url,
    const char *form, const char *client_id, const char *secret,
    struct provider_reply *out, struct problem *p);

/* s percent-encoded for a URL query or form (caller frees with free()). */
char *provider_oidc_escape(const char *s);

#endif
