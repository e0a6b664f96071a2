/*
 * OpenID Connect as a proofing source: the pure parts.  A provider's key
 * set (JWKS), the check of an ID token against it (signature through
 * cjose, then issuer, audience, expiry, issued-at skew, nonce and an
 * algorithm allow-list of ES256, RS256 and PS256: never "none" or HS*),
 * the verified claims it (or the userinfo answer) carries, including
 * OpenID Connect for Identity Assurance "verified_claims", and their
 * comparison with the application as an identity answer and an address
 * answer for proofing/decision.h.  No I/O; unit-tested in
 * tests/unit/proofing/test_oidc.c and fuzzed by tests/fuzz/fuzz_oidc.c.
 *
 * Every base64url segment is checked here before cjose sees it (alphabet,
 * no padding, a length that is not 1 modulo 4, a bound on its size):
 * cjose is never handed bytes it could stumble on.
 */
#ifndef RXCA_OIDC_H
#define RXCA_OIDC_H

#include <stddef.h>
#include <time.h>

#include "common/problem.h"
#include "proofing/idcheck.h"

#define OIDC_MAX_TOKEN   (16 * 1024) /* bytes of a compact ID token */
#define OIDC_MAX_JWKS    (64 * 1024) /* bytes of a JWKS document */
#define OIDC_MAX_KEYS    16          /* keys kept from one JWKS */
#define OIDC_KID_LEN     128         /* characters of a key id */
#define OIDC_CLAIM_LEN   200         /* characters of one kept claim */
#define OIDC_MAX_REASONS 8           /* reasons of one comparison */
#define OIDC_SKEW        120         /* seconds of clock skew allowed */
#define OIDC_MAX_AGE     600         /* seconds an ID token is fresh */

/* Why an ID token was refused (oidc_token_check). */
enum oidc_fault {
	OIDC_OK,
	OIDC_MALFORMED,   /* not a compact JWS, bad base64url, bad JSON */
	OIDC_ALG,         /* alg outside ES256, RS256, PS256 */
	OIDC_UNKNOWN_KID, /* no key with this kid: refetch the JWKS */
	OIDC_SIGNATURE,   /* the signature does not verify */
	OIDC_ISSUER,      /* iss is not the configured issuer */
	OIDC_AUDIENCE,    /* aud (or azp) is not our client id */
	OIDC_EXPIRED,     /* exp passed (past the skew) */
	OIDC_IAT,         /* iat in the future, or too old */
	OIDC_NONCE,       /* nonce is not the one of this flow */
	OIDC_SUBJECT      /* no sub */
};

/* A parsed key set; opaque.  Free with oidc_jwks_free(). */
struct oidc_jwks;

/*
 * Parses a JWKS document (len bytes): {"keys": [...]}.  Keeps the EC P-256
 * and RSA signing keys that have a kid (at most OIDC_MAX_KEYS); others are
 * skipped.  Returns the set (caller frees), or NULL with p set (502
 * "oidc-provider-error") if the document is not a key set or holds no
 * usable key.
 */
struct oidc_jwks *oidc_jwks_parse(
    const char *body, size_t len, struct problem *p);
void oidc_jwks_free(struct oidc_jwks *k);
/* Keys in k. */
int oidc_jwks_count(const struct oidc_jwks *k);

/* What an ID token must hold. */
struct oidc_expect {
	const char *issuer;    /* exactly iss */
	const char *client_id; /* in aud; azp when aud has several */
	const char *nonce;     /* exactly nonce (when nonce_sha256 is NULL) */
	time_t now;            /* the clock */
	const unsigned char *nonce_sha256; /* or: SHA-256(nonce), 32 bytes */
};

/* The identity claims, from the ID token or userinfo (copies). */
struct oidc_claims {
	char sub[OIDC_CLAIM_LEN + 1];             /* subject at the provider */
	char acr[OIDC_CLAIM_LEN + 1];             /* assurance level, or "" */
	char given_name[OIDC_CLAIM_LEN + 1];      /* or "" */
	char family_name[OIDC_CLAIM_LEN + 1];     /* or "" */
	char birthdate[OIDC_CLAIM_LEN + 1];       /* YYYY-MM-DD, or "" */
	char street[OIDC_CLAIM_LEN + 1];          /* address.street_address */
	char locality[OIDC_CLAIM_LEN + 1];        /* address.locality */
	char region[OIDC_CLAIM_LEN + 1];          /* address.region */
	char postal_code[OIDC_CLAIM_LEN + 1];     /* address.postal_code */
	char country[OIDC_CLAIM_LEN + 1];         /* address.country */
	char trust_framework[OIDC_CLAIM_LEN + 1]; /* verified_claims, or "" */
	int verified;                             /* from verified_claims */
};

/* The names of the claims to read (RXCA_OIDC_CLAIMS); NULL: standard. */
struct oidc_claim_map {
	const char *given_name;  /* default "given_name" */
	const char *family_name; /* default "family_name" */
	const char *birthdate;   /* default "birthdate" */
	const char *address;     /* default "address" */
};

/*
 * Checks the compact ID token (len bytes) against keys and e, and reads
 * its claims into out (map may be NULL).  Returns OIDC_OK, or the fault
 * with p set (502 "oidc-token-invalid", detail naming the fault, safe to
 * show).  OIDC_UNKNOWN_KID tells the caller to fetch the key set again.
 */
enum oidc_fault oidc_token_check(const char *token, size_t len,
    const struct oidc_jwks *keys, const struct oidc_expect *e,
    const struct oidc_claim_map *map, struct oidc_claims *out,
    struct problem *p);

/*
 * Adds the claims of a userinfo answer (JSON, len bytes) to out: only
 * claims out does not hold yet; its sub must equal out->sub.  0, or -1
 * with p set (502 "oidc-provider-error").
 */
int oidc_userinfo_merge(const char *body, size_t len,
    const struct oidc_claim_map *map, struct oidc_claims *out,
    struct problem *p);

/* The name of a fault, e.g. "expired". */
const char *oidc_fault_name(enum oidc_fault f);

/*
 * Compares the claims with the application s as the answers of
 * proofing/decision.h: *idv says pass (100) when the names and date of
 * birth agree and the assurance level is required_acr (or no level is
 * required), review with reasons otherwise ("given_name_mismatch",
 * "family_name_mismatch", "birthdate_mismatch", "acr_insufficient",
 * "claims_missing", "claims_unverified" when verified_only and the
 * claims are not OIDC4IA verified claims); *avs says whether the home
 * address agrees (match, partial: postal code and country only, no_match,
 * unavailable: no address claim).  Names compare without case and with
 * runs of spaces as one; addresses likewise.  Never fails.
 */
void oidc_compare(const struct oidc_claims *c, const struct idcheck_subject *s,
    const char *required_acr, int verified_only, struct idv_answer *idv,
    enum avs_result *avs);

/*
 * The PKCE S256 challenge of verifier: base64url(SHA-256(verifier))
 * without padding into out (at least 44 bytes).
 */
void oidc_pkce_challenge(const char *verifier, char *out, size_t outsz);

/*
 * 1 if s (n characters) is base64url as JOSE uses it: the URL-safe
 * alphabet, no padding, n % 4 != 1; 0 otherwise.  An empty s is valid.
 */
int oidc_b64url_ok(const char *s, size_t n);

#endif
