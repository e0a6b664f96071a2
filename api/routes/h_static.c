/*
 * The portal's pages and assets (docs/portal.md) from RXCA_WEB_DIR: the
 * page routes ("/", "/apply", ...: client-side routes) all answer the one
 * page shell, index.html; "/assets/<name>" answers the file
 * assets/<name>.  The operator console's (docs/console.md) the same way
 * from RXCA_CONSOLE_DIR: "/console/" the shell, "/console/assets/<name>"
 * the files.  Which names are refused is api/http/static.h's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/config.h"
#include "api/http/static.h"
#include "api/routes/routes.h"
#include "api/service/app.h"
#include "common/xmalloc.h"

/* The policy of every page: nothing from another origin, no inline
 * script or style, never framed. */
#define PORTAL_CSP                                                             \
	"default-src 'self'; script-src 'self'; style-src 'self'; "            \
	"img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "      \
	"form-action 'self'"

/* The policy with the payment provider's card frame allowed by its
 * origin (RXCA_PAYMENT_FORM_URL's scheme, host and port; config.c keeps
 * the URL free of spaces, ';', ',' and quotes). */
static void
portal_csp(const struct config *cfg, char *out, size_t outsz)
{
	const char *u = cfg->payment_form_url, *host;
	size_t n;

	host = strstr(u, "://");
	if (u[0] == '\0' || host == NULL) {
		snprintf(out, outsz, "%s", PORTAL_CSP);
		return;
	}
	n = (size_t)(host + 3 - u) + strcspn(host + 3, "/?#");
	snprintf(out, outsz, "%s; frame-src %.*s", PORTAL_CSP, (int)n, u);
}

/* Pages are revalidated on each load (the ETag makes that a 304), so a
 * new release is seen at once; the assets they load may be reused for
 * five minutes. */
#define CACHE_PAGE  "no-cache"
#define CACHE_ASSET "max-age=300"

/* The retrieval page's placeholder for the token agent's URL. */
#define AGENT_MARK "__RXCA_TOKEN_AGENT_URL__"

/* The headers every page and asset carries; csp for the page. */
static void
page_headers(struct ctx *ctx, const char *csp)
{
	http_response_add_header(&ctx->resp, "Content-Security-Policy", csp);
	http_response_add_header(
	    &ctx->resp, "X-Content-Type-Options", "nosniff");
	http_response_add_header(&ctx->resp, "Referrer-Policy", "no-referrer");
	http_response_add_header(
	    &ctx->resp, "Cross-Origin-Opener-Policy", "same-origin");
}

static void
serve(struct ctx *ctx, const char *root, const char *name, const char *cache)
{
	struct static_file f;
	struct problem p;
	char csp[sizeof(PORTAL_CSP) + 512];
	int rc;

	rc = static_read(root, name, &f);
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
	portal_csp(ctx->app->cfg, csp, sizeof(csp));
	page_headers(ctx, csp);
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

/* The file assets/<the route's *file> under root. */
static void
serve_asset(struct ctx *ctx, const char *root)
{
	char name[STATIC_MAX_NAME + 16];
	const char *file = ctx_param(ctx, "file");
	int n;

	n = snprintf(name, sizeof(name), "assets/%s", file);
	if (n < 0 || (size_t)n >= sizeof(name))
		file = ""; /* too long: refused below as not plain */
	serve(ctx, root, file[0] != '\0' ? name : "", CACHE_ASSET);
}

void
h_portal_page(struct ctx *ctx)
{
	serve(ctx, ctx->app->cfg->web_dir, "index.html", CACHE_PAGE);
}

void
h_portal_asset(struct ctx *ctx)
{
	serve_asset(ctx, ctx->app->cfg->web_dir);
}

void
h_console_page(struct ctx *ctx)
{
	serve(ctx, ctx->app->cfg->console_dir, "index.html", CACHE_PAGE);
}

void
h_console_asset(struct ctx *ctx)
{
	serve_asset(ctx, ctx->app->cfg->console_dir);
}

/*
 * /retrieve: its own page (retrieve.html), which calls the applicant's
 * token agent on loopback (RXCA_TOKEN_AGENT_URL, checked at start to be
 * http://127.0.0.1, localhost or [::1] with a port): the URL is written
 * into the page and added to its connect-src, nothing else.  No ETag (the
 * bytes depend on the setting); revalidated on each load.
 */
void
h_portal_retrieve(struct ctx *ctx)
{
	const char *url = ctx->app->cfg->token_agent_url;
	struct static_file f;
	struct problem p;
	char *csp, *body, *mark;
	size_t ulen = strlen(url), mlen = strlen(AGENT_MARK);

	problem_clear(&p);
	if (static_read(ctx->app->cfg->web_dir, "retrieve.html", &f) != 200 ||
	    (mark = strstr(f.data, AGENT_MARK)) == NULL) {
		static_file_clear(&f);
		problem_internal(&p);
		reply_problem(ctx, &p, NULL);
		return;
	}
	body = xmalloc(f.len - mlen + ulen + 1);
	memcpy(body, f.data, (size_t)(mark - f.data));
	memcpy(body + (mark - f.data), url, ulen);
	memcpy(body + (mark - f.data) + ulen, mark + mlen,
	    f.len - (size_t)(mark - f.data) - mlen);
	body[f.len - mlen + ulen] = '\0';
	csp = xprintf("%s; connect-src 'self' %s", PORTAL_CSP, url);
	http_response_add_header(&ctx->resp, "Cache-Control", CACHE_PAGE);
	page_headers(ctx, csp);
	free(csp);
	ctx->replied = 1;
	ctx->resp.status = 200;
	http_response_take_body(
	    &ctx->resp, f.content_type, body, f.len - mlen + ulen);
	static_file_clear(&f);
}
