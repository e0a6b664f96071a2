/* Unit tests of proofing/validate.c: identifiers, contact data, dates,
 * passwords, names and UTF-8. */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "common/bounds.h"
#include "proofing/validate.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

struct str_case {
	const char *s;
	int ok;
};

/* Seconds since the epoch of y-m-d hh:mm:ss UTC (days from civil). */
static time_t
utc(int y, int m, int d, int hh, int mm, int ss)
{
	long era, yoe, doy, doe, days;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = era * 146097 + doe - 719468;
	return (time_t)days * 86400 + hh * 3600 + mm * 60 + ss;
}

static void
run_str(const struct str_case *c, size_t n, int (*fn)(const char *),
    const char *what)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (fn(c[i].s) != c[i].ok)
			fprintf(stderr, "\n%s: case %zu (%s) want %d\n", what,
			    i, c[i].s != NULL ? c[i].s : "NULL", c[i].ok);
		CU_ASSERT_EQUAL(fn(c[i].s), c[i].ok);
	}
}

static void
test_npi(void)
{
	static const struct str_case c[] = {
	    {"1234567893", 1},
	    {"1245319599", 1},
	    {"1003000126", 1},
	    {"9876543213", 1},
	    {"1000000004", 1},
	    {"1234567890", 0}, /* wrong check digit */
	    {"1234567894", 0},
	    {"123456789", 0},   /* 9 digits */
	    {"12345678933", 0}, /* 11 digits */
	    {"12345678a3", 0},  /* not a digit */
	    {" 1234567893", 0},
	    {"1234567893 ", 0},
	    {"", 0},
	    {NULL, 0},
	};

	run_str(c, NITEMS(c), validate_npi, "npi");
}

static void
test_dea(void)
{
	static const struct {
		const char *dea;
		const char *family;
		int ok;
	} c[] = {
	    {"AL1234563", "Lovelace", 1},
	    {"AL1234563", "lovelace", 1},
	    {"al1234563", "Lovelace", 1}, /* either case */
	    {"BJ6125341", "Jones", 1},
	    {"MO1234563", "O'Brien", 1},
	    {"XD1234563", "de la Cruz", 1},
	    {"A91234563", "\xc3\x98rsted", 1}, /* non-ASCII initial */
	    {"A91234563", NULL, 1},
	    {"AL1234564", "Lovelace", 0}, /* wrong check digit */
	    {"AL1234560", "Lovelace", 0},
	    {"AX1234563", "Lovelace", 0}, /* wrong second letter */
	    {"AL1234563", "Byron", 0},
	    {"A91234563", "Lovelace", 0},
	    {"AO1234563", "\xc3\x98rsted", 0},
	    {"IL1234563", "Lovelace", 0}, /* I is no registrant type */
	    {"NL1234563", "Lovelace", 0},
	    {"1L1234563", "Lovelace", 0},
	    {"AL123456", "Lovelace", 0},   /* too short */
	    {"AL12345633", "Lovelace", 0}, /* too long */
	    {"AL12E4563", "Lovelace", 0},  /* not a digit */
	    {"AL 234563", "Lovelace", 0},
	    {"", "Lovelace", 0},
	    {NULL, "Lovelace", 0},
	};
	size_t i;

	for (i = 0; i < NITEMS(c); i++) {
		if (validate_dea(c[i].dea, c[i].family) != c[i].ok)
			fprintf(stderr, "\ndea case %zu\n", i);
		CU_ASSERT_EQUAL(validate_dea(c[i].dea, c[i].family), c[i].ok);
	}
}

