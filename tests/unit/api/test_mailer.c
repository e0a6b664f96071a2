/*
 * Unit tests of api/out/mailer.c: the message format (headers, CRLF,
 * quoted-printable, RFC 2047 subjects), refusals, the .eml writer, and an
 * SMTP failure against a closed loopback port.  No outside network.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <openssl/evp.h>

#include "api/config.h"
#include "api/out/mailer.h"
#include "common/xmalloc.h"

#define FROM  "no-reply@rxca.example"
#define TO    "alice@example.org"
#define MSGID "abc123@rxca.example"

/* The body of msg, after the blank line; NULL if there is none. */
static const char *
body_of(const char *msg)
{
	const char *s;

	if ((s = strstr(msg, "\r\n\r\n")) == NULL)
		return NULL;
	return s + 4;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes a quoted-printable body (CRLF lines) into text with LF lines.
 * Returns NULL on malformed input.  Caller frees. */
static char *
qp_decode(const char *s)
{
	char *out, *o;
	const char *eol;
	int hi, lo;

	out = o = xmalloc(strlen(s) + 1);
	while (*s != '\0') {
		if ((eol = strstr(s, "\r\n")) == NULL)
			goto bad;
		while (s < eol) {
			if (*s != '=') {
				*o++ = *s++;
				continue;
			}
			if (s + 1 == eol) { /* soft break */
				s++;
				goto soft;
			}
			if (s + 3 > eol || (hi = hexval(s[1])) < 0 ||
			    (lo = hexval(s[2])) < 0)
				goto bad;
			*o++ = (char)(hi << 4 | lo);
			s += 3;
		}
		*o++ = '\n';
	soft:
		s = eol + 2;
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

/* Every line ends in CRLF: no bare CR or LF anywhere. */
static int
crlf_only(const char *msg)
{
	const char *s;

	for (s = msg; *s != '\0'; s++) {
		if (*s == '\r' && s[1] != '\n')
			return 0;
		if (*s == '\n' && (s == msg || s[-1] != '\r'))
			return 0;
	}
	return s > msg && s[-1] == '\n';
}

/* The longest line in [s, end). */
static size_t
longest_line(const char *s, const char *end)
{
	size_t max = 0, n;
	const char *eol;

	while (s < end) {
		if ((eol = strstr(s, "\r\n")) == NULL || eol > end)
			eol = end;
		n = (size_t)(eol - s);
		if (n > max)
			max = n;
		s = eol + 2;
	}
	return max;
}

/* Checks the encoded body: short lines, printable ASCII, no trailing
 * blank, no line that starts with '.' or "From ". */
static void
check_encoded_body(const char *body)
{
	const char *s = body, *eol;

	CU_ASSERT(longest_line(body, body + strlen(body)) <= 76);
	while (*s != '\0' && (eol = strstr(s, "\r\n")) != NULL) {
		CU_ASSERT(*s != '.');
		CU_ASSERT(strncmp(s, "From ", 5) != 0);
		if (eol > s)
			CU_ASSERT(eol[-1] != ' ' && eol[-1] != '\t');
		for (; s < eol; s++)
			CU_ASSERT((*s >= 32 && *s <= 126) || *s == '\t');
		s = eol + 2;
	}
}

static void
test_headers(void)
{
	char *msg;
	const char *body;

	msg = mailer_format(FROM, TO, "Your rxca verification code",
	    "Hello,\n\nYour code is: K7QM-2XPD\n", 1795322979, MSGID);
	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	CU_ASSERT(
	    strncmp(msg, "Date: Sun, 22 Nov 2026 04:49:39 +0000\r\n", 39) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "\r\nFrom: " FROM "\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "\r\nTo: " TO "\r\n"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(msg, "\r\nSubject: Your rxca verification code\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "\r\nMessage-ID: <" MSGID ">\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "\r\nMIME-Version: 1.0\r\n"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(msg, "\r\nContent-Type: text/plain; charset=utf-8\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(
	    msg, "\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"));
	CU_ASSERT(crlf_only(msg));
	body = body_of(msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_STRING_EQUAL(
	    body, "Hello,\r\n\r\nYour code is: K7QM-2XPD\r\n");
	free(msg);

	msg = mailer_format(FROM, TO, "x", "", 951782400, MSGID);
	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	CU_ASSERT(
	    strncmp(msg, "Date: Tue, 29 Feb 2000 00:00:00 +0000\r\n", 39) == 0);
	CU_ASSERT_STRING_EQUAL(body_of(msg), "");
	free(msg);
}

static void
test_qp_cases(void)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
	    {"Grüße\n", "Gr=C3=BC=C3=9Fe\r\n"},
	    {"a=b\n", "a=3Db\r\n"},
	    {"trailing \n", "trailing=20\r\n"},
	    {"tab\t\n", "tab=09\r\n"},
	    {"in ner\tok\n", "in ner\tok\r\n"},
	    {".\n", "=2E\r\n"},
	    {"..x\nok\n", "=2E.x\r\nok\r\n"},
	    {"From me\n", "=46rom me\r\n"},
	    {"Fromage\n", "Fromage\r\n"},
	    {"crlf\r\nline\r\n", "crlf\r\nline\r\n"},
	    {"lone\rcr\n", "lone=0Dcr\r\n"},
	    {"no newline", "no newline\r\n"},
	    {"\n\n", "\r\n\r\n"},
	};
	char *msg;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		msg = mailer_format(FROM, TO, "s", cases[i].in, 0, MSGID);
		CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
		CU_ASSERT_STRING_EQUAL(body_of(msg), cases[i].out);
		if (strcmp(body_of(msg), cases[i].out) != 0)
			fprintf(
			    stderr, "case %zu: got [%s]\n", i, body_of(msg));
		free(msg);
	}
}

/* Long lines get soft breaks; every body decodes back to its text. */
static void
test_qp_round_trip(void)
{
	char long_ascii[301], long_utf8[400], dots[200], eqs[200];
	char spaces[200], *msg, *dec, *want;
	const char *bodies[8];
	size_t i, n;

	memset(long_ascii, 'a', 300);
	long_ascii[300] = '\0';
	for (i = 0; i < 60; i++)
		memcpy(long_utf8 + 2 * i, "é", 2);
	long_utf8[120] = '\0';
	/* a '.' falls at the start of a continuation line */
	memset(dots, '.', 150);
	dots[150] = '\0';
	memset(eqs, '=', 150);
	eqs[150] = '\0';
	/* spaces land before soft breaks and at the very end */
	memset(spaces, ' ', 150);
	spaces[150] = '\0';
	bodies[0] = long_ascii;
	bodies[1] = long_utf8;
	bodies[2] = dots;
	bodies[3] = eqs;
	bodies[4] = spaces;
	bodies[5] = "short\nlines\n\nand a last one";
	bodies[6] = "x\n.\n..\nFrom here\n";
	bodies[7] = "";

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		msg = mailer_format(FROM, TO, "s", bodies[i], 0, MSGID);
		CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
		CU_ASSERT(crlf_only(msg));
		check_encoded_body(body_of(msg));
		dec = qp_decode(body_of(msg));
		CU_ASSERT_PTR_NOT_NULL_FATAL(dec);
		n = strlen(bodies[i]);
		want = xprintf("%s%s", bodies[i],
		    n > 0 && bodies[i][n - 1] != '\n' ? "\n" : "");
		CU_ASSERT_STRING_EQUAL(dec, want);
		free(want);
		free(dec);
		free(msg);
	}
	/* the 300 a's need soft breaks */
	msg = mailer_format(FROM, TO, "s", long_ascii, 0, MSGID);
	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(body_of(msg), "=\r\n"));
	free(msg);
}

