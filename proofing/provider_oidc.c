#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "common/xmalloc.h"
#include "proofing/oidc.h"
#include "proofing/provider_oidc.h"

struct sink {
	char *buf;    /* answer so far */
	size_t len;   /* bytes in buf */
	int overflow; /* the answer passed the bound */
};

static size_t
sink_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;

	if (s->len + n > OIDC_MAX_JWKS) {
		s->overflow = 1;
		return 0; /* aborts the transfer */
	}
	s->buf = xrealloc(s->buf, s->len + n + 1);
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

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
	CURL *curl = NULL;
	struct curl_slist *hdrs = NULL;
	struct sink s = {NULL, 0, 0};
	char *auth = NULL, *u = NULL, *pw = NULL;
	CURLcode cc;
	long status = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((curl = curl_easy_init()) == NULL) {
		problem_set(p, 503, "provider-unavailable",
		    "Provider unavailable", "curl_easy_init failed");
		goto out;
	}
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (bearer != NULL) {
		auth = xprintf("Authorization: Bearer %s", bearer);
		hdrs = curl_slist_append(hdrs, auth);
	}
	if (form != NULL) {
		hdrs = curl_slist_append(
		    hdrs, "Content-Type: application/x-www-form-urlencoded");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form);
		curl_easy_setopt(
		    curl, CURLOPT_POSTFIELDSIZE, (long)strlen(form));
	}
	if (user != NULL) {
		/* RFC 6749 2.3.1: both form-encoded before Basic */
		u = provider_oidc_escape(user);
		pw = provider_oidc_escape(secret);
		curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(curl, CURLOPT_USERNAME, u);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, pw);
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, ep->connect_ms);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, ep->total_ms);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "rxca");
	if (ep->ca_file != NULL && ep->ca_file[0] != '\0')
		curl_easy_setopt(curl, CURLOPT_CAINFO, ep->ca_file);
	cc = curl_easy_perform(curl);
	if (s.overflow) {
		problem_set(p, 502, "oidc-provider-error",
		    "OpenID provider error",
		    "the answer is larger than %d bytes", OIDC_MAX_JWKS);
		goto out;
	}
	if (cc != CURLE_OK) {
		problem_set(p, 503, "provider-unavailable",
		    "Provider unavailable", "%s", curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		if (status == 503)
			problem_set(p, 503, "provider-unavailable",
			    "Provider unavailable",
			    "the provider answered HTTP %ld", status);
		else
			problem_set(p, 502, "oidc-provider-error",
			    "OpenID provider error",
			    "the provider answered HTTP %ld", status);
		goto out;
	}
	out->status = status;
	out->body = s.buf != NULL ? s.buf : xstrdup("");
	out->len = s.len;
	s.buf = NULL;
	rc = 0;
out:
	free(s.buf);
	if (auth != NULL) {
		memset(auth, 0, strlen(auth));
		free(auth);
	}
	if (pw != NULL) {
		memset(pw, 0, strlen(pw));
		free(pw);
	}
	free(u);
	curl_slist_free_all(hdrs);
	if (curl != NULL)
		curl_easy_cleanup(curl);
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
