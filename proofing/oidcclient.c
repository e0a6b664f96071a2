#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjose/cjose.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/digest.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/xmalloc.h"
#include "proofing/oidc.h"
#include "proofing/oidcclient.h"

/* Bits of an RSA client key. */
#define RSA_BITS_MIN 2048
#define RSA_BITS_MAX 4096

struct oidcclient_key {
	cjose_jwk_t *jwk;           /* the private key, owned */
	const char *alg;            /* "ES256" or "RS256" */
	char kid[OIDC_KID_LEN + 1]; /* key id named in assertions */
};

/* n bytes as base64url without padding (caller frees). */
static char *
b64url(const unsigned char *b, size_t n)
{
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);
	size_t i, len;

	len = (size_t)EVP_EncodeBlock((unsigned char *)out, b, (int)n);
	while (len > 0 && out[len - 1] == '=')
		len--;
	out[len] = '\0';
	for (i = 0; i < len; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	return out;
}

/* Sets member name of o to the big-endian base64url of key's BIGNUM
 * parameter param, padded to pad bytes (0: its own length).  0 or -1. */
static int
bn_member(json_t *o, const char *name, const EVP_PKEY *key, const char *param,
    int pad)
{
	BIGNUM *bn = NULL;
	unsigned char *buf = NULL;
	char *s = NULL;
	int n, rc = -1;

	if (EVP_PKEY_get_bn_param(key, param, &bn) != 1)
		goto out;
	n = pad > 0 ? pad : BN_num_bytes(bn);
	buf = xmalloc((size_t)n + 1);
	if (BN_bn2binpad(bn, buf, n) != n)
		goto out;
	s = b64url(buf, (size_t)n);
	json_object_set_new(o, name, json_string(s));
	rc = 0;
out:
	if (buf != NULL)
		OPENSSL_cleanse(buf, (size_t)n);
	free(buf);
	if (s != NULL)
		OPENSSL_cleanse(s, strlen(s));
	free(s);
	BN_clear_free(bn);
	return rc;
}

/*
 * The key as a private JWK (an object the caller decrefs), its algorithm
 * in *alg and its RFC 7638 thumbprint input (caller frees) in *tp; NULL
 * if it is neither P-256 nor RSA of an allowed size.
 */
