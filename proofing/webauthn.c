#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <fido/rs256.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "common/digest.h"
#include "common/logger.h"
#include "proofing/webauthn.h"

/* authenticatorData: rpIdHash(32) flags(1) signCount(4), then for a
 * registration aaguid(16) credentialIdLength(2) credentialId COSE_Key. */
#define AD_MIN      37
#define AD_FLAGS    32
#define AD_COUNT    33
#define AD_ATTESTED 37
#define FLAG_UP     0x01
#define FLAG_UV     0x04
#define FLAG_BE     0x08
#define FLAG_AT     0x40
#define FLAG_ED     0x80

/* The COSE algorithms accepted, in the order tried. */
static const int algs[] = {COSE_ES256, COSE_EDDSA, COSE_RS256};

const char *
webauthn_trust_name(enum webauthn_trust t)
{
	switch (t) {
	case WEBAUTHN_SELF:
		return "self";
	case WEBAUTHN_UNTRUSTED:
		return "untrusted";
	case WEBAUTHN_TRUSTED:
		return "trusted";
	default:
		return "none";
	}
}

/* 422 passkey-invalid naming field; returns -1. */
static int
refuse(struct problem *p, const char *field, const char *why)
{
	problem_set(p, 422, "passkey-invalid", "Passkey response refused",
	    "The passkey's answer was refused: %s.", why);
	return problem_field(p, field, "%s", why);
}

/* The clientDataJSON object of cd, or NULL with p set. */
static json_t *
client_data(const unsigned char *cd, size_t len, struct problem *p)
{
	json_error_t err;
	json_t *j;

	if (len == 0 || len > WEBAUTHN_CLIENT_DATA_MAX) {
		refuse(p, "client_data_json", "empty or too long");
		return NULL;
	}
	j = json_loadb((const char *)cd, len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL || !json_is_object(j)) {
		json_decref(j);
		refuse(p, "client_data_json", "not a JSON object");
		return NULL;
	}
	return j;
}

int
webauthn_client_challenge(const unsigned char *cd, size_t len, char *out,
    size_t outsz, struct problem *p)
{
	const char *c;
	json_t *j;
	int rc = -1;

	out[0] = '\0';
	if ((j = client_data(cd, len, p)) == NULL)
		return -1;
	c = json_string_value(json_object_get(j, "challenge"));
	if (c == NULL || strlen(c) >= outsz)
		refuse(p, "client_data_json", "no challenge of ours");
	else {
		snprintf(out, outsz, "%s", c);
		rc = 0;
	}
	json_decref(j);
	return rc;
}

/* Checks clientDataJSON against e and sets hash to its SHA-256. */
static int
check_client_data(const struct webauthn_expect *e, const unsigned char *cd,
    size_t len, unsigned char hash[32], struct problem *p)
{
	const char *type, *challenge, *origin;
	json_t *j, *cross;
	int rc = -1;

	if ((j = client_data(cd, len, p)) == NULL)
		return -1;
	type = json_string_value(json_object_get(j, "type"));
	challenge = json_string_value(json_object_get(j, "challenge"));
	origin = json_string_value(json_object_get(j, "origin"));
	cross = json_object_get(j, "crossOrigin");
	if (type == NULL || strcmp(type, e->type) != 0)
		refuse(p, "client_data_json", "another kind of ceremony");
	else if (challenge == NULL ||
	    strlen(challenge) != strlen(e->challenge) ||
	    !digest_equal(challenge, e->challenge, strlen(e->challenge)))
		refuse(p, "client_data_json", "another challenge");
	else if (origin == NULL || strcmp(origin, e->origin) != 0)
		refuse(p, "client_data_json", "another origin");
	else if (json_is_true(cross))
		refuse(p, "client_data_json", "a cross-origin frame");
	else {
		digest_sha256(cd, len, hash);
		rc = 0;
	}
	json_decref(j);
	return rc;
}

/* Checks the RP id hash and the flags of authenticator data ad. */
static int
check_auth_data(const struct webauthn_expect *e, const unsigned char *ad,
    size_t len, const char *field, struct problem *p)
{
	unsigned char rp[32];

	if (len < AD_MIN)
		return refuse(p, field, "authenticator data too short");
	digest_sha256(e->rp_id, strlen(e->rp_id), rp);
	if (!digest_equal(ad, rp, sizeof(rp)))
		return refuse(p, field, "made for another relying party");
	if (!(ad[AD_FLAGS] & FLAG_UP))
		return refuse(p, field, "the user was not present");
	if (e->require_uv && !(ad[AD_FLAGS] & FLAG_UV))
		return refuse(p, field, "the user was not verified");
	return 0;
}

