/* rxca-token's configuration file: see token/tokconf.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "token/tokconf.h"

#define LINE_MAX_BYTES (TOKCONF_VALUE_MAX + 64)

/* s without leading and trailing blanks (in place). */
static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
		s[--n] = '\0';
	return s;
}

/* v as 64 lower-case hex digits into out (colons dropped): 0 or -1. */
static int
sha256_hex(const char *v, char out[TOKCONF_SHA256_HEX + 1])
{
	size_t n = 0;

	for (; *v != '\0'; v++) {
		if (*v == ':')
			continue;
		if (!isxdigit((unsigned char)*v) || n == TOKCONF_SHA256_HEX)
			return -1;
		out[n++] = (char)tolower((unsigned char)*v);
	}
	out[n] = '\0';
	return n == TOKCONF_SHA256_HEX ? 0 : -1;
}

static int
bad_line(const char *path, int line, const char *why, struct problem *p)
{
	return problem_field(p, "config", "%s, line %d: %s", path, line, why);
}

/* One "key = value" line into c: 0, or -1 with p set. */
static int
conf_line(const char *path, int line, char *text, struct tokconf *c,
    struct problem *p)
{
	char *eq, *key, *val;
	size_t n;

	if ((eq = strchr(text, '=')) == NULL)
		return bad_line(path, line, "not key = value", p);
	*eq = '\0';
	key = trim(text);
	val = trim(eq + 1);
	if ((n = strlen(val)) == 0)
		return bad_line(path, line, "no value", p);
	if (n >= TOKCONF_VALUE_MAX)
		return bad_line(path, line, "value too long", p);
	if (strcmp(key, "server") == 0)
		memcpy(c->server, val, n + 1);
	else if (strcmp(key, "server_ca") == 0)
		memcpy(c->server_ca, val, n + 1);
	else if (strcmp(key, "root_sha256") == 0) {
		if (sha256_hex(val, c->root_sha256) == -1)
			return bad_line(path, line,
			    "root_sha256 is 64 hex digits (colons allowed)", p);
	} else if (strcmp(key, "origin") == 0) {
		if (c->norigins == TOKCMD_ORIGINS_MAX)
			return bad_line(path, line, "too many origins", p);
		memcpy(c->origins[c->norigins++], val, n + 1);
	} else if (strcmp(key, "pinentry") == 0)
		memcpy(c->pinentry, val, n + 1);
	else
		return bad_line(path, line,
		    "unknown key (server, server_ca, root_sha256, origin, "
		    "pinentry)",
		    p);
	return 0;
}

int
tokconf_read(const char *path, struct tokconf *c, struct problem *p)
{
	char buf[LINE_MAX_BYTES], *s;
	FILE *f;
	int line = 0, rc = 1;

	memset(c, 0, sizeof(*c));
	if (strlen(path) >= sizeof(c->path))
		return problem_field(p, "config", "path too long");
	if ((f = fopen(path, "r")) == NULL)
		return problem_field(
		    p, "config", "cannot read %s: %s", path, strerror(errno));
	while (fgets(buf, sizeof(buf), f) != NULL) {
		line++;
		if (strchr(buf, '\n') == NULL && !feof(f)) {
			rc = bad_line(path, line, "line too long", p);
			break;
		}
		s = trim(buf);
		if (*s == '\0' || *s == '#')
			continue;
		if (conf_line(path, line, s, c, p) == -1) {
			rc = -1;
			break;
		}
	}
	if (rc == 1 && ferror(f))
		rc = problem_field(p, "config", "cannot read %s", path);
	fclose(f);
	if (rc == 1)
		snprintf(c->path, sizeof(c->path), "%s", path);
	return rc;
}

int
tokconf_load(struct tokconf *c, struct problem *p)
{
	const char *env = getenv(TOKCONF_ENV);

	memset(c, 0, sizeof(*c));
	if (env != NULL && *env != '\0')
		return tokconf_read(env, c, p);
	if (access(TOKCONF_PATH_DEFAULT, F_OK) == -1 && errno == ENOENT)
		return 0;
	return tokconf_read(TOKCONF_PATH_DEFAULT, c, p);
}

void
tokconf_apply(const struct tokconf *c, struct tokcmd_opts *o)
{
	size_t i;

	if (c->path[0] == '\0')
		return;
	o->config = c->path;
	if (o->server == NULL && c->server[0] != '\0')
		o->server = c->server;
	if (o->server_ca == NULL && c->server_ca[0] != '\0')
		o->server_ca = c->server_ca;
	if (o->root_sha256 == NULL && c->root_sha256[0] != '\0')
		o->root_sha256 = c->root_sha256;
	if (o->norigins == 0)
		for (i = 0; i < c->norigins; i++)
			o->origins[o->norigins++] = c->origins[i];
	if (o->pinentry == NULL && c->pinentry[0] != '\0')
		o->pinentry = c->pinentry;
}

int
tokconf_cmd(const struct tokcmd_opts *o)
{
	size_t i;

	printf("config: %s\n", o->config != NULL ? o->config : "(none)");
	printf("server: %s\n", o->server != NULL ? o->server : "(none)");
	printf("server_ca: %s\n",
	    o->server_ca != NULL ? o->server_ca : "(system)");
	printf("root_sha256: %s\n",
	    o->root_sha256 != NULL ? o->root_sha256 : "(not pinned)");
	for (i = 0; i < o->norigins; i++)
		printf("origin: %s\n", o->origins[i]);
	printf("pinentry: %s\n", o->pinentry != NULL ? o->pinentry : "(none)");
	return 0;
}
