/*
 * A CRL built, signed and stored in one step: the issuing CA's CRL (the
 * crl.refresh job), the root's CRL published at once, and root CRLs signed
 * ahead (rxca-admin ca root-crl).  What differs is the issuer, its signer
 * and the statement that stores the result.
 */
#ifndef RXCA_CRLSTORE_H
#define RXCA_CRLSTORE_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "ca/crl.h"
#include "common/problem.h"

struct db;
struct signer;
struct sql;

struct crlstore_crl {
	X509 *issuer;                  /* the CA the CRL is of, borrowed */
	struct signer *signer;         /* its key, borrowed */
	const struct crl_entry *entry; /* revoked certificates, or NULL */
	size_t nentries;               /* entries in entry */
	long long number;              /* cRLNumber */
	time_t this_update;            /* thisUpdate */
	time_t next_update;            /* nextUpdate */
};

/*
 * Builds the CRL c describes (ca/crl.h), signs it and runs st with $1
 * number, $2 thisUpdate, $3 nextUpdate, $4 entries, $5 DER, $6 ETag (the
 * quoted hex of the first 8 bytes of the DER's SHA-256), $7 now; a
 * statement of six parameters takes the same without entries.  Returns
 * the DER's length, or -1 with p set (nothing stored).
 */
int crlstore_publish(struct db *db, const struct sql *st,
    const struct crlstore_crl *c, time_t now, struct problem *p);

#endif