/* The Subject header's lines, unfolded (CRLF before a space removed). */
static char *
subject_unfolded(const char *msg)
{
	const char *s, *e;
	char *out, *o;

	if ((s = strstr(msg, "\r\nSubject:")) == NULL)
		return NULL;
	s += 2;
	e = s;
	while ((e = strstr(e, "\r\n")) != NULL && e[2] == ' ')
		e += 2;
	out = o = xmalloc((size_t)(e - s) + 1);
	while (s < e) {
		if (s[0] == '\r' && s[1] == '\n') {
			s += 2;
			continue;
		}
		*o++ = *s++;
	}
	*o = '\0';
	return out;
}

/* Decodes "=?UTF-8?B?...?=" words separated by spaces; NULL if any part
 * is not such a word or a word is longer than 75. */
static char *
decode_words(const char *s)
{
	unsigned char *out;
	const char *e;
	size_t o = 0, n;
	int len;

	out = xmalloc(strlen(s) + 1);
	for (;;) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		if (strncmp(s, "=?UTF-8?B?", 10) != 0 ||
		    (e = strstr(s + 10, "?=")) == NULL || e + 2 - s > 75)
			goto bad;
		n = (size_t)(e - (s + 10));
		len = EVP_DecodeBlock(
		    out + o, (const unsigned char *)s + 10, (int)n);
		if (len < 0)
			goto bad;
		if (n >= 1 && s[10 + n - 1] == '=')
			len--;
		if (n >= 2 && s[10 + n - 2] == '=')
			len--;
		o += (size_t)len;
		s = e + 2;
	}
	out[o] = '\0';
	return (char *)out;
