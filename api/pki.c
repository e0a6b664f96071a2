#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "api/app.h"
#include "api/audit.h"
#include "api/authority.h"
#include "api/crlstore.h"
#include "api/db.h"
#include "api/jobkinds.h"
#include "api/jobs.h"
#include "api/mailer.h"
#include "api/mailjob.h"
#include "api/pki.h"
#include "api/store_ca.h"
#include "api/webhook.h"
#include "ca/crl.h"
#include "ca/ocsp.h"
#include "ca/sigcheck.h"
#include "ca/signer.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define OCSP_BATCH     500   /* responses re-signed by one job run */
#define CRL_SOON       86400 /* a new CRL when nextUpdate is this close */
#define CHECKPOINT_MSG 128   /* bytes of a checkpoint message */
#define PKI_TRIES      10    /* tries of a CRL or OCSP job */

int
pki_ocsp_sign(struct app *app, struct authority *auth,
    const unsigned char *serial, int revoked, time_t revoked_at, int reason,
    time_t now, struct pki_ocsp *out, struct problem *p)
{
	struct signer *signer;
	X509 *responder;
	size_t i;

	memset(out, 0, sizeof(*out));
	memcpy(out->serial, serial, PKI_SERIAL_LEN);
	out->revoked = revoked;
	out->this_update = now;
	out->next_update = now + app->cfg->ocsp_validity;
	authority_ocsp_signer(auth, &responder, &signer);
	for (i = 0; i < PKI_OCSP_DIGESTS; i++) {
		out->der[i] =
		    ocsp_response_build(signer, responder, auth->issuing,
		        i == 0 ? NID_sha1 : NID_sha256, serial, PKI_SERIAL_LEN,
		        revoked ? V_OCSP_CERTSTATUS_REVOKED
		                : V_OCSP_CERTSTATUS_GOOD,
		        revoked_at, reason, now, out->next_update, now,
		        &out->len[i], p);
		if (out->der[i] == NULL) {
			pki_ocsp_free(out);
			return -1;
		}
	}
	return 0;
}

int
pki_ocsp_put(struct db *db, const struct pki_ocsp *o, struct problem *p)
{
	struct dbargs a;
	size_t i;
	int rc;

	for (i = 0; i < PKI_OCSP_DIGESTS; i++) {
		dbargs_init(&a);
		dbargs_bytea(&a, o->serial, PKI_SERIAL_LEN);
		dbargs_text(&a, i == 0 ? "sha1" : "sha256");
		dbargs_text(&a, o->revoked ? "revoked" : "good");
		dbargs_bytea(&a, o->der[i], o->len[i]);
		dbargs_time(&a, o->this_update);
		dbargs_time(&a, o->next_update);
		dbargs_time(&a, o->this_update);
		rc = db_run(db, &sql_ocsp_upsert, &a, p);
		dbargs_free(&a);
		if (rc == -1)
			return -1;
	}
	return 0;
}

void
pki_ocsp_free(struct pki_ocsp *o)
{
	size_t i;

	for (i = 0; i < PKI_OCSP_DIGESTS; i++) {
		OPENSSL_free(o->der[i]);
		o->der[i] = NULL;
	}
}

int
pki_ocsp_store(struct app *app, struct db *db, struct authority *auth,
    const unsigned char *serial, int revoked, time_t revoked_at, int reason,
    time_t now, struct problem *p)
{
	struct pki_ocsp o;
	int rc;

	if (pki_ocsp_sign(app, auth, serial, revoked, revoked_at, reason, now,
	        &o, p) == -1)
		return -1;
	rc = pki_ocsp_put(db, &o, p);
	pki_ocsp_free(&o);
	return rc;
}

