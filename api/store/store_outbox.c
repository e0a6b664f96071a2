/* The mail outbox: see api/store/store_outbox.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store.h"
#include "api/store/store_mail.h"
#include "api/store/store_outbox.h"
#include "common/xmalloc.h"

int
store_outbox_list(struct db *db, const char *state, const char *after,
    int limit, struct outbox_row **rows, size_t *n, struct problem *p)
{
	struct outbox_row *v;
	struct dbargs a;
	PGresult *r;
	int i;

	*rows = NULL;
	*n = 0;
	dbargs_init(&a);
	dbargs_text(&a, state);
	dbargs_text(&a, after);
	dbargs_int(&a, limit);
	if ((r = db_exec_args(db, &sql_outbox_list, &a, 0, p)) == NULL)
		return -1;
	v = xcalloc((size_t)PQntuples(r) + 1, sizeof(*v));
	for (i = 0; i < PQntuples(r); i++) {
		db_text_copy(r, i, "id", v[i].id, sizeof(v[i].id));
		db_text_copy(r, i, "kind", v[i].kind, sizeof(v[i].kind));
		db_text_copy(
		    r, i, "application_id", v[i].app, sizeof(v[i].app));
		db_text_copy(r, i, "state", v[i].state, sizeof(v[i].state));
		v[i].attempts = (int)db_int(r, i, "attempts");
		v[i].created_at = db_time(r, i, "created_at");
		v[i].updated_at = db_time(r, i, "updated_at");
		v[i].run_at = db_time(r, i, "run_at");
		v[i].expires_at = db_time(r, i, "expires_at");
		v[i].last_error = db_text_dup(r, i, "last_error");
	}
	*n = (size_t)PQntuples(r);
	*rows = v;
	PQclear(r);
	return 0;
}

void
store_outbox_free(struct outbox_row *rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		free(rows[i].last_error);
	free(rows);
}

int
store_outbox_lock(
    struct db *db, const char *id, struct outbox_row *row, struct problem *p)
{
	PGresult *r;
	int found;

	memset(row, 0, sizeof(*row));
	if ((r = db_exec_id(db, &sql_outbox_lock, id, 0, p)) == NULL)
		return -1;
	if ((found = PQntuples(r) == 1)) {
		snprintf(row->id, sizeof(row->id), "%s", id);
		db_text_copy(r, 0, "kind", row->kind, sizeof(row->kind));
		db_text_copy(
		    r, 0, "application_id", row->app, sizeof(row->app));
		db_text_copy(r, 0, "state", row->state, sizeof(row->state));
	}
	PQclear(r);
	return found;
}

int
store_outbox_app(struct db *db, const char *app, char *status, size_t statussz,
    time_t *verify_by, struct problem *p)
{
	PGresult *r;
	int found;

	*verify_by = 0;
	if ((r = db_exec_id(db, &sql_app_for_mail, app, 0, p)) == NULL)
		return -1;
	if ((found = PQntuples(r) == 1)) {
		db_text_copy(r, 0, "status", status, statussz);
		*verify_by = db_time(r, 0, "email_verify_by");
	}
	PQclear(r);
	return found;
}

int
store_outbox_code_superseded(
    struct db *db, const char *app, const char *job, struct problem *p)
{
	struct dbargs a;
	long n;

	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_text(&a, job);
	n = db_count(db_exec_args(db, &sql_mail_code_superseded, &a, 0, p));
	return n < 0 ? -1 : n > 0;
}

int
store_outbox_requeue(struct db *db, const char *id, time_t now, time_t deadline,
    struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_time(&a, now);
	dbargs_time_or_null(&a, deadline);
	if (db_run_args(db, &sql_outbox_requeue, &a, p) == -1)
		return -1;
	db_wake(db, DB_WAKE_JOBS);
	return 0;
}