/* The member key of CBOR map m, or NULL. */
static cbor_item_t *
map_get(cbor_item_t *m, const char *key)
{
	struct cbor_pair *pairs = cbor_map_handle(m);
	size_t i, n = cbor_map_size(m), klen = strlen(key);

	for (i = 0; i < n; i++) {
		cbor_item_t *k = pairs[i].key;

		if (cbor_isa_string(k) && cbor_string_is_definite(k) &&
		    cbor_string_length(k) == klen &&
		    memcmp(cbor_string_handle(k), key, klen) == 0)
			return pairs[i].value;
	}
	return NULL;
}

#define CBOR_DEPTH_MAX                                                         \
	16 /* levels of nesting a WebAuthn item needs, and more */

/*
 * Whether the one CBOR item at b[*off..len), and all it holds, declares
 * definite lengths only, no more bytes or elements than are left after
 * its header, and at most CBOR_DEPTH_MAX levels; *off moves past it.
 * libcbor allocates what a header declares before it reads the elements
 * (five bytes can ask for an array of 2^32), so nothing reaches cbor_load
 * unchecked.  WebAuthn's CBOR is CTAP2 canonical: definite lengths only.
 */
static int
cbor_bounded(const unsigned char *b, size_t len, size_t *off, int depth)
{
	unsigned major, info, i;
	uint64_t v = 0, n;

	if (depth > CBOR_DEPTH_MAX || *off >= len)
		return 0;
	major = b[*off] >> 5;
	info = b[*off] & 0x1f;
	(*off)++;
	if (info < 24)
		v = info;
	else if (info <= 27) {
		n = 1u << (info - 24);
		if (len - *off < n)
			return 0;
		for (i = 0; i < n; i++)
			v = v << 8 | b[(*off)++];
	} else
		return 0; /* reserved, or an indefinite length */
	switch (major) {
	case 2: /* byte string */
	case 3: /* text string */
		if (v > len - *off)
			return 0;
		*off += (size_t)v;
		return 1;
	case 4: /* array: v items of a byte at least */
	case 5: /* map: v pairs */
		n = major == 5 ? 2 : 1;
		if (v > (len - *off) / n)
			return 0;
		for (n *= v; n > 0; n--)
			if (!cbor_bounded(b, len, off, depth + 1))
				return 0;
		return 1;
	case 6: /* a tag and its item */
		return cbor_bounded(b, len, off, depth + 1);
	default: /* integers, simple values, floats */
		return 1;
	}
}

/* cbor_load of the item at b[0..len) once cbor_bounded passes it. */
static cbor_item_t *
cbor_load_bounded(
    const unsigned char *b, size_t len, struct cbor_load_result *res)
{
	size_t off = 0;

	if (!cbor_bounded(b, len, &off, 0)) {
		memset(res, 0, sizeof(*res));
		res->error.code = CBOR_ERR_MALFORMATED;
		return NULL;
	}
	return cbor_load(b, len, res);
}

/* The COSE_Key of a registration's authenticator data, copied to out. */
static int
cose_key(const unsigned char *ad, size_t len, struct webauthn_cred *out,
    struct problem *p)
{
	struct cbor_load_result res;
	cbor_item_t *k;
	size_t off, idlen;

	if (len < AD_ATTESTED + 18 || !(ad[AD_FLAGS] & FLAG_AT))
		return refuse(p, "attestation_object", "no credential in it");
	idlen = (size_t)ad[AD_ATTESTED + 16] << 8 | ad[AD_ATTESTED + 17];
	off = AD_ATTESTED + 18 + idlen;
	if (off >= len)
		return refuse(p, "attestation_object", "truncated credential");
	k = cbor_load_bounded(ad + off, len - off, &res);
	if (k == NULL || res.error.code != CBOR_ERR_NONE ||
	    res.read > sizeof(out->cose) ||
	    (!(ad[AD_FLAGS] & FLAG_ED) && off + res.read != len)) {
		if (k != NULL)
			cbor_decref(&k);
		return refuse(p, "attestation_object", "bad public key");
	}
	cbor_decref(&k);
	memcpy(out->cose, ad + off, res.read);
	out->cose_len = res.read;
	return 0;
}