int
pki_revoke(struct app *app, struct db *db, const unsigned char *serial,
    const char *reason, const char *actor, const char *comment, int by_operator,
    const char *owner, time_t now, int *already, char *standing,
    size_t standingsz, struct problem *p)
{
	struct authority *auth = app->authority;
	PGresult *r = NULL;
	struct dbargs a;
	json_t *details;
	char hex[2 * PKI_SERIAL_LEN + 1];
	time_t at = now;
	int code, rc = -1, upgrade = 0;

	*already = 0;
	snprintf(standing, standingsz, "%s", reason);
	digest_hex(serial, PKI_SERIAL_LEN, hex);
	if ((code = crl_reason_parse(reason)) < 0)
		return problem_field(p, "reason", "not an RFC 5280 reason");
	if (authority_load(auth, app->cfg, db, p) == -1)
		return -1;
	dbargs_init(&a);
	dbargs_bytea(&a, serial, PKI_SERIAL_LEN);
	r = db_exec(db, &sql_cert_lock, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	if (PQntuples(r) != 1 ||
	    (owner != NULL && strcmp(db_get(r, 0, 0), owner) != 0)) {
		problem_set(
		    p, 404, "not-found", "Not found", "No such certificate.");
		goto out;
	}
	if (strcmp(db_get(r, 0, 1), "revoked") == 0) {
		*already = 1;
		at = db_get_time(r, 0, 3);
		snprintf(standing, standingsz, "%s",
		    db_get(r, 0, 2) != NULL ? db_get(r, 0, 2) : "unspecified");
		/* Only an operator raises the reason, and only to
		 * keyCompromise. */
		if (!by_operator || code != CRL_REASON_KEY_COMPROMISE ||
		    strcmp(db_get(r, 0, 2), "keyCompromise") == 0) {
			rc = 0;
			goto out;
		}
		upgrade = 1;
		snprintf(standing, standingsz, "%s", reason);
		dbargs_init(&a);
		dbargs_bytea(&a, serial, PKI_SERIAL_LEN);
		dbargs_text(&a, reason);
		rc = db_run(db, &sql_cert_reason, &a, p);
		dbargs_free(&a);
	} else {
		dbargs_init(&a);
		dbargs_bytea(&a, serial, PKI_SERIAL_LEN);
		dbargs_text(&a, reason);
		dbargs_time(&a, now);
		dbargs_text(&a, actor);
		dbargs_text(&a, comment);
		rc = db_run(db, &sql_cert_revoke, &a, p);
		dbargs_free(&a);
	}
	if (rc == -1)
		goto out;
	rc = -1;
	/*
	 * The revocation stands even if its OCSP responses cannot be signed
	 * now (the OCSP signer not valid at this time): the refresh job
	 * signs them, and the CRL lists it either way.
	 */
	if (db_savepoint(db, p) == -1)
		goto out;
	if (pki_ocsp_store(app, db, auth, serial, 1, at, code, now, p) == -1) {
		log_error("OCSP responses not signed at revocation",
		    "serial=%s detail=\"%s\"", hex, p->detail);
		problem_clear(p);
		if (db_rollback_savepoint(db, p) == -1)
			goto out;
		/* The old "good" answers must not be served any more: run
		 * them out, so that nodes answer from the database. */
		dbargs_init(&a);
		dbargs_bytea(&a, serial, PKI_SERIAL_LEN);
		dbargs_time(&a, now);
		rc = db_run(db, &sql_ocsp_expire, &a, p);
		dbargs_free(&a);
		if (rc == -1 ||
		    jobs_add_once(db, app->cfg, JOB_OCSP_REFRESH, p) == -1) {
			rc = -1;
			goto out;
		}
		rc = -1;
	}
	details =
	    json_pack("{s:s, s:s, s:s?, s:b}", "reason", reason, "application",
	        db_get(r, 0, 0), "comment", comment, "upgrade", upgrade);
	rc = audit_append(
	    db, now, actor, "certificate.revoked", hex, details, p);
	json_decref(details);
	if (rc == -1 ||
	    (rc = webhook_emit_cert(
	         db, "certificate.revoked", serial, now, p)) == -1)
		goto out;
	rc = jobs_add_once(db, app->cfg, JOB_CRL_REFRESH, p);
	if (rc == 0)
		log_info("certificate revoked", "serial=%s reason=%s by=%s",
		    hex, reason, actor);
out:
	PQclear(r);
	return rc;
}

int
pki_abandon(struct app *app, struct db *db, const unsigned char *serial,
    const char *app_id, const char *kit, const char *why, time_t now,
    struct problem *p)
{
	struct authority *auth = app->authority;
	PGresult *r = NULL;
	struct dbargs a;
	json_t *details = NULL;
	char hex[2 * PKI_SERIAL_LEN + 1];
	int rc = -1;

	digest_hex(serial, PKI_SERIAL_LEN, hex);
	if (authority_load(auth, app->cfg, db, p) == -1)
		return -1;
	dbargs_init(&a);
	dbargs_bytea(&a, serial, PKI_SERIAL_LEN);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_cert_abandon, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		rc = 1; /* finished, or being finished, by another request */
		goto out;
	}
	/* As at revocation: if its responses cannot be signed now, the
	 * refresh job signs them; the CRL lists it either way. */
	if (db_savepoint(db, p) == -1)
		goto out;
	if (pki_ocsp_store(app, db, auth, serial, 1, now, CRL_REASON_SUPERSEDED,
	        now, p) == -1) {
		log_error("OCSP responses not signed at abandonment",
		    "serial=%s detail=\"%s\"", hex, p->detail);
		problem_clear(p);
		if (db_rollback_savepoint(db, p) == -1 ||
		    jobs_add_once(db, app->cfg, JOB_OCSP_REFRESH, p) == -1)
			goto out;
	}
	details = json_pack("{s:s, s:s?, s:s, s:s}", "application", app_id,
	    "kit", kit, "reason", "superseded", "why", why);
	if (audit_append(db, now, "system", "certificate.abandoned", hex,
	        details, p) == -1 ||
	    jobs_add_once(db, app->cfg, JOB_CRL_REFRESH, p) == -1)
		goto out;
	log_info("unfinished certificate abandoned", "serial=%s app=%s why=%s",
	    hex, app_id, why);
	rc = 0;
out:
	json_decref(details);
	PQclear(r);
	return rc;
}

