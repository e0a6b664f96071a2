/*
 * Activation codes (printed in the kit, typed by the applicant to retrieve
 * a certificate) and initial token passcodes.
 *
 * An activation code is 100 bits from the CSPRNG as 20 characters of
 * Crockford base32 (0-9 A-Z without I L O U) and Crockford's check symbol:
 * the 100-bit value modulo 37, written with the alphabet of 0-9 A-Z
 * without I L O U, then * ~ $ = U.  It is printed as XXXXX-XXXXX-XXXXX-
 * XXXXX-C.  The check symbol catches every single mistyped character and
 * every swap of two adjacent characters before the database is asked.
 *
 * Only actcode_hash() of a code is stored (docs/architecture.md: secrets as
 * SHA-256 of a high-entropy value).
 */
#ifndef RXCA_ACTCODE_H
#define RXCA_ACTCODE_H

#include <stddef.h>

#define ACTCODE_DATA_CHARS  20 /* base32 characters of random data */
#define ACTCODE_CHARS       21 /* normalized: data and check symbol */
#define ACTCODE_GROUP       5  /* characters between hyphens */
#define ACTCODE_PRINTED_LEN 25 /* XXXXX-XXXXX-XXXXX-XXXXX-C */
#define ACTCODE_HASH_LEN    32 /* actcode_hash() output */
#define ACTCODE_HASH_DOMAIN "rxca-activation-code:"
#define PASSCODE_LEN        12 /* an initial token passcode */
#define PASSCODE_ALPHABET   "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

/* A new activation code, printed form, NUL-terminated. */
void actcode_new(char out[ACTCODE_PRINTED_LEN + 1]);

/*
 * The canonical form of a code as typed: upper-cased, hyphens and spaces
 * dropped, O read as 0, I and L as 1; then exactly 20 data characters
 * (U is not one) and a check symbol that matches them.  in is at most
 * BOUND_ACTCODE bytes.  Returns 0 with out holding the 21 characters and
 * a NUL, or -1 (out is then "") for anything else, NULL included.
 */
int actcode_normalize(const char *in, char out[ACTCODE_CHARS + 1]);

/*
 * The value stored for a code and by which the kit is looked up:
 * SHA-256(ACTCODE_HASH_DOMAIN || normalized), normalized being the output
 * of actcode_normalize().  No kit id goes in: the server finds the kit BY
 * this hash, and 100 random bits make a per-kit salt unnecessary; the
 * domain prefix keeps it apart from every other SHA-256 rxca stores.
 */
void actcode_hash(const char *normalized, unsigned char out[ACTCODE_HASH_LEN]);

/*
 * A new initial token passcode: PASSCODE_LEN characters drawn uniformly
 * from PASSCODE_ALPHABET (digits and capitals without 0 1 I L O), about
 * 59 bits, and a NUL.  If outsz < PASSCODE_LEN + 1, out is set to "" (when
 * outsz > 0) and no passcode is made.
 */
void actcode_passcode_new(char *out, size_t outsz);

#endif
