#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/service/crlstore.h"
#include "ca/signer.h"
#include "common/digest.h"

int
crlstore_sign(const struct crlstore_crl *c, struct crlstore_signed *out,
    struct problem *p)
{
	X509_CRL *crl = NULL;
	unsigned char *der = NULL, hash[DIGEST_LEN];
	int len, rc = -1;

	memset(out, 0, sizeof(*out));
	if ((crl = crl_build(c->issuer, c->entry, c->nentries, c->number,
	         c->this_update, c->next_update, p)) == NULL ||
	    signer_sign_crl(c->signer, crl, p) == -1)
		goto out;
	if ((len = i2d_X509_CRL(crl, &der)) <= 0) {
		problem_internal(p);
		goto out;
	}
	digest_sha256(der, (size_t)len, hash);
	snprintf(out->etag, sizeof(out->etag),
	    "\"%02x%02x%02x%02x%02x%02x%02x%02x\"", hash[0], hash[1], hash[2],
	    hash[3], hash[4], hash[5], hash[6], hash[7]);
	out->der = der;
	out->len = (size_t)len;
	der = NULL;
	rc = 0;
out:
	OPENSSL_free(der);
	X509_CRL_free(crl);
	return rc;
}

void
crlstore_signed_free(struct crlstore_signed *s)
{
	if (s == NULL)
		return;
	OPENSSL_free(s->der);
	s->der = NULL;
	s->len = 0;
}

int
crlstore_put(struct db *db, enum store_crl_kind kind,
    const struct crlstore_crl *c, const struct crlstore_signed *s, time_t now,
    struct problem *p)
{
	struct crl_new n = {c->number, c->this_update, c->next_update,
	    (long long)c->nentries, s->der, s->len, s->etag, now};

	return store_crl_put(db, kind, &n, p);
}
