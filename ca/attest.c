#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ca/attest.h"
#include "common/logger.h"

#define ATTEST_FIELD_SLOT   "key_evidence.attestation"
#define ATTEST_FIELD_DEVICE "key_evidence.device"

static const char *const attest_names[] = {
    "none", "client-asserted", "attested"};

const char *
attest_kind_name(enum attest_kind k)
{
	return (unsigned)k < sizeof(attest_names) / sizeof(attest_names[0])
	    ? attest_names[k]
	    : "none";
}

int
attest_kind_parse(const char *s, enum attest_kind *k)
{
	size_t i;

	for (i = 0;
	     s != NULL && i < sizeof(attest_names) / sizeof(attest_names[0]);
	     i++)
		if (strcmp(s, attest_names[i]) == 0) {
			*k = (enum attest_kind)i;
			return 0;
		}
	return -1;
}

/* One PEM certificate, or NULL. */
static X509 *
attest_pem(const char *pem)
{
	BIO *b;
	X509 *x = NULL;
	size_t n = pem != NULL ? strlen(pem) : 0;

	if (n == 0 || n > ATTEST_PEM_MAX ||
	    (b = BIO_new_mem_buf(pem, (int)n)) == NULL)
		return NULL;
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	ERR_clear_error();
	return x;
}

/* The DER contents of x's extension oid, or NULL. */
static const ASN1_OCTET_STRING *
attest_ext(X509 *x, const char *oid)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	int i = obj != NULL ? X509_get_ext_by_OBJ(x, obj, -1) : -1;

	ASN1_OBJECT_free(obj);
	return i < 0 ? NULL : X509_EXTENSION_get_data(X509_get_ext(x, i));
}

/* Yubico's serial (an INTEGER) and firmware (three octets), if there. */
static void
attest_yubico(X509 *slot, struct attest_result *out)
{
	const ASN1_OCTET_STRING *e;
	const unsigned char *q;
	ASN1_INTEGER *ai = NULL;
	BIGNUM *bn = NULL;
	char *dec = NULL;

	if ((e = attest_ext(slot, ATTEST_OID_SERIAL)) != NULL) {
		q = ASN1_STRING_get0_data(e);
		if ((ai = d2i_ASN1_INTEGER(NULL, &q, ASN1_STRING_length(e))) !=
		        NULL &&
		    (bn = ASN1_INTEGER_to_BN(ai, NULL)) != NULL &&
		    (dec = BN_bn2dec(bn)) != NULL &&
		    strlen(dec) < sizeof(out->serial))
			snprintf(out->serial, sizeof(out->serial), "%s", dec);
	}
	if ((e = attest_ext(slot, ATTEST_OID_FIRMWARE)) != NULL &&
	    ASN1_STRING_length(e) == 3) {
		q = ASN1_STRING_get0_data(e);
		snprintf(out->firmware, sizeof(out->firmware), "%u.%u.%u", q[0],
		    q[1], q[2]);
	}
	OPENSSL_free(dec);
	BN_free(bn);
	ASN1_INTEGER_free(ai);
	ERR_clear_error();
}

int
attest_piv_verify(const char *slot_pem, const char *device_pem,
    STACK_OF(X509) * roots, EVP_PKEY *key, time_t now,
    struct attest_result *out, struct problem *p)
{
	X509 *slot = NULL, *device = NULL;
	X509_STORE *st = NULL;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *untrusted = NULL;
	int i, err, rc = -1;

	memset(out, 0, sizeof(*out));
	if ((slot = attest_pem(slot_pem)) == NULL) {
		problem_field(p, ATTEST_FIELD_SLOT,
		    "not a PEM certificate (the attestation of the key's slot)");
		goto out;
	}
	if ((device = attest_pem(device_pem)) == NULL) {
		problem_field(p, ATTEST_FIELD_DEVICE,
		    "not a PEM certificate (the device's attestation "
		    "certificate)");
		goto out;
	}
	if (key == NULL || EVP_PKEY_eq(X509_get0_pubkey(slot), key) != 1) {
		ERR_clear_error();
		problem_field(p, ATTEST_FIELD_SLOT,
		    "attests another key than the request's");
		goto out;
	}
	if ((st = X509_STORE_new()) == NULL ||
	    (ctx = X509_STORE_CTX_new()) == NULL ||
	    (untrusted = sk_X509_new_null()) == NULL ||
	    sk_X509_push(untrusted, device) <= 0)
		abort();
	for (i = 0; roots != NULL && i < sk_X509_num(roots); i++)
		if (X509_STORE_add_cert(st, sk_X509_value(roots, i)) != 1)
			abort();
	if (X509_STORE_CTX_init(ctx, st, slot, untrusted) != 1)
		abort();
	X509_STORE_CTX_set_time(ctx, 0, now);
	if (X509_verify_cert(ctx) != 1) {
		err = X509_STORE_CTX_get_error(ctx);
		log_info("attestation refused", "error=\"%s\" depth=%d",
		    X509_verify_cert_error_string(err),
		    X509_STORE_CTX_get_error_depth(ctx));
		ERR_clear_error();
		if (err == X509_V_ERR_CERT_HAS_EXPIRED ||
		    err == X509_V_ERR_CERT_NOT_YET_VALID)
			problem_field(p, ATTEST_FIELD_SLOT,
			    "an attestation certificate is expired or not yet "
			    "valid");
		else
			problem_field(p, ATTEST_FIELD_SLOT,
			    "does not chain through the device's attestation "
			    "certificate to a configured manufacturer root");
		goto out;
	}
	attest_yubico(slot, out);
	X509_NAME_oneline(
	    X509_get_subject_name(device), out->device, sizeof(out->device));
	rc = 0;
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	sk_X509_free(untrusted);
	X509_free(device);
	X509_free(slot);
	return rc;
}
