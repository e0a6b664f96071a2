#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include <openssl/crypto.h>

#include "token/tokclient_http.h"
#include "common/logger.h"
#include "common/xmalloc.h"

#define TOKCLIENT_HEADER_MAX 1024 /* one request header we build */

struct tokclient {
	char *base;   /* the server's URL, no trailing '/' */
	char *cafile; /* CA bundle for HTTPS, or NULL */
};

/* A bounded answer body. */
struct tokclient_buf {
	unsigned char *data; /* bytes so far (NUL kept after them) */
	size_t len;          /* their number */
	int overflow;        /* the answer passed TOKCLIENT_REPLY_MAX */
};

struct tokclient *
tokclient_new(const char *base, const char *cafile, struct problem *p)
{
	struct tokclient *c;
	size_t n;

	if (base == NULL ||
	    (strncmp(base, "http://", 7) != 0 &&
	        strncmp(base, "https://", 8) != 0) ||
	    (n = strlen(base)) > TOKCLIENT_URL_MAX / 2) {
		problem_invalid(
		    p, "server", "The server is an http:// or https:// URL.");
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		problem_internal(p);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	while (n > 0 && base[n - 1] == '/')
		n--;
	c->base = xstrndup(base, n);
	c->cafile = cafile != NULL ? xstrdup(cafile) : NULL;
	return c;
}

void
tokclient_free(struct tokclient *c)
{
	if (c == NULL)
		return;
	free(c->base);
	free(c->cafile);
	free(c);
	curl_global_cleanup();
}

static size_t
tokclient_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct tokclient_buf *b = arg;
	size_t n = size * nmemb;

	if (n > TOKCLIENT_REPLY_MAX - b->len) {
		b->overflow = 1;
		return 0;
	}
	b->data = xrealloc(b->data, b->len + n + 1);
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* Runs one request; on an answer, its status and body. */
static int
tokclient_perform(struct tokclient *c, const char *url, const char *method,
    struct curl_slist *hdrs, const void *body, size_t len, long *status,
    struct tokclient_buf *b, struct problem *p)
{
	CURL *h;
	CURLcode rc;
	int ret = -1;

	memset(b, 0, sizeof(*b));
	if ((h = curl_easy_init()) == NULL)
		return problem_internal(p);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(
	    h, CURLOPT_CONNECTTIMEOUT, (long)TOKCLIENT_CONNECT_SEC);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)TOKCLIENT_TOTAL_SEC);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, tokclient_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	if (c->cafile != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->cafile);
	if (body != NULL) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(
		    h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	if (method != NULL &&
	    strcmp(method, body != NULL ? "POST" : "GET") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if ((rc = curl_easy_perform(h)) != CURLE_OK) {
		log_error("tokclient: request failed", "error=\"%s\"",
		    curl_easy_strerror(rc));
		if (b->overflow)
			problem_set(p, 502, "answer-too-large",
			    "Answer too large",
			    "The server's answer is too large.");
		else
			problem_set(p, 503, "server-unreachable",
			    "Server unreachable",
			    "Cannot reach the server (%s). Nothing is lost: "
			    "run the same command again.",
			    curl_easy_strerror(rc));
		free(b->data);
		b->data = NULL;
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	ret = 0;
out:
	curl_easy_cleanup(h);
	return ret;
}

int
tokclient_json(struct tokclient *c, const char *method, const char *path,
    const char *bearer, json_t *body, long *status, json_t **reply,
    struct problem *p)
{
	struct curl_slist *hdrs = NULL;
	struct tokclient_buf b;
	char *url = NULL, *text = NULL, *auth = NULL;
	json_error_t jerr;
	int rc;

	*reply = NULL;
	url = xprintf("%s%s", c->base, path);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (body != NULL) {
		if ((text = json_dumps(body, JSON_COMPACT)) == NULL)
			abort();
		hdrs =
		    curl_slist_append(hdrs, "Content-Type: application/json");
	}
	if (bearer != NULL) {
		auth = xprintf("Authorization: Bearer %s", bearer);
		hdrs = curl_slist_append(hdrs, auth);
	}
	if (hdrs == NULL)
		abort();
	rc = tokclient_perform(c, url, method, hdrs, text,
	    text != NULL ? strlen(text) : 0, status, &b, p);
	if (rc == 0 && b.len > 0)
		*reply = json_loadb(
		    (const char *)b.data, b.len, JSON_REJECT_DUPLICATES, &jerr);
	if (text != NULL) {
		OPENSSL_cleanse(text, strlen(text));
		free(text);
	}
	free(b.data);
	free(auth);
	free(url);
	curl_slist_free_all(hdrs);
	return rc;
}

int
tokclient_raw(struct tokclient *c, const char *url, const char *ctype,
    const unsigned char *body, size_t len, long *status, unsigned char **out,
    size_t *outlen, struct problem *p)
{
	struct curl_slist *hdrs = NULL;
	struct tokclient_buf b;
	char *h = NULL;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (strlen(url) > TOKCLIENT_URL_MAX)
		return problem_invalid(p, "url", "The URL is too long.");
	if (ctype != NULL) {
		h = xprintf("Content-Type: %s", ctype);
		if ((hdrs = curl_slist_append(NULL, h)) == NULL)
			abort();
	}
	rc = tokclient_perform(c, url, body != NULL ? "POST" : "GET", hdrs,
	    body, len, status, &b, p);
	if (rc == 0) {
		*out = b.data;
		*outlen = b.len;
	}
	free(h);
	curl_slist_free_all(hdrs);
	return rc;
}
