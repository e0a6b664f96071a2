#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "api/webhook_http.h"

struct sink {
	size_t len; /* bytes read so far */
};

static size_t
sink_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;

	(void)data;
	if (s->len + n > WEBHOOK_HTTP_MAX_ANSWER)
		return 0; /* aborts the transfer */
	s->len += n;
	return n;
}

int
webhook_http_post(
    const struct webhook_request *rq, int *status, char *err, size_t errsz)
{
	CURL *curl = NULL;
	struct curl_slist *hdrs = NULL;
	struct sink s = {0};
	CURLcode cc;
	long code = 0;
	size_t i;
	int rc = -1;

	*status = 0;
	snprintf(err, errsz, "%s", "");
	if ((curl = curl_easy_init()) == NULL) {
		snprintf(err, errsz, "curl_easy_init failed");
		goto out;
	}
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	for (i = 0; i < WEBHOOK_HTTP_MAX_HEADERS && rq->headers[i] != NULL; i++)
		hdrs = curl_slist_append(hdrs, rq->headers[i]);
	curl_easy_setopt(curl, CURLOPT_URL, rq->url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, rq->body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(rq->body));
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, rq->connect_ms);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, rq->total_ms);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "rxca-webhook/1");
	if (rq->ca_file != NULL && rq->ca_file[0] != '\0')
		curl_easy_setopt(curl, CURLOPT_CAINFO, rq->ca_file);
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	if (code > 0 && (cc == CURLE_OK || cc == CURLE_WRITE_ERROR)) {
		*status = (int)code;
		rc = 0;
	} else
		snprintf(err, errsz, "%s", curl_easy_strerror(cc));
out:
	curl_slist_free_all(hdrs);
	if (curl != NULL)
		curl_easy_cleanup(curl);
	return rc;
}