static void
test_email(void)
{
	static const struct str_case c[] = {
	    {"ada@example.org", 1},
	    {"ADA@EXAMPLE.ORG", 1},
	    {"a.b+c@sub.example.co.uk", 1},
	    {"o'hara@example.com", 1},
	    {"x@a-b.io", 1},
	    {"x_y-z{1}@1example.museum", 1},
	    {"", 0},
	    {"ada", 0},
	    {"ada@", 0},
	    {"@example.org", 0},
	    {"ada@@example.org", 0},
	    {"a@b@example.org", 0},
	    {"ada@example", 0},     /* one label */
	    {"ada@example.c", 0},   /* TLD of one letter */
	    {"ada@example.c0m", 0}, /* TLD not alphabetic */
	    {"ada@192.168.1.1", 0},
	    {".ada@example.org", 0},
	    {"ada.@example.org", 0},
	    {"a..b@example.org", 0},
	    {"ada@-example.org", 0},
	    {"ada@example-.org", 0},
	    {"ada@.example.org", 0},
	    {"ada@example..org", 0},
	    {"ada@example.org.", 0},
	    {"ada @example.org", 0},
	    {"ada@exa mple.org", 0},
	    {"ada\n@example.org", 0},
	    {"ada@exam_ple.org", 0},
	    {"\"ada\"@example.org", 0},
	    {"ad\xc3\xa1@example.org", 0},
	    {NULL, 0},
	};
	char buf[BOUND_EMAIL + 8];

	run_str(c, NITEMS(c), validate_email, "email");

	/* local part of 64 and 65 */
	memset(buf, 'a', 64);
	memcpy(buf + 64, "@example.org", 13);
	CU_ASSERT_EQUAL(validate_email(buf), 1);
	memset(buf, 'a', 65);
	memcpy(buf + 65, "@example.org", 13);
	CU_ASSERT_EQUAL(validate_email(buf), 0);
	/* a label of 63 and 64 */
	buf[0] = 'a';
	buf[1] = '@';
	memset(buf + 2, 'b', 63);
	memcpy(buf + 65, ".org", 5);
	CU_ASSERT_EQUAL(validate_email(buf), 1);
	memset(buf + 2, 'b', 64);
	memcpy(buf + 66, ".org", 5);
	CU_ASSERT_EQUAL(validate_email(buf), 0);
	/* total of BOUND_EMAIL and one more */
	memset(buf, 'a', 60);
	buf[60] = '@';
	memset(buf + 61, 'b', 60);
	buf[121] = '.';
	memset(buf + 122, 'c', 60);
	buf[182] = '.';
	memset(buf + 183, 'd', 60);
	buf[243] = '.';
	memset(buf + 244, 'e', BOUND_EMAIL - 244);
	buf[BOUND_EMAIL] = '\0';
	CU_ASSERT_EQUAL(validate_email(buf), 1);
	buf[BOUND_EMAIL] = 'e';
	buf[BOUND_EMAIL + 1] = '\0';
	CU_ASSERT_EQUAL(validate_email(buf), 0);
}

static void
test_phone(void)
{
	static const struct str_case c[] = {
	    {"+13175550100", 1},
	    {"+12025550123", 1},
	    {"+442071838750", 1},
	    {"+33123456", 1},         /* 8 digits */
	    {"+861234567890123", 1},  /* 15 digits */
	    {"+3312345", 0},          /* 7 digits */
	    {"+8612345678901234", 0}, /* 16 digits */
	    {"13175550100", 0},       /* no + */
	    {"+03175550100", 0},      /* country code 0 */
	    {"+1317555010", 0},       /* NANP: 9 digits */
	    {"+131755501000", 0},     /* NANP: 11 digits */
	    {"+11175550100", 0},      /* area code starts 1 */
	    {"+10175550100", 0},      /* area code starts 0 */
	    {"+13171550100", 0},      /* exchange starts 1 */
	    {"+13170550100", 0},      /* exchange starts 0 */
	    {"+44 2071838750", 0},
	    {"+4420718387a0", 0},
	    {"+", 0},
	    {"", 0},
	    {NULL, 0},
	};

	run_str(c, NITEMS(c), validate_phone_e164, "phone");
}

static void
test_state_zip(void)
{
	static const struct str_case states[] = {
	    {"IN", 1},
	    {"CA", 1},
	    {"WY", 1},
	    {"DC", 1},
	    {"PR", 1},
	    {"GU", 1},
	    {"VI", 1},
	    {"AS", 1},
	    {"MP", 1},
	    {"AA", 1},
	    {"AE", 1},
	    {"AP", 1},
	    {"in", 0},
	    {"XX", 0},
	    {"I", 0},
	    {"IND", 0},
	    {"", 0},
	    {"ON", 0},
	    {NULL, 0},
	};
	static const struct str_case zips[] = {
	    {"46204", 1},
	    {"46204-1234", 1},
	    {"00501", 1},
	    {"4620", 0},
	    {"462041", 0},
	    {"46204-123", 0},
	    {"46204 1234", 0},
	    {"4620a", 0},
	    {"46204-12345", 0},
	    {"46204-", 0},
	    {"", 0},
	    {NULL, 0},
	};

	run_str(states, NITEMS(states), validate_us_state, "state");
	run_str(zips, NITEMS(zips), validate_zip, "zip");
}