int
pki_job_crl(struct app *app, struct db *db, const struct job *job, time_t now,
    struct problem *p)
{
	struct authority *auth = app->authority;
	struct crlstore_crl c;
	struct crl_entry *e = NULL;
	PGresult *r = NULL, *n = NULL;
	long long number = 1;
	int i, len, rows, rc = JOB_FAILED;
	const char *reason;

	(void)job;
	if (authority_load(auth, app->cfg, db, p) == -1)
		return JOB_FAILED;
	/* The row lock makes the CRL number grow one at a time. */
	if ((n = db_exec(db, &sql_crl_lock, NULL, p)) == NULL)
		goto out;
	if (PQntuples(n) == 1)
		number = db_get_int(n, 0, 0) + 1;
	if ((r = db_exec(db, &sql_crl_revoked, NULL, p)) == NULL)
		goto out;
	rows = PQntuples(r);
	e = xcalloc(rows > 0 ? (size_t)rows : 1, sizeof(*e));
	for (i = 0; i < rows; i++) {
		if (db_get_bytea(r, i, 0, e[i].serial, PKI_SERIAL_LEN) !=
		    PKI_SERIAL_LEN) {
			problem_internal(p);
			goto out;
		}
		e[i].revoked_at = db_get_time(r, i, 1);
		reason = db_get(r, i, 2);
		e[i].reason = reason != NULL ? crl_reason_parse(reason) : -1;
	}
	c.issuer = auth->issuing;
	c.signer = auth->signer;
	c.entry = e;
	c.nentries = (size_t)rows;
	c.number = number;
	c.this_update = now;
	c.next_update = now + app->cfg->crl_validity;
	if ((len = crlstore_publish(db, &sql_crl_store, &c, now, p)) == -1)
		goto out;
	log_info("CRL published", "number=%lld entries=%d bytes=%d", number,
	    rows, len);
	rc = JOB_DONE;
out:
	free(e);
	PQclear(n);
	PQclear(r);
	return rc;
}

