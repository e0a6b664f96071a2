#include <openssl/err.h>

#include "ca/sigcheck.h"

const EVP_MD *
sigcheck_md(const EVP_PKEY *key)
{
	if (EVP_PKEY_get_id(key) == EVP_PKEY_EC &&
	    EVP_PKEY_get_bits(key) == 384)
		return EVP_sha384();
	return EVP_sha256();
}

int
sigcheck_verify(EVP_PKEY *key, const unsigned char *sig, size_t siglen,
    const void *msg, size_t msglen)
{
	EVP_MD_CTX *md = NULL;
	int rc = -1;

	if (key == NULL || (md = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestVerifyInit(md, NULL, sigcheck_md(key), NULL, key) == 1 &&
	    EVP_DigestVerify(md, sig, siglen, msg, msglen) == 1)
		rc = 0;
out:
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return rc;
}