static void
test_date(void)
{
	static const struct {
		const char *s;
		int ok, y, m, d;
	} c[] = {
	    {"1975-12-10", 1, 1975, 12, 10},
	    {"2024-02-29", 1, 2024, 2, 29}, /* leap */
	    {"2000-02-29", 1, 2000, 2, 29}, /* leap by 400 */
	    {"1900-01-01", 1, 1900, 1, 1},
	    {"2100-12-31", 1, 2100, 12, 31},
	    {"2023-02-29", 0, 0, 0, 0}, /* not leap */
	    {"1900-02-29", 0, 0, 0, 0}, /* not leap by 100 */
	    {"2026-13-01", 0, 0, 0, 0}, /* month 13 */
	    {"2026-00-10", 0, 0, 0, 0},
	    {"2026-04-31", 0, 0, 0, 0},
	    {"2026-01-00", 0, 0, 0, 0},
	    {"2026-01-32", 0, 0, 0, 0},
	    {"1899-12-31", 0, 0, 0, 0},
	    {"2101-01-01", 0, 0, 0, 0},
	    {"2026-1-01", 0, 0, 0, 0},
	    {"2026/01/01", 0, 0, 0, 0},
	    {"20260101", 0, 0, 0, 0},
	    {"2026-01-01T00:00:00Z", 0, 0, 0, 0},
	    {"+026-01-01", 0, 0, 0, 0},
	    {"", 0, 0, 0, 0},
	};
	size_t i;
	int y, m, d;

	for (i = 0; i < NITEMS(c); i++) {
		y = m = d = -1;
		CU_ASSERT_EQUAL(validate_date(c[i].s, &y, &m, &d), c[i].ok);
		if (c[i].ok) {
			CU_ASSERT_EQUAL(y, c[i].y);
			CU_ASSERT_EQUAL(m, c[i].m);
			CU_ASSERT_EQUAL(d, c[i].d);
		}
	}
	CU_ASSERT_EQUAL(validate_date("2024-02-29", NULL, NULL, NULL), 1);
	CU_ASSERT_EQUAL(validate_date(NULL, NULL, NULL, NULL), 0);
}

static void
test_age(void)
{
	static const struct {
		int y, m, d;
		time_t now;
		int years, ok;
	} c[] = {
	    /* 18 today; 17 years 364 days; 18 and a day */
	    {2008, 11, 22, 0, 18, 1}, {2008, 11, 23, 0, 18, 0},
	    {2008, 11, 21, 0, 18, 1}, {1975, 12, 10, 0, 18, 1},
	    {2010, 1, 1, 0, 18, 0},
	    /* born 29 February: 1 March in a common year */
	    {2008, 2, 29, 1, 18, 0}, {2008, 2, 29, 2, 18, 1},
	    /* and 29 February in a leap year */
	    {2008, 2, 29, 3, 16, 0}, {2008, 2, 29, 4, 16, 1},
	    /* the last second before the birthday, and the first */
	    {2008, 11, 22, 5, 18, 0}, {2008, 11, 22, 6, 18, 1},
	    {2008, 2, 30, 0, 18, 0}, /* not a date */
	};
	time_t nows[7];
	size_t i;

	nows[0] = utc(2026, 11, 22, 12, 0, 0);
	nows[1] = utc(2026, 2, 28, 23, 59, 59);
	nows[2] = utc(2026, 3, 1, 0, 0, 0);
	nows[3] = utc(2024, 2, 28, 12, 0, 0);
	nows[4] = utc(2024, 2, 29, 0, 0, 0);
	nows[5] = utc(2026, 11, 21, 23, 59, 59);
	nows[6] = utc(2026, 11, 22, 0, 0, 0);
	CU_ASSERT_EQUAL(nows[0], 1795348800);
	for (i = 0; i < NITEMS(c); i++) {
		if (validate_age_at_least(c[i].y, c[i].m, c[i].d,
		        nows[c[i].now], c[i].years) != c[i].ok)
			fprintf(stderr, "\nage case %zu\n", i);
		CU_ASSERT_EQUAL(validate_age_at_least(c[i].y, c[i].m, c[i].d,
		                    nows[c[i].now], c[i].years),
		    c[i].ok);
	}
}

/* n copies of the UTF-8 sequence unit into buf. */
static const char *
repeat(char *buf, size_t bufsz, const char *unit, size_t n)
{
	size_t i, u = strlen(unit);

	CU_ASSERT_FATAL(u * n < bufsz);
	for (i = 0; i < n; i++)
		memcpy(buf + i * u, unit, u);
	buf[u * n] = '\0';
	return buf;
}

