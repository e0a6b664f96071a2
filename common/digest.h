/* SHA-256 (or HMAC-SHA256) of a value, as raw bytes or lower-case hex. */
#ifndef RXCA_DIGEST_H
#define RXCA_DIGEST_H

#include <stddef.h>

#define DIGEST_LEN     32
#define DIGEST_HEX_LEN 65 /* 64 hex characters and a NUL */

void digest_sha256(const void *data, size_t len, unsigned char out[32]);
void digest_sha256_hex(const void *data, size_t len, char out[65]);
/* HMAC-SHA256 of data with key, as lower-case hex. */
void digest_hmac_sha256_hex(
    const void *key, size_t keylen, const void *data, size_t len, char out[65]);
void digest_hex(const unsigned char *raw, size_t len, char *out);
/* The reverse for exactly 2 * len lower-case hex digits (a serial in a
 * path, say) into out; 0, or -1 if hex is not that. */
int digest_unhex(const char *hex, unsigned char *out, size_t len);

/* The value of hex digit c in either case (0 to 15), or -1 if c is not one. */
int digest_hexval(int c);
/* Constant-time comparison of two equal-length buffers; 1 if equal. */
int digest_equal(const void *a, const void *b, size_t len);

#endif
