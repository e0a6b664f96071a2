/*
 * WebAuthn (W3C Web Authentication, level 2) as a relying party checks it:
 * a registration (navigator.credentials.create) and an assertion
 * (navigator.credentials.get), from the bytes the browser returned.  Pure:
 * inputs in, a verdict and the credential out; no database, no clock but
 * the one given.
 *
 * The CBOR of the attestation object is read with libcbor and the
 * signatures are checked by libfido2 (fido_cred_verify,
 * fido_cred_verify_self, fido_assert_verify): docs/passkeys.md says why.
 * What libfido2 leaves to its caller is here: clientDataJSON (type,
 * challenge, origin, crossOrigin), the RP id hash and the UP and UV flags
 * (checked again here, before libfido2 sees them), the attestation
 * certificate's chain to the operator's authenticator roots.
 *
 * Every input is bounded (WEBAUTHN_*_MAX) before it is parsed.
 */
#ifndef RXCA_WEBAUTHN_H
#define RXCA_WEBAUTHN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509_vfy.h>

#include "common/problem.h"

#define WEBAUTHN_CHALLENGE_BYTES 32    /* random bytes of a challenge */
#define WEBAUTHN_CLIENT_DATA_MAX 2048  /* bytes of clientDataJSON */
#define WEBAUTHN_ATT_OBJ_MAX     16384 /* bytes of an attestation object */
#define WEBAUTHN_AUTH_DATA_MAX   1024  /* bytes of an assertion's authData */
#define WEBAUTHN_SIG_MAX         1024  /* bytes of an assertion signature */
#define WEBAUTHN_CRED_ID_MAX     1023  /* bytes of a credential id (L2) */
#define WEBAUTHN_PUBKEY_MAX      512   /* bytes of a public key */
#define WEBAUTHN_X5C_MAX         4     /* certificates in x5c */

/* How far the attestation vouches for the authenticator. */
enum webauthn_trust {
	WEBAUTHN_NONE,      /* no attestation statement ("none") */
	WEBAUTHN_SELF,      /* signed by the credential's own key */
	WEBAUTHN_UNTRUSTED, /* a certificate that chains to no root given */
	WEBAUTHN_TRUSTED    /* a certificate chain to an authenticator root */
};

/* What the relying party expects of one ceremony. */
struct webauthn_expect {
	const char *type;      /* "webauthn.create" or "webauthn.get" */
	const char *challenge; /* base64url, as sent to the browser */
	const char *origin;    /* e.g. "https://portal.example.org" */
	const char *rp_id;     /* e.g. "portal.example.org" */
	int require_uv;        /* 1: the UV flag must be set */
	time_t now;            /* for the attestation chain's validity */
};

/* A registered credential, as the relying party keeps it. */
struct webauthn_cred {
	unsigned char id[WEBAUTHN_CRED_ID_MAX]; /* credential id */
	size_t id_len;
	int alg;                                 /* COSE algorithm */
	unsigned char cose[WEBAUTHN_PUBKEY_MAX]; /* COSE_Key, as given */
	size_t cose_len;
	unsigned char pubkey[WEBAUTHN_PUBKEY_MAX]; /* libfido2's raw form */
	size_t pubkey_len;
	unsigned char aaguid[16]; /* the authenticator's model */
	uint32_t sign_count;      /* signature counter at registration */
	int uv;                   /* the UV flag was set */
	int backup_eligible;      /* BE flag: a synced (multi-device) key */
	char fmt[16];             /* attestation statement format */
	enum webauthn_trust trust;
	char issuer[256]; /* the attestation certificate's issuer, or "" */
};

/* The name of t: "none", "self", "untrusted", "trusted". */
const char *webauthn_trust_name(enum webauthn_trust t);

/*
 * The challenge member of clientDataJSON (len bytes) into out (outsz
 * bytes), to find the ceremony it answers.  0, or -1 with p set (422,
 * field client_data_json).
 */
int webauthn_client_challenge(const unsigned char *cd, size_t len, char *out,
    size_t outsz, struct problem *p);

/*
 * Checks a registration: clientDataJSON cd (cdlen bytes) and the
 * attestation object att (attlen bytes) against e; roots (may be NULL:
 * none configured) are the authenticator roots an attestation
 * certificate is checked against.  0 with out filled, or -1 with p set
 * (422 passkey-invalid naming the field).
 */
int webauthn_register(const struct webauthn_expect *e, const unsigned char *cd,
    size_t cdlen, const unsigned char *att, size_t attlen, X509_STORE *roots,
    struct webauthn_cred *out, struct problem *p);

/*
 * Checks an assertion: clientDataJSON cd, authenticator data ad and
 * signature sig against e and the credential's alg and public key pk
 * (libfido2's raw form, pklen bytes).  0 with *sign_count and *uv set
 * from the authenticator data, or -1 with p set (422 passkey-invalid).
 */
int webauthn_assert(const struct webauthn_expect *e, const unsigned char *cd,
    size_t cdlen, const unsigned char *ad, size_t adlen,
    const unsigned char *sig, size_t siglen, int alg, const unsigned char *pk,
    size_t pklen, uint32_t *sign_count, int *uv, struct problem *p);

/*
 * The authenticator roots in PEM file path, or NULL with p set (500) if
 * it cannot be read or holds no certificate.  Caller frees with
 * X509_STORE_free().
 */
X509_STORE *webauthn_roots_load(const char *path, struct problem *p);

#endif
