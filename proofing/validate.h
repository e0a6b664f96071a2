/*
 * Pure validators of applicant data.  Each takes a NUL-terminated string
 * from outside, does work bounded by the named limits in common/bounds.h,
 * and returns 1 if the value is valid, 0 if not.  None allocates.
 */
#ifndef RXCA_VALIDATE_H
#define RXCA_VALIDATE_H

#include <stddef.h>
#include <time.h>

/*
 * A National Provider Identifier: 10 digits whose last is the Luhn check
 * digit computed over the first nine with the "80840" prefix (CMS rule).
 */
int validate_npi(const char *s);

/*
 * A DEA registration number: a registrant-type letter (A B C D E F G H J K
 * L M P R S T U X), the first letter of family_name (compared ASCII
 * case-insensitively; '9' when the name does not start with an ASCII
 * letter or family_name is NULL), and 7 digits of which the last is the
 * check digit.  Letters in s may be of either case.
 */
int validate_dea(const char *s, const char *family_name);

/*
 * A practical addr-spec: local@domain, at most BOUND_EMAIL bytes; a local
 * part of 1 to 64 atext characters and single inner dots; a domain of two
 * or more labels of 1 to 63 letters, digits and inner hyphens, ending in
 * an alphabetic top-level label of at least 2 letters.
 */
int validate_email(const char *s);

/*
 * An E.164 number: '+', then 8 to 15 digits, the first not 0.  A +1
 * number must have the NANP shape: 10 digits after the 1, the area code
 * and exchange each starting with 2-9.
 */
int validate_phone_e164(const char *s);

/* A USPS code of a state, DC, a territory (PR GU VI AS MP) or a military
 * post (AA AE AP); upper-case. */
int validate_us_state(const char *s);

/* A ZIP code: 12345 or 12345-6789. */
int validate_zip(const char *s);

/*
 * A strict YYYY-MM-DD calendar date with a year in 1900..2100.  On success
 * stores the parts in *y, *m, *d (each may be NULL).
 */
int validate_date(const char *s, int *y, int *m, int *d);

/*
 * Whether a person born on y-m-d is at least `years` old at now, counted
 * in UTC calendar days: one born on 29 February has a birthday on 1 March
 * in a common year.
 */
int validate_age_at_least(int y, int m, int d, time_t now, int years);

/*
 * An account password per NIST SP 800-63B: valid UTF-8, BOUND_PASSWORD_MIN
 * to BOUND_PASSWORD_MAX code points, no control characters (C0, DEL, C1),
 * no composition rules, and not in a built-in list of very common
 * passwords (ASCII case-insensitive).  If why is not NULL it gets a
 * static, client-safe reason on failure and NULL on success.
 */
int validate_password(const char *s, const char **why);

/*
 * A person's name part: 1 to BOUND_NAME bytes of valid UTF-8 holding at
 * least one letter; ASCII letters, space, apostrophe, hyphen and period,
 * and any non-ASCII code point except controls, invisible formatting
 * characters (zero-width, bidirectional overrides), the Latin-1 symbols
 * and private-use or non-characters.  No digits, no <>@" and the like.
 */
int validate_name(const char *s);

/*
 * Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
 * If codepoints is not NULL it gets the number of code points (on
 * success only).
 */
int validate_utf8(const char *s, size_t *codepoints);

/*
 * Free text such as an address line or a question: 1 to maxbytes bytes of
 * valid UTF-8 without control characters (C0, DEL, C1) or invisible
 * formatting (zero-width, bidirectional controls, BOM), not all spaces.
 */
int validate_text(const char *s, size_t maxbytes);

/*
 * Printable ASCII of 1 to maxbytes bytes, without leading or trailing
 * space; inner spaces only if spaces is non-zero.
 */
int validate_printable(const char *s, size_t maxbytes, int spaces);

#endif
