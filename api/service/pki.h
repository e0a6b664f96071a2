/*
 * Revocation and what relying parties see of it: pre-signed OCSP
 * responses (one per certificate and CertID hash, in ocsp_responses), the
 * CRL of the issuing CA (in crls), and signed checkpoints of the audit
 * chain.  Runs on workers, inside the caller's transaction unless said.
 *
 * Jobs (registered with api/jobs/jobs.c by pki_jobs_register): "crl.refresh"
 * makes a new CRL; "ocsp.refresh" re-signs the responses that are due.
 * pki_sweep() queues them when due.
 */
#ifndef RXCA_PKI_H
#define RXCA_PKI_H

#include <time.h>

#include <openssl/x509.h>

#include "common/problem.h"

struct app;
struct authority;
struct db;
struct job;
struct tx;

#define PKI_SERIAL_LEN 16

/* The two OCSP responses of one certificate (SHA-1 and SHA-256 issuer
 * hashes), signed and not yet stored. */
#define PKI_OCSP_DIGESTS 2
struct pki_ocsp {
	unsigned char serial[PKI_SERIAL_LEN];
	int revoked;
	time_t this_update, next_update;
	unsigned char *der[PKI_OCSP_DIGESTS]; /* OPENSSL_free */
	size_t len[PKI_OCSP_DIGESTS];
};

/* Signs them (no database: before a unit of work begins).  0, or -1 with
 * p set and nothing to free. */
int pki_ocsp_sign(struct app *app, struct authority *auth,
    const unsigned char *serial, int revoked, time_t revoked_at, int reason,
    time_t now, struct pki_ocsp *out, struct problem *p);
/* Stores them, replacing the certificate's earlier ones. */
int pki_ocsp_put(struct db *db, const struct pki_ocsp *o, struct problem *p);
void pki_ocsp_free(struct pki_ocsp *o);

/*
 * Revoking a certificate, in two steps, so that nothing is signed inside a
 * unit of work.  Before it begins, pki_revoke_prepare reads the
 * certificate's status (no lock), answers 404 if owner is not NULL and
 * not its application (nothing is signed for a stranger), and signs the
 * OCSP responses that the
 * revocation will make true, unless sign is 0 (the revocation is only
 * checked, then rolled back: a request under dual control); a bad reason
 * is a 422 here; a failure to sign is logged and left to the refresh job.
 * Inside it, pki_revoke_tx revokes certificate serial (locked there) for reason
 * (RFC 5280 name) by actor; by_operator says the actor is a CA operator (who
 * may raise an earlier reason to keyCompromise).  Revoking twice is harmless:
 * the first reason stands, and standing gets the reason that stands.  It stores
 * the responses signed if the status it locks still makes them true, else runs
 * the old ones out for the refresh job to sign again; audits, and queues a
 * new CRL.  owner, if not NULL, must be the certificate's application
 * (else 404).  *already is set when it was revoked before.  The caller
 * frees rv with pki_revocation_free either way.
 */
struct pki_revocation {
	unsigned char serial[PKI_SERIAL_LEN];
	int code;      /* the reason asked, as a CRLReason code */
	int have_ocsp; /* ocsp holds the responses signed */
	time_t at;     /* the revocation time they say */
	int at_code;   /* the reason code they say */
	struct pki_ocsp ocsp;
};

int pki_revoke_prepare(struct app *app, struct db *db,
    const unsigned char *serial, const char *reason, int by_operator,
    const char *owner, int sign, time_t now, struct pki_revocation *rv,
    struct problem *p);
/* Inside tx (its now; the actor given revokes). */
int pki_revoke_tx(struct app *app, struct tx *tx,
    const struct pki_revocation *rv, const char *reason, const char *actor,
    const char *comment, int by_operator, const char *owner, int *already,
    char *standing, size_t standingsz, struct problem *p);
void pki_revocation_free(struct pki_revocation *rv);

/*
 * Abandoning the reservation serial of application app_id (and kit, may be
 * NULL): a certificate row that was recorded but never signed and stored
 * (the server died in between), in two steps, so that nothing is signed
 * inside a unit of work.  pki_abandon_sign, before it begins, signs the
 * responses of an abandoned reservation (revoked at now, superseded) into
 * o: 1 signed, 0 not (logged; the refresh job signs them; nothing to
 * free), -1 with p set (the CA cannot be loaded).  pki_abandon_tx, inside
 * tx (its now), publishes it as revoked, reason superseded, in OCSP
 * (storing o if not NULL) and the next CRL, in case its signed bytes
 * escaped; audited as certificate.abandoned with why ("new key" or
 * "timeout"): 0; 1 if it is no longer (or not now) abandonable: issued, or
 * being signed by another request; -1 with p set.  The caller frees o
 * with pki_ocsp_free.
 */
int pki_abandon_sign(struct app *app, struct db *db,
    const unsigned char *serial, time_t now, struct pki_ocsp *o,
    struct problem *p);
int pki_abandon_tx(struct app *app, struct tx *tx, const unsigned char *serial,
    const char *app_id, const char *kit, const char *why,
    const struct pki_ocsp *o, struct problem *p);

/* The jobs crl.refresh and ocsp.refresh: they read in the runner's
 * transaction, sign while the job is paused (jobs_pause, no transaction
 * open) and store after jobs_resume what is still true then. */
int pki_job_crl(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p);
int pki_job_ocsp(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p);
/* The job "email.root_crl": tells RXCA_OPERATOR_EMAIL that the last root
 * CRL signed ends soon (payload {"next_update": unix time}). */
int pki_job_root_crl_mail(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p);

/* Queues the CRL and OCSP refreshes that are due, writes an audit
 * checkpoint when one is due, abandons kits' reservations unfinished
 * for RXCA_ISSUE_ABANDON_AFTER, publishes a root CRL signed ahead when
 * its time comes and reminds the operators when the root CRL ends within
 * RXCA_ROOT_CRL_REMIND_DAYS (its own transactions). */
void pki_sweep(struct app *app, struct db *db, time_t now);

/* Registers crl.refresh, ocsp.refresh, email.root_crl and pki_sweep with
 * the runner: 0 or -1. */
int pki_jobs_register(void);

/*
 * The bytes a checkpoint signs for head row audit_id with hash (32 bytes):
 * "rxca-audit-checkpoint:v1:<id>:<hex hash>", into buf.  Returns the
 * length.
 */
size_t pki_checkpoint_message(
    long long audit_id, const unsigned char *hash, char *buf, size_t bufsz);

/*
 * Checks every audit checkpoint: its row still exists with the same hash,
 * and its signature verifies with issuing's key.  0 if all hold, 1 with
 * *first_bad the first checkpoint id that does not, -1 with p set on a
 * database error; *checked counts the good ones.
 */
int pki_checkpoints_verify(struct db *db, X509 *issuing, long long *checked,
    long long *first_bad, struct problem *p);

#endif
