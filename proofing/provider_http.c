#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "common/xmalloc.h"
#include "proofing/idcheck.h"
#include "proofing/provider_http.h"

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

	if (s->len + n > IDCHECK_MAX_ANSWER) {
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
provider_post(const struct provider_endpoint *ep, const char *path,
    const char *body, const char *idempotency_key, struct provider_reply *out,
    struct problem *p)
{
	CURL *curl = NULL;
	struct curl_slist *hdrs = NULL;
	struct sink s = {NULL, 0, 0};
	char *url = NULL, *auth = NULL, *idem = NULL;
	CURLcode cc;
	long status = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((curl = curl_easy_init()) == NULL) {
		problem_set(p, 503, "provider-unavailable",
		    "Provider unavailable", "curl_easy_init failed");
		goto out;
	}
	url = xprintf("%s%s", ep->base_url, path);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (ep->api_key != NULL && ep->api_key[0] != '\0') {
		auth = xprintf("Authorization: Bearer %s", ep->api_key);
		hdrs = curl_slist_append(hdrs, auth);
	}
	if (idempotency_key != NULL) {
		idem = xprintf("Idempotency-Key: %s", idempotency_key);
		hdrs = curl_slist_append(hdrs, idem);
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, ep->connect_ms);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, ep->total_ms);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "rxca");
	if (ep->ca_file != NULL && ep->ca_file[0] != '\0')
		curl_easy_setopt(curl, CURLOPT_CAINFO, ep->ca_file);
	cc = curl_easy_perform(curl);
	if (s.overflow) {
		problem_set(p, 502, "provider-garbage",
		    "Provider answer refused",
		    "the answer is larger than %d bytes", IDCHECK_MAX_ANSWER);
		goto out;
	}
	if (cc != CURLE_OK) {
		problem_set(p, 503, "provider-unavailable",
		    "Provider unavailable", "%s", curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
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
	free(url);
	curl_slist_free_all(hdrs);
	if (curl != NULL)
		curl_easy_cleanup(curl);
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