int
pki_job_ocsp(struct app *app, struct db *db, const struct job *job, time_t now,
    struct problem *p)
{
	struct authority *auth = app->authority;
	unsigned char serial[PKI_SERIAL_LEN];
	PGresult *r = NULL;
	struct dbargs a;
	const char *reason;
	int i, revoked, n = 0, rc = JOB_FAILED;

	(void)job;
	if (authority_load(auth, app->cfg, db, p) == -1)
		return JOB_FAILED;
	dbargs_init(&a);
	dbargs_time(&a, now + app->cfg->ocsp_refresh);
	dbargs_int(&a, OCSP_BATCH);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_ocsp_due, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return JOB_FAILED;
	for (i = 0; i < PQntuples(r); i++) {
		if (db_get_bytea(r, i, 0, serial, sizeof(serial)) !=
		    PKI_SERIAL_LEN)
			continue;
		revoked = strcmp(db_get(r, i, 1), "issued") != 0;
		reason = db_get(r, i, 3);
		if (pki_ocsp_store(app, db, auth, serial, revoked,
		        db_get_time(r, i, 2),
		        reason != NULL ? crl_reason_parse(reason) : -1, now,
		        p) == -1)
			goto out;
		n++;
	}
	if (n > 0)
		log_info("OCSP responses re-signed", "count=%d", n);
	/* More than one batch due: go on in a new job. */
	if (n == OCSP_BATCH &&
	    jobs_add(db, app->cfg, JOB_OCSP_REFRESH, NULL, NULL, now + 1, p) ==
	        -1)
		goto out;
	rc = JOB_DONE;
out:
	PQclear(r);
	return rc;
}

size_t
pki_checkpoint_message(
    long long audit_id, const unsigned char *hash, char *buf, size_t bufsz)
{
	static const char hexd[] = "0123456789abcdef";
	char hex[2 * DIGEST_LEN + 1];
	int i, n;

	for (i = 0; i < DIGEST_LEN; i++) {
		hex[2 * i] = hexd[hash[i] >> 4];
		hex[2 * i + 1] = hexd[hash[i] & 15];
	}
	hex[2 * DIGEST_LEN] = '\0';
	n = snprintf(
	    buf, bufsz, "rxca-audit-checkpoint:v1:%lld:%s", audit_id, hex);
	return n < 0 || (size_t)n >= bufsz ? 0 : (size_t)n;
}

/* A signed checkpoint of the chain's head, if one is due. */
static void
checkpoint(struct app *app, struct db *db, time_t now)
{
	struct authority *auth = app->authority;
	PGresult *h = NULL, *l = NULL;
	unsigned char hash[DIGEST_LEN], *sig = NULL;
	char msg[CHECKPOINT_MSG];
	struct dbargs a;
	struct problem p;
	long long head;
	size_t mlen, slen;

	problem_clear(&p);
	if (authority_load(auth, app->cfg, db, &p) == -1 ||
	    db_begin(db, &p) == -1)
		return;
	if ((h = db_exec(db, &sql_audit_head, NULL, &p)) == NULL ||
	    PQntuples(h) != 1 ||
	    (l = db_exec(db, &sql_checkpoint_last, NULL, &p)) == NULL)
		goto out;
	head = db_get_int(h, 0, 0);
	if (PQntuples(l) == 1 &&
	    (db_get_int(l, 0, 0) == head ||
	        now - db_get_time(l, 0, 1) < app->cfg->checkpoint_interval))
		goto out;
	if (db_get_bytea(h, 0, 1, hash, sizeof(hash)) != DIGEST_LEN ||
	    (mlen = pki_checkpoint_message(head, hash, msg, sizeof(msg))) ==
	        0 ||
	    signer_sign(auth->signer, (const unsigned char *)msg, mlen, &sig,
	        &slen, &p) == -1)
		goto out;
	dbargs_init(&a);
	dbargs_int(&a, head);
	dbargs_bytea(&a, hash, sizeof(hash));
	dbargs_time(&a, now);
	dbargs_bytea(&a, sig, slen);
	if (db_run(db, &sql_checkpoint_insert, &a, &p) == 0 &&
	    db_commit(db, &p) == 0)
		log_info("audit checkpoint signed", "audit_id=%lld", head);
	dbargs_free(&a);
out:
	db_rollback(db);
	OPENSSL_free(sig);
	PQclear(h);
	PQclear(l);
}

