#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "common/xmalloc.h"
#include "proofing/oidc.h"
#include "proofing/provider_oidc.h"

char *
provider_oidc_escape(const char *s)
{
	char *e, *out;

	e = curl_easy_escape(NULL, s, (int)strlen(s));
	if (e == NULL)
		abort();
	out = xstrdup(e);
	curl_free(e);
	return out;
}

/* One exchange: a GET, or a POST of form when form is not NULL. */
static int
exchange(const struct provider_endpoint *ep, const char *url, const char *form,
    const char *bearer, const char *user, const char *secret,
    struct provider_reply *out, struct problem *p)
{
	struct provider_request rq = {0};
	char *u = NULL, *pw = NULL;
	int rc;

	rq.url = url;
	rq.body = form;
	rq.content_type = "application/x-www-form-urlencoded";
	rq.bearer = bearer;
	if (user != NULL) {
		/* RFC 6749 2.3.1: both form-encoded before Basic */
		u = provider_oidc_escape(user);
		pw = provider_oidc_escape(secret);
		rq.user = u;
		rq.password = pw;
	}
	rq.max_answer = OIDC_MAX_JWKS;
	rq.oidc = 1;
	rq.busy_unavailable = 1;
	rc = provider_request(ep, &rq, out, p);
	if (pw != NULL) {
		memset(pw, 0, strlen(pw));
		free(pw);
	}
	free(u);
	return rc;
}

int
provider_oidc_get(const struct provider_endpoint *ep, const char *url,
    const char *bearer, struct provider_reply *out, struct problem *p)
{
	return exchange(ep, url, NULL, bearer, NULL, NULL, out, p);
}

int
provider_oidc_token(const struct provider_endpoint *ep, const char *url,
    const char *form, const char *client_id, const char *secret,
    struct provider_reply *out, struct problem *p)
{
	return exchange(ep, url, form, NULL, client_id, secret, out, p);
}
