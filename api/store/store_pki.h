/*
 * The storage of the certificate authority's own records (api/service/pki.c,
 * api/service/authority.c, api/service/crlstore.c): revocation of certificates,
 * their stored OCSP responses, CRLs (the issuing CA's, the root's and the root
 * CRLs signed ahead), signed checkpoints of the audit chain, and the CA
 * certificates.  Typed rows in, typed rows out; the SQL stays in
 * api/store/store_pki.c and api/store/store_ca.c.
 *
 * Finders return 1 (found, row filled), 0 (none) or -1 with p set.  Lists
 * are malloc'd arrays the caller frees with free() (or the *_free named),
 * NULL with a count of 0 when empty.
 */
#ifndef RXCA_STORE_PKI_H
#define RXCA_STORE_PKI_H

#include <stddef.h>
#include <time.h>

#include "common/problem.h"

#define STORE_PKI_SERIAL_LEN 16   /* bytes of a certificate serial */
#define STORE_PKI_HASH_LEN   32   /* bytes of a SHA-256 */
#define STORE_PKI_ID_MAX     48   /* bytes of an id, with its NUL */
#define STORE_PKI_REASON_MAX 32   /* bytes of a CRLReason name, with NUL */
#define STORE_PKI_STATE_MAX  16   /* bytes of a certificate state */
#define STORE_PKI_REF_MAX    256  /* bytes of a CA key reference */
#define STORE_PKI_SIG_MAX    1024 /* bytes of a checkpoint signature */

struct db;

/* A certificate's status as revocation sees it. */
struct revocation_row {
	char app[STORE_PKI_ID_MAX];        /* its application */
	char state[STORE_PKI_STATE_MAX];   /* issued, revoked, ... */
	char reason[STORE_PKI_REASON_MAX]; /* "" when none */
	time_t revoked_at;                 /* 0 when not revoked */
};

/* The status of issued certificate serial (one with its DER): with lock,
 * its row is locked (inside a unit of work); without, a plain read. */
int store_cert_revocation(struct db *db, const unsigned char *serial, int lock,
    struct revocation_row *row, struct problem *p);

/* Revokes serial at `at` for reason by `by` (comment may be NULL). */
int store_cert_revoke(struct db *db, const unsigned char *serial,
    const char *reason, time_t at, const char *by, const char *comment,
    struct problem *p);

/* Sets the reason of revoked serial (an operator's keyCompromise). */
int store_cert_reason_set(struct db *db, const unsigned char *serial,
    const char *reason, struct problem *p);

/* Abandons serial if it is still being signed and no request holds its
 * row: 1 abandoned, 0 not, -1 with p set. */
int store_cert_abandon(
    struct db *db, const unsigned char *serial, time_t now, struct problem *p);

/* A kit's reservation that never finished. */
struct unfinished_row {
	unsigned char serial[STORE_PKI_SERIAL_LEN];
	char app[STORE_PKI_ID_MAX]; /* its application */
	char kit[STORE_PKI_ID_MAX]; /* its kit */
};

/* Reservations of kits recorded before `before`, oldest first, at most
 * limit: *rows (free()) and *n.  0, or -1 with p set. */
int store_cert_unfinished(struct db *db, time_t before, int limit,
    struct unfinished_row **rows, size_t *n, struct problem *p);

/* One certificate's status, for its OCSP responses and the CRL. */
struct status_row {
	unsigned char serial[STORE_PKI_SERIAL_LEN];
	char state[STORE_PKI_STATE_MAX];   /* "" in store_crl_revoked */
	time_t revoked_at;                 /* 0 when not revoked */
	char reason[STORE_PKI_REASON_MAX]; /* "" when none */
};

/* An OCSP response to store for (serial, md). */
struct ocsp_new {
	const unsigned char *serial; /* STORE_PKI_SERIAL_LEN bytes */
	const char *md;              /* "sha1" or "sha256" */
	int revoked;                 /* status revoked, else good */
	const unsigned char *der;    /* the signed response */
	size_t len;
	time_t this_update, next_update, now;
};

/* Stores it, replacing the earlier one of (serial, md). */
int store_ocsp_put(struct db *db, const struct ocsp_new *o, struct problem *p);

