/*
 * Revocation, the relying parties' routes and the verifiable audit:
 *
 *   POST /v1/ops/certificates/{serial}/revocation  {"reason", "comment"}
 *        revoker: any RFC 5280 reason but certificateHold.  Under dual
 *        control when RXCA_DUAL_CONTROL lists "revocation": 202, and a
 *        second revoker confirms.
 *   POST /v1/certificates/{serial}/revocation  {"reason"}
 *        the subject's session: keyCompromise or cessationOfOperation.
 *   POST /ocsp, GET /ocsp/{base64 request}
 *        anyone: RFC 6960 / RFC 5019 from the pre-signed responses held
 *        in memory (api/service/ocspcache.c, bounded), on the event loop;
 *        a miss is read from the database on a worker and kept in memory
 *        for the next ask.  Only without a valid stored response (say, a
 *        serial rxca never issued: "unknown") is one signed, within the
 *        client address's bound (else tryLater).  A request nonce is not
 *        echoed: the responses are pre-signed.
 *   GET  /pki/issuing.crl, /pki/issuing-<k>.crl
 *        anyone: the current CRL (or shard k's, RXCA_CRL_SHARDS), DER,
 *        with ETag and max-age.
 *   GET  /v1/ops/audit?after=<id>&limit=<n>, GET /v1/ops/audit/verify
 *        auditor: the audit records; the chain and checkpoint check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "api/service/app.h"
#include "api/routes/h_approvals.h"
#include "api/routes/operator.h"
#include "api/store/audit.h"
#include "api/service/authority.h"
#include "api/service/ocspcache.h"
#include "api/routes/page.h"
#include "api/service/pki.h"
#include "api/routes/routes.h"
#include "api/store/store_cert.h"
#include "api/store/tx.h"
#include "ca/crl.h"
#include "ca/ocsp.h"
#include "common/base64.h"
#include "common/bounds.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/percent.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define COMMENT_MAX      500
#define AUDIT_MAX_LIMIT  1000
#define AUDIT_DEF_LIMIT  100
#define OCSP_UNKNOWN_AGE 300 /* seconds an "unknown" may be cached */

static const char *const revoke_keys[] = {"reason", "comment", NULL};

/* The OCSP responses are signed before the unit of work (revoke_prepare);
 * in it (revoke_run) the revocation, its audit record, those responses and
 * the CRL job commit together or not at all. */
static int
revoke_prepare(struct ctx *ctx, const char *target, json_t *params, int check,
    void **state, struct problem *p)
{
	unsigned char serial[PKI_SERIAL_LEN];
	const char *reason;
	struct pki_revocation *rv;

	reason = json_string_value(json_object_get(params, "reason"));
	if (reason == NULL)
		return problem_internal(p);
	if (digest_unhex(target, serial, sizeof(serial)) != 0)
		return problem_set(p, 404, "not-found", "Not found",
		    "No such certificate (serials are 32 lower-case hex "
		    "digits).");
	rv = xcalloc(1, sizeof(*rv));
	/* (A subject's request names its own application: nothing is
	 * signed for a certificate of someone else.) */
	if (pki_revoke_prepare(ctx->app, ctx->db, serial, reason,
	        ctx->operator_id[0] != '\0',
	        ctx->operator_id[0] != '\0' ? NULL : ctx->session_app, !check,
	        ctx->now, rv, p) == -1) {
		free(rv);
		return -1;
	}
	*state = rv;
	return 0;
}

static int
revoke_run(struct ctx *ctx, struct tx *tx, const char *target, json_t *params,
    void *state, json_t **result, struct problem *p)
{
	int by_operator = ctx->operator_id[0] != '\0', already = 0;
	const char *reason, *comment;
	char standing[32];

	reason = json_string_value(json_object_get(params, "reason"));
	comment = json_string_value(json_object_get(params, "comment"));
	if (pki_revoke_tx(ctx->app, tx, state, reason, tx->actor, comment,
	        by_operator, by_operator ? NULL : ctx->session_app, &already,
	        standing, sizeof(standing), p) == -1)
		return -1;
	*result = json_pack("{s:s, s:s, s:s, s:b}", "serial", target, "status",
	    "revoked", "reason", standing, "already_revoked", already);
	return 0;
}

static void
revoke_release(void *state)
{
	pki_revocation_free(state);
	free(state);
}

const struct ops_action ops_action_revoke = {"revocation",
    OPERATOR_ROLE_REVOKER, 200, revoke_prepare, revoke_run, revoke_release,
    NULL};
