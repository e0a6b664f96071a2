#include <string.h>

#include "common/bounds.h"
#include "proofing/validate.h"

static const char *const common_passwords[] = {"00000000", "0123456789",
    "0987654321", "1111111111", "11111111", "11223344", "112233445566",
    "12121212", "123123123", "12341234", "1234567890", "123456789", "12345678",
    "12345678910", "123456abc", "1234abcd", "1234qwer", "123qweasd",
    "147258369", "1q2w3e4r", "1q2w3e4r5t", "1qaz2wsx", "22222222", "55555555",
    "66666666", "77777777", "789456123", "87654321", "88888888", "987654321",
    "98765432", "99999999", "a1b2c3d4", "aa123456", "abc12345", "abc123456",
    "abcd1234", "abcdefgh", "admin123", "admin1234", "adminadmin",
    "administrator", "asdf1234", "asdfasdf", "asdfghjk", "asdfghjkl",
    "baseball", "baseball1", "basketball", "batman123", "changeme", "changeme1",
    "charlie1", "chelsea1", "computer", "doctor123", "dragon123", "epcs1234",
    "football", "football1", "freedom1", "healthcare", "iloveyou", "iloveyou1",
    "internet", "jennifer", "jessica1", "jordan23", "letmein1", "letmein123",
    "liverpool", "master123", "medicine", "michael1", "michelle", "monkey123",
    "mustang1", "passw0rd", "password", "password!", "password1", "password12",
    "password123", "password1234", "p@ssw0rd", "p@ssword", "prescriber",
    "princess", "princess1", "q1w2e3r4", "q1w2e3r4t5", "qazwsxedc", "qwer1234",
    "qwerty12", "qwerty123", "qwertyui", "qwertyuiop", "rootroot", "rxca1234",
    "shadow123", "starwars", "sunshine", "sunshine1", "superman", "test1234",
    "testtest", "trustno1", "welcome1", "welcome123", "whatever", "zaq12wsx",
    "zxcv1234", "zxcvbnm1", "zxcvbnm123"};

static const char *const us_states[] = {"AL", "AK", "AZ", "AR", "CA", "CO",
    "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA",
    "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
    "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN",
    "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC", "PR", "GU", "VI",
    "AS", "MP", "AA", "AE", "AP"};

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int
to_upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

