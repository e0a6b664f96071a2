#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "api/out/mailer.h"
#include "common/bounds.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define MAILER_LEASE_SLACK 60 /* seconds a send may pass its timeout */

#define MAILER_MAX_ID      200 /* bytes of a Message-ID */
#define MAILER_HEADER_LINE 78  /* folded Subject line, bytes */
#define MAILER_QP_LINE     76  /* encoded body line, bytes */
#define MAILER_WORD_BYTES  39  /* UTF-8 bytes per encoded-word */

struct mailer {
	char *smtp_url; /* "" writes .eml files */
	char *from;     /* envelope and From address */
	char *dir;      /* folder for .eml files */
	long timeout;   /* seconds for one SMTP delivery */
};

/* A growing output buffer. */
struct mailer_buf {
	char *b;    /* NUL-terminated text */
	size_t len; /* bytes used, without the NUL */
	size_t cap; /* bytes allocated */
};

/* The message being uploaded by libcurl. */
struct mailer_upload {
	const char *data; /* whole message */
	size_t len;       /* its length */
	size_t off;       /* bytes already handed to curl */
};

static pthread_once_t mailer_once = PTHREAD_ONCE_INIT;

static void
mailer_curl_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fputs("rxca: curl_global_init failed\n", stderr);
		abort();
	}
}

void
mailer_global_init(void)
{
	pthread_once(&mailer_once, mailer_curl_init);
}

struct mailer *
mailer_new(const struct config *c)
{
	struct mailer *m;

	m = xcalloc(1, sizeof(*m));
	m->smtp_url = xstrdup(c->smtp_url != NULL ? c->smtp_url : "");
	m->from = xstrdup(c->mail_from != NULL ? c->mail_from : "");
	m->dir = xstrdup(c->mail_dir != NULL ? c->mail_dir : "");
	m->timeout = c->smtp_timeout > 0 ? c->smtp_timeout : 20;
	return m;
}

int
mailer_lease(const struct config *c)
{
	return c->smtp_timeout + MAILER_LEASE_SLACK;
}

void
mailer_free(struct mailer *m)
{
	if (m == NULL)
		return;
	free(m->smtp_url);
	free(m->from);
	free(m->dir);
	free(m);
}

static void
buf_add(struct mailer_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->b = xrealloc(b->b, b->cap);
	}
	memcpy(b->b + b->len, s, n);
	b->len += n;
	b->b[b->len] = '\0';
}

