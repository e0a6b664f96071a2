/*
 * rxca's certificate authority as the server and rxca-admin see it: the CA
 * certificates recorded in ca_certificates, the issuing CA's key (in an
 * encrypted file or on a PKCS#11 token, RXCA_PKCS11_*), and the profile of
 * subscriber certificates from configuration.  The root CA's key is only
 * ever opened by `rxca-admin ca init`: the server never loads it.
 */
#ifndef RXCA_AUTHORITY_H
#define RXCA_AUTHORITY_H

#include <pthread.h>
#include <time.h>

#include <openssl/x509.h>

#include "api/config.h"
#include "ca/ocsp.h"
#include "ca/profile.h"
#include "common/problem.h"

#define AUTHORITY_MAX_OIDS   8  /* policy or EKU OIDs per product */
#define AUTHORITY_RETIRED    16 /* OCSP signers replaced while running */
#define AUTHORITY_OCSP_RENEW (30 * 86400) /* renew with this left, s */
#define AUTHORITY_CRL_AHEAD  24           /* root CRLs signed ahead at most */

struct db;
struct p11;
struct signer;

struct authority {
	pthread_mutex_t lock;             /* guards loading */
	int sandbox;                      /* the sandbox's test CA (names
	                                     AUTHORITY_SANDBOX "root" ...) */
	int loaded;                       /* the fields below are set */
	X509 *root;                       /* root CA certificate */
	X509 *issuing;                    /* issuing CA certificate */
	struct ocsp_issuer_id issuing_id; /* its CertID hashes, for OCSP */
	char *root_pem, *issuing_pem;     /* the same, PEM, for chains */
	struct p11 *token;                /* HSM session, or NULL */
	struct signer *signer;            /* the issuing CA's key */
	X509 *ocsp;                 /* delegated OCSP signer certificate */
	struct signer *ocsp_signer; /* its key */
	X509 *retired_cert[AUTHORITY_RETIRED];     /* replaced OCSP signers, */
	struct signer *retired[AUTHORITY_RETIRED]; /* kept for readers */
	int nretired;                              /* used in both */
	char *urls[3];                             /* OCSP, caIssuers, CRL */
	char *oid_text[4]; /* copies the arrays point into */
	const char *pol_hw[AUTHORITY_MAX_OIDS], *pol_sw[AUTHORITY_MAX_OIDS];
	const char *eku_hw[AUTHORITY_MAX_OIDS], *eku_sw[AUTHORITY_MAX_OIDS];
	struct profile_config profile; /* built from configuration */
	char **shard_urls; /* RXCA_CRL_SHARDS URLs of the CRL's shards */
	int nshards;       /* entries in shard_urls */
};

/* The CRL shard a new certificate of serial goes on (its CDP names
 * shard_urls[k]), from the serial; -1 when shards are off. */
int authority_crl_shard(
    const struct authority *a, const unsigned char serial[PROFILE_SERIAL_LEN]);

/* An authority that loads itself on first use: production's, or the
 * sandbox's test CA (docs/partners.md#sandbox).  Never NULL. */
struct authority *authority_new(void);
struct authority *authority_new_sandbox(void);

/*
 * The sandbox's test CA: its certificates are recorded as
 * AUTHORITY_SANDBOX "root", "issuing" and "ocsp", its subjects and its
 * subscribers' have O = AUTHORITY_SANDBOX_ORG, it and its certificates assert
 * only AUTHORITY_SANDBOX_POLICY (an OID of the example arc, none of
 * production's), and relying parties find it under RXCA_PKI_URL/sandbox
 * (/sandbox/ocsp, /sandbox/pki/{root,issuing}.cer, issuing.crl).
 */
#define AUTHORITY_SANDBOX        "sandbox-"
#define AUTHORITY_SANDBOX_ORG    "TEST \u2014 not for prescribing"
#define AUTHORITY_SANDBOX_POLICY "2.999.16.7"

