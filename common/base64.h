/*
 * Base64 as the API takes it from clients: the standard alphabet of RFC
 * 4648 section 4 (A-Z a-z 0-9 + /), padded with '=' to a multiple of four
 * characters, with no whitespace or line breaks.  Signatures over
 * challenges, renewal requests and partner calls, and OCSP requests sent
 * by GET (RFC 6960 appendix A), all come this way.
 */
#ifndef RXCA_BASE64_H
#define RXCA_BASE64_H

#include <stddef.h>

/* The most bytes len characters of base64 decode to. */
#define BASE64_DECODED_MAX(len) ((len) / 4 * 3)

/*
 * Decodes in (len characters, not necessarily NUL-terminated) into out
 * (outsz bytes) and sets *outlen.  Returns 0, or -1 if in is empty, not
 * padded base64 as above ('=' only as the last one or two characters), or
 * decodes to more than outsz bytes; out is then unspecified.  Bits left
 * over in the last character are ignored, as OpenSSL's decoder does.
 */
int base64_decode(const char *in, size_t len, unsigned char *out, size_t outsz,
    size_t *outlen);

/*
 * Base64url as WebAuthn and JOSE use it (RFC 4648 section 5: A-Z a-z 0-9
 * - _), without padding.  base64url_ok: 1 if s (n characters) is such.
 */
int base64url_ok(const char *s, size_t n);

/*
 * Decodes n characters of unpadded base64url into a new buffer (caller
 * frees) of *outlen bytes with a NUL after them.  NULL if s is not
 * base64url.
 */
unsigned char *base64url_decode(const char *s, size_t n, size_t *outlen);

/*
 * Encodes len bytes as unpadded base64url into out (outsz bytes, room for
 * 4 * (len + 2) / 3 characters and a NUL; what does not fit is cut off).
 */
void base64url_encode(
    const unsigned char *in, size_t len, char *out, size_t outsz);

#endif
