/*
 * A CRL built and signed in one step, then stored in another: the issuing
 * CA's CRL and its shards (the crl.refresh job, here), the root's CRL
 * published at once, and root CRLs signed ahead (rxca-admin ca root-crl).  What
 * differs is the issuer, its signer and where the result goes.  Signing needs
 * no database: it happens before a unit of work begins (or while a job is
 * paused), and the store inside it.
 */
#ifndef RXCA_CRLSTORE_H
#define RXCA_CRLSTORE_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "api/store/store_pki.h"
#include "ca/crl.h"
#include "common/problem.h"

struct app;
struct config;
struct db;
struct job;
struct signer;

struct crlstore_crl {
	X509 *issuer;            /* the CA the CRL is of, borrowed */
	struct signer *signer;   /* its key, borrowed */
	struct crl_entry *entry; /* revoked certificates, or NULL: sorted
	                          * in place */
	size_t nentries;         /* entries in entry */
	long long number;        /* cRLNumber */
	time_t this_update;      /* thisUpdate */
	time_t next_update;      /* nextUpdate */
	const char *idp_url; /* a shard's issuingDistributionPoint, or NULL */
	int idp_critical;    /* that extension critical */
	int shard;           /* a shard's number (STORE_CRL_SHARD) */
};

/* A signed CRL, not yet stored. */
struct crlstore_signed {
	unsigned char *der; /* free()d by crlstore_signed_free */
	size_t len;
	char etag[24]; /* the quoted hex of the first 8 bytes of its SHA-256 */
};

/* Encodes the CRL c describes (ca/crl.h crl_encode) signed into out.  0, or -1
 * with p set and nothing to free. */
int crlstore_sign(const struct crlstore_crl *c, struct crlstore_signed *out,
    struct problem *p);
/* Frees what crlstore_sign put in s (not s); NULL-safe. */
void crlstore_signed_free(struct crlstore_signed *s);

/* Stores the CRL c signed into s as kind (api/store/store_pki.h), created now.
 * 0, or -1 with p set. */
int crlstore_put(struct db *db, enum store_crl_kind kind,
    const struct crlstore_crl *c, const struct crlstore_signed *s, time_t now,
    struct problem *p);

/* The URL of shard k of the issuing CA's CRL (RXCA_PKI_URL
 * /pki/issuing-<k>.crl), as its certificates' CDP and its
 * issuingDistributionPoint name it (xprintf'd). */
char *crlstore_shard_url(const struct config *cfg, int shard);

/*
 * The job "crl.refresh" (api/service/pki.c registers it): the issuing
 * CA's full CRL and each shard's (RXCA_CRL_SHARDS, and every shard
 * published before), one cRLNumber for all; then, once the sandbox's
 * test CA exists, its CRL (a number of its own, no shards).  JOB_DONE or
 * JOB_FAILED.
 */
int crlstore_job(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p);

#endif
