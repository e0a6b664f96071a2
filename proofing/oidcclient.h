/*
 * rxca's own credential at the OpenID provider for private_key_jwt client
 * authentication (OpenID Connect Core 9, RFC 7523): a private key read
 * once from a PEM file, and the short-lived client assertions signed with
 * it through cjose for each call to the token endpoint.
 */
#ifndef RXCA_OIDCCLIENT_H
#define RXCA_OIDCCLIENT_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "common/problem.h"

#define OIDCCLIENT_KEY_FILE_MAX (64 * 1024) /* bytes of the PEM file */
#define OIDCCLIENT_LIFE         60          /* seconds an assertion lives */
#define OIDCCLIENT_JTI_BYTES    24          /* random bytes of a jti */

/* The client's key; opaque.  Free with oidcclient_key_free(). */
struct oidcclient_key;

/*
 * Reads the private key of the PEM file at path: an EC P-256 key (signs
 * ES256) or an RSA key of 2048 to 4096 bits (RS256).  The file must be a
 * regular file no one but its owner may read or write (mode 0600 or
 * 0400): otherwise, or when it holds no such key, NULL with p set (500
 * "key-file-error", a message for the operator naming setting, e.g.
 * "RXCA_OIDC_CLIENT_KEY", that never shows key material).  kid: the key
 * id to name in what it signs, or NULL or "" for the key's RFC 7638
 * thumbprint.  Caller frees the key.  rxca's approval key
 * (api/service/rxapproval.c) is read and used through the same calls.
 */
struct oidcclient_key *oidcclient_key_read(
    const char *path, const char *kid, const char *setting, struct problem *p);

/*
 * Makes a new EC P-256 private key in a PEM file at path (mode 0600),
 * unless a file is there already: 1 made, 0 there already, or -1 with p
 * set (500, naming setting).
 */
int oidcclient_key_make(
    const char *path, const char *setting, struct problem *p);

/* The public JWK of k (kty, crv, x, y or n, e; kid, alg, use "sig"): a
 * new JSON object. */
json_t *oidcclient_key_public(const struct oidcclient_key *k);

/*
 * claims (borrowed) as a compact JWS signed by k through cjose, its
 * header naming alg, kid and typ: a new string (caller frees), or NULL
 * with p set (500).  Thread-safe: k is only read.
 */
char *oidcclient_sign(const struct oidcclient_key *k, const char *typ,
    json_t *claims, struct problem *p);
void oidcclient_key_free(struct oidcclient_key *k);
/* The JWS algorithm ("ES256" or "RS256") and key id of k (borrowed). */
const char *oidcclient_key_alg(const struct oidcclient_key *k);
const char *oidcclient_key_kid(const struct oidcclient_key *k);

/*
 * A client assertion (a compact JWS, caller frees): iss and sub
 * client_id, aud audience (the token endpoint's URL), a fresh random
 * jti, iat now and exp now + OIDCCLIENT_LIFE.  NULL with p set (500) if
 * cjose cannot sign.  Thread-safe: k is only read.
 */
char *oidcclient_assertion(const struct oidcclient_key *k,
    const char *client_id, const char *audience, time_t now, struct problem *p);

#endif
