#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "api/service/app.h"
#include "api/service/authority.h"
#include "api/service/crlstore.h"
#include "api/service/lifemail.h"
#include "api/jobs/jobkinds.h"
#include "api/jobs/jobs.h"
#include "api/out/mailer.h"
#include "api/service/mailjob.h"
#include "api/service/pki.h"
#include "api/store/store_pki.h"
#include "api/store/tx.h"
#include "api/service/webhook.h"
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
#define PKI_LEASE      300   /* seconds a paused CRL or OCSP job may sign */

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
		atomic_fetch_add(&app->ocsp_signed, 1);
	}
	return 0;
}

int
pki_ocsp_put(struct db *db, const struct pki_ocsp *o, struct problem *p)
{
	struct ocsp_new n;
	size_t i;

	for (i = 0; i < PKI_OCSP_DIGESTS; i++) {
		n.serial = o->serial;
		n.md = i == 0 ? "sha1" : "sha256";
		n.revoked = o->revoked;
		n.der = o->der[i];
		n.len = o->len[i];
		n.this_update = o->this_update;
		n.next_update = o->next_update;
		n.now = o->this_update;
		if (store_ocsp_put(db, &n, p) == -1)
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

/* What revoking a certificate in status row for code does to it: 1 with
 * the revocation time and reason code its responses say, 0 if nothing
 * changes (revoked before, and no raise to keyCompromise). */
static int
revoke_outcome(const struct revocation_row *row, int code, int by_operator,
    time_t now, time_t *at, int *at_code)
{
	if (strcmp(row->state, "revoked") != 0) {
		*at = now;
		*at_code = code;
		return 1;
	}
	/* Only an operator raises the reason, and only to keyCompromise. */
	if (!by_operator || code != CRL_REASON_KEY_COMPROMISE ||
	    strcmp(row->reason, "keyCompromise") == 0)
		return 0;
	*at = row->revoked_at;
	*at_code = code;
	return 1;
}

/* The CA that certificate serial names, loaded: the sandbox's test CA
 * for a sandbox certificate, else production's (for an unknown serial
 * too).  NULL with p set. */
static struct authority *
cert_authority(struct app *app, struct db *db, const unsigned char *serial,
    struct problem *p)
{
	struct authority *auth = app->authority;
	char issuer[STORE_PKI_ISSUER_MAX];

	if (store_cert_issuer(db, serial, issuer, p) == -1)
		return NULL;
	if (app->sandbox_ca != NULL &&
	    strcmp(issuer, authority_issuer(app->sandbox_ca)) == 0)
		auth = app->sandbox_ca;
	return authority_load(auth, app->cfg, db, p) == -1 ? NULL : auth;
}

int
pki_revoke_prepare(struct app *app, struct db *db, const unsigned char *serial,
    const char *reason, int by_operator, const char *owner, int sign,
    time_t now, struct pki_revocation *rv, struct problem *p)
{
	struct authority *auth;
	struct revocation_row row;
	struct problem q;
	char hex[2 * PKI_SERIAL_LEN + 1];
	int found;

	memset(rv, 0, sizeof(*rv));
	memcpy(rv->serial, serial, PKI_SERIAL_LEN);
	if ((rv->code = crl_reason_parse(reason)) < 0)
		return problem_field(p, "reason", "not an RFC 5280 reason");
	if ((auth = cert_authority(app, db, serial, p)) == NULL ||
	    (found = store_cert_revocation(db, serial, 0, &row, p)) == -1)
		return -1;
	/* Nothing is signed for a certificate of someone else: the same 404
	 * as pki_revoke_tx answers under its lock. */
	if (found == 1 && owner != NULL && strcmp(row.app, owner) != 0)
		return problem_set(
		    p, 404, "not-found", "Not found", "No such certificate.");
	/* Unknown here: pki_revoke_tx answers 404 under its lock. */
	if (found == 0 || !sign ||
	    !revoke_outcome(
	        &row, rv->code, by_operator, now, &rv->at, &rv->at_code))
		return 0;
	/*
	 * The revocation stands even if its OCSP responses cannot be signed
	 * now (the OCSP signer not valid at this time): the refresh job
	 * signs them, and the CRL lists it either way.
	 */
	problem_clear(&q);
	if (pki_ocsp_sign(app, auth, serial, 1, rv->at, rv->at_code, now,
	        &rv->ocsp, &q) == -1) {
		digest_hex(serial, PKI_SERIAL_LEN, hex);
		log_error("OCSP responses not signed at revocation",
		    "serial=%s detail=\"%s\"", hex, q.detail);
		return 0;
	}
	rv->have_ocsp = 1;
	return 0;
}

void
pki_revocation_free(struct pki_revocation *rv)
{
	if (rv == NULL)
		return;
	if (rv->have_ocsp)
		pki_ocsp_free(&rv->ocsp);
	rv->have_ocsp = 0;
}

int
pki_revoke_tx(struct app *app, struct tx *tx, const struct pki_revocation *rv,
    const char *reason, const char *actor, const char *comment, int by_operator,
    const char *owner, int *already, char *standing, size_t standingsz,
    struct problem *p)
{
	struct db *db = tx_db(tx);
	struct revocation_row row;
	json_t *details;
	char hex[2 * PKI_SERIAL_LEN + 1];
	time_t at;
	int found, at_code, rc, upgrade = 0;

	*already = 0;
	snprintf(standing, standingsz, "%s", reason);
	digest_hex(rv->serial, PKI_SERIAL_LEN, hex);
	if ((found = store_cert_revocation(db, rv->serial, 1, &row, p)) == -1)
		return -1;
	if (found == 0 || (owner != NULL && strcmp(row.app, owner) != 0))
		return problem_set(
		    p, 404, "not-found", "Not found", "No such certificate.");
	if (!revoke_outcome(
	        &row, rv->code, by_operator, tx->now, &at, &at_code)) {
		*already = 1;
		snprintf(standing, standingsz, "%s",
		    row.reason[0] != '\0' ? row.reason : "unspecified");
		return 0;
	}
	if (strcmp(row.state, "revoked") == 0) {
		*already = 1;
		upgrade = 1;
		rc = store_cert_reason_set(db, rv->serial, reason, p);
	} else
		rc = store_cert_revoke(
		    db, rv->serial, reason, tx->now, actor, comment, p);
	if (rc == -1 ||
	    (!upgrade &&
	        lifemail_queue_revoked(db, row.app, rv->serial, reason,
	            by_operator, tx->now, p) == -1))
		return -1;
	if (rv->have_ocsp && rv->at == at && rv->at_code == at_code) {
		if (pki_ocsp_put(db, &rv->ocsp, p) == -1)
			return -1;
	} else {
		/* Not signed, or not for what the lock found: the old
		 * answers must not be served any more.  Run them out, so
		 * that nodes answer from the database, and have them signed
		 * again. */
		if (rv->have_ocsp)
			log_info("OCSP responses signed for another status",
			    "serial=%s", hex);
		if (store_ocsp_expire(db, rv->serial, tx->now, p) == -1 ||
		    jobs_add_once(db, app->cfg, JOB_OCSP_REFRESH, p) == -1)
			return -1;
	}
	details = json_pack("{s:s, s:s, s:s?, s:b}", "reason", reason,
	    "application", row.app, "comment", comment, "upgrade", upgrade);
	rc = tx_audit_as(tx, actor, "certificate.revoked", hex, details, p);
	json_decref(details);
	if (rc == -1 ||
	    webhook_emit_cert(
	        db, "certificate.revoked", rv->serial, tx->now, p) == -1 ||
	    jobs_add_once(db, app->cfg, JOB_CRL_REFRESH, p) == -1)
		return -1;
	log_info("certificate revoked", "serial=%s reason=%s by=%s", hex,
	    reason, actor);
	return 0;
}

int
pki_abandon_sign(struct app *app, struct db *db, const unsigned char *serial,
    time_t now, struct pki_ocsp *o, struct problem *p)
{
	struct authority *auth;
	struct problem q;
	char hex[2 * PKI_SERIAL_LEN + 1];

	memset(o, 0, sizeof(*o));
	if ((auth = cert_authority(app, db, serial, p)) == NULL)
		return -1;
	/* As at revocation: if its responses cannot be signed now, the
	 * refresh job signs them; the CRL lists it either way. */
	problem_clear(&q);
	if (pki_ocsp_sign(app, auth, serial, 1, now, CRL_REASON_SUPERSEDED, now,
	        o, &q) == -1) {
		digest_hex(serial, PKI_SERIAL_LEN, hex);
		log_error("OCSP responses not signed at abandonment",
		    "serial=%s detail=\"%s\"", hex, q.detail);
		return 0;
	}
	return 1;
}

int
pki_abandon_tx(struct app *app, struct tx *tx, const unsigned char *serial,
    const char *app_id, const char *kit, const char *why,
    const struct pki_ocsp *o, struct problem *p)
{
	struct db *db = tx_db(tx);
	json_t *details = NULL;
	char hex[2 * PKI_SERIAL_LEN + 1];
	int n, rc = -1;

	digest_hex(serial, PKI_SERIAL_LEN, hex);
	if ((n = store_cert_abandon(db, serial, tx->now, p)) == -1)
		return -1;
	if (n == 0)
		return 1; /* finished, or being finished, by another request */
	if (o != NULL ? pki_ocsp_put(db, o, p) == -1
	              : jobs_add_once(db, app->cfg, JOB_OCSP_REFRESH, p) == -1)
		goto out;
	details = json_pack("{s:s, s:s?, s:s, s:s}", "application", app_id,
	    "kit", kit, "reason", "superseded", "why", why);
	if (tx_audit_as(
	        tx, "system", "certificate.abandoned", hex, details, p) == -1 ||
	    jobs_add_once(db, app->cfg, JOB_CRL_REFRESH, p) == -1)
		goto out;
	log_info("unfinished certificate abandoned", "serial=%s app=%s why=%s",
	    hex, app_id, why);
	rc = 0;
out:
	json_decref(details);
	return rc;
}

/* The CRL job is crlstore_job (api/service/crlstore.c): the full CRL and
 * its shards. */
int
pki_job_crl(struct app *app, struct db *db, const struct job *job, time_t now,
    struct problem *p)
{
	return crlstore_job(app, db, job, now, p);
}

/* Whether a and b say the same status of a certificate. */
static int
same_status(const struct status_row *a, const struct status_row *b)
{
	return strcmp(a->state, b->state) == 0 &&
	    a->revoked_at == b->revoked_at && strcmp(a->reason, b->reason) == 0;
}

/*
 * The OCSP job: the responses that are due are read in the runner's
 * transaction, signed while the job is paused, and stored after it
 * resumes, each only if its certificate's status (locked now) is still
 * the one they say; a certificate revoked in between has its own.
 */
int
pki_job_ocsp(struct app *app, struct db *db, const struct job *job, time_t now,
    struct problem *p)
{
	struct authority *auth = app->authority;
	struct status_row *rows = NULL, cur;
	struct pki_ocsp *o = NULL;
	size_t i, n = 0, nsigned = 0, stored = 0;
	int found, rc = JOB_FAILED;

	if (authority_load(auth, app->cfg, db, p) == -1)
		return JOB_FAILED;
	if (store_ocsp_due(db, now + app->cfg->ocsp_refresh, now, OCSP_BATCH,
	        &rows, &n, p) == -1)
		return JOB_FAILED;
	if (n == 0) {
		rc = JOB_DONE;
		goto out;
	}
	o = xcalloc(n, sizeof(*o));
	if (jobs_pause(db, job, now, PKI_LEASE, p) == -1)
		goto out;
	for (nsigned = 0; nsigned < n; nsigned++)
		if (pki_ocsp_sign(app, auth, rows[nsigned].serial,
		        strcmp(rows[nsigned].state, "issued") != 0,
		        rows[nsigned].revoked_at,
		        rows[nsigned].reason[0] != '\0'
		            ? crl_reason_parse(rows[nsigned].reason)
		            : -1,
		        now, &o[nsigned], p) == -1)
			break;
	if (jobs_resume(db, job, p) == -1 || nsigned < n)
		goto out;
	for (i = 0; i < n; i++) {
		if ((found = store_cert_status_lock(
		         db, rows[i].serial, &cur, p)) == -1)
			goto out;
		if (found == 0 || !same_status(&cur, &rows[i]))
			continue;
		if (pki_ocsp_put(db, &o[i], p) == -1)
			goto out;
		stored++;
	}
	if (stored > 0)
		log_info("OCSP responses re-signed", "count=%zu", stored);
	/* More than one batch due: go on in a new job. */
	if (n == OCSP_BATCH &&
	    jobs_add(db, app->cfg, JOB_OCSP_REFRESH, NULL, NULL, now + 1, p) ==
	        -1)
		goto out;
	rc = JOB_DONE;
out:
	for (i = 0; i < nsigned && o != NULL; i++)
		pki_ocsp_free(&o[i]);
	free(o);
	free(rows);
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

/* A signed checkpoint of the chain's head, if one is due: read and signed
 * with no transaction open, recorded in a unit of work of its own. */
static void
checkpoint(struct app *app, struct db *db, time_t now)
{
	struct authority *auth = app->authority;
	unsigned char hash[DIGEST_LEN], *sig = NULL;
	char msg[CHECKPOINT_MSG];
	struct problem p;
	struct tx tx;
	long long head, last;
	time_t at;
	size_t mlen, slen;
	int found;

	memset(&tx, 0, sizeof(tx));
	problem_clear(&p);
	if (authority_load(auth, app->cfg, db, &p) == -1 ||
	    store_audit_head(db, &head, hash, &p) != 1 ||
	    (found = store_checkpoint_last(db, &last, &at, &p)) == -1)
		goto out;
	if (found == 1 &&
	    (last == head || now - at < app->cfg->checkpoint_interval))
		goto out;
	if ((mlen = pki_checkpoint_message(head, hash, msg, sizeof(msg))) ==
	        0 ||
	    signer_sign(auth->signer, (const unsigned char *)msg, mlen, &sig,
	        &slen, &p) == -1)
		goto out;
	if (tx_begin(&tx, db, now, "system", &p) == 0 &&
	    store_checkpoint_add(db, head, hash, now, sig, slen, &p) == 0 &&
	    tx_commit(&tx, &p) == 0)
		log_info("audit checkpoint signed", "audit_id=%lld", head);
out:
	tx_abort(&tx);
	OPENSSL_free(sig);
}

/* Kits' reservations that never finished, abandoned after the timeout
 * (signed, then one unit of work each; another node doing the same is
 * harmless). */
static void
abandon_unfinished(struct app *app, struct db *db, time_t now)
{
	struct unfinished_row *rows = NULL;
	struct pki_ocsp o;
	struct problem p;
	struct tx tx;
	size_t i, n = 0;
	int have;

	problem_clear(&p);
	if (store_cert_unfinished(db, now - app->cfg->abandon_after, OCSP_BATCH,
	        &rows, &n, &p) == -1)
		return;
	for (i = 0; i < n; i++) {
		if ((have = pki_abandon_sign(
		         app, db, rows[i].serial, now, &o, &p)) == -1) {
			problem_clear(&p);
			continue;
		}
		if (tx_begin(&tx, db, now, "system", &p) == 0 &&
		    pki_abandon_tx(app, &tx, rows[i].serial, rows[i].app,
		        rows[i].kit[0] != '\0' ? rows[i].kit : NULL, "timeout",
		        have ? &o : NULL, &p) == 0)
			(void)tx_commit(&tx, &p);
		tx_abort(&tx);
		pki_ocsp_free(&o);
		problem_clear(&p);
	}
	free(rows);
}

/*
 * Publishes a root CRL signed ahead when its time comes; sets the root
 * CRL gauges; and when the last root CRL signed ends within
 * RXCA_ROOT_CRL_REMIND_DAYS, reminds the operators once per end (an
 * e-mail to RXCA_OPERATOR_EMAIL, audited).  One unit of work.
 */
static void
root_crl_sweep(struct app *app, struct db *db, time_t now)
{
	struct problem p;
	struct tx tx;
	json_t *details = NULL;
	char *payload = NULL;
	long long number;
	time_t end;
	int n, soon, mailed;

	problem_clear(&p);
	if (tx_begin(&tx, db, now, "system", &p) == -1)
		return;
	if ((n = store_root_crl_publish(db, now, &number, &p)) == -1)
		goto out;
	if (n == 1) {
		details = json_pack("{s:I}", "number", (json_int_t)number);
		if (tx_audit(&tx, "ca.root_crl_published", "root", details,
		        &p) == -1)
			goto out;
		log_info(
		    "root CRL signed ahead published", "number=%lld", number);
		json_decref(details);
		details = NULL;
	}
	if ((n = store_root_crl_end(db, &end, &p)) == -1)
		goto out;
	if (n == 0)
		goto commit; /* no CA yet */
	soon = end - now < (time_t)app->cfg->root_crl_remind_days * 86400;
	atomic_store(&app->root_crl_next_update, (long)end);
	atomic_store(&app->root_crl_due, soon);
	if (!soon)
		goto commit;
	if ((n = store_root_crl_remind(db, end, now, &p)) == -1)
		goto out;
	if (n == 1) {
		mailed = app->cfg->operator_email[0] != '\0';
		payload = xprintf("{\"next_update\": %lld}", (long long)end);
		if (mailed &&
		    jobs_add(db, app->cfg, JOB_EMAIL_ROOT_CRL, NULL, payload,
		        now, &p) == -1)
			goto out;
		details = json_pack("{s:I, s:b}", "next_update",
		    (json_int_t)end, "mailed", mailed);
		if (tx_audit(
		        &tx, "ca.root_crl_reminder", "root", details, &p) == -1)
			goto out;
		log_warn("the root CRL needs signing soon: rxca-admin ca "
		         "root-crl",
		    "next_update=%lld mailed=%d", (long long)end, mailed);
	}
commit:
	(void)tx_commit(&tx, &p);
out:
	tx_abort(&tx);
	json_decref(details);
	free(payload);
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
	struct crl_row crl;
	struct problem p;
	struct tx tx;
	long long due;
	int found, crl_due, ocsp_due = 0;

	problem_clear(&p);
	if (authority_load(auth, app->cfg, db, &p) == -1)
		return; /* no CA yet */
	if (authority_ocsp_renew(auth, app->cfg, db, now, &p) == -1)
		log_error("the OCSP signer could not be renewed",
		    "detail=\"%s\"", p.detail);
	problem_clear(&p);
	if ((found = store_crl_current(db, &crl, &p)) == -1)
		return;
	/* Due: none yet, the interval passed, or nextUpdate close (a day,
	 * or half the validity when that is shorter). */
	crl_due = found == 0 ||
	    now - crl.this_update >= app->cfg->crl_interval ||
	    crl.next_update - now < (app->cfg->crl_validity / 2 < CRL_SOON
	                                    ? app->cfg->crl_validity / 2
	                                    : CRL_SOON);
	if (store_ocsp_due_count(
	        db, now + app->cfg->ocsp_refresh, now, &due, &p) == 0)
		ocsp_due = due > 0;
	if ((crl_due || ocsp_due) &&
	    tx_begin(&tx, db, now, "system", &p) == 0) {
		if ((!crl_due ||
		        jobs_add_once(db, app->cfg, JOB_CRL_REFRESH, &p) ==
		            0) &&
		    (!ocsp_due ||
		        jobs_add_once(db, app->cfg, JOB_OCSP_REFRESH, &p) == 0))
			(void)tx_commit(&tx, &p);
		tx_abort(&tx);
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
	struct checkpoint_row *rows = NULL, *c;
	char msg[CHECKPOINT_MSG];
	size_t i, n = 0, mlen;
	int ok, rc = 0;

	*checked = 0;
	*first_bad = 0;
	if (store_checkpoint_list(db, &rows, &n, p) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		c = &rows[i];
		ok = c->head_ok && c->row_ok &&
		    memcmp(c->head, c->row, DIGEST_LEN) == 0 &&
		    c->sig_len > 0 &&
		    (mlen = pki_checkpoint_message(
		         c->audit_id, c->head, msg, sizeof(msg))) > 0 &&
		    sigcheck_verify(
		        key, c->sig, (size_t)c->sig_len, msg, mlen) == 0;
		if (!ok) {
			*first_bad = c->id;
			rc = 1;
			break;
		}
		(*checked)++;
	}
	free(rows);
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
