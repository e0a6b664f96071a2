/*
 * The PKCS#11 layer of rxca: one module (an HSM's or a smart card's, or
 * SoftHSM 2 in tests) loaded with dlopen, one token found by its label,
 * one read-write session logged in as the user.  On it: key pairs made on
 * the token (the private key never leaves it), signatures over a digest,
 * the PIN changed, certificates stored and read back.  Only the PKCS#11 C
 * API is used: no libp11, no ENGINE, no provider.
 *
 * Every call on one struct p11 is serialized by its own mutex, so one token
 * may be shared by threads.  While a token is logged in, this process may
 * not open it again: PKCS#11 login state belongs to the process, so a
 * second session would inherit the login without its PIN being checked.
 *
 * Errors name the PKCS#11 call and the CKR_ code in the log and leave a
 * client-safe message in the struct problem (never a PIN).  Every length
 * read from the module is bounded by the constants below.
 */
#ifndef RXCA_PKCS11_H
#define RXCA_PKCS11_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/problem.h"

#define P11_TOKEN_LABEL_MAX 32   /* CK_TOKEN_INFO label, bytes */
#define P11_LABEL_MAX       64   /* CKA_LABEL of an object, bytes */
#define P11_PIN_MAX         64   /* a PIN, bytes */
#define P11_SLOTS_MAX       64   /* slots with a token, listed */
#define P11_MODULES_MAX     8    /* modules loaded at once */
#define P11_FIND_MAX        64   /* objects one search examines */
#define P11_ID_LEN          20   /* CKA_ID of the keys we make */
#define P11_ID_MAX          64   /* CKA_ID read from the token */
#define P11_EC_PARAMS_MAX   64   /* CKA_EC_PARAMS (a named curve) */
#define P11_EC_POINT_MAX    160  /* CKA_EC_POINT, maybe DER-wrapped */
#define P11_RSA_MIN_BITS    2048 /* smallest RSA modulus accepted */
#define P11_RSA_MAX_BITS    8192 /* largest RSA modulus accepted */
#define P11_RSA_N_MAX       (P11_RSA_MAX_BITS / 8 + 1) /* CKA_MODULUS */
#define P11_RSA_E_MAX       16                         /* CKA_PUBLIC_EXPONENT */
#define P11_SIG_MAX         (P11_RSA_MAX_BITS / 8)     /* a raw signature */
#define P11_CERT_MAX        (32 * 1024)                /* a certificate's DER */
#define P11_DATA_MAX        4096 /* CKA_VALUE of a data object */
#define P11_SERIAL_LEN      16   /* CK_TOKEN_INFO serialNumber */
#define P11_MODEL_LEN       16   /* CK_TOKEN_INFO model */
#define P11_MAKER_LEN       32   /* CK_TOKEN_INFO manufacturerID */

/* The kinds of key rxca makes, on a token or in a file. */
enum p11_key_type {
	P11_KEY_P256,    /* EC P-256, signs with SHA-256 */
	P11_KEY_P384,    /* EC P-384, signs with SHA-384 */
	P11_KEY_RSA2048, /* RSA 2048, e = 65537, signs with SHA-256 */
	P11_KEY_RSA3072  /* RSA 3072, e = 65537, signs with SHA-256 */
};

/* What the token says of itself (C_GetTokenInfo), blanks trimmed. */
struct p11_token_info {
	unsigned long slot;                   /* CK_SLOT_ID */
	char label[P11_TOKEN_LABEL_MAX + 1];  /* token label */
	char serial[P11_SERIAL_LEN + 1];      /* serial number */
	char model[P11_MODEL_LEN + 1];        /* model */
	char manufacturer[P11_MAKER_LEN + 1]; /* manufacturer */
	int initialized;                      /* CKF_TOKEN_INITIALIZED */
	int pin_initialized;                  /* CKF_USER_PIN_INITIALIZED */
	int pin_count_low;     /* CKF_USER_PIN_COUNT_LOW: a wrong PIN lately */
	int pin_final_try;     /* CKF_USER_PIN_FINAL_TRY: one try left */
	int pin_locked;        /* CKF_USER_PIN_LOCKED */
	int pin_to_change;     /* CKF_USER_PIN_TO_BE_CHANGED */
	unsigned long pin_min; /* ulMinPinLen */
	unsigned long pin_max; /* ulMaxPinLen */
};

/* The kinds of object p11_labels() lists. */
enum p11_object_kind {
	P11_OBJ_PUBLIC_KEY,  /* CKO_PUBLIC_KEY */
	P11_OBJ_PRIVATE_KEY, /* CKO_PRIVATE_KEY: only once logged in */
	P11_OBJ_CERTIFICATE, /* CKO_CERTIFICATE */
	P11_OBJ_DATA         /* CKO_DATA */
};

/* An open token: module, session and login.  Opaque. */
struct p11;

/* A private key on the token and its public half. */
struct p11_key {
	unsigned long handle; /* CK_OBJECT_HANDLE of the private key */
	EVP_PKEY *pub;        /* its public key; freed by p11_key_clear() */
};

/*
 * Loads module (a path for dlopen, e.g. /usr/lib/softhsm/libsofthsm2.so),
 * initializes it (once per process, with CKF_OS_LOCKING_OK), finds the one
 * token labelled token_label (at most P11_TOKEN_LABEL_MAX bytes, compared
 * with the space-padded CK_TOKEN_INFO label), opens a read-write session
 * and, unless pin is NULL, logs in as the user.  Returns the token, or NULL
 * with p set: 503 if the module cannot be loaded or the token is absent
 * (404 token-not-found if no token has that label), 401 wrong-pin, 403
 * pin-locked, 409 token-in-use if this process has the token open already.
 * Caller closes with p11_close().
 */
