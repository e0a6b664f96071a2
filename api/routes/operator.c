#include <stdio.h>
#include <string.h>

#include <openssl/x509.h>

#include "api/service/app.h"
#include "api/service/metrics.h"
#include "api/routes/operator.h"
#include "api/http/ratelog.h"
#include "api/store/store_ops.h"
#include "api/store/tx.h"
#include "common/logger.h"

static const struct {
	const char *name;
	unsigned bit;
} role_names[] = {
    {"reviewer", OPERATOR_ROLE_REVIEWER},
    {"fulfiller", OPERATOR_ROLE_FULFILLER},
    {"revoker", OPERATOR_ROLE_REVOKER},
    {"auditor", OPERATOR_ROLE_AUDITOR},
    {"admin", OPERATOR_ROLE_ADMIN},
};

unsigned
operator_roles_parse(const char *list)
{
	unsigned bits = 0;
	size_t i, n;

	while (list != NULL && *list != '\0') {
		n = strcspn(list, ",");
		for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
			if (strlen(role_names[i].name) == n &&
			    strncmp(role_names[i].name, list, n) == 0)
				bits |= role_names[i].bit;
		list += n;
		if (*list == ',')
			list++;
	}
	return bits;
}

json_t *
operator_roles_json(unsigned bits)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (bits & role_names[i].bit)
			json_array_append_new(
			    a, json_string(role_names[i].name));
	return a;
}

/* The reasons refuse_anonymous() is given, each logged at its own rate. */
static const char *const anon_reasons[] = {METRICS_OPERATOR_REASONS};
#define NANON (sizeof(anon_reasons) / sizeof(anon_reasons[0]))
static struct ratelog anon_log[NANON] = {RATELOG_INIT, RATELOG_INIT,
    RATELOG_INIT, RATELOG_INIT, RATELOG_INIT, RATELOG_INIT};

/*
 * A refusal of a request without a valid operator certificate: anyone
 * can send those at will, so it is counted in the metrics and logged at a
 * bounded rate, never written to the audit log.  Sets p; returns -1.
 */
static int
refuse_anonymous(
    struct ctx *ctx, const char *why, const char *detail, struct problem *p)
{
	const struct http_request *req = ctx->req;
	unsigned long left_out;
	size_t i;

	metrics_operator_refused(ctx->app->metrics, why);
	for (i = 0; i < NANON - 1; i++)
		if (strcmp(anon_reasons[i], why) == 0)
			break;
	if (ratelog_allow(&anon_log[i], &left_out))
		log_warn("operator refused",
		    "reason=%s route=%s peer=%s suppressed=%lu", why,
		    ctx->match.route->name, req->peer, left_out);
	return problem_set(
	    p, 401, "unauthenticated", "Authentication failed", "%s", detail);
}

/* A refusal of a known operator (disabled, or without the role): written
 * to the audit log (its own transaction); sets p. */
static int
refuse(struct ctx *ctx, int status, const char *why, const char *detail,
    struct problem *p)
{
	const struct http_request *req = ctx->req;
	struct problem q;
	struct tx tx;
	json_t *details;

	details = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "reason", why,
	    "method", req->method, "route", ctx->match.route->name, "peer",
	    req->peer, "cert_sha256", req->client_fp, "cert_subject",
	    req->client_subject);
	problem_clear(&q);
	if (tx_begin(&tx, ctx->db, ctx->now,
	        ctx->operator_id[0] ? ctx->operator_id : "anonymous",
	        &q) == -1 ||
	    tx_audit(&tx, "operator.refused",
	        req->client_fp[0] ? req->client_fp : "no-certificate", details,
	        &q) == -1 ||
	    tx_commit(&tx, &q) == -1)
		tx_abort(&tx);
	json_decref(details);
	log_warn("operator refused", "reason=%s route=%s peer=%s", why,
	    ctx->match.route->name, req->peer);
	if (status == 403)
		return problem_set(
		    p, 403, "forbidden", "Forbidden", "%s", detail);
	return problem_set(
	    p, 401, "unauthenticated", "Authentication failed", "%s", detail);
}

/* The checks that need no database, into fp; 0, or -1 with p set. */
static int
precheck(struct ctx *ctx, unsigned char *fp, struct problem *p)
{
	const struct http_request *req = ctx->req;
	unsigned int hi, lo;
	size_t i;

	if (!req->tls)
		return refuse_anonymous(ctx, "not-https",
		    "Operator routes need HTTPS with an operator's client "
		    "certificate.",
		    p);
	if (!req->client_cert || req->client_fp[0] == '\0')
		return refuse_anonymous(ctx, "no-certificate",
		    "No client certificate was presented.", p);
	if (req->client_verify != X509_V_OK)
		return refuse_anonymous(ctx, "certificate-not-accepted",
		    X509_verify_cert_error_string(req->client_verify), p);
	if (strlen(req->client_fp) != 64)
		return refuse_anonymous(ctx, "bad-fingerprint",
		    "The client certificate is not usable.", p);
	for (i = 0; i < 32; i++) {
		if (sscanf(req->client_fp + 2 * i, "%1x%1x", &hi, &lo) != 2)
			return refuse_anonymous(ctx, "bad-fingerprint",
			    "The client certificate is not usable.", p);
		fp[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
operator_precheck(struct ctx *ctx, struct problem *p)
{
	unsigned char fp[32];

	return precheck(ctx, fp, p);
}

int
operator_authenticate(struct ctx *ctx, unsigned roles, struct problem *p)
{
	struct store_operator_row op;
	unsigned char fp[32];
	unsigned have;
	int found, rc = -1;

	ctx->operator_id[0] = '\0';
	if (precheck(ctx, fp, p) == -1)
		return -1;
	if ((found = store_operator_by_cert(ctx->db, fp, &op, p)) == -1)
		return -1;
	if (found == 0) {
		rc = refuse_anonymous(ctx, "unknown-operator",
		    "This client certificate belongs to no operator.", p);
		goto out;
	}
	snprintf(ctx->operator_id, sizeof(ctx->operator_id), "%s", op.id);
	snprintf(ctx->operator_name, sizeof(ctx->operator_name), "%s", op.name);
	have = operator_roles_parse(op.roles);
	if (op.disabled) {
		rc = refuse(ctx, 401, "operator-disabled",
		    "This operator is disabled.", p);
		goto out;
	}
	if (op.cert_not_after <= ctx->now ||
	    (ctx->req->client_not_after != 0 &&
	        ctx->req->client_not_after <= ctx->now)) {
		/* not a valid certificate, so anonymous (see refuse_anonymous)
		 */
		ctx->operator_id[0] = '\0';
		rc = refuse_anonymous(ctx, "certificate-expired",
		    "The client certificate has expired.", p);
		goto out;
	}
	if (!(have & OPERATOR_ROLE_ADMIN) && !(have & roles)) {
		rc = refuse(ctx, 403, "missing-role",
		    "This operator's roles do not allow this request.", p);
		goto out;
	}
	ctx->operator_roles = have;
	rc = 0;
out:
	if (rc == -1) {
		ctx->operator_id[0] = '\0';
		ctx->operator_name[0] = '\0';
	}
	return rc;
}

void
operator_actor(const struct ctx *ctx, char *buf, size_t bufsz)
{
	if (ctx->operator_id[0] != '\0')
		snprintf(buf, bufsz, "operator:%s", ctx->operator_id);
	else
		snprintf(buf, bufsz, "%s", ctx->session_app);
}