bad:
	free(out);
	return NULL;
}

static void
test_subjects(void)
{
	static const char *const utf8[] = {
	    "Ihr Bestätigungscode",
	    "Code de vérification — très long sujet qui doit être "
	    "découpé en plusieurs mots encodés, sans couper un caractère "
	    "multi-octet: ééééééééééééééé",
	    "日本語の件名です。日本語の件名です。日本語の件名です。",
	};
	const char *longascii =
	    "This is a rather long subject line that "
	    "will have to be folded because it does not fit in one line of "
	    "seventy-eight";
	char *msg, *unf, *dec, *want;
	const char *hdr_end;
	size_t i;

	for (i = 0; i < sizeof(utf8) / sizeof(utf8[0]); i++) {
		msg = mailer_format(FROM, TO, utf8[i], "b", 0, MSGID);
		CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
		CU_ASSERT(crlf_only(msg));
		hdr_end = strstr(msg, "\r\n\r\n");
		CU_ASSERT(longest_line(msg, hdr_end) <= 76);
		unf = subject_unfolded(msg);
		CU_ASSERT_PTR_NOT_NULL_FATAL(unf);
		CU_ASSERT(strncmp(unf, "Subject: ", 9) == 0);
		dec = decode_words(unf + 9);
		CU_ASSERT_PTR_NOT_NULL_FATAL(dec);
		CU_ASSERT_STRING_EQUAL(dec, utf8[i]);
		free(dec);
		free(unf);
		free(msg);
	}

	msg = mailer_format(FROM, TO, longascii, "b", 0, MSGID);
	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	hdr_end = strstr(msg, "\r\n\r\n");
	CU_ASSERT(longest_line(msg, hdr_end) <= 78);
	unf = subject_unfolded(msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(unf);
	want = xprintf("Subject: %s", longascii);
	CU_ASSERT_STRING_EQUAL(unf, want);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "\r\n "));
	free(want);
	free(unf);
	free(msg);
}

