#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes/page.h"

/* The "<unix time>:<id>" cursor in pg->after; -1 if it is not one. */
static int
page_after_timed(struct page *pg)
{
	char *end;

	pg->after_time = (time_t)strtoll(pg->after, &end, 10);
	if (end == pg->after || *end != ':' || pg->after_time <= 0 ||
	    strlen(end + 1) == 0 || strlen(end + 1) > 63)
		return -1;
	pg->after_id = end + 1;
	return 0;
}

int
page_parse(const struct ctx *ctx, const struct page_rule *rule, struct page *pg,
    struct problem *p)
{
	char limit_s[16], *end;
	size_t size = rule->after_size;
	int rc = 0;

	memset(pg, 0, sizeof(*pg));
	pg->limit = rule->def_limit;
	if (size > sizeof(pg->after))
		size = sizeof(pg->after);
	if ((pg->has_after = ctx_query(ctx, "after", pg->after, size, p)) ==
	        -1 ||
	    ctx_query(ctx, "limit", limit_s, sizeof(limit_s), p) == -1)
		return -1;
	if (pg->after[0] != '\0') {
		if (rule->after == PAGE_AFTER_NUMBER &&
		    ((pg->after_number = strtoll(pg->after, &end, 10)) < 0 ||
		        *end != '\0'))
			rc = problem_field(p, "after", "%s", rule->after_what);
		if (rule->after == PAGE_AFTER_TIMED &&
		    page_after_timed(pg) == -1)
			rc = problem_field(p, "after", "%s", rule->after_what);
	}
	if (limit_s[0] != '\0') {
		pg->limit = strtol(limit_s, &end, 10);
		if (*end != '\0' || pg->limit < 1 ||
		    pg->limit > rule->max_limit)
			rc = problem_field(p, "limit",
			    "an integer from 1 to %ld", rule->max_limit);
	}
	return rc;
}

int
page_full(const struct page *pg, int rows)
{
	return rows == pg->limit;
}

json_t *
page_cursor_timed(const char *time, const char *id)
{
	char cursor[PAGE_AFTER_SIZE];

	snprintf(cursor, sizeof(cursor), "%s:%s", time, id);
	return json_string(cursor);
}

void
page_reply(struct ctx *ctx, json_t *items, json_t *next)
{
	reply_json(ctx, 200,
	    json_pack("{s:o, s:o}", "items", items, "next_after",
	        next != NULL ? next : json_null()));
}

static int
page_filter_known(const struct page_filter *f, const char *value)
{
	size_t i;

	if (f->values == NULL)
		return f->known(value);
	for (i = 0; f->values[i] != NULL; i++)
		if (strcmp(f->values[i], value) == 0)
			return 1;
	return 0;
}

int
page_parse_filtered(const struct ctx *ctx, const char *const *params,
    const struct page_filter *f, char *value, size_t valuesz,
    const struct page_rule *rule, struct page *pg, struct problem *p)
{
	if (ctx_known_query(ctx, params, p) == -1 ||
	    ctx_query(ctx, f->name, value, valuesz, p) == -1)
		return -1;
	if (value[0] == '\0')
		snprintf(value, valuesz, "%s", f->def);
	if (!page_filter_known(f, value))
		return problem_field(p, f->name, "%s", f->what);
	return page_parse(ctx, rule, pg, p);
}
