/* rxca-token sign: a detached CAdES-BES signature of o->file, optionally
 * time-stamped. */
#ifndef RXCA_TOKCMD_SIGN_H
#define RXCA_TOKCMD_SIGN_H

#include <stddef.h>

#include "common/problem.h"
#include "token/tokcmd.h"

int tokcmd_sign(const struct tokcmd_opts *o);

#define TOKCMD_CHALLENGE_MAX 1023 /* bytes of a challenge to sign */

/*
 * rxca-token sign-challenge TEXT: the token's signature of TEXT's bytes
 * (a credential verification's challenge, or a practice's link or
 * approval statement, issue 16) with the key of its certificate, hashed
 * as ca/sigcheck.h says, printed as one JSON line
 * {"challenge", "serial", "signature": base64}.
 */
int tokcmd_sign_challenge(const struct tokcmd_opts *o);

/*
 * Adds to the CMS signature *der (*derlen bytes; OPENSSL_free()) a
 * time-stamp over its signature value from the TSA at o->tsa (checked
 * against o->tsa_ca when given): *der and *derlen are replaced.  0, or -1
 * with p set (503 when the TSA cannot be reached, 502 when it refuses).
 */
int tokcmd_timestamp(const struct tokcmd_opts *o, unsigned char **der,
    size_t *derlen, struct problem *p);

#endif
