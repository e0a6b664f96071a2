/*
 * Account passwords and secret answers at rest: Argon2id (RFC 9106) in
 * the PHC string encoding, with a 16-byte salt and a 32-byte tag.
 */
#ifndef RXCA_SECRET_H
#define RXCA_SECRET_H

#include <stddef.h>

#define SECRET_SALT_LEN 16 /* bytes of salt */
#define SECRET_TAG_LEN  32 /* bytes of tag */

struct secret_params {
	unsigned t_cost;      /* passes over memory */
	unsigned m_cost_kib;  /* memory in KiB */
	unsigned parallelism; /* lanes */
};

/*
 * Hashes the len bytes of secret with a fresh salt from the CSPRNG into
 * encoded (a NUL-terminated "$argon2id$v=19$m=…" string; encsz at least
 * secret_encoded_len(params)).  Returns 0, or -1 if the parameters are
 * out of libargon2's range or encoded is too small.
 */
int secret_hash(const char *secret, size_t len,
    const struct secret_params *params, char *encoded, size_t encsz);

/*
 * Checks secret against an encoding made by secret_hash() (trusted: its
 * cost parameters are obeyed).  Returns 1 on a match, 0 on no match, -1
 * if encoded is malformed or not Argon2id.
 */
int secret_verify(const char *encoded, const char *secret, size_t len);

/* The buffer size, NUL included, secret_hash() needs for params. */
size_t secret_encoded_len(const struct secret_params *params);

/*
 * Normalises a secret answer (or question) for comparison: trims, turns
 * each run of ASCII whitespace into one space and lower-cases ASCII
 * letters; bytes >= 0x80 are kept as they are.  Returns 0, or -1 (out
 * then holds "") if the result is empty or does not fit in outsz bytes.
 */
int secret_normalize_answer(const char *in, char *out, size_t outsz);

#endif