static void
buf_str(struct mailer_buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static int
mailer_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/*
 * 1 if a is local@domain: a dot-atom local part of at most 64 bytes and a
 * host name (labels of letters, digits and inner hyphens), 254 bytes at
 * most.  No quoted local parts, address literals or non-ASCII.
 */
static int
mailer_address_ok(const char *a)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
	const char *at, *s;
	size_t n, label;

	n = strlen(a);
	if (n < 3 || n > BOUND_EMAIL || (at = strchr(a, '@')) == NULL ||
	    at == a || at - a > 64 || at[1] == '\0')
		return 0;
	for (s = a; s < at; s++) {
		if (*s == '.') {
			if (s == a || s + 1 == at || s[1] == '.')
				return 0;
		} else if (!mailer_alnum((unsigned char)*s) &&
		    strchr(atext, *s) == NULL)
			return 0;
	}
	label = 0;
	for (s = at + 1; *s != '\0'; s++) {
		if (*s == '.') {
			if (label == 0 || s[-1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (*s == '-' && label == 0)
			return 0;
		if (!mailer_alnum((unsigned char)*s) && *s != '-')
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[-1] != '-';
}

/* 1 if s[0..n) is valid UTF-8 (no overlong forms, surrogates or code
 * points above U+10FFFF). */
static int
mailer_utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0, k, need;
	unsigned long cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			need = 1;
			cp = s[i] & 0x1f;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			need = 2;
			cp = s[i] & 0x0f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			need = 3;
			cp = s[i] & 0x07;
		} else
			return 0;
		if (n - i <= need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		i += need + 1;
	}
	return 1;
}

/* 1 if s holds a C0 control character or DEL. */
static int
mailer_has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int
mailer_subject_ok(const char *s)
{
	size_t n = strlen(s);

	return n <= MAILER_MAX_SUBJECT && !mailer_has_control(s) &&
	    mailer_utf8_ok((const unsigned char *)s, n);
}

static int
mailer_body_ok(const char *s)
{
	size_t n = strlen(s);

	return n <= MAILER_MAX_BODY &&
	    mailer_utf8_ok((const unsigned char *)s, n);
}

static int
mailer_id_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= MAILER_MAX_ID && !mailer_has_control(s) &&
	    strpbrk(s, " <>()[]\\\",;:") == NULL &&
	    mailer_utf8_ok((const unsigned char *)s, n) &&
	    strchr(s, '@') != NULL;
}

/* "Date: Sun, 22 Nov 2026 04:49:39 +0000" */
static void
mailer_date(struct mailer_buf *b, time_t date)
{
	static const char *const days[] = {
	    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	char line[64];

	gmtime_r(&date, &tm);
	snprintf(line, sizeof(line),
	    "Date: %s, %02d %s %04d %02d:%02d:%02d "
	    "+0000\r\n",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	buf_str(b, line);
}

/* ASCII subject, folded before a space where a line would pass 78. */
static void
mailer_subject_ascii(struct mailer_buf *b, const char *s)
{
	size_t col, n;

	buf_str(b, "Subject: ");
	col = strlen("Subject: ");
	while (*s != '\0') {
		/* a piece: its leading spaces, then up to the next space */
		n = strspn(s, " ");
		n += strcspn(s + n, " ");
		if (col + n > MAILER_HEADER_LINE && s[0] == ' ' &&
		    n > strspn(s, " ")) {
			buf_str(b, "\r\n");
			col = 0;
		}
		buf_add(b, s, n);
		col += n;
		s += n;
	}
	buf_str(b, "\r\n");
}

/* Non-ASCII subject as RFC 2047 B-encoded words, one per line, each of
 * at most MAILER_WORD_BYTES whole UTF-8 characters. */
static void
mailer_subject_2047(struct mailer_buf *b, const char *s)
{
	unsigned char enc[4 * ((MAILER_WORD_BYTES + 2) / 3) + 1];
	size_t n, len = strlen(s);
	int first = 1;

	buf_str(b, "Subject:");
	while (len > 0) {
		n = len < MAILER_WORD_BYTES ? len : MAILER_WORD_BYTES;
		while (n < len && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		EVP_EncodeBlock(enc, (const unsigned char *)s, (int)n);
		buf_str(b, first ? " =?UTF-8?B?" : "\r\n =?UTF-8?B?");
		first = 0;
		buf_str(b, (const char *)enc);
		buf_str(b, "?=");
		s += n;
		len -= n;
	}
	buf_str(b, "\r\n");
}

static void
mailer_subject(struct mailer_buf *b, const char *s)
{
	const char *c;

	for (c = s; *c != '\0'; c++)
		if ((unsigned char)*c >= 0x80)
			break;
	if (*c == '\0')
		mailer_subject_ascii(b, s);
	else
		mailer_subject_2047(b, s);
}

/* One line of the body (no line break in it), quoted-printable. */
static void
mailer_qp_line(struct mailer_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	char tok[3];
	size_t i, col = 0, tl;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if ((c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && i + 1 < n)) {
			tok[0] = (char)c;
			tl = 1;
		} else {
			tok[0] = '=';
			tok[1] = hex[c >> 4];
			tok[2] = hex[c & 15];
			tl = 3;
		}
		/* leave room for the soft break '=' */
		if (col + tl > MAILER_QP_LINE - 1) {
			buf_str(b, "=\r\n");
			col = 0;
		}
		if (col == 0 && tl == 1 &&
		    (c == '.' ||
		        (c == 'F' && n - i >= 5 &&
		            memcmp(s + i, "From ", 5) == 0))) {
			tok[0] = '=';
			tok[1] = hex[c >> 4];
			tok[2] = hex[c & 15];
			tl = 3;
		}
		buf_add(b, tok, tl);
		col += tl;
	}
	buf_str(b, "\r\n");
}

/* The body, quoted-printable: LF or CRLF become CRLF, a lone CR =0D. */
static void
mailer_qp(struct mailer_buf *b, const char *s)
{
	size_t n;

	while (*s != '\0') {
		n = strcspn(s, "\n");
		mailer_qp_line(b, s,
		    n > 0 && s[n] == '\n' && s[n - 1] == '\r' ? n - 1 : n);
		s += n;
		if (*s == '\n')
			s++;
	}
}

char *
mailer_format(const char *from, const char *to, const char *subject,
    const char *body, time_t date, const char *message_id)
{
	struct mailer_buf b = {NULL, 0, 0};

	if (from == NULL || to == NULL || subject == NULL || body == NULL ||
	    message_id == NULL || !mailer_address_ok(from) ||
	    !mailer_address_ok(to) || !mailer_subject_ok(subject) ||
	    !mailer_body_ok(body) || !mailer_id_ok(message_id))
		return NULL;
	mailer_date(&b, date);
	buf_str(&b, "From: ");
	buf_str(&b, from);
	buf_str(&b, "\r\nTo: ");
	buf_str(&b, to);
	buf_str(&b, "\r\n");
	mailer_subject(&b, subject);
	buf_str(&b, "Message-ID: <");
	buf_str(&b, message_id);
	buf_str(&b,
	    ">\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n");
	mailer_qp(&b, body);
	return b.b;
}

static size_t
mailer_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct mailer_upload *u = arg;
	size_t n = size * nitems;

	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(buf, u->data + u->off, n);
	u->off += n;
	return n;
}

/* Sends msg over SMTP. */
static int
mailer_smtp(struct mailer *m, const char *to, const char *msg, const char *id,
    struct problem *p)
{
	struct mailer_upload u = {msg, strlen(msg), 0};
	struct curl_slist *rcpt = NULL;
	CURL *curl = NULL;
	CURLcode cc = CURLE_FAILED_INIT;
	char err[CURL_ERROR_SIZE], from[BOUND_EMAIL + 3],
	    rcptto[BOUND_EMAIL + 3];
	long reply = 0;
	size_t i;
	int rc = -1;

	mailer_global_init();
	err[0] = '\0';
	snprintf(from, sizeof(from), "<%s>", m->from);
	snprintf(rcptto, sizeof(rcptto), "<%s>", to);
	if ((rcpt = curl_slist_append(NULL, rcptto)) == NULL ||
	    (curl = curl_easy_init()) == NULL)
		goto fail;
	cc = curl_easy_setopt(curl, CURLOPT_URL, m->smtp_url);
	if (cc == CURLE_OK)
		cc =
		    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_READFUNCTION, mailer_read);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_READDATA, &u);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(
		    curl, CURLOPT_CONNECTTIMEOUT, (long)MAILER_CONNECT_TIMEOUT);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_TIMEOUT, m->timeout);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
	if (cc == CURLE_OK)
		cc = curl_easy_perform(curl);
	if (cc != CURLE_OK)
		goto fail;
	log_info("mail sent", "message_id=%s", id);
	rc = 0;
	goto out;