/* Kits' reservations that never finished, abandoned after the timeout
 * (one transaction each; another node doing the same is harmless). */
static void
abandon_unfinished(struct app *app, struct db *db, time_t now)
{
	unsigned char serial[PKI_SERIAL_LEN];
	PGresult *r;
	struct dbargs a;
	struct problem p;
	int i;

	problem_clear(&p);
	dbargs_init(&a);
	dbargs_time(&a, now - app->cfg->abandon_after);
	dbargs_int(&a, OCSP_BATCH);
	r = db_exec(db, &sql_cert_unfinished, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		return;
	for (i = 0; i < PQntuples(r); i++) {
		if (db_get_bytea(r, i, 0, serial, sizeof(serial)) !=
		        PKI_SERIAL_LEN ||
		    db_begin(db, &p) == -1)
			continue;
		if (pki_abandon(app, db, serial, db_get(r, i, 1),
		        db_get(r, i, 2), "timeout", now, &p) != 0 ||
		    db_commit(db, &p) == -1)
			db_rollback(db);
		problem_clear(&p);
	}
	PQclear(r);
}

/* The root CRL signed ahead whose time has come replaces the published
 * one (the newest of them, once, whichever node gets there first). */
static const struct sql sql_root_crl_publish = {"root_crl_publish",
    "WITH due AS (DELETE FROM root_crls_ahead WHERE this_update <= $1 "
    "RETURNING *), latest AS (SELECT * FROM due ORDER BY number DESC "
    "LIMIT 1) UPDATE crls c SET number = l.number, this_update = "
    "l.this_update, next_update = l.next_update, entries = 0, der = l.der, "
    "etag = l.etag, created_at = $1 FROM latest l WHERE c.issuer = 'root' "
    "AND c.number < l.number RETURNING c.number",
    1};
/* When the last root CRL signed (published or ahead) ends. */
static const struct sql sql_root_crl_end = {"root_crl_end",
    "SELECT greatest((SELECT next_update FROM crls WHERE issuer = 'root'), "
    "(SELECT max(next_update) FROM root_crls_ahead))",
    0};
static const struct sql sql_root_crl_remind = {"root_crl_remind",
    "INSERT INTO root_crl_reminders (next_update, sent_at) VALUES ($1, $2) "
    "ON CONFLICT DO NOTHING RETURNING sent_at",
    2};

/*
 * Publishes a root CRL signed ahead when its time comes; sets the root
 * CRL gauges; and when the last root CRL signed ends within
 * RXCA_ROOT_CRL_REMIND_DAYS, reminds the operators once per end (an
 * e-mail to RXCA_OPERATOR_EMAIL, audited).  One transaction.
 */
static void
root_crl_sweep(struct app *app, struct db *db, time_t now)
{
	PGresult *r = NULL;
	struct dbargs a;
	struct problem p;
	json_t *details = NULL;
	char *payload = NULL;
	time_t end;
	int soon, mailed;

	problem_clear(&p);
	if (db_begin(db, &p) == -1)
		return;
	dbargs_init(&a);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_root_crl_publish, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	if (PQntuples(r) == 1) {
		details = json_pack(
		    "{s:I}", "number", (json_int_t)db_get_int(r, 0, 0));
		if (audit_append(db, now, "system", "ca.root_crl_published",
		        "root", details, &p) == -1)
			goto out;
		log_info("root CRL signed ahead published", "number=%lld",
		    db_get_int(r, 0, 0));
		json_decref(details);
		details = NULL;
	}
	PQclear(r);
	if ((r = db_exec(db, &sql_root_crl_end, NULL, &p)) == NULL)
		goto out;
	if (PQntuples(r) != 1 || db_get(r, 0, 0) == NULL)
		goto commit; /* no CA yet */
	end = db_get_time(r, 0, 0);
	PQclear(r);
	r = NULL;
	soon = end - now < (time_t)app->cfg->root_crl_remind_days * 86400;
	atomic_store(&app->root_crl_next_update, (long)end);
	atomic_store(&app->root_crl_due, soon);
	if (!soon)
		goto commit;
	dbargs_init(&a);
	dbargs_time(&a, end);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_root_crl_remind, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	if (PQntuples(r) == 1) {
		mailed = app->cfg->operator_email[0] != '\0';
		payload = xprintf("{\"next_update\": %lld}", (long long)end);
		if (mailed &&
		    jobs_add(db, app->cfg, JOB_EMAIL_ROOT_CRL, NULL, payload,
		        now, &p) == -1)
			goto out;
		details = json_pack("{s:I, s:b}", "next_update",
		    (json_int_t)end, "mailed", mailed);
		if (audit_append(db, now, "system", "ca.root_crl_reminder",
		        "root", details, &p) == -1)
			goto out;
		log_warn("the root CRL needs signing soon: rxca-admin ca "
		         "root-crl",
		    "next_update=%lld mailed=%d", (long long)end, mailed);
	}
commit:
	(void)db_commit(db, &p);
out:
	db_rollback(db);
	json_decref(details);
	free(payload);
	PQclear(r);
}

int
pki_job_root_crl_mail(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	char until[WALLCLOCK_RFC3339_LEN], *body = NULL;
	json_error_t jerr;
	json_t *pl = NULL;
	json_int_t end = 0;
	int rc = JOB_FAILED;

	(void)db;
	(void)now;
	if ((pl = json_loads(job->payload, 0, &jerr)) == NULL ||
	    json_unpack_ex(pl, &jerr, 0, "{s:I}", "next_update", &end) == -1) {
		problem_internal(p);
		goto out;
	}
	if (app->cfg->operator_email[0] == '\0') {
		rc = JOB_DONE; /* unset since: the audit record and log stay */
		goto out;
	}
	wallclock_format((time_t)end, until, sizeof(until));
	body = xprintf(
	    "The last CRL signed for the rxca root CA ends on %s.\n\n"
	    "Relying parties that check the issuing CA's status against it "
	    "will refuse every rxca certificate after that time.  With the "
	    "root key at hand, run\n\n"
	    "    rxca-admin ca root-crl [--ahead N]\n\n"
	    "to sign a new one (and N more, published later).\n",
	    until);
	if (mailer_send(app->mailer, app->cfg->operator_email,
	        "rxca: the root CRL must be signed again soon", body, p) == -1)
		goto out;
	atomic_fetch_add(&app->emails_sent, 1);
	rc = JOB_DONE;
out:
	json_decref(pl);
	free(body);
	return rc;
}

void
pki_sweep(struct app *app, struct db *db, time_t now)
{
	struct authority *auth = app->authority;
	PGresult *r = NULL;
	struct dbargs a;
	struct problem p;
	int crl_due, ocsp_due = 0;

	problem_clear(&p);
	if (authority_load(auth, app->cfg, db, &p) == -1)
		return; /* no CA yet */
	if (authority_ocsp_renew(auth, app->cfg, db, now, &p) == -1)
		log_error("the OCSP signer could not be renewed",
		    "detail=\"%s\"", p.detail);
	problem_clear(&p);
	if ((r = db_exec(db, &sql_crl_current, NULL, &p)) == NULL)
		return;
	/* Due: none yet, the interval passed, or nextUpdate close (a day,
	 * or half the validity when that is shorter). */
	crl_due = PQntuples(r) == 0 ||
	    now - db_get_time(r, 0, 1) >= app->cfg->crl_interval ||
	    db_get_time(r, 0, 2) - now < (app->cfg->crl_validity / 2 < CRL_SOON
	                                         ? app->cfg->crl_validity / 2
	                                         : CRL_SOON);
	PQclear(r);
	dbargs_init(&a);
	dbargs_time(&a, now + app->cfg->ocsp_refresh);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_ocsp_due_count, &a, &p);
	dbargs_free(&a);
	if (r != NULL) {
		ocsp_due = db_get_int(r, 0, 0) > 0;
		PQclear(r);
	}
	if ((crl_due || ocsp_due) && db_begin(db, &p) == 0) {
		if ((!crl_due ||
		        jobs_add_once(db, app->cfg, JOB_CRL_REFRESH, &p) ==
		            0) &&
		    (!ocsp_due ||
		        jobs_add_once(db, app->cfg, JOB_OCSP_REFRESH, &p) == 0))
			(void)db_commit(db, &p);
		db_rollback(db);
	}
	checkpoint(app, db, now);
	abandon_unfinished(app, db, now);
	root_crl_sweep(app, db, now);
}