static json_t *
key_jwk(const EVP_PKEY *key, const char **alg, char **tp)
{
	static const char *const rsa[][2] = {{"n", OSSL_PKEY_PARAM_RSA_N},
	    {"e", OSSL_PKEY_PARAM_RSA_E}, {"d", OSSL_PKEY_PARAM_RSA_D},
	    {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
	    {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},
	    {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
	    {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2},
	    {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1}};
	char group[64];
	json_t *o = json_object();
	size_t i;
	int ok = 0, bits = EVP_PKEY_get_bits(key);

	*tp = NULL;
	if (EVP_PKEY_is_a(key, "EC")) {
		if (EVP_PKEY_get_utf8_string_param(key,
		        OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
		        NULL) != 1 ||
		    strcmp(group, "prime256v1") != 0)
			goto out;
		json_object_set_new(o, "kty", json_string("EC"));
		json_object_set_new(o, "crv", json_string("P-256"));
		if (bn_member(o, "x", key, OSSL_PKEY_PARAM_EC_PUB_X, 32) ==
		        -1 ||
		    bn_member(o, "y", key, OSSL_PKEY_PARAM_EC_PUB_Y, 32) ==
		        -1 ||
		    bn_member(o, "d", key, OSSL_PKEY_PARAM_PRIV_KEY, 32) == -1)
			goto out;
		*alg = "ES256";
		*tp = xprintf("{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\","
		              "\"y\":\"%s\"}",
		    json_string_value(json_object_get(o, "x")),
		    json_string_value(json_object_get(o, "y")));
	} else if (EVP_PKEY_is_a(key, "RSA")) {
		if (bits < RSA_BITS_MIN || bits > RSA_BITS_MAX)
			goto out;
		json_object_set_new(o, "kty", json_string("RSA"));
		for (i = 0; i < sizeof(rsa) / sizeof(rsa[0]); i++)
			if (bn_member(o, rsa[i][0], key, rsa[i][1], 0) == -1)
				goto out;
		*alg = "RS256";
		*tp = xprintf("{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}",
		    json_string_value(json_object_get(o, "e")),
		    json_string_value(json_object_get(o, "n")));
	} else
		goto out;
	ok = 1;
out:
	if (!ok) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

struct oidcclient_key *
oidcclient_key_read(
    const char *path, const char *kid, const char *setting, struct problem *p)
{
	struct oidcclient_key *k = NULL;
	unsigned char th[DIGEST_LEN];
	EVP_PKEY *key = NULL;
	json_t *jwk = NULL;
	char *text = NULL, *tp = NULL, *t64 = NULL;
	const char *alg = NULL;
	struct stat st;
	cjose_err err;
	BIO *bio = NULL;
	int fd = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		log_error("signing key: cannot open the key file",
		    "setting=%s path=\"%s\" error=\"%s\"", setting, path,
		    strerror(errno));
		problem_set(p, 500, "key-file-error", "Key file error",
		    "%s: %s cannot be opened", setting, path);
		goto out;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > OIDCCLIENT_KEY_FILE_MAX) {
		problem_set(p, 500, "key-file-error", "Key file error",
		    "%s: %s is not a key file", setting, path);
		goto out;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		problem_set(p, 500, "key-file-error", "Key file error",
		    "%s: others may use %s (mode %o): chmod 600 it", setting,
		    path, (unsigned int)(st.st_mode & 07777));
		goto out;
	}
	if ((bio = BIO_new_fd(fd, BIO_NOCLOSE)) == NULL ||
	    (key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL) {
		log_openssl("signing key: no PEM private key");
		problem_set(p, 500, "key-file-error", "Key file error",
		    "%s: %s holds no unencrypted PEM private key", setting,
		    path);
		goto out;
	}
	if ((jwk = key_jwk(key, &alg, &tp)) == NULL) {
		problem_set(p, 500, "key-file-error", "Key file error",
		    "%s: %s is neither an EC P-256 key nor an RSA key of "
		    "2048 to 4096 bits",
		    setting, path);
		goto out;
	}
	text = json_dumps(jwk, JSON_COMPACT);
	k = xcalloc(1, sizeof(*k));
	k->alg = alg;
	if (text == NULL ||
	    (k->jwk = cjose_jwk_import(text, strlen(text), &err)) == NULL) {
		log_error("signing key: cjose refused the key", "error=\"%s\"",
		    text == NULL ? "json" : err.message);
		problem_set(p, 500, "key-file-error", "Key file error",
		    "%s: %s cannot be used for signing", setting, path);
		oidcclient_key_free(k);
		k = NULL;
		goto out;
	}
	if (kid != NULL && kid[0] != '\0')
		snprintf(k->kid, sizeof(k->kid), "%s", kid);
	else {
		digest_sha256(tp, strlen(tp), th);
		t64 = b64url(th, sizeof(th));
		snprintf(k->kid, sizeof(k->kid), "%s", t64);
	}
out:
	if (text != NULL) {
		OPENSSL_cleanse(text, strlen(text));
		free(text);
	}
	free(tp);
	free(t64);
	json_decref(jwk); /* holds private members: jansson frees, not wipes */
	EVP_PKEY_free(key);
	BIO_free(bio);
	if (fd != -1)
		close(fd);
	return k;
}

void
oidcclient_key_free(struct oidcclient_key *k)
{
	if (k == NULL)
		return;
	if (k->jwk != NULL)
		cjose_jwk_release(k->jwk);
	free(k);
}

const char *
oidcclient_key_alg(const struct oidcclient_key *k)
{
	return k->alg;
}

const char *
oidcclient_key_kid(const struct oidcclient_key *k)
{
	return k->kid;
}

char *
oidcclient_sign(const struct oidcclient_key *k, const char *typ, json_t *claims,
    struct problem *p)
{
	cjose_header_t *hdr = NULL;
	cjose_jws_t *jws = NULL;
	const char *ser = NULL;
	char *body = NULL, *out = NULL;
	cjose_err err;

	memset(&err, 0, sizeof(err));
	if (claims == NULL || (body = json_dumps(claims, JSON_COMPACT)) == NULL)
		goto fail;
	if ((hdr = cjose_header_new(&err)) == NULL ||
	    !cjose_header_set(hdr, CJOSE_HDR_ALG, k->alg, &err) ||
	    !cjose_header_set(hdr, CJOSE_HDR_KID, k->kid, &err) ||
	    !cjose_header_set(hdr, "typ", typ, &err))
		goto fail;
	if ((jws = cjose_jws_sign(k->jwk, hdr, (const uint8_t *)body,
	         strlen(body), &err)) == NULL ||
	    !cjose_jws_export(jws, &ser, &err))
		goto fail;
	out = xstrdup(ser);
	goto out;
fail:
	log_error("JWS not signed", "typ=%s error=\"%s\"", typ,
	    err.message != NULL ? err.message : "json");
	problem_internal(p);
out:
	cjose_jws_release(jws);
	cjose_header_release(hdr);
	free(body);
	return out;
}

char *
oidcclient_assertion(const struct oidcclient_key *k, const char *client_id,
    const char *audience, time_t now, struct problem *p)
{
	char jti[OIDCCLIENT_JTI_BYTES * 2];
	json_t *claims;
	char *out;

	rand_token(OIDCCLIENT_JTI_BYTES, jti, sizeof(jti));
	claims = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "iss", client_id,
	    "sub", client_id, "aud", audience, "jti", jti, "iat",
	    (json_int_t)now, "exp", (json_int_t)(now + OIDCCLIENT_LIFE));
	out = oidcclient_sign(k, "JWT", claims, p);
	json_decref(claims);
	return out;
}

json_t *
oidcclient_key_public(const struct oidcclient_key *k)
{
	char *text = cjose_jwk_to_json(k->jwk, false, NULL);
	json_t *o = text != NULL ? json_loads(text, 0, NULL) : NULL;

	free(text);
	if (o == NULL)
		o = json_object();
	json_object_set_new(o, "kid", json_string(k->kid));
	json_object_set_new(o, "alg", json_string(k->alg));
	json_object_set_new(o, "use", json_string("sig"));
	return o;
}

int
oidcclient_key_make(const char *path, const char *setting, struct problem *p)
{
	EVP_PKEY *key = NULL;
	FILE *f = NULL;
	int fd, rc = -1;

	fd = open(
	    path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1 && errno == EEXIST)
		return 0;
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
		log_error("signing key: cannot create the key file",
		    "setting=%s path=\"%s\" error=\"%s\"", setting, path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return problem_set(p, 500, "key-file-error", "Key file error",
		    "%s: %s cannot be created", setting, path);
	}
	if ((key = EVP_EC_gen("P-256")) == NULL ||
	    PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) != 1) {
		log_openssl("signing key: not made");
		problem_set(p, 500, "key-file-error", "Key file error",
		    "%s: no key could be made in %s", setting, path);
	} else
		rc = 1;
	if (fclose(f) != 0 && rc == 1) {
		rc = -1;
		problem_set(p, 500, "key-file-error", "Key file error",
		    "%s: %s could not be written", setting, path);
	}
	if (rc == -1)
		unlink(path);
	EVP_PKEY_free(key);
	return rc;
}