/* The attestation statement's x5c beyond the first, for the chain. */
static STACK_OF(X509) * intermediates(cbor_item_t *stmt)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	cbor_item_t *x5c = map_get(stmt, "x5c");
	size_t i, n;

	if (sk == NULL)
		abort();
	if (x5c == NULL || !cbor_isa_array(x5c))
		return sk;
	n = cbor_array_size(x5c);
	for (i = 1; i < n && i < WEBAUTHN_X5C_MAX; i++) {
		cbor_item_t *c = cbor_array_handle(x5c)[i];
		const unsigned char *d;
		X509 *x;

		if (!cbor_isa_bytestring(c) || !cbor_bytestring_is_definite(c))
			continue;
		d = cbor_bytestring_handle(c);
		x = d2i_X509(NULL, &d, (long)cbor_bytestring_length(c));
		if (x != NULL && !sk_X509_push(sk, x))
			X509_free(x);
	}
	return sk;
}

/* How far the attestation certificate of cred chains to roots. */
static enum webauthn_trust
chain(const struct webauthn_expect *e, const fido_cred_t *cred,
    cbor_item_t *stmt, X509_STORE *roots, struct webauthn_cred *out)
{
	const unsigned char *d = fido_cred_x5c_ptr(cred);
	STACK_OF(X509) *sk = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509 *leaf;
	enum webauthn_trust t = WEBAUTHN_UNTRUSTED;

	leaf = d2i_X509(NULL, &d, (long)fido_cred_x5c_len(cred));
	if (leaf == NULL)
		return WEBAUTHN_UNTRUSTED;
	X509_NAME_oneline(
	    X509_get_issuer_name(leaf), out->issuer, sizeof(out->issuer));
	if (roots == NULL)
		goto out;
	sk = intermediates(stmt);
	if ((ctx = X509_STORE_CTX_new()) == NULL)
		abort();
	if (X509_STORE_CTX_init(ctx, roots, leaf, sk) != 1)
		goto out;
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), e->now);
	if (X509_verify_cert(ctx) == 1)
		t = WEBAUTHN_TRUSTED;
	else
		log_info("passkey attestation chain refused", "error=\"%s\"",
		    X509_verify_cert_error_string(
		        X509_STORE_CTX_get_error(ctx)));
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(sk, X509_free);
	X509_free(leaf);
	return t;
}

/* A fido_cred_t of authenticator data ad, with the first algorithm that
 * its key is of; NULL if none. */
static fido_cred_t *
cred_of(const unsigned char *ad, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		fido_cred_t *c = fido_cred_new();

		if (c == NULL)
			abort();
		if (fido_cred_set_type(c, algs[i]) == FIDO_OK &&
		    fido_cred_set_authdata_raw(c, ad, len) == FIDO_OK)
			return c;
		fido_cred_free(&c);
	}
	return NULL;
}

/* Checks the statement of format fmt and sets out->trust. */
static int
check_statement(const struct webauthn_expect *e, fido_cred_t *cred,
    const char *fmt, cbor_item_t *stmt, X509_STORE *roots,
    struct webauthn_cred *out, struct problem *p)
{
	int r;

	if (strcmp(fmt, "none") == 0) {
		if (cbor_map_size(stmt) != 0)
			return refuse(p, "attestation_object",
			    "a statement with format none");
		out->trust = WEBAUTHN_NONE;
		return 0;
	}
	if (strcmp(fmt, "packed") != 0 && strcmp(fmt, "fido-u2f") != 0 &&
	    strcmp(fmt, "tpm") != 0)
		return refuse(p, "attestation_object",
		    "an unsupported attestation format");
	if (fido_cred_x5c_len(cred) == 0) {
		if (strcmp(fmt, "packed") != 0 ||
		    (r = fido_cred_verify_self(cred)) != FIDO_OK)
			return refuse(p, "attestation_object",
			    "the attestation signature does not verify");
		out->trust = WEBAUTHN_SELF;
		return 0;
	}
	if ((r = fido_cred_verify(cred)) != FIDO_OK) {
		log_info("passkey attestation refused", "fido=\"%s\"",
		    fido_strerr(r));
		return refuse(p, "attestation_object",
		    "the attestation signature does not verify");
	}
	out->trust = chain(e, cred, stmt, roots, out);
	return 0;
}

