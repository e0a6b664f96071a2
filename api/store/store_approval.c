/* The storage of dual control: see api/store/store_approval.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store_approval.h"
#include "common/xmalloc.h"

#define STMT(id, n, text) static const struct sql sql_##id = {#id, text, n}

#define APPROVAL_COLUMNS                                                       \
	"a.id, a.action, a.target, a.params::text AS params, "                 \
	"a.requested_by, r.name AS requested_name, a.requested_at, "           \
	"a.expires_at, a.status, a.decided_by, d.name AS decided_name, "       \
	"a.decided_at, a.reason FROM approvals a JOIN operators r ON "         \
	"r.id = a.requested_by LEFT JOIN operators d ON d.id = a.decided_by "

/* $1 id, $2 action, $3 target, $4 params, $5 operator, $6 now, $7 expiry;
 * nothing if an approval of ($2, $3) is open (the index approvals_open). */
STMT(approval_insert, 7,
    "INSERT INTO approvals (id, action, target, params, requested_by, "
    "requested_at, expires_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7) "
    "ON CONFLICT (action, target) WHERE status = 'pending' AND "
    "lapsed_at IS NULL DO NOTHING RETURNING id");
/* $1 action, $2 target, $3 now: the open approval past its expiry lapses. */
STMT(approval_lapse, 3,
    "UPDATE approvals SET lapsed_at = $3 WHERE action = $1 AND "
    "target = $2 AND status = 'pending' AND lapsed_at IS NULL AND "
    "expires_at <= $3");
/* $1 action, $2 target: the open approval. */
STMT(approval_open, 2,
    "SELECT " APPROVAL_COLUMNS "WHERE a.action = $1 AND a.target = $2 AND "
    "a.status = 'pending' AND a.lapsed_at IS NULL");
STMT(approval_get, 1, "SELECT " APPROVAL_COLUMNS "WHERE a.id = $1");
STMT(approval_lock, 1,
    "SELECT " APPROVAL_COLUMNS "WHERE a.id = $1 FOR UPDATE OF a");
/* $1 id, $2 status, $3 operator, $4 reason or NULL, $5 now. */
STMT(approval_decide, 5,
    "UPDATE approvals SET status = $2, decided_by = $3, reason = $4, "
    "decided_at = $5 WHERE id = $1 AND status = 'pending' RETURNING id");
/* $1 status ("expired": pending past $2), $2 now, $3 after or NULL, $4
 * limit; ordered by (requested_at, id). */
STMT(approval_list, 4,
    "SELECT " APPROVAL_COLUMNS
    "WHERE a.status = CASE WHEN $1 = 'expired' THEN 'pending' ELSE $1 END "
    "AND ($1 NOT IN ('pending', 'expired') OR "
    "(a.expires_at > $2) = ($1 = 'pending')) AND ($3::text IS NULL OR "
    "(a.requested_at, a.id) > (SELECT requested_at, id FROM approvals "
    "WHERE id = $3)) ORDER BY a.requested_at, a.id LIMIT $4");

static void
fill(const PGresult *r, int i, void *arg)
{
	struct approval_row *row = arg;

	memset(row, 0, sizeof(*row));
	db_text_copy(r, i, "id", row->id, sizeof(row->id));
	db_text_copy(r, i, "action", row->action, sizeof(row->action));
	db_text_copy(r, i, "target", row->target, sizeof(row->target));
	db_text_copy(r, i, "params", row->params, sizeof(row->params));
	db_text_copy(
	    r, i, "requested_by", row->requested_by, sizeof(row->requested_by));
	db_text_copy(r, i, "requested_name", row->requested_name,
	    sizeof(row->requested_name));
	row->requested_at = db_time(r, i, "requested_at");
	row->expires_at = db_time(r, i, "expires_at");
	db_text_copy(r, i, "status", row->status, sizeof(row->status));
	db_text_copy(
	    r, i, "decided_by", row->decided_by, sizeof(row->decided_by));
	db_text_copy(
	    r, i, "decided_name", row->decided_name, sizeof(row->decided_name));
	row->decided_at = db_time(r, i, "decided_at");
	db_text_copy(r, i, "reason", row->reason, sizeof(row->reason));
}

int
store_approval_insert(struct db *db, const char *id, const char *action,
    const char *target, const char *params, const char *requested_by,
    time_t now, time_t expires, struct problem *p)
{
	struct dbargs a;
	long n;

	dbargs_init(&a);
	dbargs_text(&a, action);
	dbargs_text(&a, target);
	dbargs_time(&a, now);
	if (db_run(db, &sql_approval_lapse, &a, p) == -1) {
		dbargs_free(&a);
		return -1;
	}
	dbargs_free(&a);
	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, action);
	dbargs_text(&a, target);
	dbargs_text(&a, params);
	dbargs_text(&a, requested_by);
	dbargs_time(&a, now);
	dbargs_time(&a, expires);
	n = db_count(db_exec_args(db, &sql_approval_insert, &a, 0, p));
	dbargs_free(&a);
	return n < 0 ? -1 : n == 1;
}

int
store_approval_open(struct db *db, const char *action, const char *target,
    struct approval_row *row, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, action);
	dbargs_text(&a, target);
	memset(row, 0, sizeof(*row));
	return db_one_row(
	    db_exec_args(db, &sql_approval_open, &a, 0, p), fill, row);
}

int
store_approval_get(struct db *db, const char *id, int lock,
    struct approval_row *row, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, id); /* a copy: id may be row->id */
	memset(row, 0, sizeof(*row));
	return db_one_row(
	    db_exec_args(
	        db, lock ? &sql_approval_lock : &sql_approval_get, &a, 0, p),
	    fill, row);
}

int
store_approval_decide(struct db *db, const char *id, const char *status,
    const char *by, const char *reason, time_t now, struct problem *p)
{
	struct dbargs a;
	long n;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, status);
	dbargs_text(&a, by);
	dbargs_text(&a, reason);
	dbargs_time(&a, now);
	n = db_count(db_exec_args(db, &sql_approval_decide, &a, 0, p));
	return n < 0 ? -1 : n == 1;
}

int
store_approval_list(struct db *db, const char *status, time_t now,
    const char *after, int limit, struct approval_list *l, struct problem *p)
{
	struct dbargs a;
	void *rows;
	long n;

	memset(l, 0, sizeof(*l));
	dbargs_init(&a);
	dbargs_text(&a, status);
	dbargs_time(&a, now);
	dbargs_text(&a, after);
	dbargs_int(&a, limit);
	n = db_rows(db_exec_args(db, &sql_approval_list, &a, 0, p),
	    sizeof(*l->rows), fill, &rows);
	if (n < 0)
		return -1;
	l->rows = rows;
	l->n = (size_t)n;
	return 0;
}

void
store_approval_list_free(struct approval_list *l)
{
	if (l == NULL)
		return;
	free(l->rows);
	l->rows = NULL;
	l->n = 0;
}
