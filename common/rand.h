/*
 * Randomness from OpenSSL's CSPRNG.  A failure of the generator aborts:
 * nothing in rxca may go on without it.
 */
#ifndef RXCA_RAND_H
#define RXCA_RAND_H

#include <stddef.h>

void rand_fill(void *buf, size_t n);
/* A uniform integer in [0, bound). */
unsigned int rand_uniform(unsigned int bound);
/* An opaque identifier: prefix + 24 lower-case base32 characters (120
 * bits), e.g. "app_k3j...".  buf must hold strlen(prefix) + 25 bytes. */
void rand_id(const char *prefix, char *buf, size_t bufsz);
/* A bearer secret: nbytes random bytes as base64url without padding into
 * buf (at least 4 * nbytes / 3 + 2 bytes). */
void rand_token(size_t nbytes, char *buf, size_t bufsz);

#endif