static void
test_refusals(void)
{
	static const char *const bad_to[] = {
	    "",
	    "a",
	    "@example.org",
	    "alice@",
	    "alice",
	    "a@b@c.org",
	    ".alice@example.org",
	    "alice.@example.org",
	    "al..ice@example.org",
	    "alice@.example.org",
	    "alice@example..org",
	    "alice@example.org.",
	    "alice@-x.org",
	    "alice@x-.org",
	    "ali ce@example.org",
	    "alice@exa mple.org",
	    "\"alice\"@example.org",
	    "alice@[127.0.0.1]",
	    "alice@example.org\r\nBcc: eve@example.org",
	    "alice@example.org\nBcc: eve@example.org",
	    "alice@example.org\r",
	    "alice@example.org>",
	    "<alice@example.org",
	    "zoë@example.org",
	    "alice@exämple.org",
	    "alice@example.org,eve@example.org",
	};
	static const char *const good_to[] = {
	    "a@b",
	    "alice@example.org",
	    "first.last+tag@mail.example.co.uk",
	    "o'brien@example.ie",
	    "x_y-z@sub-domain.example.org",
	    "root@localhost",
	};
	char local[70], longaddr[300], bigsubject[300], *msg;
	size_t i;

	for (i = 0; i < sizeof(bad_to) / sizeof(bad_to[0]); i++) {
		msg = mailer_format(FROM, bad_to[i], "s", "b", 0, MSGID);
		CU_ASSERT_PTR_NULL(msg);
		if (msg != NULL)
			fprintf(stderr, "accepted to [%s]\n", bad_to[i]);
		free(msg);
	}
	for (i = 0; i < sizeof(good_to) / sizeof(good_to[0]); i++) {
		msg = mailer_format(FROM, good_to[i], "s", "b", 0, MSGID);
		CU_ASSERT_PTR_NOT_NULL(msg);
		free(msg);
	}
	/* local part over 64, address over 254 */
	memset(local, 'a', 65);
	local[65] = '\0';
	snprintf(longaddr, sizeof(longaddr), "%s@example.org", local);
	CU_ASSERT_PTR_NULL(mailer_format(FROM, longaddr, "s", "b", 0, MSGID));
	memset(longaddr, 'b', sizeof(longaddr));
	memcpy(longaddr, "a@", 2);
	for (i = 60; i < 260; i += 61)
		longaddr[i] = '.';
	longaddr[260] = '\0';
	CU_ASSERT_PTR_NULL(mailer_format(FROM, longaddr, "s", "b", 0, MSGID));

	CU_ASSERT_PTR_NULL(mailer_format(
	    FROM, TO, "a\r\nBcc: eve@example.org", "b", 0, MSGID));
	CU_ASSERT_PTR_NULL(mailer_format(FROM, TO, "a\nb", "b", 0, MSGID));
	CU_ASSERT_PTR_NULL(mailer_format(FROM, TO, "a\tb", "b", 0, MSGID));
	CU_ASSERT_PTR_NULL(mailer_format(FROM, TO, "bad \xc3", "b", 0, MSGID));
	CU_ASSERT_PTR_NULL(
	    mailer_format(FROM, TO, "s", "overlong \xc0\xaf", 0, MSGID));
	CU_ASSERT_PTR_NULL(
	    mailer_format(FROM, TO, "s", "surrogate \xed\xa0\x80", 0, MSGID));
	memset(bigsubject, 's', sizeof(bigsubject) - 1);
	bigsubject[sizeof(bigsubject) - 1] = '\0';
	CU_ASSERT_PTR_NULL(mailer_format(FROM, TO, bigsubject, "b", 0, MSGID));
	CU_ASSERT_PTR_NULL(
	    mailer_format(FROM, TO, "s", "b", 0, "id\r\nBcc: eve@example.org"));
	CU_ASSERT_PTR_NULL(mailer_format(FROM, TO, "s", "b", 0, "a>b@c"));
	CU_ASSERT_PTR_NULL(mailer_format("bad from", TO, "s", "b", 0, MSGID));
	CU_ASSERT_PTR_NULL(mailer_format(NULL, TO, "s", "b", 0, MSGID));
	CU_ASSERT_PTR_NULL(mailer_format(FROM, TO, NULL, "b", 0, MSGID));
}

static struct config
test_config(char *smtp_url, char *dir)
{
	static char from[] = FROM;
	struct config c;

	memset(&c, 0, sizeof(c));
	c.smtp_url = smtp_url;
	c.mail_from = from;
	c.mail_dir = dir;
	c.smtp_timeout = 5;
	return c;
}

/* A job's lease across one send: the SMTP timeout and a minute more. */
static void
test_lease(void)
{
	struct config c = test_config(NULL, NULL);

	CU_ASSERT_EQUAL(mailer_lease(&c), 65);
	c.smtp_timeout = 30;
	CU_ASSERT_EQUAL(mailer_lease(&c), 90);
}

