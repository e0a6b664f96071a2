/*
 * The portal's pages and assets (docs/portal.md) from RXCA_WEB_DIR: the
 * page routes ("/", "/apply", ...: client-side routes) all answer the one
 * page shell, index.html; "/assets/<name>" answers the file
 * assets/<name>.  Which names are refused is api/http/static.h's.
 */
#include <stdio.h>
#include <string.h>

#include "api/config.h"
#include "api/http/static.h"
#include "api/routes/routes.h"
#include "api/service/app.h"

/* The policy of every page: nothing from another origin, no inline
 * script or style, never framed. */
#define PORTAL_CSP                                                             \
	"default-src 'self'; script-src 'self'; style-src 'self'; "            \
	"img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "      \
	"form-action 'self'"

/* Pages are revalidated on each load (the ETag makes that a 304), so a
 * new release is seen at once; the assets they load may be reused for
 * five minutes. */
#define CACHE_PAGE  "no-cache"
#define CACHE_ASSET "max-age=300"

static void
serve(struct ctx *ctx, const char *name, const char *cache)
{
	struct static_file f;
	struct problem p;
	int rc;

	rc = static_read(ctx->app->cfg->web_dir, name, &f);
	problem_clear(&p);
	if (rc == 404) {
		problem_set(&p, 404, "not-found", "Not found",
		    "There is nothing at this path.");
		reply_problem(ctx, &p, NULL);
		return;
	}
	if (rc != 200) {
		problem_internal(&p);
		reply_problem(ctx, &p, NULL);
		return;
	}
	http_response_add_header(&ctx->resp, "ETag", f.etag);
	http_response_add_header(&ctx->resp, "Cache-Control", cache);
	http_response_add_header(
	    &ctx->resp, "Content-Security-Policy", PORTAL_CSP);
	http_response_add_header(
	    &ctx->resp, "X-Content-Type-Options", "nosniff");
	http_response_add_header(&ctx->resp, "Referrer-Policy", "no-referrer");
	http_response_add_header(
	    &ctx->resp, "Cross-Origin-Opener-Policy", "same-origin");
	ctx->replied = 1;
	if (static_etag_matches(
	        http_request_header(ctx->req, "If-None-Match"), f.etag)) {
		ctx->resp.status = 304;
		static_file_clear(&f);
		return;
	}
	ctx->resp.status = 200;
	http_response_take_body(&ctx->resp, f.content_type, f.data, f.len);
	f.data = NULL;
	static_file_clear(&f);
}

void
h_portal_page(struct ctx *ctx)
{
	serve(ctx, "index.html", CACHE_PAGE);
}

void
h_portal_asset(struct ctx *ctx)
{
	char name[STATIC_MAX_NAME + 16];
	const char *file = ctx_param(ctx, "file");
	int n;

	n = snprintf(name, sizeof(name), "assets/%s", file);
	if (n < 0 || (size_t)n >= sizeof(name))
		file = ""; /* too long: refused below as not plain */
	serve(ctx, file[0] != '\0' ? name : "", CACHE_ASSET);
}
