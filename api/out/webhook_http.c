#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "api/out/webhook_http.h"
#include "common/problem.h"

#define RESOLVE_LINE_MAX 512 /* bytes of a line of a test resolve file */
#define ADDR_TEXT_MAX    48  /* an address as text, with brackets */

struct sink {
	size_t len; /* bytes read so far */
};

/* What the socket callback checks: the pinned addresses. */
struct pin {
	const struct webhook_addrs *addrs; /* the checked addresses */
	int allow_private;                 /* RXCA_WEBHOOK_ALLOW_PRIVATE */
	int refused;                       /* set when a socket was refused */
};

static size_t
sink_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;

	(void)data;
	if (s->len + n > WEBHOOK_HTTP_MAX_ANSWER)
		return 0; /* aborts the transfer */
	s->len += n;
	return n;
}

/* Appends the address (4 or 16 bytes) to out, unless it is full. */
static void
addrs_add(struct webhook_addrs *out, int family, const void *addr)
{
	struct sockaddr_in *in4;
	struct sockaddr_in6 *in6;

	if (out->n >= WEBHOOK_ADDRS_MAX)
		return;
	memset(&out->a[out->n], 0, sizeof(out->a[out->n]));
	if (family == AF_INET) {
		in4 = (struct sockaddr_in *)(void *)&out->a[out->n];
		in4->sin_family = AF_INET;
		memcpy(&in4->sin_addr, addr, 4);
	} else {
		in6 = (struct sockaddr_in6 *)(void *)&out->a[out->n];
		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, addr, 16);
	}
	out->n++;
}

/* The address bytes of sa (4 or 16), or NULL for another family. */
static const unsigned char *
sa_bytes(const struct sockaddr *sa, size_t *len)
{
	if (sa->sa_family == AF_INET) {
		*len = 4;
		return (const unsigned char *)&(
		    (const struct sockaddr_in *)(const void *)sa)
		    ->sin_addr;
	}
	if (sa->sa_family == AF_INET6) {
		*len = 16;
		return (const unsigned char *)&(
		    (const struct sockaddr_in6 *)(const void *)sa)
		    ->sin6_addr;
	}
	return NULL;
}

/* Looks host up in the test resolve file: the number of addresses added,
 * -1 if one is refused. */
static int
resolve_file(const char *path, const char *host, int allow_private,
    struct webhook_addrs *out)
{
	char line[RESOLVE_LINE_MAX], name[WEBHOOK_HOST_MAX],
	    addr[ADDR_TEXT_MAX];
	unsigned char a[16];
	int lines = 0, found = 0, family;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (lines++ < WEBHOOK_RESOLVE_LINES &&
	    fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%253s %47s", name, addr) != 2 ||
		    name[0] == '#' || strcasecmp(name, host) != 0)
			continue;
		if (inet_pton(AF_INET, addr, a) == 1)
			family = AF_INET;
		else if (inet_pton(AF_INET6, addr, a) == 1)
			family = AF_INET6;
		else
			continue;
		if (!webhook_addr_allowed(family, a, allow_private)) {
			found = -1;
			break;
		}
		addrs_add(out, family, a);
		found++;
	}
	fclose(f);
	return found;
}

int
webhook_resolve(const struct webhook_url *u, int allow_private,
    const char *resolve_file_path, struct webhook_addrs *out)
{
	struct addrinfo hints, *res = NULL, *ai;
	const unsigned char *b;
	size_t len;
	int found = 0;

	memset(out, 0, sizeof(*out));
	if (u->family != 0) {
		if (!webhook_addr_allowed(u->family, u->addr, allow_private))
			return WEBHOOK_REFUSED;
		addrs_add(out, u->family, u->addr);
		return WEBHOOK_RESOLVED;
	}
	if (resolve_file_path != NULL && resolve_file_path[0] != '\0') {
		found = resolve_file(
		    resolve_file_path, u->host, allow_private, out);
		if (found == -1)
			return WEBHOOK_REFUSED;
		return found > 0 ? WEBHOOK_RESOLVED : WEBHOOK_UNRESOLVED;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(u->host, NULL, &hints, &res) != 0)
		return WEBHOOK_UNRESOLVED;
	/* Every address is checked, also those past the ones kept. */
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((b = sa_bytes(ai->ai_addr, &len)) == NULL)
			continue;
		if (!webhook_addr_allowed(
		        ai->ai_addr->sa_family, b, allow_private)) {
			freeaddrinfo(res);
			memset(out, 0, sizeof(*out));
			return WEBHOOK_REFUSED;
		}
		addrs_add(out, ai->ai_addr->sa_family, b);
		found++;
	}
	freeaddrinfo(res);
	return found > 0 ? WEBHOOK_RESOLVED : WEBHOOK_UNRESOLVED;
}

/*
 * libcurl's socket for a connection: only to an allowed address that
 * was checked before (so the check is on the address actually connected
 * to, whatever libcurl resolved).
 */