/* Runs out the responses of serial at now (they are signed again). */
int store_ocsp_expire(
    struct db *db, const unsigned char *serial, time_t now, struct problem *p);

/* Certificates of the issuing CA, valid after now, whose responses are
 * missing or run out before `before`, at most limit (status_row with
 * state). */
int store_ocsp_due(struct db *db, time_t before, time_t now, int limit,
    struct status_row **rows, size_t *n, struct problem *p);

/* How many they are, into *count.  0, or -1 with p set. */
int store_ocsp_due_count(struct db *db, time_t before, time_t now,
    long long *count, struct problem *p);

/* The status of serial now, its row locked, whatever its DER: 1, 0 if
 * none, -1.  (A status read before is compared with it before the
 * responses signed from it are stored.) */
int store_cert_status_lock(struct db *db, const unsigned char *serial,
    struct status_row *row, struct problem *p);

/*
 * Every certificate of the issuing CA (sandbox 1: the sandbox's test
 * CA's) revoked or abandoned, one at a time
 * as the rows arrive (the result is never held whole): fn(row, shard,
 * arg) with row without state and shard its crl_shard, or -1 for none.
 * The number of rows, or -1 with p set.
 */
typedef void (*store_revoked_fn)(
    const struct status_row *row, int shard, void *arg);
long store_crl_revoked(struct db *db, int sandbox, store_revoked_fn fn,
    void *arg, struct problem *p);

/* The shards of the issuing CA's CRL published so far, ascending, into
 * *shards (free()) and *n.  0, or -1 with p set. */
int store_crl_shards(struct db *db, int **shards, size_t *n, struct problem *p);

/* The number of the issuing CA's current CRL (sandbox 1: the sandbox's
 * test CA's), its row locked (the number grows one at a time): 1, 0 if
 * there is none yet, -1. */
int store_crl_number_lock(
    struct db *db, int sandbox, long long *number, struct problem *p);

/* The issuing CA's current CRL, without its bytes. */
struct crl_row {
	long long number;
	time_t this_update, next_update;
};

int store_crl_current(struct db *db, struct crl_row *row, struct problem *p);

/* Where a signed CRL goes. */
enum store_crl_kind {
	STORE_CRL_ISSUING,    /* the issuing CA's current CRL */
	STORE_CRL_ROOT,       /* the root's, published now */
	STORE_CRL_ROOT_AHEAD, /* the root's, signed ahead (root_crls_ahead) */
	STORE_CRL_SHARD,      /* a shard of the issuing CA's (crl_shards) */
	STORE_CRL_SANDBOX     /* the sandbox's test CA's current CRL */
};

/* A signed CRL to store. */
struct crl_new {
	long long number;
	time_t this_update, next_update;
	long long entries;        /* revoked certificates listed */
	const unsigned char *der; /* the signed CRL */
	size_t len;
	const char *etag; /* quoted, as HTTP sends it */
	time_t now;
	int shard; /* STORE_CRL_SHARD: which */
};

/* Stores c as kind says: 0, or -1 with p set.  The issuing CA's CRLs
 * and shards (large) leave the rest of the transaction planning its
 * statements generically, so that c's bytes are not copied into a plan
 * (api/store/store_pki.c, crl_generic_plans). */
int store_crl_put(struct db *db, enum store_crl_kind kind,
    const struct crl_new *c, struct problem *p);

/* Forgets the root CRLs signed ahead and not yet published. */
int store_crl_ahead_clear(struct db *db, struct problem *p);

/* The newest root CRL signed ahead whose time (this_update <= now) has
 * come replaces the published one, and all due are dropped: 1 with
 * *number published, 0 if none, -1. */
int store_root_crl_publish(
    struct db *db, time_t now, long long *number, struct problem *p);

/* When the last root CRL signed (published or ahead) ends: 1, 0 if there
 * is none (no CA yet), -1. */
int store_root_crl_end(struct db *db, time_t *end, struct problem *p);

/* Notes a reminder for the end `end`: 1 if it is the first, 0 if one was
 * noted before, -1. */
int store_root_crl_remind(
    struct db *db, time_t end, time_t now, struct problem *p);

/* The head of the audit chain: 1 with *id and hash, 0 if empty, -1. */
int store_audit_head(struct db *db, long long *id,
    unsigned char hash[STORE_PKI_HASH_LEN], struct problem *p);

