/*
 * libFuzzer driver: a request line's method and target, split as
 * api/http/http.c does, matched against the server's own route table
 * (router_match), then its captures read as the handlers read them
 * (ctx_param, ctx_serial) and its query decoded as they decode it
 * (ctx_known_query, ctx_query).  Aborts if an answer breaks the headers'
 * promises.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes/handler.h"
#include "api/server.h"
#include "common/bounds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every query parameter a list route knows, and their buffers. */
static const char *const query_keys[] = {
    "status", "state", "after", "limit", "updated_since", "application", NULL};
static const size_t query_sizes[] = {1, 8, 40, 128};

static void
fuzz_match(const struct route *routes, size_t nroutes, const char *method,
    const char *path, struct route_match *m)
{
	char allow[64], small[8];
	int rc, i;

	rc = router_match(
	    routes, nroutes, method, path, m, allow, sizeof(allow));
	if (rc != 200 && rc != 404 && rc != 405)
		abort();
	if (router_match(
	        routes, nroutes, method, path, m, small, sizeof(small)) != rc ||
	    memchr(small, '\0', sizeof(small)) == NULL)
		abort();
	if (rc == 405 &&
	    (memchr(allow, '\0', sizeof(allow)) == NULL || allow[0] == '\0'))
		abort();
	if (rc != 200) {
		m->route = NULL;
		m->nparams = 0;
		return;
	}
	if (m->route < routes || m->route >= routes + nroutes ||
	    m->nparams < 0 || m->nparams > ROUTER_MAX_PARAMS)
		abort();
	for (i = 0; i < m->nparams; i++)
		if (memchr(m->names[i], '\0', sizeof(m->names[i])) == NULL ||
		    strlen(m->values[i]) >= ROUTER_MAX_PARAM_LEN ||
		    router_param(m, m->names[i]) == NULL)
			abort();
}

static void
fuzz_query(struct ctx *ctx)
{
	unsigned char serial[CTX_SERIAL_LEN];
	char buf[128];
	struct problem p;
	size_t i, j;
	int rc;

	for (i = 0; i < (size_t)ctx->match.nparams; i++)
		(void)ctx_param(ctx, ctx->match.names[i]);
	problem_clear(&p);
	if (ctx_serial(ctx, serial, &p) == -1 && p.status != 404)
		abort();
	problem_clear(&p);
	if (ctx_known_query(ctx, query_keys, &p) == -1 && p.status == 0)
		abort();
	for (i = 0; query_keys[i] != NULL; i++)
		for (j = 0; j < sizeof(query_sizes) / sizeof(query_sizes[0]);
		     j++) {
			problem_clear(&p);
			memset(buf, 'x', sizeof(buf));
			rc = ctx_query(
			    ctx, query_keys[i], buf, query_sizes[j], &p);
			if (rc < -1 || rc > 1 || (rc == -1 && p.status == 0) ||
			    (rc >= 0 &&
			        memchr(buf, '\0', query_sizes[j]) == NULL))
				abort();
		}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct route *routes;
	static size_t nroutes;
	struct http_request req;
	struct ctx ctx;
	const uint8_t *sp, *q;
	size_t mlen, tlen, i;
	char *path, *query = NULL;

	if (routes == NULL)
		routes = server_routes(&nroutes);
	/* "METHOD /target", the rules of api/http/http.c's request line */
	if ((sp = memchr(data, ' ', size)) == NULL)
		return 0;
	mlen = (size_t)(sp - data);
	tlen = size - mlen - 1;
	memset(&req, 0, sizeof(req));
	if (mlen == 0 || mlen >= sizeof(req.method) || tlen == 0 ||
	    tlen > BOUND_URI || sp[1] != '/')
		return 0;
	for (i = 0; i < mlen; i++)
		if (data[i] < 'A' || data[i] > 'Z')
			return 0;
	for (i = 0; i < tlen; i++)
		if (sp[1 + i] <= 0x20 || sp[1 + i] >= 0x7f)
			return 0;
	memcpy(req.method, data, mlen);
	/* heap copies of exactly the path's and the query's bytes */
	if ((q = memchr(sp + 1, '?', tlen)) != NULL) {
		path = strndup((const char *)sp + 1, (size_t)(q - sp - 1));
		query = strndup(
		    (const char *)q + 1, (size_t)(sp + 1 + tlen - q - 1));
	} else
		path = strndup((const char *)sp + 1, tlen);
	if (path == NULL || (q != NULL && query == NULL))
		abort();
	memset(&ctx, 0, sizeof(ctx));
	req.path = path;
	req.query = query;
	ctx.req = &req;
	fuzz_match(routes, nroutes, req.method, path, &ctx.match);
	fuzz_query(&ctx);
	free(path);
	free(query);
	return 0;
}
