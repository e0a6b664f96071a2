/*
 * Activation codes (printed in the kit, typed by the applicant to retrieve
 * a certificate) and initial token passcodes.
 *
 * An activation code is 100 bits from the CSPRNG as 20 characters of
 * Crockford base32 (0-9 A-Z without I L O U) and a check character from
 * the same 32 symbols, so a printed letter shows no punctuation.  The 20
 * data values d[0..19] and the check value c are elements of GF(32)
 * (polynomial x^5 + x^2 + 1, a = x primitive) with
 *
 *     c = d[0] a^20 + d[1] a^19 + ... + d[19] a^1
 *
 * All 21 weights a^20 .. a^1, a^0 (the check's own) are distinct and
 * non-zero, so every single mistyped character and every swap of two
 * characters (adjacent or not) changes the sum: it is caught before the
 * database is asked.  It is printed as XXXXX-XXXXX-XXXXX-XXXXX-C.
 *
 * Codes issued before 2026-12 ended in Crockford's check symbol instead:
 * the 100-bit value modulo 37, written with the 32 data symbols, then
 * * ~ $ = U.  Those letters are still valid until their kits expire, so
 * actcode_normalize() still takes that check symbol and says it did
 * (ACTCODE_LEGACY): the caller then accepts the code only if a kit has
 * it (docs/certificates.md, "Kits and activation codes"), since a mistyped
 * new code may happen to end in its legacy check symbol.
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
#define ACTCODE_CURRENT     0 /* actcode_normalize(): the check character */
#define ACTCODE_LEGACY      1 /* ...: only the legacy check symbol matched */

/* A new activation code, printed form, NUL-terminated. */
void actcode_new(char out[ACTCODE_PRINTED_LEN + 1]);

/*
 * The canonical form of a code as typed: upper-cased, hyphens and spaces
 * dropped, O read as 0, I and L as 1; then exactly 20 data characters
 * (U is not one) and a check character that matches them.  in is at most
 * BOUND_ACTCODE bytes.  Returns ACTCODE_CURRENT (0) with out holding the
 * 21 characters and a NUL; ACTCODE_LEGACY (1), out filled the same way,
 * when only the legacy check symbol of a code issued before 2026-12
 * matches (never for a code from actcode_new()); or -1 (out is then "")
 * for anything else, NULL included.
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
