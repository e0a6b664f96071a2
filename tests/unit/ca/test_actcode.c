/* Unit tests of ca/actcode.c: activation codes (format, check character,
 * the legacy check symbol, normalization, hash) and initial token
 * passcodes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "ca/actcode.h"
#include "common/bounds.h"
#include "common/digest.h"

#define NCODES  1000
#define NSAMPLE 50

static const char data_symbols[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/* Every character a legacy code (before 2026-12) may end in. */
static const char legacy_symbols[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";

/* The legacy check symbol of 20 data characters, computed here on its
 * own: the 100-bit value modulo 37. */
static char
legacy_check(const char *data)
{
	int i, r = 0;

	for (i = 0; i < 20; i++)
		r = (r * 32 +
		        (int)(strchr(data_symbols, data[i]) - data_symbols)) %
		    37;
	return legacy_symbols[r];
}

static int
cmp_codes(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
test_format(void)
{
	char code[ACTCODE_PRINTED_LEN + 1], norm[ACTCODE_CHARS + 1];
	size_t i;

	actcode_new(code);
	CU_ASSERT_EQUAL(strlen(code), ACTCODE_PRINTED_LEN);
	for (i = 0; i < ACTCODE_PRINTED_LEN; i++) {
		if (i == 5 || i == 11 || i == 17 || i == 23) {
			CU_ASSERT_EQUAL(code[i], '-');
		} else {
			/* the check character too: no punctuation */
			CU_ASSERT_PTR_NOT_NULL(strchr(data_symbols, code[i]));
		}
	}
	CU_ASSERT_EQUAL(actcode_normalize(code, norm), ACTCODE_CURRENT);
	CU_ASSERT_EQUAL(strlen(norm), ACTCODE_CHARS);
	for (i = 0; i < ACTCODE_CHARS - 1; i++)
		CU_ASSERT_EQUAL(norm[i], code[i + i / 5]);
	CU_ASSERT_EQUAL(norm[ACTCODE_CHARS - 1], code[ACTCODE_PRINTED_LEN - 1]);
}

/* Known vectors: the check is the sum of d[i] a^(20 - i) in GF(32) with
 * x^5 + x^2 + 1; a^1 = 2 ('2'), a^2 = 4 ('4'), 15 a = 30 ('Y'),
 * 16 a = 32 reduced to 5 ('5'), a^20 = 12 ('C'). */
static void
test_known(void)
{
	static const char *const good[] = {"00000-00000-00000-00000-0",
	    "00000-00000-00000-00001-2", "00000-00000-00000-00010-4",
	    "00000-00000-00000-0000F-Y", "00000-00000-00000-0000G-5",
	    "10000-00000-00000-00000-C", "01234-56789-ABCDE-FGHJK-J", NULL};
	char norm[ACTCODE_CHARS + 1];
	size_t i;

	for (i = 0; good[i] != NULL; i++)
		CU_ASSERT_EQUAL(
		    actcode_normalize(good[i], norm), ACTCODE_CURRENT);
	CU_ASSERT_EQUAL(
	    actcode_normalize("00000-00000-00000-00000-0", norm), 0);
	CU_ASSERT_STRING_EQUAL(norm, "000000000000000000000");
	CU_ASSERT_EQUAL(
	    actcode_normalize("00000-00000-00000-0000g-5", norm), 0);
	CU_ASSERT_STRING_EQUAL(norm, "0000000000000000000G5");
	/* One off in the check character. */
	CU_ASSERT_EQUAL(
	    actcode_normalize("00000-00000-00000-0000G-6", norm), -1);
	CU_ASSERT_EQUAL(norm[0], '\0');
}

/* Codes printed before 2026-12 end in their value modulo 37, * ~ $ = U
 * included; they are still taken, said to be legacy, and keep the form
 * their hash was made of. */
static void
test_legacy(void)
{
	char norm[ACTCODE_CHARS + 1], code[ACTCODE_PRINTED_LEN + 1];
	char data[21], typed[ACTCODE_CHARS + 1];
	size_t n, i, k, current = 0, legacy = 0;

	/* value 1: '1'; 37 = 1 * 32 + 5: '0'; 36: 'U'; 32: '*' */
	CU_ASSERT_EQUAL(actcode_normalize("00000-00000-00000-00001-1", norm),
	    ACTCODE_LEGACY);
	CU_ASSERT_STRING_EQUAL(norm, "000000000000000000011");
	CU_ASSERT_EQUAL(actcode_normalize("00000-00000-00000-00015-0", norm),
	    ACTCODE_LEGACY);
	CU_ASSERT_EQUAL(actcode_normalize("00000-00000-00000-00014-U", norm),
	    ACTCODE_LEGACY);
	CU_ASSERT_STRING_EQUAL(norm, "00000000000000000014U");
	CU_ASSERT_EQUAL(actcode_normalize("00000-00000-00000-00014-u", norm),
	    ACTCODE_LEGACY);
	CU_ASSERT_STRING_EQUAL(norm, "00000000000000000014U");
	CU_ASSERT_EQUAL(actcode_normalize("00000-00000-00000-00010-*", norm),
	    ACTCODE_LEGACY);
	CU_ASSERT_STRING_EQUAL(norm, "00000000000000000010*");
	/* all zeros: both checks are '0', and the current one wins */
	CU_ASSERT_EQUAL(
	    actcode_normalize("00000-00000-00000-00000-0", norm), 0);
	/* neither check */
	CU_ASSERT_EQUAL(
	    actcode_normalize("00000-00000-00000-00010-Z", norm), -1);
	CU_ASSERT_EQUAL(
	    actcode_normalize("00000-00000-00000-00010-~", norm), -1);

	/* Random data with its legacy symbol: taken, unchanged. */
	for (n = 0; n < NCODES; n++) {
		actcode_new(code);
		for (i = 0, k = 0; k < 20; i++)
			if (code[i] != '-')
				data[k++] = code[i];
		data[20] = '\0';
		snprintf(
		    typed, sizeof(typed), "%s%c", data, legacy_check(data));
		switch (actcode_normalize(typed, norm)) {
		case ACTCODE_CURRENT:
			current++;
			break;
		case ACTCODE_LEGACY:
			legacy++;
			break;
		default:
			CU_FAIL("a legacy code refused");
		}
		CU_ASSERT_STRING_EQUAL(norm, typed);
	}
	/* The two checks agree for about 1 code in 32. */
	CU_ASSERT(legacy > NCODES * 9 / 10);
	CU_ASSERT_EQUAL(current + legacy, NCODES);
}

static void
test_distinct(void)
{
	static char codes[NCODES][ACTCODE_CHARS + 1];
	char code[ACTCODE_PRINTED_LEN + 1];
	size_t i, dups = 0, bad = 0;

	for (i = 0; i < NCODES; i++) {
		actcode_new(code);
		if (actcode_normalize(code, codes[i]) != 0)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	qsort(codes, NCODES, sizeof(codes[0]), cmp_codes);
	for (i = 1; i < NCODES; i++)
		dups += strcmp(codes[i - 1], codes[i]) == 0;
	CU_ASSERT_EQUAL(dups, 0);
}

/*
 * In a new code every single substitution, by any character a code may
 * hold (the legacy symbols included), and every swap of two different
 * characters, adjacent or not, fails the check character.  A few end in
 * the legacy check symbol of their data (ACTCODE_LEGACY), which the
 * server takes only if a kit has that code; none passes as current.
 */
static void
test_check_symbol(void)
{
	char code[ACTCODE_PRINTED_LEN + 1], norm[ACTCODE_CHARS + 1];
	char typo[ACTCODE_CHARS + 1], out[ACTCODE_CHARS + 1], t;
	size_t n, i, j, k, current = 0, tried = 0;
	int rc;

	for (n = 0; n < NSAMPLE; n++) {
		actcode_new(code);
		CU_ASSERT_FATAL(actcode_normalize(code, norm) == 0);
		for (i = 0; i < ACTCODE_CHARS; i++) {
			for (k = 0; legacy_symbols[k] != '\0'; k++) {
				if (legacy_symbols[k] == norm[i])
					continue;
				memcpy(typo, norm, sizeof(typo));
				typo[i] = legacy_symbols[k];
				tried++;
				rc = actcode_normalize(typo, out);
				current += rc == ACTCODE_CURRENT;
				/* data typos by a non-data symbol: refused */
				if (i < ACTCODE_CHARS - 1 && k >= 32)
					CU_ASSERT_EQUAL(rc, -1);
			}
		}
		for (i = 0; i < ACTCODE_CHARS; i++)
			for (j = i + 1; j < ACTCODE_CHARS; j++) {
				if (norm[i] == norm[j])
					continue;
				memcpy(typo, norm, sizeof(typo));
				t = typo[i];
				typo[i] = typo[j];
				typo[j] = t;
				tried++;
				current += actcode_normalize(typo, out) ==
				    ACTCODE_CURRENT;
			}
	}
	CU_ASSERT(tried > NSAMPLE * 21 * 36);
	CU_ASSERT_EQUAL(current, 0);
}

static void
test_typing(void)
{
	char code[ACTCODE_PRINTED_LEN + 1], norm[ACTCODE_CHARS + 1];
	char typed[64], out[ACTCODE_CHARS + 1];
	size_t i, o;

	/* lower case, no hyphens, spaces instead */
	actcode_new(code);
	CU_ASSERT_FATAL(actcode_normalize(code, norm) == 0);
	for (i = 0; code[i] != '\0'; i++)
		typed[i] = code[i] >= 'A' && code[i] <= 'Z'
		    ? (char)(code[i] - 'A' + 'a')
		    : code[i];
	typed[i] = '\0';
	CU_ASSERT_EQUAL(actcode_normalize(typed, out), 0);
	CU_ASSERT_STRING_EQUAL(out, norm);
	CU_ASSERT_EQUAL(actcode_normalize(norm, out), 0);
	CU_ASSERT_STRING_EQUAL(out, norm);
	for (i = 0, o = 0; norm[i] != '\0'; i++) {
		if (i > 0 && i % 4 == 0)
			typed[o++] = ' ';
		typed[o++] = norm[i];
	}
	typed[o] = '\0';
	CU_ASSERT_EQUAL(actcode_normalize(typed, out), 0);
	CU_ASSERT_STRING_EQUAL(out, norm);

	/* O for 0, I and l for 1 */
	CU_ASSERT_EQUAL(actcode_normalize("OOOOO-OOOOO-OOOOO-OOOOI-2", out), 0);
	CU_ASSERT_STRING_EQUAL(out, "000000000000000000012");
	CU_ASSERT_EQUAL(actcode_normalize("ooooo-00000-00000-0000l-2", out), 0);
	CU_ASSERT_STRING_EQUAL(out, "000000000000000000012");
	CU_ASSERT_EQUAL(actcode_normalize("OOOOO-OOOOO-OOOOO-OOOOO-o", out), 0);
	CU_ASSERT_STRING_EQUAL(out, "000000000000000000000");

	/* U is never data; other characters are refused */
	CU_ASSERT_EQUAL(
	    actcode_normalize("U0000-00000-00000-00000-0", out), -1);
	CU_ASSERT_EQUAL(out[0], '\0');
	CU_ASSERT_EQUAL(
	    actcode_normalize("00000_00000-00000-00000-0", out), -1);
	CU_ASSERT_EQUAL(
	    actcode_normalize("00000.00000-00000-00000-0", out), -1);
	CU_ASSERT_EQUAL(
	    actcode_normalize("*0000-00000-00000-00000-0", out), -1);
	CU_ASSERT_EQUAL(
	    actcode_normalize("0000\xc3\xa9-00000-00000-00000-0", out), -1);
}

static void
test_length(void)
{
	char out[ACTCODE_CHARS + 1], big[200];

	CU_ASSERT_EQUAL(actcode_normalize("", out), -1);
	CU_ASSERT_EQUAL(actcode_normalize(NULL, out), -1);
	CU_ASSERT_EQUAL(actcode_normalize("------", out), -1);
	CU_ASSERT_EQUAL(actcode_normalize("00000-00000-00000-0000-0", out), -1);
	CU_ASSERT_EQUAL(
	    actcode_normalize("00000-00000-00000-000000-0", out), -1);
	CU_ASSERT_EQUAL(
	    actcode_normalize("00000-00000-00000-00000-00", out), -1);
	/* past BOUND_ACTCODE, even if only hyphens pad it */
	memset(big, '-', sizeof(big));
	memcpy(big, "00000-00000-00000-00000-0", 25);
	big[sizeof(big) - 1] = '\0';
	CU_ASSERT_EQUAL(actcode_normalize(big, out), -1);
	big[BOUND_ACTCODE] = '\0';
	CU_ASSERT_EQUAL(actcode_normalize(big, out), 0);
}

static void
test_hash(void)
{
	unsigned char h1[ACTCODE_HASH_LEN], h2[ACTCODE_HASH_LEN];
	unsigned char plain[DIGEST_LEN], want[DIGEST_LEN];
	const char *norm = "0123456789ABCDEFGHJKM";
	char buf[64];

	actcode_hash(norm, h1);
	actcode_hash(norm, h2);
	CU_ASSERT(memcmp(h1, h2, sizeof(h1)) == 0);
	digest_sha256(norm, strlen(norm), plain);
	CU_ASSERT(memcmp(h1, plain, sizeof(h1)) != 0);
	snprintf(buf, sizeof(buf), "rxca-activation-code:%s", norm);
	digest_sha256(buf, strlen(buf), want);
	CU_ASSERT(memcmp(h1, want, sizeof(h1)) == 0);
	actcode_hash("0123456789ABCDEFGHJKN", h2);
	CU_ASSERT(memcmp(h1, h2, sizeof(h1)) != 0);
}

static void
test_passcode(void)
{
	char pc[PASSCODE_LEN + 1], other[PASSCODE_LEN + 1], small[5] = "xxxx";
	size_t n, i, bad = 0;
	int seen[256] = {0}, distinct = 0;

	for (n = 0; n < 200; n++) {
		actcode_passcode_new(pc, sizeof(pc));
		if (strlen(pc) != PASSCODE_LEN)
			bad++;
		for (i = 0; pc[i] != '\0'; i++) {
			if (strchr(PASSCODE_ALPHABET, pc[i]) == NULL ||
			    strchr("01OIL", pc[i]) != NULL)
				bad++;
			seen[(unsigned char)pc[i]] = 1;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	for (i = 0; i < 256; i++)
		distinct += seen[i];
	CU_ASSERT_EQUAL(distinct, (int)strlen(PASSCODE_ALPHABET));
	CU_ASSERT_EQUAL(strlen(PASSCODE_ALPHABET), 31);
	actcode_passcode_new(other, sizeof(other));
	CU_ASSERT(strcmp(pc, other) != 0);
	actcode_passcode_new(small, sizeof(small));
	CU_ASSERT_EQUAL(small[0], '\0');
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("actcode", NULL, NULL);
	CU_add_test(s, "format and grouping", test_format);
	CU_add_test(s, "known check characters", test_known);
	CU_add_test(s, "legacy check symbols", test_legacy);
	CU_add_test(s, "1000 distinct codes", test_distinct);
	CU_add_test(s, "check character catches typos", test_check_symbol);
	CU_add_test(s, "forgiving typing", test_typing);
	CU_add_test(s, "length", test_length);
	CU_add_test(s, "hash", test_hash);
	CU_add_test(s, "passcode", test_passcode);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
