/*
 * A CRL built and signed in one step, then stored in another: the issuing
 * CA's CRL (the crl.refresh job), the root's CRL published at once, and
 * root CRLs signed ahead (rxca-admin ca root-crl).  What differs is the
 * issuer, its signer and where the result goes.  Signing needs no
 * database: it happens before a unit of work begins (or while a job is
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

struct db;
struct signer;

struct crlstore_crl {
	X509 *issuer;                  /* the CA the CRL is of, borrowed */
	struct signer *signer;         /* its key, borrowed */
	const struct crl_entry *entry; /* revoked certificates, or NULL */
	size_t nentries;               /* entries in entry */
	long long number;              /* cRLNumber */
	time_t this_update;            /* thisUpdate */
	time_t next_update;            /* nextUpdate */
};

/* A signed CRL, not yet stored. */
struct crlstore_signed {
	unsigned char *der; /* OPENSSL_free, by crlstore_signed_free */
	size_t len;
	char etag[24]; /* the quoted hex of the first 8 bytes of its SHA-256 */
};

/* Builds the CRL c describes (ca/crl.h) and signs it into out.  0, or -1
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

#endif