int
webauthn_register(const struct webauthn_expect *e, const unsigned char *cd,
    size_t cdlen, const unsigned char *att, size_t attlen, X509_STORE *roots,
    struct webauthn_cred *out, struct problem *p)
{
	struct cbor_load_result res;
	cbor_item_t *obj = NULL, *fmt_i, *stmt, *ad_i;
	unsigned char hash[32], *stmt_buf = NULL;
	const unsigned char *ad;
	fido_cred_t *cred = NULL;
	size_t adlen, stmt_len, stmt_size = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (check_client_data(e, cd, cdlen, hash, p) == -1)
		return -1;
	if (attlen == 0 || attlen > WEBAUTHN_ATT_OBJ_MAX)
		return refuse(p, "attestation_object", "empty or too long");
	obj = cbor_load_bounded(att, attlen, &res);
	if (obj == NULL || res.error.code != CBOR_ERR_NONE ||
	    res.read != attlen || !cbor_isa_map(obj) ||
	    !cbor_map_is_definite(obj) || cbor_map_size(obj) != 3 ||
	    (fmt_i = map_get(obj, "fmt")) == NULL ||
	    (stmt = map_get(obj, "attStmt")) == NULL ||
	    (ad_i = map_get(obj, "authData")) == NULL ||
	    !cbor_isa_string(fmt_i) || !cbor_string_is_definite(fmt_i) ||
	    cbor_string_length(fmt_i) >= sizeof(out->fmt) ||
	    !cbor_isa_map(stmt) || !cbor_map_is_definite(stmt) ||
	    !cbor_isa_bytestring(ad_i) || !cbor_bytestring_is_definite(ad_i)) {
		refuse(p, "attestation_object", "not an attestation object");
		goto out;
	}
	memcpy(out->fmt, cbor_string_handle(fmt_i), cbor_string_length(fmt_i));
	ad = cbor_bytestring_handle(ad_i);
	adlen = cbor_bytestring_length(ad_i);
	if (check_auth_data(e, ad, adlen, "attestation_object", p) == -1 ||
	    cose_key(ad, adlen, out, p) == -1)
		goto out;
	if ((cred = cred_of(ad, adlen)) == NULL) {
		refuse(p, "attestation_object",
		    "a key of an unsupported algorithm");
		goto out;
	}
	stmt_len = cbor_serialize_alloc(stmt, &stmt_buf, &stmt_size);
	if (stmt_len == 0 ||
	    fido_cred_set_clientdata_hash(cred, hash, sizeof(hash)) !=
	        FIDO_OK ||
	    fido_cred_set_rp(cred, e->rp_id, NULL) != FIDO_OK ||
	    fido_cred_set_uv(cred,
	        e->require_uv ? FIDO_OPT_TRUE : FIDO_OPT_OMIT) != FIDO_OK ||
	    (strcmp(out->fmt, "none") != 0 &&
	        (fido_cred_set_fmt(cred, out->fmt) != FIDO_OK ||
	            fido_cred_set_attstmt(cred, stmt_buf, stmt_len) !=
	                FIDO_OK))) {
		refuse(p, "attestation_object", "a malformed statement");
		goto out;
	}
	if (check_statement(e, cred, out->fmt, stmt, roots, out, p) == -1)
		goto out;
	if (fido_cred_id_len(cred) == 0 ||
	    fido_cred_id_len(cred) > sizeof(out->id) ||
	    fido_cred_pubkey_len(cred) > sizeof(out->pubkey) ||
	    fido_cred_aaguid_len(cred) != sizeof(out->aaguid)) {
		refuse(p, "attestation_object", "a malformed credential");
		goto out;
	}
	out->id_len = fido_cred_id_len(cred);
	memcpy(out->id, fido_cred_id_ptr(cred), out->id_len);
	out->pubkey_len = fido_cred_pubkey_len(cred);
	memcpy(out->pubkey, fido_cred_pubkey_ptr(cred), out->pubkey_len);
	memcpy(out->aaguid, fido_cred_aaguid_ptr(cred), sizeof(out->aaguid));
	out->alg = fido_cred_type(cred);
	out->sign_count = fido_cred_sigcount(cred);
	out->uv = (ad[AD_FLAGS] & FLAG_UV) != 0;
	out->backup_eligible = (ad[AD_FLAGS] & FLAG_BE) != 0;
	rc = 0;
out:
	free(stmt_buf);
	fido_cred_free(&cred);
	if (obj != NULL)
		cbor_decref(&obj);
	return rc;
}

