#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/http/http_parse.h"
#include "common/xmalloc.h"

long
http_head_end(const char *buf, size_t len)
{
	const char *p = buf, *nl;
	const char *end = buf + (len < BOUND_HEADERS ? len : BOUND_HEADERS);

	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (nl - buf >= 3 && memcmp(nl - 3, "\r\n\r\n", 4) == 0)
			return (long)(nl - buf) + 1;
		/* A bare LF ends the head there, malformed: the parser refuses
		 * it at once rather than the connection waiting out its
		 * timeout for a CRLF CRLF that will never come. */
		if (nl == buf || nl[-1] != '\r')
			return (long)(nl - buf) + 1;
		p = nl + 1;
	}
	return len > BOUND_HEADERS ? -1 : 0;
}

static int
is_tchar(int c)
{
	return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/*
 * 1 if name is one of the fields that frame a request or say where it
 * came from, spelt with '_' for '-' (Transfer_Encoding): a proxy or
 * gateway that maps one onto the other would frame or attribute the
 * request differently from us, so such a request is refused.
 */
static int
is_underscored_alias(const char *name, size_t n)
{
	static const char *const framing[] = {"Content-Length",
	    "Transfer-Encoding", "Host", "Connection", "X-Forwarded-For",
	    "X-Real-IP", "Forwarded"};
	size_t i, j;

	if (memchr(name, '_', n) == NULL)
		return 0;
	for (i = 0; i < sizeof(framing) / sizeof(framing[0]); i++) {
		if (strlen(framing[i]) != n)
			continue;
		for (j = 0; j < n; j++) {
			int c = name[j] == '_' ? '-' : (unsigned char)name[j];
			if (tolower(c) != tolower((unsigned char)framing[i][j]))
				break;
		}
		if (j == n)
			return 1;
	}
	return 0;
}

void
http_request_clear(struct http_request *req)
{
	int i;

	free(req->target);
	free(req->path);
	free(req->query);
	for (i = 0; i < req->nheaders; i++) {
		free(req->headers[i].name);
		free(req->headers[i].value);
	}
	free(req->body);
	memset(req, 0, sizeof(*req));
}

/* One line ending in CRLF starting at *pos; returns its length without the
 * CRLF, or -1 if there is none or a bare CR or LF or a NUL inside. */
static long
next_line(const char *buf, size_t len, size_t pos)
{
	size_t i;

	for (i = pos; i < len; i++) {
		if (buf[i] == '\0')
			return -1;
		if (buf[i] == '\n')
			return -1;
		if (buf[i] == '\r')
			return (i + 1 < len && buf[i + 1] == '\n')
			    ? (long)(i - pos)
			    : -1;
	}
	return -1;
}

static int
parse_request_line(const char *line, size_t n, struct http_request *req)
{
	const char *sp1, *sp2, *q;
	size_t mlen, tlen, vlen;

	if ((sp1 = memchr(line, ' ', n)) == NULL)
		return 400;
	mlen = (size_t)(sp1 - line);
	if (mlen == 0 || mlen >= sizeof(req->method))
		return mlen == 0 ? 400 : 501;
	for (size_t i = 0; i < mlen; i++)
		if (!isupper((unsigned char)line[i]))
			return 400;
	memcpy(req->method, line, mlen);
	req->method[mlen] = '\0';
	if ((sp2 = memchr(sp1 + 1, ' ', n - mlen - 1)) == NULL)
		return 400;
	tlen = (size_t)(sp2 - sp1 - 1);
	if (tlen == 0 || sp1[1] != '/')
		return 400;
	if (tlen > BOUND_URI)
		return 414;
	for (size_t i = 0; i < tlen; i++) {
		unsigned char c = (unsigned char)sp1[1 + i];
		if (c <= 0x20 || c >= 0x7f)
			return 400;
	}
	vlen = (size_t)(line + n - sp2 - 1); /* the version's bytes */
	if (vlen != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return vlen >= 5 && memcmp(sp2 + 1, "HTTP/", 5) == 0 ? 505
		                                                     : 400;
	if (sp2[8] == '1')
		req->minor = 1;
	else if (sp2[8] == '0')
		req->minor = 0;
	else
		return 505;
	req->target = xstrndup(sp1 + 1, tlen);
	if ((q = memchr(req->target, '?', tlen)) != NULL) {
		req->path = xstrndup(req->target, (size_t)(q - req->target));
		req->query = xstrdup(q + 1);
	} else
		req->path = xstrdup(req->target);
	return 0;
}

static int
parse_content_length(const char *v, long long *out)
{
	long long n = 0;

	if (*v == '\0')
		return -1;
	for (; *v != '\0'; v++) {
		if (!isdigit((unsigned char)*v))
			return -1;
		if (n > (1LL << 40))
			return -1;
		n = n * 10 + (*v - '0');
	}
	*out = n;
	return 0;
}

int
http_parse_head(const char *head, size_t len, struct http_request *req,
    long long *content_length)
{
	const char *line, *colon, *vs, *ve;
	const char *conn;
	size_t pos = 0;
	long n;
	int rc, have_host = 0;

	*content_length = -1;
	if (len > BOUND_HEADERS)
		return 431;
	if ((n = next_line(head, len, 0)) <= 0)
		return 400;
	if ((rc = parse_request_line(head, (size_t)n, req)) != 0)
		return rc;
	pos = (size_t)n + 2;
	for (;;) {
		if ((n = next_line(head, len, pos)) < 0)
			return 400;
		if (n == 0)
			break;
		line = head + pos;
		if (line[0] == ' ' || line[0] == '\t')
			return 400; /* obsolete line folding */
		if ((colon = memchr(line, ':', (size_t)n)) == NULL ||
		    colon == line)
			return 400;
		for (const char *c = line; c < colon; c++)
			if (!is_tchar((unsigned char)*c))
				return 400;
		if (is_underscored_alias(line, (size_t)(colon - line)))
			return 400;
		vs = colon + 1;
		ve = line + n;
		while (vs < ve && (*vs == ' ' || *vs == '\t'))
			vs++;
		while (ve > vs && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		for (const char *c = vs; c < ve; c++)
			if (((unsigned char)*c < 0x20 && *c != '\t') ||
			    (unsigned char)*c == 0x7f)
				return 400; /* a control character, or DEL */
		if (req->nheaders == BOUND_HEADER_COUNT)
			return 431;
		req->headers[req->nheaders].name =
		    xstrndup(line, (size_t)(colon - line));
		req->headers[req->nheaders].value =
		    xstrndup(vs, (size_t)(ve - vs));
		req->nheaders++;
		pos += (size_t)n + 2;
	}
	for (int i = 0; i < req->nheaders; i++) {
		const char *name = req->headers[i].name;
		const char *val = req->headers[i].value;
		if (strcasecmp(name, "Content-Length") == 0) {
			if (*content_length != -1)
				return 400; /* duplicated */
			if (parse_content_length(val, content_length) == -1)
				return 400;
		} else if (strcasecmp(name, "Transfer-Encoding") == 0)
			return 501;
		else if (strcasecmp(name, "Host") == 0) {
			if (have_host++)
				return 400;
		}
	}
	if (req->minor == 1 && !have_host)
		return 400;
	conn = http_request_header(req, "Connection");
	if (req->minor == 1)
		req->keep_alive =
		    conn == NULL || strcasecmp(conn, "close") != 0;
	else
		req->keep_alive =
		    conn != NULL && strcasecmp(conn, "keep-alive") == 0;
	if (*content_length > BOUND_BODY)
		return 413;
	return 0;
}

const char *
http_request_header(const struct http_request *req, const char *name)
{
	int i;

	for (i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}
