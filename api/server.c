#include <sys/resource.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "api/service/app.h"
#include "api/service/authority.h"
#include "api/http/clientaddr.h"
#include "api/http/csrf.h"
#include "api/store/dbconn.h"
#include "api/http/http.h"
#include "api/jobs/auditseq.h"
#include "api/jobs/jobs.h"
#include "api/out/mailer.h"
#include "api/service/mailjob.h"
#include "api/service/oidcflow.h"
#include "api/service/passkey.h"
#include "api/service/rxapproval.h"
#include "api/service/lifemail.h"
#include "api/service/metrics.h"
#include "api/service/ocspcache.h"
#include "api/routes/operator.h"
#include "api/routes/partner_auth.h"
#include "api/service/partner.h"
#include "api/service/payment.h"
#include "api/service/pki.h"
#include "api/http/pool.h"
#include "api/service/proofjob.h"
#include "api/service/renewal.h"
#include "api/routes/routes.h"
#include "api/server.h"
#include "api/service/throttle.h"
#include "api/http/tls.h"
#include "api/service/webhook.h"
#include "common/logger.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define H(fn) ((route_fn)(fn))

static const struct route routes[] = {
    {"GET", "/healthz", "healthz", ROUTE_ON_LOOP, H(h_healthz)},
    {"GET", "/readyz", "readyz", 0, H(h_readyz)},
    {"GET", "/metrics", "metrics", ROUTE_ON_LOOP | ROUTE_OR_OPERATOR,
        H(h_metrics)},
    {"GET", "/v1/products", "products", 0, H(h_products)},
    {"GET", "/v1/application-form", "application_form", 0,
        H(h_application_form)},
    {"POST", "/v1/applications", "apply", ROUTE_HASHES, H(h_apply)},
    {"POST", "/v1/applications/quote", "quote", 0, H(h_quote)},
    {"GET", "/v1/ops/payments", "ops_payments",
        ROUTE_OPERATOR |
            ROUTE_ROLES(OPERATOR_ROLE_AUDITOR | OPERATOR_ROLE_REVIEWER),
        H(h_ops_payments)},
    {"POST", "/v1/ops/payments/:application/refund", "ops_payment_refund",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_ADMIN),
        H(h_ops_payment_refund)},
    {"GET", "/v1/applications/:id", "application",
        ROUTE_SESSION | ROUTE_OR_OPERATOR, H(h_application_get)},
    {"GET", "/v1/applications/:id/prefill", "application_prefill",
        ROUTE_SESSION, H(h_application_prefill)},
    {"POST", "/v1/applications/:id/email-verification", "email_verification", 0,
        H(h_email_verify)},
    {"POST", "/v1/applications/:id/email-verification/resend", "email_resend",
        ROUTE_SESSION, H(h_email_resend)},
    {"POST", "/v1/applications/:id/decision-mail/resend",
        "decision_mail_resend", ROUTE_SESSION, H(h_decision_mail_resend)},
    {"POST", "/v1/applications/:id/oidc/start", "oidc_start", ROUTE_SESSION,
        H(h_oidc_start)},
    {"GET", "/v1/oidc/callback", "oidc_callback", 0, H(h_oidc_callback)},
    {"POST", "/v1/applications/:id/passkeys/options", "passkey_options",
        ROUTE_SESSION, H(h_passkey_options)},
    {"POST", "/v1/applications/:id/passkeys", "passkey_register", ROUTE_SESSION,
        H(h_passkey_register)},
    {"GET", "/v1/applications/:id/passkeys", "passkeys",
        ROUTE_SESSION | ROUTE_OR_OPERATOR, H(h_passkey_list)},
    {"POST", "/v1/applications/:id/passkeys/:passkey/revocation",
        "passkey_revocation", ROUTE_SESSION | ROUTE_OR_OPERATOR,
        H(h_passkey_revoke)},
    {"GET", "/v1/ops/outbox", "ops_outbox",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_AUDITOR), H(h_ops_outbox)},
    {"POST", "/v1/ops/outbox/:id/resend", "ops_outbox_resend",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_ADMIN),
        H(h_ops_outbox_resend)},
    {"POST", "/v1/sessions", "sessions", ROUTE_HASHES, H(h_session_create)},
    {"POST", "/v1/sessions/unlock", "session_unlock", 0, H(h_session_unlock)},
    {"GET", "/v1/ops/applications", "ops_applications",
        ROUTE_OPERATOR |
            ROUTE_ROLES(OPERATOR_ROLE_REVIEWER | OPERATOR_ROLE_AUDITOR),
        H(h_ops_queue)},
    {"POST", "/v1/ops/applications/:id/decision", "ops_decision",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_REVIEWER), H(h_ops_decide)},
    {"GET", "/v1/ops/kits", "ops_kits",
        ROUTE_OPERATOR |
            ROUTE_ROLES(OPERATOR_ROLE_FULFILLER | OPERATOR_ROLE_AUDITOR),
        H(h_ops_kits)},
    {"POST", "/v1/ops/kits/:id/print", "ops_kit_print",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_FULFILLER),
        H(h_ops_kit_print)},
    {"POST", "/v1/ops/kits/:id/shipped", "ops_kit_shipped",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_FULFILLER),
        H(h_ops_kit_shipped)},
    {"POST", "/v1/retrievals", "retrievals", ROUTE_HASHES, H(h_retrieval)},
    {"POST", "/v1/password-resets", "password_resets", ROUTE_HASHES,
        H(h_password_reset)},
    {"POST", "/v1/password-resets/codes", "reset_codes", 0,
        H(h_reset_code_request)},
    {"GET", "/v1/certificates/:serial", "certificate",
        ROUTE_SESSION | ROUTE_OR_OPERATOR, H(h_certificate_get)},
    {"POST", "/v1/certificates/:serial/challenges", "challenges", ROUTE_SESSION,
        H(h_challenge_new)},
    {"POST", "/v1/certificates/:serial/challenges/:id", "challenge",
        ROUTE_SESSION, H(h_challenge_answer)},
    {"GET", "/pki/:file", "pki", 0, H(h_pki_cert)},
    {"GET", "/sandbox/pki/:file", "sandbox_pki", 0, H(h_sandbox_pki)},
    {"POST", "/v1/ops/certificates/:serial/revocation", "ops_revocation",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_REVOKER), H(h_ops_revoke)},
    {"POST", "/v1/certificates/:serial/renewal", "renewal", ROUTE_SESSION,
        H(h_renewal)},
    {"POST", "/v1/certificates/:serial/revocation", "revocation", ROUTE_SESSION,
        H(h_self_revoke)},
    {"POST", "/ocsp", "ocsp", ROUTE_ON_LOOP | ROUTE_NO_DB, H(h_ocsp)},
    {"GET", "/ocsp/*request", "ocsp_get", ROUTE_ON_LOOP | ROUTE_NO_DB,
        H(h_ocsp)},
    {"POST", "/sandbox/ocsp", "sandbox_ocsp", ROUTE_ON_LOOP | ROUTE_NO_DB,
        H(h_sandbox_ocsp)},
    {"GET", "/sandbox/ocsp/*request", "sandbox_ocsp_get",
        ROUTE_ON_LOOP | ROUTE_NO_DB, H(h_sandbox_ocsp)},
    {"GET", "/v1/ops/audit", "ops_audit",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_AUDITOR), H(h_ops_audit)},
    {"GET", "/v1/ops/audit/verify", "ops_audit_verify",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_AUDITOR),
        H(h_ops_audit_verify)},
    {"GET", "/v1/ops/partners", "ops_partners",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_AUDITOR),
        H(h_ops_partner_list)},
    {"POST", "/v1/ops/partners", "ops_partners",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_ADMIN),
        H(h_ops_partner_create)},
    {"GET", "/v1/ops/partners/:id", "ops_partner",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_AUDITOR),
        H(h_ops_partner_get)},
    {"POST", "/v1/ops/partners/:id/keys", "ops_partner_keys",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_ADMIN),
        H(h_ops_partner_key)},
    {"DELETE", "/v1/ops/partners/:id/keys/:key", "ops_partner_key",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_ADMIN),
        H(h_ops_partner_key_revoke)},
    {"POST", "/v1/ops/partners/:id/vouchers", "ops_partner_vouchers",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_ADMIN),
        H(h_ops_partner_vouchers)},
    {"POST", "/v1/ops/partners/:id/sandbox", "ops_partner_sandbox",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_ADMIN),
        H(h_ops_partner_sandbox)},
    {"GET", "/v1/ops/partners/:id/sandbox", "ops_partner_sandbox_get",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_ADMIN),
        H(h_ops_partner_sandbox_get)},
    {"GET", "/v1/partner/applications", "partner_applications", ROUTE_PARTNER,
        H(h_partner_apps)},
    {"GET", "/v1/partner/applications/:id", "partner_application",
        ROUTE_PARTNER, H(h_partner_app)},
    {"GET", "/v1/partner/certificates/:serial", "partner_certificate",
        ROUTE_PARTNER, H(h_partner_cert)},
    {"POST", "/v1/partner/credentials/verify", "partner_verify", ROUTE_PARTNER,
        H(h_partner_verify)},
    {"PUT", "/v1/partner/webhook", "partner_webhook_put", ROUTE_PARTNER,
        H(h_partner_hook_put)},
    {"GET", "/v1/partner/webhook", "partner_webhook", ROUTE_PARTNER,
        H(h_partner_hook_get)},
    {"GET", "/v1/partner/webhook/deliveries", "partner_deliveries",
        ROUTE_PARTNER, H(h_partner_deliveries)},
    {"POST", "/v1/partner/invitations", "partner_invitations", ROUTE_PARTNER,
        H(h_partner_invite)},
    {"GET", "/v1/partner/invitations", "partner_invitation_list", ROUTE_PARTNER,
        H(h_partner_invitations)},
    {"GET", "/v1/partner/invitations/:id", "partner_invitation", ROUTE_PARTNER,
        H(h_partner_invitation)},
    {"GET", "/v1/partner/vouchers", "partner_vouchers", ROUTE_PARTNER,
        H(h_partner_vouchers)},
    {"POST", "/v1/partner/approvals", "partner_approvals", ROUTE_PARTNER,
        H(h_rxapproval_request)},
    {"GET", "/v1/partner/approvals/:id", "partner_approval", ROUTE_PARTNER,
        H(h_rxapproval_partner_get)},
    {"GET", "/v1/approvals/:id", "approval", 0, H(h_rxapproval_view)},
    {"POST", "/v1/approvals/:id/decision", "approval_decision", 0,
        H(h_rxapproval_decide)},
    {"GET", "/.well-known/jwks.json", "approval_jwks", ROUTE_ON_LOOP,
        H(h_rxapproval_jwks)},
    {"PUT", "/v1/partner/practices/:practice", "partner_practice_put",
        ROUTE_PARTNER, H(h_practice_put)},
    {"GET", "/v1/partner/practices/:practice", "partner_practice",
        ROUTE_PARTNER, H(h_practice_get)},
    {"POST", "/v1/partner/practices/:practice/challenges",
        "partner_practice_challenges", ROUTE_PARTNER, H(h_practice_challenge)},
    {"POST", "/v1/partner/practices/:practice/links",
        "partner_practice_link_create", ROUTE_PARTNER, H(h_practice_link)},
    {"GET", "/v1/partner/practices/:practice/links", "partner_practice_links",
        ROUTE_PARTNER, H(h_practice_links)},
    {"GET", "/v1/partner/practices/:practice/links/:link",
        "partner_practice_link", ROUTE_PARTNER, H(h_practice_link_get)},
    {"POST", "/v1/partner/practices/:practice/links/:link/approval",
        "partner_practice_link_approval", ROUTE_PARTNER, H(h_practice_approve)},
    {"POST", "/v1/partner/practices/:practice/links/:link/disable",
        "partner_practice_link_disable", ROUTE_PARTNER, H(h_practice_disable)},
    {"GET", "/", "portal", ROUTE_NO_DB | ROUTE_PUBLIC_ONLY, H(h_portal_page)},
    {"GET", "/apply", "portal_apply", ROUTE_NO_DB | ROUTE_PUBLIC_ONLY,
        H(h_portal_page)},
    {"GET", "/verify-email", "portal_verify_email",
        ROUTE_NO_DB | ROUTE_PUBLIC_ONLY, H(h_portal_page)},
    {"GET", "/status", "portal_status", ROUTE_NO_DB | ROUTE_PUBLIC_ONLY,
        H(h_portal_page)},
    {"GET", "/certificate", "portal_certificate",
        ROUTE_NO_DB | ROUTE_PUBLIC_ONLY, H(h_portal_page)},
    {"GET", "/reset-password", "portal_reset", ROUTE_NO_DB | ROUTE_PUBLIC_ONLY,
        H(h_portal_page)},
    {"GET", "/passkeys", "portal_passkeys", ROUTE_NO_DB | ROUTE_PUBLIC_ONLY,
        H(h_portal_page)},
    {"GET", "/approve", "portal_approve", ROUTE_NO_DB | ROUTE_PUBLIC_ONLY,
        H(h_portal_page)},
    {"GET", "/assets/*file", "portal_asset", ROUTE_NO_DB | ROUTE_PUBLIC_ONLY,
        H(h_portal_asset)},
    {"GET", "/retrieve", "portal_retrieve", ROUTE_NO_DB | ROUTE_PUBLIC_ONLY,
        H(h_portal_retrieve)},
    {"GET", "/v1/ops/approvals", "ops_approvals",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_ANY), H(h_ops_approvals)},
    {"GET", "/v1/ops/approvals/:id", "ops_approval",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_ANY), H(h_ops_approval)},
    {"POST", "/v1/ops/approvals/:id/confirm", "ops_approval_confirm",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_ANY),
        H(h_ops_approval_confirm)},
    {"POST", "/v1/ops/approvals/:id/reject", "ops_approval_reject",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_ANY),
        H(h_ops_approval_reject)},
    {"GET", "/v1/partner/events", "partner_events", ROUTE_PARTNER,
        H(h_partner_events)},
    {"POST", "/v1/partner/events/:id/redeliver", "partner_event_redeliver",
        ROUTE_PARTNER, H(h_partner_event_redeliver)},
    {"POST", "/v1/partner/webhook/secret", "partner_webhook_secret",
        ROUTE_PARTNER, H(h_partner_hook_rotate)},
    {"GET", "/v1/partner/keys", "partner_keys", ROUTE_PARTNER,
        H(h_partner_keys)},
    {"POST", "/v1/partner/keys", "partner_key_rotate", ROUTE_PARTNER,
        H(h_partner_key_rotate)},
    {"DELETE", "/v1/partner/keys/:key", "partner_key_delete", ROUTE_PARTNER,
        H(h_partner_key_delete)},
    {"GET", "/v1/partner/program", "partner_program", ROUTE_PARTNER,
        H(h_partner_program_get)},
    {"PUT", "/v1/partner/program", "partner_program_put", ROUTE_PARTNER,
        H(h_partner_program_put)},
    {"POST", "/v1/invitations/open", "invitation_open", 0,
        H(h_invitation_open)},
    {"GET", "/v1/ops/search", "ops_search",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_ANY), H(h_ops_search)},
    {"GET", "/v1/ops/applications/:id", "ops_application",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_ANY), H(h_ops_application)},
    {"GET", "/console/", "console", ROUTE_NO_DB | ROUTE_OPERATOR_ONLY,
        H(h_console_page)},
    {"GET", "/console/assets/*file", "console_asset",
        ROUTE_NO_DB | ROUTE_OPERATOR_ONLY, H(h_console_asset)},
    {"GET", "/v1/ops/dashboard", "ops_dashboard",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_ANY), H(h_ops_dashboard)},
    {"GET", "/v1/ops/audit/checkpoints", "ops_audit_checkpoints",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_AUDITOR),
        H(h_ops_audit_checkpoints)},
    {"GET", "/v1/ops/audit/checkpoints/:id", "ops_audit_checkpoint",
        ROUTE_OPERATOR | ROUTE_ROLES(OPERATOR_ROLE_AUDITOR),
        H(h_ops_audit_checkpoint)},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* The routes' names, for the metrics (filled from routes[] at start). */
