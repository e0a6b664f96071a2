#include <stdio.h>
#include <string.h>

#include "api/http/router.h"

/* Matches path against pattern, filling m's captures.  1 on a match. */
static int
match_pattern(const char *pattern, const char *path, struct route_match *m)
{
	const char *p = pattern, *s = path;
	size_t plen, slen;
	const char *pe, *se;

	m->nparams = 0;
	for (;;) {
		if (*p != '/' || *s != '/')
			return *p == '\0' && *s == '\0';
		p++;
		s++;
		pe = strchr(p, '/');
		se = strchr(s, '/');
		plen = pe != NULL ? (size_t)(pe - p) : strlen(p);
		slen = se != NULL ? (size_t)(se - s) : strlen(s);
		if (*p == '*') {
			/* The rest of the path, slashes and all. */
			slen = strlen(s);
			if (slen == 0 || slen >= ROUTER_MAX_PARAM_LEN ||
			    m->nparams == ROUTER_MAX_PARAMS ||
			    plen - 1 >= sizeof(m->names[0]))
				return 0;
			memcpy(m->names[m->nparams], p + 1, plen - 1);
			m->names[m->nparams][plen - 1] = '\0';
			memcpy(m->values[m->nparams], s, slen + 1);
			m->nparams++;
			return 1;
		}
		if (*p == ':') {
			if (slen == 0 || slen >= ROUTER_MAX_SEGMENT ||
			    m->nparams == ROUTER_MAX_PARAMS ||
			    plen - 1 >= sizeof(m->names[0]))
				return 0;
			memcpy(m->names[m->nparams], p + 1, plen - 1);
			m->names[m->nparams][plen - 1] = '\0';
			memcpy(m->values[m->nparams], s, slen);
			m->values[m->nparams][slen] = '\0';
			m->nparams++;
		} else if (plen != slen || memcmp(p, s, plen) != 0)
			return 0;
		p += plen;
		s += slen;
	}
}

int
router_match(const struct route *table, size_t n, const char *method,
    const char *path, struct route_match *m, char *allow, size_t allowsz)
{
	struct route_match tmp;
	const char *want;
	size_t i, used = 0;
	int found_path = 0;

	want = strcmp(method, "HEAD") == 0 ? "GET" : method;
	if (allowsz > 0)
		allow[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!match_pattern(table[i].pattern, path, &tmp))
			continue;
		if (strcmp(table[i].method, want) == 0) {
			*m = tmp;
			m->route = &table[i];
			return 200;
		}
		found_path = 1;
		if (used < allowsz && strstr(allow, table[i].method) == NULL)
			used += (size_t)snprintf(allow + used, allowsz - used,
			    "%s%s%s", used > 0 ? ", " : "", table[i].method,
			    strcmp(table[i].method, "GET") == 0 ? ", HEAD"
			                                        : "");
		if (used >= allowsz)
			used = allowsz;
	}
	return found_path ? 405 : 404;
}

const char *
router_param(const struct route_match *m, const char *name)
{
	int i;

	for (i = 0; i < m->nparams; i++)
		if (strcmp(m->names[i], name) == 0)
			return m->values[i];
	return NULL;
}
