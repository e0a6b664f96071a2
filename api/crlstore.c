#include <stdio.h>

#include <openssl/crypto.h>

#include "api/crlstore.h"
#include "api/db.h"
#include "ca/signer.h"
#include "common/digest.h"

int
crlstore_publish(struct db *db, const struct sql *st,
    const struct crlstore_crl *c, time_t now, struct problem *p)
{
	X509_CRL *crl = NULL;
	unsigned char *der = NULL, hash[DIGEST_LEN];
	struct dbargs a;
	char etag[24];
	int len, rc = -1;

	if ((crl = crl_build(c->issuer, c->entry, c->nentries, c->number,
	         c->this_update, c->next_update, p)) == NULL ||
	    signer_sign_crl(c->signer, crl, p) == -1)
		goto out;
	if ((len = i2d_X509_CRL(crl, &der)) <= 0) {
		problem_internal(p);
		goto out;
	}
	digest_sha256(der, (size_t)len, hash);
	snprintf(etag, sizeof(etag), "\"%02x%02x%02x%02x%02x%02x%02x%02x\"",
	    hash[0], hash[1], hash[2], hash[3], hash[4], hash[5], hash[6],
	    hash[7]);
	dbargs_init(&a);
	dbargs_int(&a, c->number);
	dbargs_time(&a, c->this_update);
	dbargs_time(&a, c->next_update);
	if (st->nparams == 7)
		dbargs_int(&a, (long long)c->nentries);
	dbargs_bytea(&a, der, (size_t)len);
	dbargs_text(&a, etag);
	dbargs_time(&a, now);
	if (db_run(db, st, &a, p) == 0)
		rc = len;
	dbargs_free(&a);
out:
	OPENSSL_free(der);
	X509_CRL_free(crl);
	return rc;
}