static const char *route_names[NROUTES];

const struct route *
server_routes(size_t *n)
{
	*n = NROUTES;
	return routes;
}

struct server {
	struct app app;            /* shared state */
	struct http_server *http;  /* the listener */
	struct http_server *tls;   /* the HTTPS listener, or NULL */
	int draining;              /* listeners still draining */
	struct pool *hash_pool;    /* workers for ROUTE_HASHES */
	struct jobs *jobs;         /* job scheduling */
	struct auditseq *auditseq; /* the audit sequencer's loop */
	struct event *sigterm;     /* stop */
	struct event *sigint;      /* stop */
	struct event *stop_timer;  /* RXCA_SHUTDOWN_TIMEOUT after a signal */
	struct timespec stop_by;   /* then (CLOCK_MONOTONIC) */
	int stopping;              /* a signal came */
};

struct exchange {
	struct server *srv;     /* owner */
	struct http_conn *conn; /* where the reply goes */
	struct ctx ctx;         /* request and reply */
	size_t route;           /* index, NROUTES if none */
	struct timespec start;  /* for the latency */
};

static double
elapsed(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	    (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* On the loop: the reply goes out and the request is counted and logged. */
static void
exchange_finish(void *arg)
{
	struct exchange *x = arg;
	double secs = elapsed(&x->start);
	struct problem p;
	int status;

	if (!x->ctx.replied) {
		/* dropped by a pool that stopped before it ran */
		problem_clear(&p);
		problem_set(&p, 503, "stopping", "Server stopping",
		    "The server is stopping; try again.");
		p.retry_after = 1;
		reply_problem(&x->ctx, &p, NULL);
	}
	status = x->ctx.resp.status;
	metrics_observe(x->srv->app.metrics, x->route, status, secs);
	log_set_request(x->ctx.req->id);
	log_info("request", "method=%s route=%s status=%d ms=%.1f peer=%s",
	    x->ctx.req->method,
	    x->route < NROUTES ? route_names[x->route] : "-", status,
	    secs * 1000, x->ctx.req->peer);
	log_set_request(NULL);
	http_conn_reply(x->conn, &x->ctx.resp);
	free(x);
}

/*
 * Who may call the route: an operator with one of its roles
 * (ROUTE_OPERATOR), an applicant session (ROUTE_SESSION), or either
 * (ROUTE_OR_OPERATOR: a request with a client certificate is taken as an
 * operator's).  0, or -1 with p set.
 */
static int
route_authenticate(struct ctx *ctx, int flags, struct problem *p)
{
	if (flags & ROUTE_OPERATOR)
		return operator_authenticate(ctx, ROUTE_ROLES_OF(flags), p);
	if ((flags & ROUTE_OR_OPERATOR) && ctx->req->client_cert)
		return operator_authenticate(ctx, OPERATOR_ROLE_ANY, p);
	if (flags & ROUTE_SESSION)
		return session_authenticate(ctx, p);
	if (flags & ROUTE_PARTNER)
		return partner_authenticate(ctx, p);
	return 0;
}

/* Each worker of both pools owns one database connection, made before
 * its first unit of work (pool.h). */
static void *
worker_open(void *dburl)
{
	return db_open(dburl);
}

static void
worker_close(void *db)
{
	db_free(db);
}

/* On a worker: authenticate if the route needs it, then the handler. */
static void
exchange_work(void *worker, void *arg)
{
	struct db *db = worker;
	struct exchange *x = arg;
	struct problem p;

	log_set_request(x->ctx.req->id);
	x->ctx.db = db;
	problem_clear(&p);
	if ((x->ctx.match.route->flags & ROUTE_NO_DB) == 0 &&
	    db_ensure(db, &p) == -1) {
		atomic_store(&x->srv->app.db_up, 0);
		reply_problem(&x->ctx, &p, NULL);
		return;
	}
	atomic_store(&x->srv->app.db_up, 1);
	if (route_authenticate(&x->ctx, x->ctx.match.route->flags, &p) == -1) {
		reply_problem(&x->ctx, &p, NULL);
		return;
	}
	((handler_fn)x->ctx.match.route->handler)(&x->ctx);
	if (!x->ctx.replied) {
		log_error("handler sent no reply", "route=%s",
		    x->ctx.match.route->name);
		problem_internal(&p);
		reply_problem(&x->ctx, &p, NULL);
	}
}

/* Sets req->client from the peer and, behind a trusted proxy, from every
 * X-Forwarded-For field, joined in order. */
static void
client_address(const struct app *app, struct http_request *req)
{
	const struct clientaddr_list *t = &app->cfg->trust;
	char xff[BOUND_HEADERS + 1];
	size_t len = 0, n;
	int i, any = 0;

	for (i = 0; t->n > 0 && i < req->nheaders; i++) {
		if (strcasecmp(req->headers[i].name, "X-Forwarded-For") != 0)
			continue;
		n = strlen(req->headers[i].value);
		if (len + n + 2 > sizeof(xff))
			break;
		if (any)
			xff[len++] = ',';
		memcpy(xff + len, req->headers[i].value, n);
		len += n;
		any = 1;
	}
	xff[len] = '\0';
	clientaddr_resolve(
	    t, req->peer, any ? xff : NULL, req->client, sizeof(req->client));
}

/* 0 if the route is not answered on req's listener (ROUTE_PUBLIC_ONLY,
 * ROUTE_OPERATOR_ONLY), else 1. */
static int
listener_serves(int flags, const struct http_request *req)
{
	if ((flags & ROUTE_PUBLIC_ONLY) && req->tls)
		return 0;
	if ((flags & ROUTE_OPERATOR_ONLY) && !req->tls)
		return 0;
	return 1;
}

static void
on_request(struct http_conn *conn, struct http_request *req, void *arg)
{
	struct server *srv = arg;
	struct exchange *x;
	struct problem p;
	char allow[64];
	int rc;

	x = xcalloc(1, sizeof(*x));
	clock_gettime(CLOCK_MONOTONIC, &x->start);
	x->srv = srv;
	x->conn = conn;
	x->ctx.app = &srv->app;
	x->ctx.req = req;
	x->ctx.now = wallclock_now();
	client_address(&srv->app, req);
	http_response_init(&x->ctx.resp, 500);
	rc = router_match(routes, NROUTES, req->method, req->path,
	    &x->ctx.match, allow, sizeof(allow));
	x->route = rc == 200 ? (size_t)(x->ctx.match.route - routes) : NROUTES;
	problem_clear(&p);
	if (rc == 200 && !listener_serves(x->ctx.match.route->flags, req))
		rc = 404;
	if (rc == 404) {
		problem_set(&p, 404, "not-found", "Not found",
		    "There is nothing at this path.");
		reply_problem(&x->ctx, &p, NULL);
	} else if (rc == 405) {
		problem_set(&p, 405, "method-not-allowed", "Method not allowed",
		    "Allowed here: %s.", allow);
		http_response_add_header(&x->ctx.resp, "Allow", allow);
		reply_problem(&x->ctx, &p, NULL);
	} else if (x->ctx.match.route->flags & ROUTE_ON_LOOP) {
		((handler_fn)x->ctx.match.route->handler)(&x->ctx);
		if (!x->ctx.replied) {
			/* The fast path could not answer: a worker will. */
			pool_submit(
			    srv->app.pool, exchange_work, exchange_finish, x);
			return;
		}
	} else if (((x->ctx.match.route->flags & ROUTE_OPERATOR) ||
	               ((x->ctx.match.route->flags & ROUTE_OR_OPERATOR) &&
	                   req->client_cert)) &&
	    operator_precheck(&x->ctx, &p) == -1) {
		/* no valid operator certificate: refused on the loop, so
		 * such requests never take a worker */
		reply_problem(&x->ctx, &p, NULL);
	} else if (((x->ctx.match.route->flags & ROUTE_OPERATOR) ||
	               req->client_cert) &&
	    csrf_check(req, &p) == -1) {
		/* another site riding the operator's certificate */
		log_warn("cross-site operator request refused", "route=%s",
		    x->ctx.match.route->name);
		reply_problem(&x->ctx, &p, NULL);
	} else if ((x->ctx.match.route->flags & ROUTE_PARTNER) &&
	    partner_precheck(&x->ctx, &p) == -1) {
		/* plain HTTP: refused on the loop, before the key is read */
		reply_problem(&x->ctx, &p, NULL);
	} else {
		pool_submit(x->ctx.match.route->flags & ROUTE_HASHES
		        ? srv->hash_pool
		        : srv->app.pool,
		    exchange_work, exchange_finish, x);
		return;
	}
	exchange_finish(x);
}

void
h_healthz(struct ctx *ctx)
{
	reply_json(ctx, 200, json_pack("{s:s}", "status", "ok"));
}

static struct server *the_server; /* for h_metrics, loop only */

/*
 * GET /metrics: on the loop for a peer in RXCA_METRICS_ALLOW; a client
 * with a certificate over HTTPS goes on to a worker, where the route's
 * ROUTE_OR_OPERATOR authenticates it as an operator first; anyone else
 * is told there is nothing here.
 */
void
h_metrics(struct ctx *ctx)
{
	struct server *srv = the_server;
	struct metrics_listener ls[2];
	struct problem p;
	size_t n = 0;
	char *text;

	if (ctx->db == NULL &&
	    !clientaddr_listed(
	        &srv->app.cfg->metrics_allowed, ctx->req->peer_addr)) {
		if (ctx->req->tls && ctx->req->client_cert)
			return; /* a worker authenticates the operator */
		problem_clear(&p);
		problem_set(&p, 404, "not-found", "Not found",
		    "There is nothing at this path.");
		reply_problem(ctx, &p, NULL);
		return;
	}
	if (ctx->db != NULL && ctx->operator_id[0] == '\0') {
		problem_clear(&p);
		problem_internal(&p);
		reply_problem(ctx, &p, NULL);
		return;
	}
	ls[n].name = "public";
	ls[n].connections = http_server_connections(srv->http);
	http_server_refused(
	    srv->http, &ls[n].refused_cap, &ls[n].refused_client);
	n++;
	if (srv->tls != NULL) {
		ls[n].name = "operator";
		ls[n].connections = http_server_connections(srv->tls);
		http_server_refused(
		    srv->tls, &ls[n].refused_cap, &ls[n].refused_client);
		n++;
	}
	text = metrics_render(srv->app.metrics, &srv->app, ls, n,
	    pool_busy(srv->app.pool), pool_busy(srv->hash_pool));
	ctx->replied = 1;
	ctx->resp.status = 200;
	http_response_take_body(
	    &ctx->resp, "text/plain; version=0.0.4", text, strlen(text));
}

static void
stopped(void *arg)
{
	struct server *srv = arg;

	if (--srv->draining > 0)
		return;
	event_base_loopexit(srv->app.base, NULL);
}

static void
stop_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	(void)fd;
	(void)what;
	log_warn("shutdown deadline passed: closing what is left",
	    "connections=%d busy=%d hashing=%d",
	    http_server_connections(srv->http) +
	        (srv->tls != NULL ? http_server_connections(srv->tls) : 0),
	    pool_busy(srv->app.pool), pool_busy(srv->hash_pool));
	event_base_loopexit(srv->app.base, NULL);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	struct timeval tv = {0, 0};

	(void)what;
	if (srv->stopping)
		return;
	srv->stopping = 1;
	/* no job is claimed from now on, even by a run already queued */
	atomic_store(&srv->app.stopping, 1);
	clock_gettime(CLOCK_MONOTONIC, &srv->stop_by);
	srv->stop_by.tv_sec += srv->app.cfg->shutdown_timeout;
	tv.tv_sec = srv->app.cfg->shutdown_timeout;
	evtimer_add(srv->stop_timer, &tv);
	log_info("stopping: finishing requests in flight",
	    "signal=%d timeout=%d", (int)sig, srv->app.cfg->shutdown_timeout);
	jobs_stop(srv->jobs);
	auditseq_stop(srv->auditseq);
	ocspcache_stop(srv->app.ocsp);
	srv->draining = srv->tls != NULL ? 2 : 1;
	http_server_drain(srv->http, stopped, srv);
	if (srv->tls != NULL)
		http_server_drain(srv->tls, stopped, srv);
}

/* Up to the hard limit of open files, so both listeners can reach their
 * caps; says so if even that is too few. */
static void
raise_fd_limit(const struct config *cfg)
{
	struct rlimit rl;
	rlim_t need;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	need = (rlim_t)cfg->max_connections * 2 +
	    (rlim_t)(cfg->workers + cfg->hash_workers) * 2 + 64;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
		log_warn("open-file limit below what the connection caps need",
		    "limit=%lu need=%lu", (unsigned long)rl.rlim_cur,
		    (unsigned long)need);
}

/* The sweep of short-lived rows (throttles, OpenID sign-ins, passkey
 * challenges, approval requests past their expiry), as the runner calls
 * sweeps: one failing keeps none of the others from running. */
static void
stale_sweep_job(struct app *app, struct db *db, time_t now)
{
	struct problem p;

	problem_clear(&p);
	if (throttle_sweep(db, now, &p) == -1)
		log_warn("throttle sweep failed", "error=\"%s\"", p.detail);
	problem_clear(&p);
	if (oidcflow_sweep(db, now, &p) == -1)
		log_warn("oidc flow sweep failed", "error=\"%s\"", p.detail);
	problem_clear(&p);
	if (passkey_sweep(db, now, &p) == -1)
		log_warn(
		    "passkey challenge sweep failed", "error=\"%s\"", p.detail);
	if (rxapproval_sweep(app, db, now) == -1)
		log_warn("approval expiry sweep failed", "error=\"db\"");
}

/* NOTIFY rxca_ocsp: the pre-signed responses changed. */
static void
ocsp_notified(void *arg)
{
	struct app *app = arg;

	ocspcache_kick(app->ocsp);
}

/* Registers every job kind, sweep (in the order they ran before) and
 * NOTIFY channel with the runner.  0 or -1. */
static int
jobs_register_domains(struct app *app)
{
	if (mailjob_register() == -1 || proofjob_jobs_register() == -1 ||
	    jobs_register_sweep("stale", stale_sweep_job) == -1 ||
	    pki_jobs_register() == -1 || payment_jobs_register() == -1 ||
	    webhook_jobs_register() == -1 || renewal_jobs_register() == -1 ||
	    partner_jobs_register() == -1 || account_jobs_register() == -1 ||
	    jobs_register_notify("rxca_ocsp", ocsp_notified, app) == -1)
		return -1;
	if (lifemail_jobs_register() == -1 || rxapproval_jobs_register() == -1)
		return -1;
	return 0;
}

int
server_run(struct config *cfg)
{
	struct server srv;
	struct http_limits lim;
	struct jobs_env jenv;
	struct pool_worker_ops worker_ops = {worker_open, worker_close, NULL};
	SSL_CTX *ssl_ctx;
	size_t i;
	int rc = 1;

	memset(&srv, 0, sizeof(srv));
	the_server = &srv;
	if (evthread_use_pthreads() == -1) {
		log_error("libevent has no thread support", NULL);
		return 1;
	}
	if (cfg->clock_file[0] != '\0' &&
	    wallclock_use_file(cfg->clock_file) == -1) {
		fprintf(stderr,
		    "RXCA_CLOCK_FILE: %s does not hold an integer "
		    "offset in seconds\n",
		    cfg->clock_file);
		return 1;
	}
	if (jobs_register_domains(&srv.app) == -1)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit(cfg);
	mailer_global_init();
	srv.app.cfg = cfg;
	srv.app.argon.t_cost = (unsigned)cfg->argon2_iterations;
	srv.app.argon.m_cost_kib = (unsigned)cfg->argon2_memory_kib;
	srv.app.argon.parallelism = (unsigned)cfg->argon2_parallelism;
	pthread_mutex_init(&srv.app.catalog_lock, NULL);
	srv.app.base = event_base_new();
	for (i = 0; i < NROUTES; i++)
		route_names[i] = routes[i].name;
	srv.app.metrics = metrics_new(route_names, NROUTES);
	srv.app.mailer = mailer_new(cfg);
	srv.app.authority = authority_new();
	srv.app.sandbox_ca = authority_new_sandbox();
	worker_ops.arg = cfg->database_url;
	srv.app.pool = pool_new(srv.app.base, cfg->workers, &worker_ops);
	srv.hash_pool = pool_new(srv.app.base, cfg->hash_workers, &worker_ops);
	lim.max_connections = cfg->max_connections;
	lim.max_per_client = cfg->max_per_client;
	lim.request_timeout = cfg->request_timeout;
	lim.idle_timeout = cfg->idle_timeout;
	lim.write_timeout = cfg->request_timeout;
	srv.http = http_server_new(srv.app.base, cfg->listen_host,
	    cfg->listen_port, &lim, on_request, &srv);
	if (srv.http == NULL) {
		fprintf(
		    stderr, "RXCA_LISTEN: cannot listen on %s\n", cfg->listen);
		goto out;
	}
	if (cfg->tls_listen[0] != '\0') {
		struct tls_files files = {cfg->tls_listen, cfg->tls_cert,
		    cfg->tls_key, cfg->operator_ca};
		if ((ssl_ctx = tls_server_ctx(&files, stderr)) == NULL)
			goto out;
		srv.tls = http_server_new_tls(srv.app.base, cfg->tls_host,
		    cfg->tls_port, &lim, ssl_ctx, on_request, &srv);
		SSL_CTX_free(ssl_ctx);
		if (srv.tls == NULL) {
			fprintf(stderr,
			    "RXCA_TLS_LISTEN: cannot listen on %s\n",
			    cfg->tls_listen);
			goto out;
		}
	}
	jenv.app = &srv.app;
	jenv.cfg = cfg;
	jenv.base = srv.app.base;
	jenv.pool = srv.app.pool;
	jenv.stopping = &srv.app.stopping;
	jenv.db_up = &srv.app.db_up;
	jenv.queued = &srv.app.jobs_queued;
	jenv.failed = &srv.app.jobs_failed;
	jenv.outbox_queued = &srv.app.outbox_queued;
	jenv.outbox_oldest = &srv.app.outbox_oldest;
	jenv.outbox_dead = &srv.app.outbox_dead;
	srv.jobs = jobs_new(&jenv);
	srv.auditseq =
	    auditseq_new(srv.app.base, srv.app.pool, cfg, &srv.app.stopping);
	srv.app.ocsp = ocspcache_new(&srv.app);
	srv.sigterm = evsignal_new(srv.app.base, SIGTERM, on_signal, &srv);
	srv.sigint = evsignal_new(srv.app.base, SIGINT, on_signal, &srv);
	srv.stop_timer = evtimer_new(srv.app.base, stop_timer_cb, &srv);
	evsignal_add(srv.sigterm, NULL);
	evsignal_add(srv.sigint, NULL);
	if (cfg->smtp_url[0] == '\0')
		log_info("no SMTP server configured: mail is written as .eml "
		         "files",
		    "dir=%s", cfg->mail_dir);
	if (srv.tls != NULL)
		printf("rxca-server listening on https://%s:%d\n",
		    cfg->tls_host, http_server_port(srv.tls));
	printf("rxca-server listening on http://%s:%d\n", cfg->listen_host,
	    http_server_port(srv.http));
	fflush(stdout);
	log_info("started", "workers=%d hash_workers=%d policy=%s",
	    cfg->workers, cfg->hash_workers, cfg->policy_name);
	event_base_dispatch(srv.app.base);
	rc = 0;
	/* Whatever still runs on a worker has until the deadline; a unit
	 * still running then is left behind, and the process ends here
	 * without freeing what it may use. */
	atomic_store(&srv.app.stopping, 1);
	ocspcache_stop(srv.app.ocsp);
	jobs_stop(srv.jobs);
	auditseq_stop(srv.auditseq);
	if ((pool_stop(srv.app.pool, srv.stopping ? &srv.stop_by : NULL) |
	        pool_stop(srv.hash_pool, srv.stopping ? &srv.stop_by : NULL)) ==
	    -1) {
		log_info("stopped", "abandoned=1");
		fflush(stdout);
		_exit(0);
	}
	srv.app.pool = srv.hash_pool = NULL;
	/* every unit of work has ended: sequence what the drain wrote */
	auditseq_last(cfg->database_url);
out:
	ocspcache_stop(srv.app.ocsp);
	jobs_stop(srv.jobs);
	pool_free(srv.app.pool);
	pool_free(srv.hash_pool);
	jobs_free(srv.jobs);
	auditseq_free(srv.auditseq);
	ocspcache_free(srv.app.ocsp);
	http_server_free(srv.http);
	http_server_free(srv.tls);
	if (srv.sigterm != NULL)
		event_free(srv.sigterm);
	if (srv.sigint != NULL)
		event_free(srv.sigint);
	if (srv.stop_timer != NULL)
		event_free(srv.stop_timer);
	mailer_free(srv.app.mailer);
	authority_free(srv.app.authority);
	authority_free(srv.app.sandbox_ca);
	metrics_free(srv.app.metrics);
	event_base_free(srv.app.base);
	pthread_mutex_destroy(&srv.app.catalog_lock);
	if (rc == 0)
		log_info("stopped", NULL); /* the last line */
	return rc;
}