static void
test_password(void)
{
	static const struct str_case c[] = {
	    {"kx7#pq2", 0},  /* 7 */
	    {"kx7#pq2m", 1}, /* 8 */
	    {"correct horse battery staple", 1},
	    {"        ", 1}, /* no composition rules */
	    {"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
	        0}, /* 7 code points, 14 bytes */
	    {"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	     "\xc3\xa9",
	        1}, /* 8 code points */
	    {"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f"
	     "\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	     "\xf0\x9f\x98\x80",
	        1},                      /* 8 emoji */
	    {"\xc3(abcdefgh", 0},        /* invalid UTF-8 */
	    {"\xc0\xafxyzwvuts", 0},     /* overlong */
	    {"\xed\xa0\x80xyzwvuts", 0}, /* surrogate */
	    {"abc\x01"
	     "defgh",
	        0}, /* C0 */
	    {"abc\tdefgh", 0},
	    {"abc\x7f"
	     "defgh",
	        0}, /* DEL */
	    {"abc\xc2\x85"
	     "defgh",
	        0}, /* C1 */
	    {"password", 0},
	    {"PassWord", 0},
	    {"PASSWORD1", 0},
	    {"qwertyuiop", 0},
	    {"12345678", 0},
	    {"iloveyou", 0},
	    {"password12345", 1}, /* not in the list */
	    {"", 0},
	    {NULL, 0},
	};
	char buf[1024];
	const char *why;
	size_t i;

	for (i = 0; i < NITEMS(c); i++) {
		why = "unset";
		if (validate_password(c[i].s, &why) != c[i].ok)
			fprintf(stderr, "\npassword case %zu\n", i);
		CU_ASSERT_EQUAL(validate_password(c[i].s, &why), c[i].ok);
		if (c[i].ok) {
			CU_ASSERT_PTR_NULL(why);
		} else {
			CU_ASSERT_PTR_NOT_NULL(why);
		}
	}
	CU_ASSERT_EQUAL(
	    validate_password(repeat(buf, sizeof(buf), "x", 64), NULL), 1);
	CU_ASSERT_EQUAL(
	    validate_password(repeat(buf, sizeof(buf), "x", 128), NULL), 1);
	CU_ASSERT_EQUAL(
	    validate_password(repeat(buf, sizeof(buf), "x", 129), &why), 0);
	CU_ASSERT_STRING_EQUAL(why, "must be at most 128 characters");
	/* 128 two-byte code points are 256 bytes but 128 characters */
	CU_ASSERT_EQUAL(
	    validate_password(repeat(buf, sizeof(buf), "\xc3\xa9", 128), NULL),
	    1);
	CU_ASSERT_EQUAL(
	    validate_password(repeat(buf, sizeof(buf), "\xc3\xa9", 129), NULL),
	    0);
	CU_ASSERT_EQUAL(
	    validate_password(
	        repeat(buf, sizeof(buf), "\xe2\x82\xac", 128), NULL),
	    1);
	CU_ASSERT_EQUAL(
	    validate_password(
	        repeat(buf, sizeof(buf), "\xf0\x9f\x98\x80", 129), NULL),
	    0);
	validate_password("kx7#pq2", &why);
	CU_ASSERT_STRING_EQUAL(why, "must be at least 8 characters");
	validate_password("Password", &why);
	CU_ASSERT_STRING_EQUAL(why, "is too common; choose another");
}

static void
test_name(void)
{
	static const struct str_case c[] = {
	    {"Ada", 1},
	    {"Mary-Jane", 1},
	    {"O'Brien", 1},
	    {"O\xe2\x80\x99"
	     "Brien",
	        1}, /* U+2019 */
	    {"St. John", 1},
	    {"van der Berg", 1},
	    {"Jos\xc3\xa9", 1},
	    {"Zo\xc3\xab", 1},
	    {"Nguy\xe1\xbb\x85n", 1},
	    {"\xe6\x9d\x8e", 1}, /* CJK */
	    {"Jose\xcc\x81", 1}, /* combining acute */
	    {"", 0},
	    {"   ", 0},
	    {"-", 0},
	    {". '", 0},
	    {"Ada1", 0},
	    {"Ada<script>", 0},
	    {"ada@x", 0},
	    {"A\"da", 0},
	    {"Ada;", 0},
	    {"Ada\n", 0},
	    {"Ada\t", 0},
	    {"Ada\xe2\x80\xae", 0}, /* bidi override */
	    {"\xe2\x80\x8b"
	     "Ada",
	        0}, /* zero width space */
	    {"Ada\xc2\xa0"
	     "B",
	        0},                 /* NBSP */
	    {"Ada\xc2\x85", 0},     /* C1 */
	    {"Ada\xef\xbb\xbf", 0}, /* BOM */
	    {"\xc3(", 0},           /* invalid UTF-8 */
	    {NULL, 0},
	};
	char buf[BOUND_NAME + 2];

	run_str(c, NITEMS(c), validate_name, "name");
	memset(buf, 'a', BOUND_NAME);
	buf[BOUND_NAME] = '\0';
	CU_ASSERT_EQUAL(validate_name(buf), 1);
	buf[BOUND_NAME] = 'a';
	buf[BOUND_NAME + 1] = '\0';
	CU_ASSERT_EQUAL(validate_name(buf), 0);
}