static int
to_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* A control character: C0, DEL or C1. */
static int
is_control(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/*
 * Decodes the code point at s[*i] and advances *i past it.  Returns 0, or
 * -1 on a malformed, overlong, surrogate or out-of-range sequence.  Reads
 * no further than the terminating NUL, which is never a continuation.
 */
static int
utf8_decode(const unsigned char *s, size_t *i, unsigned long *cp)
{
	unsigned long c;
	size_t k, n;

	c = s[*i];
	if (c < 0x80)
		n = 0;
	else if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		c &= 0x07;
	} else
		return -1;
	for (k = 1; k <= n; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (s[*i + k] & 0x3f);
	}
	if ((n == 2 && c < 0x800) || (n == 3 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*i += n + 1;
	*cp = c;
	return 0;
}

int
validate_utf8(const char *s, size_t *codepoints)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp;
	size_t i = 0, n = 0;

	if (s == NULL)
		return 0;
	while (u[i] != '\0') {
		if (utf8_decode(u, &i, &cp) == -1)
			return 0;
		n++;
	}
	if (codepoints != NULL)
		*codepoints = n;
	return 1;
}

int
validate_npi(const char *s)
{
	char full[16];
	int i, sum = 0, v, dbl = 0;

	if (s == NULL || strnlen(s, 11) != 10 || !all_digits(s, 10))
		return 0;
	memcpy(full, "80840", 5);
	memcpy(full + 5, s, 10);
	for (i = 14; i >= 0; i--) {
		v = full[i] - '0';
		if (dbl) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
		dbl = !dbl;
	}
	return sum % 10 == 0;
}

int
validate_dea(const char *s, const char *family_name)
{
	static const char types[] = "ABCDEFGHJKLMPRSTUX";
	const char *d;
	int first, second, want, sum;

	if (s == NULL || strnlen(s, 10) != 9)
		return 0;
	first = to_upper((unsigned char)s[0]);
	second = to_upper((unsigned char)s[1]);
	if (!is_alpha(first) || strchr(types, first) == NULL)
		return 0;
	if (family_name != NULL && is_alpha((unsigned char)family_name[0]))
		want = to_upper((unsigned char)family_name[0]);
	else
		want = '9';
	if (second != want)
		return 0;
	d = s + 2;
	if (!all_digits(d, 7))
		return 0;
	sum = (d[0] - '0') + (d[2] - '0') + (d[4] - '0') +
	    2 * ((d[1] - '0') + (d[3] - '0') + (d[5] - '0'));
	return sum % 10 == d[6] - '0';
}

static int
is_atext(int c)
{
	return is_alpha(c) || is_digit(c) ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static int
email_local_valid(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > 64 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return 0;
		} else if (!is_atext((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

static int
email_domain_valid(const char *s)
{
	size_t start = 0, i, len, labels = 0;
	int alpha = 1;

	for (i = 0;; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.' || c == '\0') {
			len = i - start;
			if (len < 1 || len > 63 || s[start] == '-' ||
			    s[i - 1] == '-')
				return 0;
			labels++;
			if (c == '\0')
				break;
			start = i + 1;
			alpha = 1;
			continue;
		}
		if (!is_alpha(c) && !is_digit(c) && c != '-')
			return 0;
		if (!is_alpha(c))
			alpha = 0;
	}
	return labels >= 2 && alpha && i - start >= 2;
}

int
validate_email(const char *s)
{
	const char *at;
	size_t len;

	if (s == NULL)
		return 0;
	len = strnlen(s, BOUND_EMAIL + 1);
	if (len > BOUND_EMAIL)
		return 0;
	if ((at = strchr(s, '@')) == NULL || strchr(at + 1, '@') != NULL)
		return 0;
	return email_local_valid(s, (size_t)(at - s)) &&
	    email_domain_valid(at + 1);
}

int
validate_phone_e164(const char *s)
{
	size_t n;

	if (s == NULL || s[0] != '+')
		return 0;
	n = strnlen(s + 1, 16);
	if (n < 8 || n > 15 || !all_digits(s + 1, n) || s[1] == '0')
		return 0;
	if (s[1] == '1')
		return n == 11 && s[2] >= '2' && s[5] >= '2';
	return 1;
}

int
validate_us_state(const char *s)
{
	size_t i;

	if (s == NULL || strnlen(s, 3) != 2)
		return 0;
	for (i = 0; i < sizeof(us_states) / sizeof(us_states[0]); i++)
		if (strcmp(s, us_states[i]) == 0)
			return 1;
	return 0;
}

int
validate_zip(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = strnlen(s, 11);
	if (n == 5)
		return all_digits(s, 5);
	if (n == 10)
		return all_digits(s, 5) && s[5] == '-' && all_digits(s + 6, 4);
	return 0;
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int y, int m)
{
	static const int days[12] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

static int
number(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

int
validate_date(const char *s, int *y, int *m, int *d)
{
	int yy, mm, dd;

	if (s == NULL || strnlen(s, 11) != 10 || s[4] != '-' || s[7] != '-' ||
	    !all_digits(s, 4) || !all_digits(s + 5, 2) || !all_digits(s + 8, 2))
		return 0;
	yy = number(s, 4);
	mm = number(s + 5, 2);
	dd = number(s + 8, 2);
	if (yy < 1900 || yy > 2100 || mm < 1 || mm > 12 || dd < 1 ||
	    dd > month_days(yy, mm))
		return 0;
	if (y != NULL)
		*y = yy;
	if (m != NULL)
		*m = mm;
	if (d != NULL)
		*d = dd;
	return 1;
}

int
validate_age_at_least(int y, int m, int d, time_t now, int years)
{
	struct tm tm;
	int ay, am, ad, ny, nm, nd;

	if (years < 0 || y < 1 || m < 1 || m > 12 || d < 1 ||
	    d > month_days(y, m) || gmtime_r(&now, &tm) == NULL)
		return 0;
	ny = tm.tm_year + 1900;
	nm = tm.tm_mon + 1;
	nd = tm.tm_mday;
	ay = y + years;
	am = m;
	ad = d;
	if (am == 2 && ad == 29 && !is_leap(ay)) {
		am = 3;
		ad = 1;
	}
	if (ny != ay)
		return ny > ay;
	if (nm != am)
		return nm > am;
	return nd >= ad;
}

static int
ascii_casecmp(const char *a, const char *b)
{
	while (*a != '\0' &&
	    to_lower((unsigned char)*a) == to_lower((unsigned char)*b)) {
		a++;
		b++;
	}
	return to_lower((unsigned char)*a) - to_lower((unsigned char)*b);
}

int
validate_password(const char *s, const char **why)
{
	const unsigned char *u = (const unsigned char *)s;
	const char *reason = NULL;
	unsigned long cp;
	size_t i = 0, n = 0, k;

	if (s == NULL) {
		reason = "is required";
		goto out;
	}
	while (u[i] != '\0') {
		if (utf8_decode(u, &i, &cp) == -1) {
			reason = "must be valid UTF-8";
			goto out;
		}
		if (is_control(cp)) {
			reason = "must not contain control characters";
			goto out;
		}
		/* Bounded: stop counting once past the ceiling. */
		if (++n > BOUND_PASSWORD_MAX)
			break;
	}
	if (n < BOUND_PASSWORD_MIN) {
		reason = "must be at least 8 characters";
		goto out;
	}
	if (n > BOUND_PASSWORD_MAX) {
		reason = "must be at most 128 characters";
		goto out;
	}
	for (k = 0; k < sizeof(common_passwords) / sizeof(common_passwords[0]);
	     k++) {
		if (ascii_casecmp(s, common_passwords[k]) == 0) {
			reason = "is too common; choose another";
			goto out;
		}
	}
out:
	if (why != NULL)
		*why = reason;
	return reason == NULL;
}

/* Invisible formatting: zero-width characters, bidirectional controls,
 * the byte-order mark. */
static int
is_format(unsigned long cp)
{
	return (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) ||
	    cp == 0xfeff;
}

/* Non-ASCII code points a name may not hold. */
static int
name_forbidden(unsigned long cp)
{
	if (cp >= 0x80 && cp <= 0xbf) /* C1, NBSP, Latin-1 symbols */
		return 1;
	if (cp == 0xd7 || cp == 0xf7) /* multiplication, division */
		return 1;
	if (cp >= 0x2000 && cp <= 0x206f) /* spaces, zero-width, bidi */
		return cp != 0x2010 && cp != 0x2011 && cp != 0x2019;
	if (cp >= 0xe000 && cp <= 0xf8ff) /* private use */
		return 1;
	if (cp >= 0xfdd0 && cp <= 0xfdef) /* non-characters */
		return 1;
	if (cp == 0xfeff || (cp & 0xfffe) == 0xfffe) /* BOM, non-chars */
		return 1;
	if (cp >= 0xfff0 && cp <= 0xfffd) /* specials */
		return 1;
	return cp >= 0xf0000; /* supplementary private use */
}

int
validate_name(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp;
	size_t i = 0, len;
	int letter = 0;

	if (s == NULL)
		return 0;
	len = strnlen(s, BOUND_NAME + 1);
	if (len < 1 || len > BOUND_NAME)
		return 0;
	while (u[i] != '\0') {
		if (utf8_decode(u, &i, &cp) == -1)
			return 0;
		if (cp < 0x80) {
			if (is_alpha((int)cp))
				letter = 1;
			else if (cp != ' ' && cp != '\'' && cp != '-' &&
			    cp != '.')
				return 0;
		} else if (name_forbidden(cp))
			return 0;
		else if (cp >= 0xc0 && !(cp >= 0x300 && cp <= 0x36f))
			letter = 1;
	}
	return letter;
}

int
validate_text(const char *s, size_t maxbytes)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp;
	size_t i = 0, len;
	int visible = 0;

	if (s == NULL)
		return 0;
	len = strnlen(s, maxbytes + 1);
	if (len < 1 || len > maxbytes)
		return 0;
	while (u[i] != '\0') {
		if (utf8_decode(u, &i, &cp) == -1 || is_control(cp) ||
		    is_format(cp))
			return 0;
		if (cp != ' ')
			visible = 1;
	}
	return visible;
}

int
validate_printable(const char *s, size_t maxbytes, int spaces)
{
	size_t i, len;

	if (s == NULL)
		return 0;
	len = strnlen(s, maxbytes + 1);
	if (len < 1 || len > maxbytes || s[0] == ' ' || s[len - 1] == ' ')
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
		if (s[i] == ' ' && !spaces)
			return 0;
	}
	return 1;
}