fail:
	if (err[0] == '\0')
		snprintf(err, sizeof(err), "%s", curl_easy_strerror(cc));
	for (i = 0; err[i] != '\0'; i++)
		if (err[i] == '"' || err[i] == '\\' || err[i] == '\n' ||
		    err[i] == '\r')
			err[i] = '\'';
	if (curl != NULL)
		(void)curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
	log_error("smtp delivery failed",
	    "message_id=%s curl=%d smtp=%ld "
	    "error=\"%s\"",
	    id, (int)cc, reply, err);
	problem_set(p, 503, "smtp-unavailable", "Mail unavailable",
	    "The mail server could not take the message; try again later.");
out:
	curl_easy_cleanup(curl);
	curl_slist_free_all(rcpt);
	return rc;
}

/* mkdir -p dir, new folders 0700; 0 if dir is then a folder. */
static int
mailer_mkdirs(const char *dir)
{
	struct stat st;
	char *path, *s;
	int rc = -1;

	path = xstrdup(dir);
	for (s = path + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0700) == -1 && errno != EEXIST)
			goto out;
		*s = '/';
	}
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		goto out;
	if (stat(path, &st) == -1)
		goto out;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto out;
	}
	rc = 0;
out:
	free(path);
	return rc;
}

/* Writes msg to <dir>/<time>-<random>.eml by way of a .tmp and rename. */
static int
mailer_file(
    struct mailer *m, const char *msg, const char *id, struct problem *p)
{
	char token[16], *base = NULL, *tmp = NULL, *path = NULL;
	const char *step = "mkdir";
	size_t len, off = 0;
	ssize_t n;
	int fd = -1, rc = -1;