/* The name its issuing CA is recorded under (certificates.issuer):
 * "issuing" or "sandbox-issuing". */
const char *authority_issuer(const struct authority *a);
void authority_free(struct authority *a);

/*
 * Loads, once, the CA certificates from the database and opens the issuing
 * CA's key (on a worker).  0, or -1 with p set: 503 "ca-not-initialised"
 * before `rxca-admin ca init`, 500 if the key cannot be opened (the reason
 * is logged).
 */
int authority_load(struct authority *a, const struct config *c, struct db *db,
    struct problem *p);

/*
 * `rxca-admin ca init`: makes the root CA, the issuing CA and the OCSP
 * signer (P-384 keys, in RXCA_CA_DIR as encrypted files or on the PKCS#11
 * token), records them in ca_certificates with an audit record, and writes
 * PEM copies of the certificates to RXCA_CA_DIR.  Refuses (409) if a CA
 * exists.  Prints what it did to out.
 */
int authority_init(const struct config *c, struct db *db, time_t now, FILE *out,
    struct problem *p);

/*
 * `rxca-admin ca init --sandbox`: the same for the sandbox's test CA
 * (AUTHORITY_SANDBOX above): keys sandbox-{root,issuing,ocsp}, made where
 * production's are (files in RXCA_CA_DIR or the PKCS#11 token), the
 * certificates in RXCA_CA_DIR/sandbox-*.crt; no root CRL (its issuing CA
 * names no CRL).  Refuses (409) if the sandbox's CA exists; production's
 * need not.
 */
int authority_init_sandbox(const struct config *c, struct db *db, time_t now,
    FILE *out, struct problem *p);

/*
 * `rxca-admin ca root-crl [--ahead N]`: a new CRL of the root CA (signed
 * with the root key, which only ca commands ever open), next number,
 * valid RXCA_ROOT_CRL_DAYS, published now; and N more (0..
 * AUTHORITY_CRL_AHEAD) signed now to be published later, each
 * RXCA_ROOT_CRL_DAYS - RXCA_ROOT_CRL_REMIND_DAYS days after the one
 * before (pki_sweep() publishes them), replacing any batch not yet
 * published.  Audited.
 */
int authority_root_crl(const struct config *c, struct db *db, time_t now,
    int ahead, FILE *out, struct problem *p);

/*
 * `rxca-admin ca reissue issuing`: a new certificate for the issuing CA's
 * key under the root (the current profile: name base, policies, AIA, CDP,
 * RXCA_ISSUING_DAYS), and a new certificate for the OCSP signer's key
 * under it; both recorded in place of the old ones (kept in
 * ca_certificates_replaced), audited, and written to RXCA_CA_DIR.  The
 * servers use them after a restart.
 */
int authority_reissue_issuing(const struct config *c, struct db *db, time_t now,
    FILE *out, struct problem *p);

/*
 * The current OCSP signer (certificate and key), borrowed until
 * authority_free(): a replaced one stays usable.  Needs a loaded
 * authority.
 */
void authority_ocsp_signer(
    struct authority *a, X509 **cert, struct signer **signer);

/*
 * Keeps the delegated OCSP signer fresh (a worker): when another node has
 * replaced it, loads the new one; when it has less than
 * AUTHORITY_OCSP_RENEW seconds left, makes a new key (where the old one
 * was: file or token) and certificate under the issuing CA, records it in
 * place of the old one (once, whichever node gets there first) with an
 * audit record, and starts using it.  1 if the signer changed, 0 if not,
 * -1 with p set.
 */
int authority_ocsp_renew(struct authority *a, const struct config *c,
    struct db *db, time_t now, struct problem *p);

/* A secret setting: the value of the _FILE variant if set (first line),
 * else the plain one; NULL if neither.  Caller frees (and wipes). */
char *authority_secret(const char *value, const char *file);

#endif
