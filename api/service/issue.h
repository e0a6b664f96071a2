/*
 * Issuing a subscriber certificate, shared by retrieval
 * (api/routes/h_retrieval.c) and renewal (api/routes/h_renewal.c).  The
 * discipline: the certificate is built and linted, and its row (serial, the
 * certificate before its signature) commits before anything is signed
 * (issue_record); then it is signed, checked to be what was linted, and stored
 * with its OCSP responses, an audit record and the partner's certificate.issued
 * event (issue_sign). A retry after a crash signs the same row.
 */
#ifndef RXCA_ISSUE_H
#define RXCA_ISSUE_H

#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca/profile.h"
#include "common/problem.h"

#define ISSUE_DER_MAX (16 * 1024) /* bytes of one certificate */

struct app;
struct authority;
struct db;
struct evidence_row;
struct tx;

struct issue {
	const char *app;                    /* application id */
	const char *kit;                    /* kit id, or NULL (renewal) */
	const unsigned char *renews;        /* serial renewed, or NULL */
	const struct profile_subject *subj; /* from the application */
	EVP_PKEY *key;                      /* the subject's, borrowed */
	const unsigned char *spki;          /* SHA-256 of key, 32 bytes */
	const struct evidence_row *ev;      /* of the key; NULL: none */
	unsigned char serial[PROFILE_SERIAL_LEN]; /* set by issue_record */
	unsigned char *tbs; /* unsigned (or signed) DER, OPENSSL_free */
	long tbs_len;       /* bytes in tbs */
	time_t not_before;  /* validity, set by issue_record */
	time_t not_after;
	int checked; /* sandbox and used read already, in the unit of work of
	                issue_record (0: issue_record reads them) */
	int sandbox; /* the application is a sandbox one */
	int used;    /* a certificate for the key exists */
	char app_status[32]; /* the application's status, read by issue_sign
	                        as it stored the certificate (for its hook) */
};

/*
 * Inside the caller's unit of work: unless is->checked, whether the
 * application is a sandbox one and whether the key is certified already
 * (store_issue_checks); a new serial, the certificate built
 * from is->subj and is->key valid from the tx's now (profile), linted,
 * recorded in state 'signing' with is->kit or is->renews and the key's
 * evidence is->ev, and audited as
 * certificate.recorded.  Sets is->serial and is->tbs (the caller frees
 * with OPENSSL_free()).  0, or -1 with p set (409 when the key or the
 * kit or renewal is taken by another request at once).
 */
int issue_record(
    struct tx *tx, struct authority *auth, struct issue *is, struct problem *p);

/*
 * Commits the unit of work of issue_record (the reservation) without
 * waiting for its flush to disk (tx_commit_unflushed).  Safe because:
 *   - nothing leaves the server on the strength of the reservation alone:
 *     the certificate is answered, and its OCSP responses and events
 *     published, only once issue_sign's unit of work (the certificate
 *     stored) has committed, synchronously;
 *   - that commit is written to the WAL after the reservation's, and a
 *     synchronous commit flushes the WAL up to its own record, so the
 *     reservation is on disk before the certificate is stored, let alone
 *     answered (and with synchronous standbys, on them too);
 *   - a crash before that loses the reservation whole (its row, its
 *     audit record), as if the request had never come: nothing was
 *     signed that left, and the client's retry makes a new one.
 * Whatever else reads the reservation in that moment and writes because
 * of it (a retry signing it, the audit sequencer) commits after it and so
 * flushes it too.  A reservation that abandons another (a retrieval with
 * a new key) publishes the old one's OCSP answers: that one commits with
 * tx_commit.  0, or -1 with p set.
 */
int issue_reserve_commit(struct tx *tx, struct problem *p);

/*
 * A hook run inside issue_sign's unit of work once the certificate is
 * stored, for the caller's own changes (kit used, application moved, the
 * old certificate revoked).  0, or -1 with p set (all is undone).
 */
typedef int (*issue_hook)(
    struct app *app, struct tx *tx, void *arg, struct problem *p);

/*
 * Signs the recorded certificate is->tbs and its OCSP responses, checks
 * it against what was linted, then in one unit of work stores it and its
 * responses (or queues them, if they could not be signed), runs hook (may
 * be NULL), audits certificate.issued and emits the certificate.issued
 * webhook event.  If another request
 * stored it first, that certificate is the answer and *created is 0.
 * *out and *outlen get the certificate's DER (caller frees with
 * OPENSSL_free()), never decoded: the signer checked its signature.
 */
int issue_sign(struct app *app, struct db *db, struct authority *auth,
    struct issue *is, issue_hook hook, void *arg, time_t now,
    unsigned char **out, long *outlen, int *created, struct problem *p);

/* The answer to a client: {serial, certificate (PEM), chain [issuing,
 * root], not_before, not_after} for the certificate der (len bytes)
 * valid from nb to na; both 0: read from the certificate, decoded.  A
 * new reference. */
json_t *issue_body(struct authority *auth, const unsigned char *serial,
    const unsigned char *der, long len, time_t nb, time_t na);

/* DER to X509 (NULL if it does not parse). */
X509 *issue_x509(const unsigned char *der, long len);

/* An ASN1_TIME as seconds since the epoch (0 if unreadable). */
time_t issue_seconds(const ASN1_TIME *t);

#endif