/* Header injection is refused before anything is written or sent. */
static void
test_send_injection(void)
{
	char tmpl[] = "/tmp/rxca-mailer-XXXXXX", none[] = "", *dir;
	struct mailer *m;
	struct problem p;
	struct config c;
	struct stat st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpl));
	dir = xprintf("%s/never", tmpl);
	c = test_config(none, dir);
	m = mailer_new(&c);
	problem_clear(&p);
	CU_ASSERT_EQUAL(mailer_send(m,
	                    "alice@example.org\r\nBcc: "
	                    "eve@example.org",
	                    "s", "b", &p),
	    -1);
	CU_ASSERT_EQUAL(p.status, 422);
	CU_ASSERT_STRING_EQUAL(p.type, "invalid-mail");
	problem_clear(&p);
	CU_ASSERT_EQUAL(
	    mailer_send(m, TO, "s\r\nBcc: eve@example.org", "b", &p), -1);
	CU_ASSERT_EQUAL(p.status, 422);
	problem_clear(&p);
	CU_ASSERT_EQUAL(mailer_send(m, TO, "s", "bad \xff", &p), -1);
	CU_ASSERT_EQUAL(p.status, 422);
	CU_ASSERT_EQUAL(stat(dir, &st), -1);
	mailer_free(m);
	mailer_free(NULL);
	rmdir(tmpl);
	free(dir);
}

/* Without SMTP a message lands whole in a new 0700 folder. */
static void
test_send_file(void)
{
	char tmpl[] = "/tmp/rxca-mailer-XXXXXX", none[] = "", *dir;
	char *path = NULL;
	char buf[4096];
	struct dirent *de;
	struct mailer *m;
	struct problem p;
	struct config c;
	struct stat st;
	DIR *d;
	FILE *f;
	size_t n;
	int count = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpl));
	dir = xprintf("%s/var/mail", tmpl);
	c = test_config(none, dir);
	m = mailer_new(&c);
	problem_clear(&p);
	CU_ASSERT_EQUAL_FATAL(
	    mailer_send(m, TO, "Ihr Bestätigungscode", "Code: 1234\n", &p), 0);
	CU_ASSERT_EQUAL_FATAL(stat(dir, &st), 0);
	CU_ASSERT((st.st_mode & 0777) == 0700);
	d = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		count++;
		n = strlen(de->d_name);
		CU_ASSERT(n > 4 && strcmp(de->d_name + n - 4, ".eml") == 0);
		free(path);
		path = xprintf("%s/%s", dir, de->d_name);
	}
	closedir(d);
	CU_ASSERT_EQUAL_FATAL(count, 1);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT((st.st_mode & 0777) == 0600);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	CU_ASSERT(strncmp(buf, "Date: ", 6) == 0);
	CU_ASSERT(crlf_only(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\r\nTo: " TO "\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "@rxca.example>\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\r\nSubject: =?UTF-8?B?"));
	CU_ASSERT_STRING_EQUAL(body_of(buf), "Code: 1234\r\n");
	mailer_free(m);
	unlink(path);
	rmdir(dir);
	free(path);
	path = xprintf("%s/var", tmpl);
	rmdir(path);
	rmdir(tmpl);
	free(path);
	free(dir);
}

/* A refused SMTP connection is 503 smtp-unavailable, quickly. */
static void
test_send_smtp_down(void)
{
	char url[] = "smtp://127.0.0.1:1", dir[] = "/nonexistent";
	struct mailer *m;
	struct problem p;
	struct config c;

	c = test_config(url, dir);
	m = mailer_new(&c);
	problem_clear(&p);
	CU_ASSERT_EQUAL(mailer_send(m, TO, "s", "b", &p), -1);
	CU_ASSERT_EQUAL(p.status, 503);
	CU_ASSERT_STRING_EQUAL(p.type, "smtp-unavailable");
	mailer_free(m);
}

int
main(void)
{
	CU_pSuite s;
	unsigned int failed;

	mailer_global_init();
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("mailer", NULL, NULL);
	CU_add_test(s, "headers", test_headers);
	CU_add_test(s, "quoted-printable cases", test_qp_cases);
	CU_add_test(s, "quoted-printable round trip", test_qp_round_trip);
	CU_add_test(s, "subjects", test_subjects);
	CU_add_test(s, "refusals", test_refusals);
	CU_add_test(s, "send refuses injection", test_send_injection);
	CU_add_test(s, "send to a file", test_send_file);
	CU_add_test(s, "send with SMTP down", test_send_smtp_down);
	CU_add_test(s, "a job's lease across a send", test_lease);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
