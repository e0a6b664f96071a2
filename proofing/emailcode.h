/*
 * E-mail verification codes: 10 Crockford base32 characters (50 bits)
 * shown as "ABCDE-FGHJK", stored only as a hash bound to the application.
 */
#ifndef RXCA_EMAILCODE_H
#define RXCA_EMAILCODE_H

#define EMAILCODE_CHARS 10 /* code characters, without the dash */

/* A fresh code from the CSPRNG, "ABCDE-FGHJK", NUL-terminated. */
void emailcode_new(char out[EMAILCODE_CHARS + 2]);

/*
 * A code as typed into its canonical 10 characters: dashes and spaces
 * dropped, letters upper-cased, O read as 0 and I and L as 1.  Returns 0,
 * or -1 if in is longer than BOUND_CODE bytes or does not leave exactly
 * 10 Crockford base32 characters.
 */
int emailcode_normalize(const char *in, char out[EMAILCODE_CHARS + 1]);

/* SHA-256 of application_id ":" normalized, the value stored. */
void emailcode_hash(
    const char *application_id, const char *normalized, unsigned char out[32]);

#endif