/* Verifies with a public key of alg; FIDO_OK or an error. */
static int
verify_with(
    const fido_assert_t *a, int alg, const unsigned char *pk, size_t pklen)
{
	es256_pk_t *es = NULL;
	eddsa_pk_t *ed = NULL;
	rs256_pk_t *rs = NULL;
	int r = FIDO_ERR_INVALID_ARGUMENT;

	switch (alg) {
	case COSE_ES256:
		if ((es = es256_pk_new()) == NULL)
			abort();
		if (es256_pk_from_ptr(es, pk, pklen) == FIDO_OK)
			r = fido_assert_verify(a, 0, alg, es);
		es256_pk_free(&es);
		break;
	case COSE_EDDSA:
		if ((ed = eddsa_pk_new()) == NULL)
			abort();
		if (eddsa_pk_from_ptr(ed, pk, pklen) == FIDO_OK)
			r = fido_assert_verify(a, 0, alg, ed);
		eddsa_pk_free(&ed);
		break;
	case COSE_RS256:
		if ((rs = rs256_pk_new()) == NULL)
			abort();
		if (rs256_pk_from_ptr(rs, pk, pklen) == FIDO_OK)
			r = fido_assert_verify(a, 0, alg, rs);
		rs256_pk_free(&rs);
		break;
	default:
		break;
	}
	return r;
}

int
webauthn_assert(const struct webauthn_expect *e, const unsigned char *cd,
    size_t cdlen, const unsigned char *ad, size_t adlen,
    const unsigned char *sig, size_t siglen, int alg, const unsigned char *pk,
    size_t pklen, uint32_t *sign_count, int *uv, struct problem *p)
{
	unsigned char hash[32];
	fido_assert_t *a = NULL;
	int r, rc = -1;

	*sign_count = 0;
	*uv = 0;
	if (check_client_data(e, cd, cdlen, hash, p) == -1)
		return -1;
	if (adlen > WEBAUTHN_AUTH_DATA_MAX)
		return refuse(p, "authenticator_data", "too long");
	if (check_auth_data(e, ad, adlen, "authenticator_data", p) == -1)
		return -1;
	if (siglen == 0 || siglen > WEBAUTHN_SIG_MAX)
		return refuse(p, "signature", "empty or too long");
	if ((a = fido_assert_new()) == NULL)
		abort();
	if (fido_assert_set_count(a, 1) != FIDO_OK ||
	    fido_assert_set_rp(a, e->rp_id) != FIDO_OK ||
	    fido_assert_set_clientdata_hash(a, hash, sizeof(hash)) != FIDO_OK ||
	    fido_assert_set_authdata_raw(a, 0, ad, adlen) != FIDO_OK ||
	    fido_assert_set_sig(a, 0, sig, siglen) != FIDO_OK ||
	    fido_assert_set_up(a, FIDO_OPT_TRUE) != FIDO_OK ||
	    fido_assert_set_uv(
	        a, e->require_uv ? FIDO_OPT_TRUE : FIDO_OPT_OMIT) != FIDO_OK) {
		refuse(p, "authenticator_data", "malformed");
		goto out;
	}
	if ((r = verify_with(a, alg, pk, pklen)) != FIDO_OK) {
		log_info(
		    "passkey assertion refused", "fido=\"%s\"", fido_strerr(r));
		refuse(p, "signature", "the signature does not verify");
		goto out;
	}
	*sign_count = fido_assert_sigcount(a, 0);
	*uv = (ad[AD_FLAGS] & FLAG_UV) != 0;
	rc = 0;
out:
	ERR_clear_error();
	fido_assert_free(&a);
	return rc;
}

X509_STORE *
webauthn_roots_load(const char *path, struct problem *p)
{
	X509_STORE *s = X509_STORE_new();

	if (s == NULL)
		abort();
	if (X509_STORE_load_file(s, path) != 1 ||
	    sk_X509_OBJECT_num(X509_STORE_get0_objects(s)) == 0) {
		log_error("passkey authenticator roots not loaded",
		    "file=\"%s\"", path);
		ERR_clear_error();
		X509_STORE_free(s);
		problem_internal(p);
		return NULL;
	}
	return s;
}