struct p11 *p11_open(const char *module, const char *token_label,
    const char *pin, struct problem *p);

/* Logs out, closes the session, finalizes and unloads the module when no
 * other struct p11 uses it, and frees t.  NULL is a no-op.  No other call
 * on t may be running. */
void p11_close(struct p11 *t);

/*
 * Makes a key pair of type on the token, both halves labelled label (1 to
 * P11_LABEL_MAX printable ASCII characters) with the same random
 * P11_ID_LEN-byte CKA_ID.  The private key is a token object, private,
 * sensitive, not extractable, for signing only.  Refused with 409
 * label-exists if a key with that label is on the token.  Returns the
 * public key, or NULL with p set; caller frees with EVP_PKEY_free().
 */
EVP_PKEY *p11_keygen(struct p11 *t, const char *label, enum p11_key_type type,
    struct problem *p);

/*
 * Finds the private key labelled label and its public key (the public-key
 * object with the same label).  On success fills *out (clear it with
 * p11_key_clear()) and returns 0; else -1 with p set (404 not-found, 409
 * label-ambiguous if two keys share the label, 422 for a key of a kind or
 * size rxca does not use) and *out empty.
 */
int p11_find_key(
    struct p11 *t, const char *label, struct p11_key *out, struct problem *p);

/* Frees k->pub and empties k.  NULL is a no-op. */
void p11_key_clear(struct p11_key *k);

/*
 * Signs digest (dlen bytes, the output of the hash md_nid: NID_sha256,
 * NID_sha384 or NID_sha512) with k on t.  EC keys: CKM_ECDSA, the result a
 * DER ECDSA-Sig-Value.  RSA keys: CKM_RSA_PKCS over the DigestInfo of
 * md_nid, the result a PKCS#1 v1.5 signature.  The signature is checked
 * against k->pub before it is returned.  On success *sig (caller frees
 * with OPENSSL_free()) and *siglen are set and 0 is returned; else -1 with
 * p set and *sig NULL.  Safe to call from several threads on one t.
 */
int p11_sign(struct p11 *t, const struct p11_key *k,
    const unsigned char *digest, size_t dlen, int md_nid, unsigned char **sig,
    size_t *siglen, struct problem *p);

/*
 * Changes the user PIN of the token from old_pin to new_pin (C_SetPIN;
 * each 1 to P11_PIN_MAX bytes).  Returns 0, or -1 with p set: 401
 * wrong-pin if old_pin is not the PIN, 422 on field new_pin if the token
 * refuses the new one.
 */
int p11_set_pin(
    struct p11 *t, const char *old_pin, const char *new_pin, struct problem *p);

/*
 * Stores cert on the token as a public X.509 certificate object labelled
 * label, with its subject, issuer, serial number and DER value, and the
 * CKA_ID of the public key on the token that matches the certificate's
 * key, if there is one.  Refused with 409 label-exists if a certificate
 * with that label is there.  Returns 0, or -1 with p set.
 */
int p11_store_cert(
    struct p11 *t, const char *label, X509 *cert, struct problem *p);

/* The certificate labelled label on the token, or NULL with p set (404
 * not-found, 409 label-ambiguous).  Caller frees with X509_free(). */
X509 *p11_find_cert(struct p11 *t, const char *label, struct problem *p);

/*
 * Lists up to max tokens present in the slots of module into out (their
 * number in *n), without opening a session.  Returns 0, or -1 with p set
 * (503 if the module cannot be loaded).
 */
int p11_list(const char *module, struct p11_token_info *out, size_t max,
    size_t *n, struct problem *p);

/* What the open token t says of itself now.  Returns 0, or -1 with p set. */
int p11_info(struct p11 *t, struct p11_token_info *out, struct problem *p);

/*
 * Initializes a token of module for use (C_InitToken, then C_InitPIN as
 * the security officer): the token labelled old_label, or if old_label is
 * NULL the first token not yet initialized.  Everything on it is erased;
 * it is then labelled label (1 to P11_TOKEN_LABEL_MAX bytes), its SO PIN
 * is so_pin (which must be the SO PIN already set, if the token was
 * initialized before) and its user PIN user_pin.  The token must not be
 * open in this process.  Returns 0, or -1 with p set (404 token-not-found,
 * 401 wrong-pin for the SO PIN, 422 for a label or PIN refused).
 */
int p11_init_token(const char *module, const char *old_label,
    const char *so_pin, const char *label, const char *user_pin,
    struct problem *p);

/*
 * The labels of the objects of kind on t (up to max, their number in *n),
 * each at most P11_LABEL_MAX bytes; objects without a label are listed
 * as "".  Returns 0, or -1 with p set.
 */
int p11_labels(struct p11 *t, enum p11_object_kind kind,
    char (*labels)[P11_LABEL_MAX + 1], size_t max, size_t *n,
    struct problem *p);

/*
 * Stores value (1 to P11_DATA_MAX bytes) as a public data object
 * (CKO_DATA, a token object) labelled label, replacing any data object of
 * that label.  Returns 0, or -1 with p set.
 */
int p11_data_put(struct p11 *t, const char *label, const void *value,
    size_t len, struct problem *p);

/* 1 if a data object labelled label is on t, 0 if none, -1 with p set. */
int p11_data_exists(struct p11 *t, const char *label, struct problem *p);

/* Destroys every data object labelled label on t (none is no error).
 * Returns 0, or -1 with p set. */
int p11_data_remove(struct p11 *t, const char *label, struct problem *p);

/* Destroys the key pair labelled label (both halves) on t; none is no
 * error.  Returns 0, or -1 with p set. */
int p11_key_remove(struct p11 *t, const char *label, struct problem *p);

#endif