/* The subject's own: never under dual control. */
const struct ops_action ops_action_self_revoke = {"revocation.self", 0, 200,
    revoke_prepare, revoke_run, revoke_release, NULL};

/* Both revocation routes: operator or subject. */
static void
revoke(struct ctx *ctx, int by_operator)
{
	unsigned char serial[PKI_SERIAL_LEN];
	const char *reason = NULL, *comment = NULL;
	struct problem p;
	json_error_t jerr;
	json_t *body = NULL, *params = NULL;

	problem_clear(&p);
	if ((body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, revoke_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "reason", &reason) == -1)
		problem_field(
		    &p, "reason", "required: an RFC 5280 reason name");
	else if (!by_operator && strcmp(reason, "keyCompromise") != 0 &&
	    strcmp(reason, "cessationOfOperation") != 0)
		problem_field(&p, "reason",
		    "keyCompromise (the token or a password is lost or "
		    "disclosed) or cessationOfOperation");
	else if (strcmp(reason, "certificateHold") == 0 ||
	    strcmp(reason, "removeFromCRL") == 0)
		problem_field(&p, "reason", "not offered: revocation is final");
	if (json_object_get(body, "comment") != NULL &&
	    (json_unpack_ex(body, &jerr, 0, "{s:s}", "comment", &comment) ==
	            -1 ||
	        strlen(comment) > COMMENT_MAX ||
	        strpbrk(comment, "\r\n") != NULL))
		problem_field(
		    &p, "comment", "one line of at most %d bytes", COMMENT_MAX);
	if (!by_operator && comment != NULL)
		problem_field(&p, "comment", "only operators add a comment");
	if (p.status != 0 || ctx_serial(ctx, serial, &p) == -1)
		goto fail;
	params = json_pack("{s:s}", "reason", reason);
	if (comment != NULL)
		json_object_set_new(params, "comment", json_string(comment));
	h_approvals_submit(ctx,
	    by_operator ? &ops_action_revoke : &ops_action_self_revoke,
	    ctx_param(ctx, "serial"), params);
	goto out;
fail:
	reply_problem(ctx, &p, NULL);
out:
	json_decref(params);
	json_decref(body);
}

void
h_ops_revoke(struct ctx *ctx)
{
	revoke(ctx, 1);
}

void
h_self_revoke(struct ctx *ctx)
{
	revoke(ctx, 0);
}

/* HTTP-date of t into buf (30 bytes). */
static void
http_date(time_t t, char *buf, size_t bufsz)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, bufsz, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void
ocsp_reply(struct ctx *ctx, const unsigned char *der, size_t len,
    time_t this_update, time_t next_update)
{
	char buf[96];
	long age;

	http_response_set_body(
	    &ctx->resp, "application/ocsp-response", der, len);
	ctx->resp.status = 200;
	ctx->replied = 1;
	if (next_update == 0)
		return;
	/* RFC 5019 section 6, bounded: never past nextUpdate, never past
	 * the scheduled re-signing (pki_job_ocsp: RXCA_OCSP_REFRESH before
	 * nextUpdate) of an answer that lives longer than that, never more
	 * than RXCA_OCSP_MAX_AGE, so caches converge after a revocation. */
	age = (long)(next_update - ctx->now);
	if (next_update - this_update > ctx->app->cfg->ocsp_refresh &&
	    next_update - ctx->app->cfg->ocsp_refresh - ctx->now < age)
		age = (long)(next_update - ctx->app->cfg->ocsp_refresh -
		    ctx->now);
	if (age > ctx->app->cfg->ocsp_max_age)
		age = ctx->app->cfg->ocsp_max_age;
	if (age < 0)
		age = 0;
	snprintf(buf, sizeof(buf),
	    "max-age=%ld, public, no-transform, must-revalidate", age);
	http_response_add_header(&ctx->resp, "Cache-Control", buf);
	http_date(this_update, buf, sizeof(buf));
	http_response_add_header(&ctx->resp, "Last-Modified", buf);
	http_date(next_update, buf, sizeof(buf));
	http_response_add_header(&ctx->resp, "Expires", buf);
}

static void
ocsp_error(struct ctx *ctx, int status)
{
	unsigned char *der;
	size_t len;

	if ((der = ocsp_error_response(status, &len)) == NULL) {
		ctx->resp.status = 500;
		ctx->replied = 1;
		return;
	}
	ocsp_reply(ctx, der, len, 0, 0);
	OPENSSL_free(der);
}