	if (mailer_mkdirs(m->dir[0] != '\0' ? m->dir : ".") == -1)
		goto fail;
	rand_token(9, token, sizeof(token));
	base = xprintf("%s/%lld-%s", m->dir[0] != '\0' ? m->dir : ".",
	    (long long)wallclock_now(), token);
	tmp = xprintf("%s.tmp", base);
	path = xprintf("%s.eml", base);
	step = "open";
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) ==
	    -1)
		goto fail;
	step = "write";
	len = strlen(msg);
	while (off < len) {
		if ((n = write(fd, msg + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	step = "fsync";
	if (fsync(fd) == -1)
		goto fail;
	step = "close";
	n = close(fd);
	fd = -1;
	if (n == -1)
		goto fail;
	step = "rename";
	if (rename(tmp, path) == -1)
		goto fail;
	log_info("mail written", "message_id=%s file=%s", id, path);
	rc = 0;
	goto out;
fail:
	log_error("mail file not written", "dir=%s step=%s error=\"%s\"",
	    m->dir, step, strerror(errno));
	problem_internal(p);
	if (fd != -1)
		close(fd);
	if (tmp != NULL)
		unlink(tmp);
out:
	free(base);
	free(tmp);
	free(path);
	return rc;
}

int
mailer_send(struct mailer *m, const char *to, const char *subject,
    const char *text_body, struct problem *p)
{
	char token[32], id[MAILER_MAX_ID + 1], *msg = NULL;
	const char *domain;
	int rc = -1;

	if (to == NULL || !mailer_address_ok(to)) {
		problem_set(p, 422, "invalid-mail", "Invalid mail",
		    "The recipient is not a valid e-mail address.");
		goto out;
	}
	if (subject == NULL || !mailer_subject_ok(subject)) {
		problem_set(p, 422, "invalid-mail", "Invalid mail",
		    "The subject must be one line of UTF-8 text of at most %d "
		    "bytes.",
		    MAILER_MAX_SUBJECT);
		goto out;
	}
	if (text_body == NULL || !mailer_body_ok(text_body)) {
		problem_set(p, 422, "invalid-mail", "Invalid mail",
		    "The message must be UTF-8 text of at most %d bytes.",
		    MAILER_MAX_BODY);
		goto out;
	}
	if (!mailer_address_ok(m->from)) {
		log_error("RXCA_MAIL_FROM is not a valid address", NULL);
		problem_internal(p);
		goto out;
	}
	domain = strrchr(m->from, '@') + 1;
	rand_token(18, token, sizeof(token));
	snprintf(id, sizeof(id), "%s@%s", token, domain);
	if ((msg = mailer_format(m->from, to, subject, text_body,
	         wallclock_now(), id)) == NULL) {
		log_error("mail could not be formatted", NULL);
		problem_internal(p);
		goto out;
	}
	if (m->smtp_url[0] != '\0')
		rc = mailer_smtp(m, to, msg, id, p);
	else
		rc = mailer_file(m, msg, id, p);
out:
	if (msg != NULL) {
		memset(msg, 0, strlen(msg));
		free(msg);
	}
	return rc;
}
