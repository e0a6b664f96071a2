#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "common/xmalloc.h"
#include "proofing/idcheck.h"
#include "proofing/provider_http.h"

struct sink {
	char *buf;    /* answer so far */
	size_t len;   /* bytes in buf */
	size_t max;   /* bytes allowed */
	int overflow; /* the answer passed the bound */
};

static size_t
sink_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;

	if (s->len + n > s->max) {
		s->overflow = 1;
		return 0; /* aborts the transfer */
	}
	s->buf = xrealloc(s->buf, s->len + n + 1);
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

int
provider_request(const struct provider_endpoint *ep,
    const struct provider_request *rq, struct provider_reply *out,
    struct problem *p)
{
	CURL *curl = NULL;
	struct curl_slist *hdrs = NULL;
	struct sink s = {NULL, 0, rq->max_answer, 0};
	char *ctype = NULL, *auth = NULL, *idem = NULL;
	CURLcode cc;
	long status = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((curl = curl_easy_init()) == NULL) {
		problem_set(p, 503, "provider-unavailable",
		    "Provider unavailable", "curl_easy_init failed");
		goto out;
	}
	if (rq->body != NULL) {
		ctype = xprintf("Content-Type: %s", rq->content_type);
		hdrs = curl_slist_append(hdrs, ctype);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, rq->body);
		curl_easy_setopt(
		    curl, CURLOPT_POSTFIELDSIZE, (long)strlen(rq->body));
	}
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (rq->bearer != NULL) {
		auth = xprintf("Authorization: Bearer %s", rq->bearer);
		hdrs = curl_slist_append(hdrs, auth);
	}
	if (rq->idempotency_key != NULL) {
		idem = xprintf("Idempotency-Key: %s", rq->idempotency_key);
		hdrs = curl_slist_append(hdrs, idem);
	}
	if (rq->user != NULL) {
		curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(curl, CURLOPT_USERNAME, rq->user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, rq->password);
	}
	curl_easy_setopt(curl, CURLOPT_URL, rq->url);
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
		if (rq->oidc)
			problem_set(p, 502, "oidc-provider-error",
			    "OpenID provider error",
			    "the answer is larger than %zu bytes",
			    rq->max_answer);
		else
			problem_set(p, 502, "provider-garbage",
			    "Provider answer refused",
			    "the answer is larger than %zu bytes",
			    rq->max_answer);
		goto out;
	}
	if (cc != CURLE_OK) {
		problem_set(p, 503, "provider-unavailable",
		    "Provider unavailable", "%s", curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		if (status == 503 && rq->busy_unavailable)
			problem_set(p, 503, "provider-unavailable",
			    "Provider unavailable",
			    "the provider answered HTTP %ld", status);
		else if (rq->oidc)
			problem_set(p, 502, "oidc-provider-error",
			    "OpenID provider error",
			    "the provider answered HTTP %ld", status);
		else
			problem_set(p, 502, "provider-error", "Provider error",
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
	free(idem);
	free(ctype);
	curl_slist_free_all(hdrs);
	if (curl != NULL)
		curl_easy_cleanup(curl);
	return rc;
}

int
provider_post(const struct provider_endpoint *ep, const char *path,
    const char *body, const char *idempotency_key, struct provider_reply *out,
    struct problem *p)
{
	struct provider_request rq = {0};
	char *url = xprintf("%s%s", ep->base_url, path);
	int rc;

	rq.url = url;
	rq.body = body;
	rq.content_type = "application/json";
	if (ep->api_key != NULL && ep->api_key[0] != '\0')
		rq.bearer = ep->api_key;
	rq.idempotency_key = idempotency_key;
	rq.max_answer = IDCHECK_MAX_ANSWER;
	rc = provider_request(ep, &rq, out, p);
	free(url);
	return rc;
}

void
provider_reply_free(struct provider_reply *r)
{
	if (r == NULL)
		return;
	free(r->body);
	r->body = NULL;
	r->len = 0;
}