static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *sa)
{
	struct pin *pin = arg;
	const unsigned char *want, *got;
	size_t wl, gl;
	int i;

	if (purpose != CURLSOCKTYPE_IPCXN ||
	    !webhook_sockaddr_allowed(&sa->addr, pin->allow_private) ||
	    (got = sa_bytes(&sa->addr, &gl)) == NULL)
		goto refuse;
	for (i = 0; i < pin->addrs->n; i++) {
		want =
		    sa_bytes((const struct sockaddr *)&pin->addrs->a[i], &wl);
		if (want != NULL && wl == gl && memcmp(want, got, gl) == 0)
			return socket(sa->family, sa->socktype, sa->protocol);
	}
refuse:
	pin->refused = 1;
	return CURL_SOCKET_BAD;
}

/* "host:port:addr,addr,..." for CURLOPT_RESOLVE. */
static void
resolve_entry(const struct webhook_url *u, const struct webhook_addrs *as,
    char *buf, size_t bufsz)
{
	char text[INET6_ADDRSTRLEN];
	const unsigned char *b;
	size_t len, used;
	int i;

	used = (size_t)snprintf(buf, bufsz, "%s:%d:", u->host, u->port);
	for (i = 0; i < as->n && used < bufsz; i++) {
		b = sa_bytes((const struct sockaddr *)&as->a[i], &len);
		if (b == NULL ||
		    inet_ntop(len == 4 ? AF_INET : AF_INET6, b, text,
		        sizeof(text)) == NULL)
			continue;
		used += (size_t)snprintf(buf + used, bufsz - used,
		    len == 4 ? "%s%s" : "%s[%s]", i > 0 ? "," : "", text);
	}
}

/* The reason of a failed call, in words that do not tell a closed port
 * from a filtered one. */
static const char *
failure(CURLcode cc)
{
	switch (cc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return "TLS failure";
	default:
		return "could not connect or no answer";
	}
}

int
webhook_http_post(
    const struct webhook_request *rq, int *status, char *err, size_t errsz)
{
	CURL *curl = NULL;
	struct curl_slist *hdrs = NULL, *pinned = NULL;
	struct webhook_url u, v;
	struct webhook_addrs addrs;
	struct problem p, q;
	struct pin pin;
	struct sink s = {0};
	char entry[WEBHOOK_HOST_MAX + 16 + WEBHOOK_ADDRS_MAX * ADDR_TEXT_MAX];
	CURLcode cc;
	long code = 0;
	size_t i;
	int rc = -1;

	*status = 0;
	snprintf(err, errsz, "%s", "");
	problem_clear(&p);
	problem_clear(&q);
	if (webhook_url_parse(rq->url, rq->allow_private, &u, &p) == -1) {
		/* Stored under other rules, or a literal now refused: an
		 * address that is not public says so, whatever the scheme. */
		if (u.family != 0 ||
		    (webhook_url_parse(rq->url, 1, &v, &q) == 0 &&
		        v.family != 0 &&
		        !webhook_addr_allowed(v.family, v.addr, 0)))
			snprintf(err, errsz, "%s", WEBHOOK_REFUSED_PRIVATE);
		else
			snprintf(err, errsz, "refused: %s",
			    p.nfields > 0 ? p.fields[0].message
			                  : "invalid URL");
		goto out;
	}
	switch (
	    webhook_resolve(&u, rq->allow_private, rq->resolve_file, &addrs)) {
	case WEBHOOK_RESOLVED:
		break;
	case WEBHOOK_REFUSED:
		snprintf(err, errsz, "%s", WEBHOOK_REFUSED_PRIVATE);
		goto out;
	default:
		snprintf(err, errsz, "could not resolve the host");
		goto out;
	}
	pin.addrs = &addrs;
	pin.allow_private = rq->allow_private;
	pin.refused = 0;
	if ((curl = curl_easy_init()) == NULL) {
		snprintf(err, errsz, "curl_easy_init failed");
		goto out;
	}
	if (u.family == 0) {
		resolve_entry(&u, &addrs, entry, sizeof(entry));
		pinned = curl_slist_append(pinned, entry);
		curl_easy_setopt(curl, CURLOPT_RESOLVE, pinned);
	}
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	for (i = 0; i < WEBHOOK_HTTP_MAX_HEADERS && rq->headers[i] != NULL; i++)
		hdrs = curl_slist_append(hdrs, rq->headers[i]);
	curl_easy_setopt(curl, CURLOPT_URL, rq->url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR,
	    rq->allow_private ? "http,https" : "https");
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_PROXY, "");
	curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &pin);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, rq->body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(rq->body));
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, rq->connect_ms);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, rq->total_ms);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "rxca-webhook/1");
	if (rq->ca_file != NULL && rq->ca_file[0] != '\0')
		curl_easy_setopt(curl, CURLOPT_CAINFO, rq->ca_file);
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	if (code > 0 && (cc == CURLE_OK || cc == CURLE_WRITE_ERROR)) {
		*status = (int)code;
		rc = 0;
	} else if (pin.refused)
		snprintf(err, errsz, "%s", WEBHOOK_REFUSED_PRIVATE);
	else
		snprintf(err, errsz, "%s", failure(cc));
out:
	curl_slist_free_all(hdrs);
	curl_slist_free_all(pinned);
	if (curl != NULL)
		curl_easy_cleanup(curl);
	return rc;
}