/* The DER request of a POST body or a GET path into *der (owned). */
static int
ocsp_request_der(struct ctx *ctx, unsigned char **der, size_t *len)
{
	const char *req = ctx_param(ctx, "request");
	char b64[ROUTER_MAX_PARAM_LEN];
	size_t n;
	int m;

	*der = NULL;
	if (strcmp(ctx->req->method, "POST") == 0) {
		if (ctx->req->body == NULL || ctx->req->body_len == 0 ||
		    ctx->req->body_len > BOUND_OCSP_REQUEST)
			return -1;
		*der = xmalloc(ctx->req->body_len);
		memcpy(*der, ctx->req->body, ctx->req->body_len);
		*len = ctx->req->body_len;
		return 0;
	}
	/* '+' is base64's own there, not a space */
	if (req == NULL ||
	    (m = percent_decode(req, strlen(req), 0, b64, sizeof(b64))) <= 0 ||
	    m % 4 != 0)
		return -1;
	n = (size_t)m;
	*der = xmalloc(BASE64_DECODED_MAX(n));
	if (base64_decode(b64, n, *der, BASE64_DECODED_MAX(n), len) == -1) {
		free(*der);
		*der = NULL;
		return -1;
	}
	return 0;
}

/* The issuing CA's CertID hashes if loaded (loop or worker); NULL
 * before. */
static const struct ocsp_issuer_id *
loaded_issuer(struct authority *a)
{
	const struct ocsp_issuer_id *id = NULL;

	pthread_mutex_lock(&a->lock);
	if (a->loaded)
		id = &a->issuing_id;
	pthread_mutex_unlock(&a->lock);
	return id;
}

/* A stored response read for a miss. */
struct stored_answer {
	unsigned char *der; /* owned */
	size_t len;
	time_t this_update, next_update;
	long long version;
	long long head; /* newest version in the read's snapshot */
};

static void
stored_answer_row(const struct ocsp_stored *o, void *arg)
{
	struct stored_answer *s = arg;

	if (o->der == NULL || o->der_len <= 0)
		return;
	free(s->der);
	s->der = xmalloc((size_t)o->der_len);
	memcpy(s->der, o->der, (size_t)o->der_len);
	s->len = (size_t)o->der_len;
	s->this_update = o->this_update;
	s->next_update = o->next_update;
	s->version = o->version;
	s->head = o->head;
}

/*
 * On a worker: the stored response of q, valid now, answered and offered
 * to the cache: 1; 0 if there is none (or the read failed: signing
 * decides); the read goes to RXCA_OCSP_DATABASE_URL if set.  A replica
 * that lags behind the change feed (its newest version older than the
 * feed's position) may hold a response the feed has already replaced:
 * it is answered (the lag is the replica's), and offered as read at that
 * older position, which the cache takes only over an entry it holds (by
 * version), never as a new one that no feed row would correct.
 */
static int
ocsp_stored_reply(struct ctx *ctx, const struct ocsp_query *q)
{
	struct ocspcache *c = ctx->app->ocsp;
	struct stored_answer s = {0};
	long long seen = ocspcache_seen(c);
	struct db *db = ocspcache_db(c, ctx->db);
	struct problem p;
	int found;

	problem_clear(&p);
	if (store_ocsp_ready(db, &p) == -1 ||
	    (found = store_ocsp_get(db, q->serial, q->serial_len,
	         q->md_nid == NID_sha256 ? "sha256" : "sha1", stored_answer_row,
	         &s, &p)) != 1 ||
	    s.der == NULL || s.next_update <= ctx->now) {
		free(s.der);
		return 0;
	}
	ocspcache_count_lookup(c);
	ocspcache_offer(c, q->serial, q->serial_len, q->md_nid, 0, s.version,
	    s.head < seen ? s.head : seen, s.der, s.len, s.this_update,
	    s.next_update);
	ocsp_reply(ctx, s.der, s.len, s.this_update, s.next_update);
	free(s.der);
	return 1;
}

_Static_assert(sizeof(struct ocsp_query) <= CTX_LOOP_STATE,
    "struct ctx's loop_state holds a parsed OCSP request");

/*
 * The OCSP responder of auth's issuing CA: production's at /ocsp, the
 * sandbox's test CA at /sandbox/ocsp.  A request naming another issuer
 * is unauthorized, and a certificate of the other world is "unknown"
 * (the responses stored for a certificate are its own CA's, whose
 * CertID names that CA: no relying party takes them for the other's).
 */
