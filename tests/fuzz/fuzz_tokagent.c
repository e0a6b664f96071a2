/*
 * libFuzzer driver: requests to the rxca-token agent into tokagent_parse
 * (what token/tokagent_http.c does with each request libevent hands
 * it), for an agent on port 8766 with two allowed origins, with unlock
 * allowed or not and a pinentry or not, each time first as the only
 * request (no preflight before it) and then after a preflight of its
 * origin.  An input is
 *   METHOD PATH \n Host \n Origin \n HEADERS \n body
 * (an empty Host or Origin line: no such header); HEADERS is
 * Content-Type, Access-Control-Request-Method, -Private-Network and
 * -Local-Network separated by tabs (empty: absent).  Aborts if an answer
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

/* in against pol; preflighted: whether its origin was just preflighted. */
static void
fuzz_one(
    struct tokagent_policy *pol, const struct tokagent_in *in, int preflighted)
{
	struct tokagent_req r;
	struct problem p;
	int post = strcmp(in->method, "POST") == 0;

	problem_clear(&p);
	if (tokagent_parse(pol, in, &r, &p) == -1) {
		if (r.body != NULL || r.data != NULL || r.passcode != NULL ||
		    r.code != NULL || r.password != NULL ||
		    (p.status != 400 && p.status != 403 && p.status != 404 &&
		        p.status != 405 && p.status != 413 &&
		        p.status != 422) ||
		    (r.origin != NULL && r.origin != in->origin))
			abort();
		return;
	}
	if (r.origin != in->origin || in->origin == NULL ||
	    (strcmp(in->origin, origins[0]) != 0 &&
	        strcmp(in->origin, origins[1]) != 0))
		abort();
	/* never a POST without a preflight, nor a passcode to a prompter */
	if ((post && !preflighted) || (pol->pinentry && r.passcode != NULL))
		abort();
	switch (r.op) {
	case TOKAGENT_SIGN:
		if (r.body == NULL || r.data == NULL)
			abort();
		break;
	case TOKAGENT_UNLOCK:
		/* with a pinentry, an empty body stands for {} */
		if ((!pol->pinentry &&
		        (r.body == NULL || r.passcode == NULL)) ||
		    pol->unlock_seconds == 0)
			abort();
		break;
	case TOKAGENT_RETRIEVE:
		if (r.code == NULL || r.code[0] == '\0')
			abort();
		/* FALLTHROUGH */
	case TOKAGENT_TEST:
	case TOKAGENT_RENEW:
		if (r.password == NULL || r.password[0] == '\0')
			abort();
		break;
	case TOKAGENT_PREFLIGHT:
		if (in->acr_method == NULL)
			abort();
		/* FALLTHROUGH */
	case TOKAGENT_CERTIFICATE:
	case TOKAGENT_LOCK:
	case TOKAGENT_STATUS:
		if (r.body != NULL || r.data != NULL)
			abort();
		break;
	case TOKAGENT_PASSCODE:
	case TOKAGENT_KEYGEN:
		break;
	default:
		abort();
	}
	tokagent_req_clear(&r);
}

/* in as the first request, then after a preflight of its origin. */
static void
fuzz_both(struct tokagent_policy *pol, struct tokagent_in *in)
{
	struct tokagent_in pre = *in;
	struct tokagent_req r;
	struct problem p;

	memset(pol->preflight_at, 0, sizeof(pol->preflight_at));
	fuzz_one(pol, in, 0);
	pre.method = "OPTIONS";
	pre.acr_method = "POST";
	pre.body = NULL;
	pre.len = 0;
	problem_clear(&p);
	if (tokagent_parse(pol, &pre, &r, &p) == 0)
		tokagent_req_clear(&r);
	fuzz_one(pol, in, p.status == 0);
}

/* The next tab-separated field of *s, or NULL if empty. */
static char *
fuzz_field(char **s)
{
	char *f = *s, *tab;

	if (f == NULL)
		return NULL;
	if ((tab = strchr(f, '\t')) != NULL) {
		*tab = '\0';
		*s = tab + 1;
	} else
		*s = NULL;
	return f[0] != '\0' ? f : NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tokagent_policy pol;
	static int ready;
	char *line, *host, *origin, *headers, *h, *sp;
	struct tokagent_in in;
	unsigned char *body;
	size_t pos = 0, len;
	int unlock, pin;

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
	headers = fuzz_line(data, size, &pos);
	/* a heap copy of exactly the body's bytes */
	len = size - pos;
	if ((body = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	memcpy(body, data + pos, len);
	memset(&in, 0, sizeof(in));
	h = headers;
	in.content_type = fuzz_field(&h);
	in.acr_method = fuzz_field(&h);
	in.acr_private = fuzz_field(&h);
	in.acr_local = fuzz_field(&h);
	in.host = host;
	in.origin = origin;
	in.body = body;
	in.len = len;
	in.now = 1700000000;
	if (line != NULL && (sp = strchr(line, ' ')) != NULL) {
		*sp = '\0';
		in.method = line;
		in.path = sp + 1;
		for (unlock = 0; unlock < 2; unlock++)
			for (pin = 0; pin < 2; pin++) {
				pol.unlock_seconds = unlock ? 60 : 0;
				pol.pinentry = pin;
				fuzz_both(&pol, &in);
			}
	}
	free(body);
	free(line);
	free(host);
	free(origin);
	free(headers);
	return 0;
}