/* The last checkpoint: 1 with its *audit_id and *at, 0 if none, -1. */
int store_checkpoint_last(
    struct db *db, long long *audit_id, time_t *at, struct problem *p);

/* Records a checkpoint of head audit_id with hash and its signature. */
int store_checkpoint_add(struct db *db, long long audit_id,
    const unsigned char hash[STORE_PKI_HASH_LEN], time_t at,
    const unsigned char *sig, size_t siglen, struct problem *p);

/* A checkpoint with the audit row it names. */
struct checkpoint_row {
	long long id, audit_id;
	int head_ok;                            /* head_hash is 32 bytes */
	unsigned char head[STORE_PKI_HASH_LEN]; /* head_hash */
	int row_ok;                             /* the row exists, 32 bytes */
	unsigned char row[STORE_PKI_HASH_LEN];  /* the row's hash now */
	long sig_len;                           /* -1 if it does not fit */
	unsigned char sig[STORE_PKI_SIG_MAX];   /* signature */
	time_t at;                              /* when it was signed */
};

/* Every checkpoint, oldest first. */
int store_checkpoint_list(
    struct db *db, struct checkpoint_row **rows, size_t *n, struct problem *p);
/* At most limit checkpoints with an id above after, oldest first; with
 * only > 0, just that one (0 or 1 rows).  *rows is freed with free(). */
int store_checkpoint_page(struct db *db, long long after, int limit,
    long long only, struct checkpoint_row **rows, size_t *n, struct problem *p);

/* A CA certificate as recorded. */
struct ca_cert_row {
	char name[16];      /* root, issuing or ocsp */
	unsigned char *der; /* malloc'd */
	long der_len;
	char key_ref[STORE_PKI_REF_MAX]; /* file:... or pkcs11:... */
};

void store_ca_cert_row_free(struct ca_cert_row *row);
void store_ca_cert_rows_free(struct ca_cert_row *rows, size_t n);

/* How many CA certificates of a world are recorded (sandbox 1: the
 * sandbox's test CA, named "sandbox-..."; 0: production's), into *count. */
int store_ca_count(
    struct db *db, int sandbox, long long *count, struct problem *p);

#define STORE_PKI_ISSUER_MAX 24 /* bytes of a CA's name, with its NUL */

/* The CA that certificate serial (STORE_PKI_SERIAL_LEN bytes) names:
 * "issuing" or "sandbox-issuing".  1, 0 if there is no such
 * certificate, -1 with p set. */
int store_cert_issuer(struct db *db, const unsigned char *serial,
    char issuer[STORE_PKI_ISSUER_MAX], struct problem *p);

/* Every CA certificate (with lock, their rows locked, by name). */
int store_ca_list(struct db *db, int lock, struct ca_cert_row **rows, size_t *n,
    struct problem *p);

/* The OCSP signer's certificate. */
int store_ca_ocsp(struct db *db, struct ca_cert_row *row, struct problem *p);

/* The root's certificate, and the greatest number of its CRLs, published
 * or ahead (0: none). */
int store_ca_root(struct db *db, struct ca_cert_row *row, long long *crl_number,
    struct problem *p);

/* A CA certificate to record. */
struct ca_cert_new {
	const char *name;
	const unsigned char *serial; /* its serialNumber's bytes */
	size_t serial_len;
	const char *subject; /* one-line form */
	const unsigned char *der;
	size_t der_len;
	const char *key_ref; /* NULL: unchanged (store_ca_replace) */
	time_t not_before, not_after;
};

/* Records it (created now).  409 "conflict" if the name is taken. */
int store_ca_insert(
    struct db *db, const struct ca_cert_new *c, time_t now, struct problem *p);

/* It replaces the OCSP signer if that is still the one with serial old
 * (old_len bytes): 1 replaced, 0 not (another node was first), -1. */
int store_ca_ocsp_swap(struct db *db, const unsigned char *old, size_t old_len,
    const struct ca_cert_new *c, struct problem *p);

/* It replaces the certificate of its name, the old one kept in
 * ca_certificates_replaced (replaced now). */
int store_ca_replace(
    struct db *db, const struct ca_cert_new *c, time_t now, struct problem *p);

#endif
