/* Percent-encoding (RFC 3986 section 2.1) undone, for URL queries, forms
 * and the pinentry (Assuan) protocol. */
#ifndef RXCA_PERCENT_H
#define RXCA_PERCENT_H

#include <stddef.h>

/*
 * Undoes the %XX escapes (either case) of in[0..len) into out (outsz bytes,
 * NUL ended); with plus_space, '+' stands for a space (forms and queries).
 * Returns the length, or -1 on a bad escape, a NUL byte or no room.
 */
int percent_decode(
    const char *in, size_t len, int plus_space, char *out, size_t outsz);

#endif