static void
ocsp_serve(struct ctx *ctx, struct authority *auth)
{
	const struct ocsp_entry *e;
	struct ocsp_query q;
	struct problem p;
	unsigned char *der = NULL, *resp = NULL;
	size_t len, rlen;
	const struct ocsp_issuer_id *issuer;
	X509 *responder;
	struct signer *signer;
	struct cert_status_row st;
	time_t revoked_at = 0;
	long long version = 0, seen;
	long age;
	int found, status, reason = -1, other = 0;

	problem_clear(&p);
	if (ctx->has_loop_state)
		/* parsed on the loop, which could not answer from memory */
		memcpy(&q, ctx->loop_state, sizeof(q));
	else if (ocsp_request_der(ctx, &der, &len) == -1 ||
	    ocsp_request_parse(der, len, &q, &p) == -1) {
		ocsp_error(ctx, OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
		goto out;
	}
	if (ctx->db == NULL) {
		memcpy(ctx->loop_state, &q, sizeof(q));
		ctx->has_loop_state = 1;
		/* On the loop: a lookup, else a worker's turn. */
		if ((issuer = loaded_issuer(auth)) != NULL) {
			if (!ocsp_issuer_id_matches(&q, issuer)) {
				ocsp_error(
				    ctx, OCSP_RESPONSE_STATUS_UNAUTHORIZED);
				goto out;
			}
			e = ocspcache_get(ctx->app->ocsp, q.serial,
			    q.serial_len, q.md_nid, ctx->now);
			if (e != NULL) {
				ocsp_reply(ctx, e->der, e->len, e->this_update,
				    e->next_update);
				goto out;
			}
		}
		goto out;
	}
	/* On a worker: not in memory; the stored response if valid. */
	if ((issuer = loaded_issuer(auth)) == NULL &&
	    (store_ocsp_ready(ctx->db, &p) == -1 ||
	        authority_load(auth, ctx->app->cfg, ctx->db, &p) == -1)) {
		ocsp_error(ctx,
		    p.status == 503 ? OCSP_RESPONSE_STATUS_TRYLATER
		                    : OCSP_RESPONSE_STATUS_INTERNALERROR);
		goto out;
	}
	if (!ocsp_issuer_id_matches(&q, &auth->issuing_id)) {
		ocsp_error(ctx, OCSP_RESPONSE_STATUS_UNAUTHORIZED);
		goto out;
	}
	if (ocsp_stored_reply(ctx, &q))
		goto out;
	/*
	 * None (a serial rxca never issued, or its responses ran out): the
	 * certificate's status from the database, signed now, within the
	 * client address's bound; "unknown" only for a serial rxca never
	 * issued.
	 */
	if (!ocspcache_allow(ctx->app->ocsp, ctx->req->client, ctx->now)) {
		ocsp_error(ctx, OCSP_RESPONSE_STATUS_TRYLATER);
		goto out;
	}
	seen = ocspcache_seen(ctx->app->ocsp);
	if (store_ocsp_ready(ctx->db, &p) == -1) {
		ocsp_error(ctx, OCSP_RESPONSE_STATUS_TRYLATER);
		goto out;
	}
	if ((found = store_cert_status(ctx->db, q.serial, q.serial_len,
	         q.md_nid == NID_sha256 ? "sha256" : "sha1", &st, &p)) == -1) {
		ocsp_error(ctx, OCSP_RESPONSE_STATUS_TRYLATER);
		goto out;
	}
	/* The other world's: unknown here, and not held (the cache is
	 * keyed by serial, and its own responder answers it). */
	if (found == 1 && strcmp(st.issuer, authority_issuer(auth)) != 0) {
		found = 0;
		other = 1;
	}
	ocspcache_count_lookup(ctx->app->ocsp);
	status = V_OCSP_CERTSTATUS_UNKNOWN;
	age = OCSP_UNKNOWN_AGE;
	if (found == 1) {
		age = ctx->app->cfg->ocsp_validity;
		version = st.version;
		/* revoked, or a reservation abandoned (superseded) */
		status = strcmp(st.state, "issued") != 0
		    ? V_OCSP_CERTSTATUS_REVOKED
		    : V_OCSP_CERTSTATUS_GOOD;
		if (status == V_OCSP_CERTSTATUS_REVOKED) {
			revoked_at = st.revoked_at;
			reason =
			    st.has_reason ? crl_reason_parse(st.reason) : -1;
		}
	}
	authority_ocsp_signer(auth, &responder, &signer);
	if ((resp = ocsp_response_build(signer, responder, auth->issuing,
	         q.md_nid, q.serial, q.serial_len, status, revoked_at, reason,
	         ctx->now, ctx->now + age, ctx->now, &rlen, &p)) == NULL) {
		ocsp_error(ctx, OCSP_RESPONSE_STATUS_INTERNALERROR);
		goto out;
	}
	ocspcache_count_signed(ctx->app->ocsp);
	/* Held for the next ask.  A certificate's answer only if it has
	 * stored responses: any change of its status rewrites them (a newer
	 * version), which is what replaces this one in memory. */
	if (!other && (status == V_OCSP_CERTSTATUS_UNKNOWN || version > 0))
		ocspcache_offer(ctx->app->ocsp, q.serial, q.serial_len,
		    q.md_nid, status == V_OCSP_CERTSTATUS_UNKNOWN, version,
		    seen, resp, rlen, ctx->now, ctx->now + age);
	ocsp_reply(ctx, resp, rlen, ctx->now, ctx->now + age);
out:
	OPENSSL_free(resp);
	free(der);
}

void
h_ocsp(struct ctx *ctx)
{
	ocsp_serve(ctx, ctx->app->authority);
}

void
h_sandbox_ocsp(struct ctx *ctx)
{
	ocsp_serve(ctx, ctx->app->sandbox_ca);
}

int
h_pki_crl_shard(const char *file)
{
	char *end;
	long k;

	if (strncmp(file, "issuing-", 8) != 0 || file[8] < '0' ||
	    file[8] > '9' || (file[8] == '0' && file[9] != '.'))
		return -1;
	k = strtol(file + 8, &end, 10);
	return strcmp(end, ".crl") == 0 && k <= H_PKI_SHARD_MAX ? (int)k : -1;
}

void
h_pki_crl(struct ctx *ctx, int sandbox)
{
	struct crl_row c = {0};
	struct problem p;
	const char *inm;
	char buf[96];
	time_t next;
	int found, shard;

	problem_clear(&p);
	shard = sandbox ? -1 : h_pki_crl_shard(ctx_param(ctx, "file"));
	if ((found = shard >= 0
	            ? store_crl_shard_of(ctx->db, shard, &c, &p)
	            : store_crl_of(ctx->db,
	                  sandbox ? AUTHORITY_SANDBOX "issuing"
	                      : strcmp(ctx_param(ctx, "file"), "root.crl") == 0
	                      ? "root"
	                      : "issuing",
	                  &c, &p)) == -1)
		goto fail;
	if (found == 0) {
		problem_set(&p, 404, "not-found", "Not found",
		    "No CRL has been published yet.");
		p.retry_after = 60;
		goto fail;
	}
	next = c.next_update;
	inm = http_request_header(ctx->req, "If-None-Match");
	http_response_add_header(&ctx->resp, "ETag", c.etag);
	snprintf(buf, sizeof(buf), "max-age=%ld, public, no-transform",
	    next - ctx->now > 3600 ? 3600L : (long)(next - ctx->now));
	http_response_add_header(&ctx->resp, "Cache-Control", buf);
	http_date(next, buf, sizeof(buf));
	http_response_add_header(&ctx->resp, "Expires", buf);
	ctx->replied = 1;
	if (inm != NULL && strcmp(inm, c.etag) == 0) {
		ctx->resp.status = 304;
		goto out;
	}
	http_response_take_body(&ctx->resp, "application/pkix-crl",
	    (char *)c.der, (size_t)c.der_len);
	c.der = NULL;
	ctx->resp.status = 200;
	goto out;
fail:
	http_response_clear(&ctx->resp);
	http_response_init(&ctx->resp, 500);
	reply_problem(ctx, &p, NULL);
out:
	store_crl_row_free(&c);
}

static const char *const audit_params[] = {
    "after", "limit", "subject", "actor", "action", "since", "until", NULL};

#define AUDIT_FILTER_MAX 200 /* bytes of a subject, actor or action */

/* The filters of GET /v1/ops/audit into f (strings in bufs): 0, or -1 with
 * the field named in p. */
static int
audit_filter_parse(struct ctx *ctx, struct audit_filter *f,
    char bufs[3][AUDIT_FILTER_MAX + 1], struct problem *p)
{
	static const char *const text[] = {"subject", "actor", "action"};
	static const char *const times[] = {"since", "until"};
	char t[WALLCLOCK_RFC3339_LEN + 1];
	time_t *dst[2];
	const char **tdst[3];
	int i, rc;

	memset(f, 0, sizeof(*f));
	tdst[0] = &f->subject;
	tdst[1] = &f->actor;
	tdst[2] = &f->action;
	dst[0] = &f->since;
	dst[1] = &f->until;
	for (i = 0; i < 3; i++) {
		rc = ctx_query(ctx, text[i], bufs[i], AUDIT_FILTER_MAX + 1, p);
		if (rc == -1)
			return -1;
		if (rc == 1 && bufs[i][0] != '\0')
			*tdst[i] = bufs[i];
	}
	for (i = 0; i < 2; i++) {
		rc = ctx_query(ctx, times[i], t, sizeof(t), p);
		if (rc == -1)
			return -1;
		if (rc == 1 &&
		    (wallclock_parse(t, dst[i]) == -1 ||
		        strchr(t, 'T') == NULL || *dst[i] <= 0))
			return problem_field(p, times[i],
			    "an RFC 3339 time, YYYY-MM-DDTHH:MM:SSZ");
	}
	return 0;
}
static const struct page_rule audit_page = {AUDIT_DEF_LIMIT, AUDIT_MAX_LIMIT,
    24, PAGE_AFTER_NUMBER, "an audit record id"};

void
h_ops_audit(struct ctx *ctx)
{
	char bufs[3][AUDIT_FILTER_MAX + 1];
	struct audit_page ap = {NULL, 0};
	const struct audit_row *e;
	struct audit_filter f;
	struct problem p;
	json_error_t jerr;
	json_t *items, *d;
	struct page pg;
	size_t i;

	long long sequenced;

	problem_clear(&p);
	/* Every record committed before the request is in the chain, so
	 * that the list holds the caller's own changes. */
	if (ctx_known_query(ctx, audit_params, &p) == -1 ||
	    page_parse(ctx, &audit_page, &pg, &p) == -1 ||
	    audit_filter_parse(ctx, &f, bufs, &p) == -1 ||
	    audit_sequence_all(ctx->db, &sequenced, &p) == -1 ||
	    store_audit_page(ctx->db, pg.after_number, pg.limit, &f, &ap, &p) ==
	        -1)
		goto fail;
	items = json_array();
	for (i = 0; i < ap.n; i++) {
		e = &ap.rows[i];
		d = json_loads(e->details, 0, &jerr);
		json_array_append_new(items,
		    json_pack("{s:I, s:o, s:s, s:s, s:s, s:o, s:s}", "id",
		        (json_int_t)e->id, "at", wallclock_json(e->at), "actor",
		        e->actor, "action", e->action, "subject", e->subject,
		        "details", d != NULL ? d : json_null(), "hash",
		        e->hash));
	}
	page_reply(ctx, items,
	    page_full(&pg, (int)ap.n) ? json_integer(ap.rows[ap.n - 1].id)
	                              : NULL);
	store_audit_page_free(&ap);
	return;
fail:
	store_audit_page_free(&ap);
	reply_problem(ctx, &p, NULL);
}

void
h_ops_audit_verify(struct ctx *ctx)
{
	struct authority *auth = ctx->app->authority;
	long long checked = 0, bad = 0, cps = 0, badcp = 0, pending = 0;
	struct problem p;
	int v, c = 0;

	problem_clear(&p);
	if ((v = audit_verify(ctx->db, &checked, &bad, &p)) == -1 ||
	    audit_pending(ctx->db, &pending, &p) == -1)
		goto fail;
	/* Without the CA's certificate the checkpoints cannot be checked:
	 * say so rather than call the log intact. */
	if (authority_load(auth, ctx->app->cfg, ctx->db, &p) == -1 ||
	    (c = pki_checkpoints_verify(
	         ctx->db, auth->issuing, &cps, &badcp, &p)) == -1)
		goto fail;
	reply_json(ctx, 200,
	    json_pack("{s:b, s:I, s:o, s:I, s:o, s:I}", "intact",
	        v == 0 && c == 0, "records", (json_int_t)checked,
	        "first_bad_record", v == 1 ? json_integer(bad) : json_null(),
	        "checkpoints", (json_int_t)cps, "first_bad_checkpoint",
	        c == 1 ? json_integer(badcp) : json_null(), "pending",
	        (json_int_t)pending));
	return;
fail:
	reply_problem(ctx, &p, NULL);
}