int
pki_checkpoints_verify(struct db *db, X509 *issuing, long long *checked,
    long long *first_bad, struct problem *p)
{
	EVP_PKEY *key = X509_get0_pubkey(issuing);
	unsigned char head[DIGEST_LEN], row[DIGEST_LEN], sig[1024];
	char msg[CHECKPOINT_MSG];
	PGresult *r;
	long slen;
	size_t mlen;
	int i, ok, rc = 0;

	*checked = 0;
	*first_bad = 0;
	if ((r = db_exec(db, &sql_checkpoint_all, NULL, p)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(r); i++) {
		ok = db_get_bytea(r, i, 2, head, sizeof(head)) == DIGEST_LEN &&
		    db_get(r, i, 4) != NULL &&
		    db_get_bytea(r, i, 4, row, sizeof(row)) == DIGEST_LEN &&
		    memcmp(head, row, DIGEST_LEN) == 0 &&
		    (slen = db_get_bytea(r, i, 3, sig, sizeof(sig))) > 0 &&
		    (mlen = pki_checkpoint_message(
		         db_get_int(r, i, 1), head, msg, sizeof(msg))) > 0 &&
		    sigcheck_verify(key, sig, (size_t)slen, msg, mlen) == 0;
		if (!ok) {
			*first_bad = db_get_int(r, i, 0);
			rc = 1;
			break;
		}
		(*checked)++;
	}
	PQclear(r);
	return rc;
}

static const struct job_kind pki_kinds[] = {
    {.name = JOB_CRL_REFRESH,
        .run = pki_job_crl,
        .max_attempts = PKI_TRIES,
        .backoff = JOB_BACKOFF_JOB},
    {.name = JOB_OCSP_REFRESH,
        .run = pki_job_ocsp,
        .max_attempts = PKI_TRIES,
        .backoff = JOB_BACKOFF_JOB},
    {.name = JOB_EMAIL_ROOT_CRL,
        .run = pki_job_root_crl_mail,
        .max_attempts = PKI_TRIES,
        .backoff = JOB_BACKOFF_MAIL,
        .life_days = mailjob_keep_days,
        .dead = mailjob_lost},
};

int
pki_jobs_register(void)
{
	if (jobs_register_all(
	        pki_kinds, sizeof(pki_kinds) / sizeof(pki_kinds[0])) == -1)
		return -1;
	return jobs_register_sweep("pki", pki_sweep);
}