static void
test_utf8(void)
{
	static const struct {
		const char *s;
		int ok;
		size_t n;
	} c[] = {
	    {"", 1, 0},
	    {"abc", 1, 3},
	    {"a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 1, 4},
	    {"\xf4\x8f\xbf\xbf", 1, 1}, /* U+10FFFF */
	    {"\xef\xbf\xbd", 1, 1},     /* U+FFFD */
	    {"\xc0\x80", 0, 0},         /* overlong NUL */
	    {"\xc1\xbf", 0, 0},
	    {"\xe0\x80\x80", 0, 0},
	    {"\xe0\x9f\xbf", 0, 0},
	    {"\xf0\x80\x80\x80", 0, 0},
	    {"\xf0\x8f\xbf\xbf", 0, 0},
	    {"\xed\xa0\x80", 0, 0},     /* U+D800 */
	    {"\xed\xbf\xbf", 0, 0},     /* U+DFFF */
	    {"\xf4\x90\x80\x80", 0, 0}, /* U+110000 */
	    {"\xf5\x80\x80\x80", 0, 0},
	    {"\x80", 0, 0}, /* lone continuation */
	    {"\xc3", 0, 0}, /* truncated */
	    {"\xe2\x82", 0, 0},
	    {"\xc3\x28", 0, 0},
	    {"\xff", 0, 0},
	};
	size_t i, n;

	for (i = 0; i < NITEMS(c); i++) {
		n = 999;
		CU_ASSERT_EQUAL(validate_utf8(c[i].s, &n), c[i].ok);
		if (c[i].ok)
			CU_ASSERT_EQUAL(n, c[i].n);
	}
	CU_ASSERT_EQUAL(validate_utf8(NULL, NULL), 0);
}

static void
test_text(void)
{
	CU_ASSERT_EQUAL(validate_text("1 Main St", BOUND_ADDR_LINE), 1);
	CU_ASSERT_EQUAL(validate_text("Stra\xc3\x9f"
	                              "e 5",
	                    20),
	    1);
	CU_ASSERT_EQUAL(validate_text("", 20), 0);
	CU_ASSERT_EQUAL(validate_text("   ", 20), 0);
	CU_ASSERT_EQUAL(validate_text("a\nb", 20), 0);
	CU_ASSERT_EQUAL(validate_text("abcdef", 5), 0);
	CU_ASSERT_EQUAL(validate_text("\xc3(", 5), 0);
	CU_ASSERT_EQUAL(validate_text("\xe2\x80\xae"
	                              "evil",
	                    20),
	    0);
	CU_ASSERT_EQUAL(validate_text("a\xe2\x80\x8b"
	                              "b",
	                    20),
	    0);
	CU_ASSERT_EQUAL(validate_printable("SW1A 1AA", 16, 1), 1);
	CU_ASSERT_EQUAL(validate_printable("SW1A 1AA", 16, 0), 0);
	CU_ASSERT_EQUAL(validate_printable(" SW1A", 16, 1), 0);
	CU_ASSERT_EQUAL(validate_printable("SW1A ", 16, 1), 0);
	CU_ASSERT_EQUAL(validate_printable("tok_\x01", 16, 0), 0);
	CU_ASSERT_EQUAL(validate_printable("t\xc3\xa9", 16, 0), 0);
	CU_ASSERT_EQUAL(validate_printable("12345678901234567", 16, 0), 0);
	CU_ASSERT_EQUAL(validate_printable("", 16, 0), 0);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("validate", NULL, NULL);
	CU_add_test(s, "npi", test_npi);
	CU_add_test(s, "dea", test_dea);
	CU_add_test(s, "email", test_email);
	CU_add_test(s, "phone", test_phone);
	CU_add_test(s, "state and zip", test_state_zip);
	CU_add_test(s, "date", test_date);
	CU_add_test(s, "age", test_age);
	CU_add_test(s, "password", test_password);
	CU_add_test(s, "name", test_name);
	CU_add_test(s, "utf-8", test_utf8);
	CU_add_test(s, "text", test_text);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
