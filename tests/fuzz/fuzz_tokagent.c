/*
 * libFuzzer driver: requests to the rxca-token agent into tokagent_parse
 * (what token/tokagent_http.c does with each request libevent hands
 * it), for an agent on port 8766 with two allowed origins, once with
 * unlock allowed and once without.  An input is
 *   METHOD PATH \n Host \n Origin \n body
 * (an empty Host or Origin line: no such header).  Aborts if an answer
 * breaks the header's promises.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token/tokagent_req.h"
#include "common/logger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const origins[] = {
    "https://ehr.example.com", "https://other-ehr.example.org"};

/* The next line of data[*pos..size) as a string (NULL if empty). */
static char *
fuzz_line(const uint8_t *data, size_t size, size_t *pos)
{
	const uint8_t *nl = memchr(data + *pos, '\n', size - *pos);
	size_t n = nl != NULL ? (size_t)(nl - data) - *pos : size - *pos;
	char *s = NULL;

	if (n > 0 && (s = strndup((const char *)data + *pos, n)) == NULL)
		abort();
	*pos += nl != NULL ? n + 1 : n;
	return s;
}

static void
fuzz_one(const struct tokagent_policy *pol, const char *method,
    const char *path, const char *host, const char *origin,
    const unsigned char *body, size_t len)
{
	struct tokagent_req r;
	struct problem p;

	problem_clear(&p);
	if (tokagent_parse(
	        pol, method, path, host, origin, body, len, &r, &p) == -1) {
		if (r.body != NULL || r.data != NULL || r.passcode != NULL ||
		    (p.status != 400 && p.status != 403 && p.status != 404 &&
		        p.status != 413 && p.status != 422) ||
		    (r.origin != NULL && r.origin != origin))
			abort();
		return;
	}
	if (r.origin != origin || origin == NULL ||
	    (strcmp(origin, origins[0]) != 0 &&
	        strcmp(origin, origins[1]) != 0))
		abort();
	switch (r.op) {
	case TOKAGENT_SIGN:
		if (r.body == NULL || r.data == NULL)
			abort();
		break;
	case TOKAGENT_UNLOCK:
		if (r.body == NULL || r.passcode == NULL ||
		    pol->unlock_seconds == 0)
			abort();
		break;
	case TOKAGENT_PREFLIGHT:
	case TOKAGENT_CERTIFICATE:
	case TOKAGENT_LOCK:
		if (r.body != NULL || r.data != NULL)
			abort();
		break;
	default:
		abort();
	}
	tokagent_req_clear(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tokagent_policy pol;
	static int ready;
	char *line, *host, *origin, *sp;
	unsigned char *body;
	size_t pos = 0, len;

	if (!ready) {
		log_set_level(LOG_LEVEL_ERROR);
		snprintf(pol.hosts[0], TOKAGENT_HOST_MAX, "127.0.0.1:8766");
		snprintf(pol.hosts[1], TOKAGENT_HOST_MAX, "localhost:8766");
		snprintf(pol.hosts[2], TOKAGENT_HOST_MAX, "[::1]:8766");
		pol.origins = origins;
		pol.norigins = sizeof(origins) / sizeof(origins[0]);
		pol.body_max = 4096;
		ready = 1;
	}
	if (size > 2 * pol.body_max)
		return 0;
	line = fuzz_line(data, size, &pos);
	host = fuzz_line(data, size, &pos);
	origin = fuzz_line(data, size, &pos);
	/* a heap copy of exactly the body's bytes */
	len = size - pos;
	if ((body = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	memcpy(body, data + pos, len);
	if (line != NULL && (sp = strchr(line, ' ')) != NULL) {
		*sp = '\0';
		pol.unlock_seconds = 60;
		fuzz_one(&pol, line, sp + 1, host, origin, body, len);
		pol.unlock_seconds = 0;
		fuzz_one(&pol, line, sp + 1, host, origin, body, len);
	}
	free(body);
	free(line);
	free(host);
	free(origin);
	return 0;
}
