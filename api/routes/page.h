/*
 * One way to page a list: the query parameters "limit" (rows, 1 to a
 * maximum, a default when absent) and "after" (the cursor the previous
 * page returned as "next_after"), and the reply {"items": [...],
 * "next_after": cursor or null}.  A full page (limit rows) carries the
 * cursor of its last row; a shorter one carries null.
 */
#ifndef RXCA_PAGE_H
#define RXCA_PAGE_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "api/routes/handler.h"
#include "common/problem.h"

#define PAGE_AFTER_SIZE 96 /* the longest cursor, with its NUL */

enum page_after {
	PAGE_AFTER_TEXT,   /* an id, passed on as given */
	PAGE_AFTER_NUMBER, /* a non-negative integer */
	PAGE_AFTER_TIMED,  /* "<unix time>:<id>", as page_cursor_timed() */
};

struct page_rule {
	long def_limit;         /* limit when absent */
	long max_limit;         /* the largest limit */
	size_t after_size;      /* longer than after_size - 1 is refused */
	enum page_after after;  /* what the cursor holds */
	const char *after_what; /* field message when it is not that */
};

struct page {
	long limit;                  /* rows to fetch */
	int has_after;               /* "after" was in the query */
	char after[PAGE_AFTER_SIZE]; /* as given, "" when absent */
	long long after_number;      /* PAGE_AFTER_NUMBER: its value, or 0 */
	time_t after_time;           /* PAGE_AFTER_TIMED: the time, or 0 */
	const char *after_id;        /* PAGE_AFTER_TIMED: the id (in after) */
};

/*
 * Reads "after" and "limit" of ctx's query into pg as rule says (an empty
 * value is an absent one, except that a PAGE_AFTER_TEXT cursor keeps "").
 * Returns 0, or -1 with p naming the field: "malformed, repeated or too
 * long", rule->after_what, or "an integer from 1 to <max>".
 */
int page_parse(const struct ctx *ctx, const struct page_rule *rule,
    struct page *pg, struct problem *p);

/*
 * A list filtered by one query parameter: name, one of values
 * (NULL-terminated) or, when values is NULL, a value known() accepts; def
 * when absent or empty; what is the field message otherwise.
 */
struct page_filter {
	const char *name;
	const char *const *values;
	int (*known)(const char *value);
	const char *def;
	const char *what;
};

/*
 * The whole query of a filtered list: only the parameters in params
 * (NULL-terminated: the filter's name, "after" and "limit"), the filter's
 * value into value (valuesz bytes), and the page as page_parse reads it.
 * Returns 0, or -1 with p naming the field.
 */
int page_parse_filtered(const struct ctx *ctx, const char *const *params,
    const struct page_filter *f, char *value, size_t valuesz,
    const struct page_rule *rule, struct page *pg, struct problem *p);

/* 1 if rows fill the page (there may be more), else 0. */
int page_full(const struct page *pg, int rows);

/* The cursor "<time>:<id>" as a JSON string (new reference). */
json_t *page_cursor_timed(const char *time, const char *id);

/* Replies 200 {"items": items, "next_after": next, or null when next is
 * NULL}; both references are stolen. */
void page_reply(struct ctx *ctx, json_t *items, json_t *next);

#endif
