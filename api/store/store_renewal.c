/* The storage of the reminders before expiry: see api/store/store_renewal.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store_renewal.h"
#include "common/xmalloc.h"

#define STMT(id, n, text) static const struct sql sql_##id = {#id, text, n}

/*
 * Certificates due a reminder at $1 with steps $2 (days, '{90,60,30,7}'),
 * at most $3: issued (not revoked), not expired, not renewed, and the
 * most recent step that is due not sent yet (nor any later one).
 */
STMT(reminder_due, 3,
    "SELECT c.serial, s.step, c.not_after FROM certificates c "
    "CROSS JOIN LATERAL (SELECT min(x) AS step FROM unnest($2::int[]) x "
    "WHERE c.not_after - make_interval(days => x) <= $1) s "
    "WHERE c.state = 'issued' AND c.issuer = 'issuing' AND "
    "c.not_after > $1 AND s.step IS NOT NULL AND NOT EXISTS "
    "(SELECT 1 FROM certificates n WHERE n.renews = c.serial) AND "
    "NOT EXISTS (SELECT 1 FROM renewal_reminders r WHERE "
    "r.serial = c.serial AND r.step <= s.step) "
    "ORDER BY c.not_after LIMIT $3");
/* $1 serial, $2 step, $3 due, $4 now: a row if this node sends it. */
STMT(reminder_insert, 4,
    "INSERT INTO renewal_reminders (serial, step, due_at, created_at) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING serial");
STMT(reminder_mail, 1,
    "SELECT c.state, c.not_before, c.not_after, c.der IS NOT NULL AS "
    "stored, a.email, a.given_name, a.id AS app, "
    "EXISTS (SELECT 1 FROM certificates n WHERE n.renews = c.serial) "
    "AS renewed "
    "FROM certificates c JOIN applications a ON a.id = c.application_id "
    "WHERE c.serial = $1");

int
store_reminder_due(struct db *db, time_t now, const char *steps, int limit,
    struct store_reminder_due_row **rows, size_t *n, struct problem *p)
{
	struct store_reminder_due_row *out = NULL;
	struct dbargs a;
	PGresult *r;
	size_t k = 0;
	int i;

	*rows = NULL;
	*n = 0;
	dbargs_init(&a);
	dbargs_time(&a, now);
	dbargs_text(&a, steps);
	dbargs_int(&a, limit);
	r = db_exec_binary(db, &sql_reminder_due, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) > 0)
		out = xcalloc((size_t)PQntuples(r), sizeof(*out));
	for (i = 0; i < PQntuples(r); i++) {
		if (db_bytea(r, i, "serial", out[k].serial,
		        sizeof(out[k].serial)) != STORE_RENEWAL_SERIAL_LEN)
			continue;
		out[k].step = (int)db_int(r, i, "step");
		out[k].not_after = db_time(r, i, "not_after");
		k++;
	}
	PQclear(r);
	*rows = out;
	*n = k;
	return 0;
}

int
store_reminder_insert(struct db *db, const unsigned char *serial, int step,
    time_t due, time_t now, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int rc;

	dbargs_init(&a);
	dbargs_bytea(&a, serial, STORE_RENEWAL_SERIAL_LEN);
	dbargs_int(&a, step);
	dbargs_time(&a, due);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_reminder_insert, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	rc = PQntuples(r) == 1;
	PQclear(r);
	return rc;
}

int
store_reminder_mail(struct db *db, const unsigned char *serial,
    struct store_reminder_mail_row *row, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	memset(row, 0, sizeof(*row));
	dbargs_init(&a);
	dbargs_bytea(&a, serial, STORE_RENEWAL_SERIAL_LEN);
	r = db_exec(db, &sql_reminder_mail, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	found = PQntuples(r) == 1;
	if (found) {
		db_text_copy(r, 0, "state", row->state, sizeof(row->state));
		row->not_before = db_time(r, 0, "not_before");
		row->not_after = db_time(r, 0, "not_after");
		row->stored = db_bool(r, 0, "stored");
		row->renewed = db_bool(r, 0, "renewed");
		db_text_copy(r, 0, "email", row->email, sizeof(row->email));
		db_text_copy(r, 0, "given_name", row->given_name,
		    sizeof(row->given_name));
		db_text_copy(r, 0, "app", row->app, sizeof(row->app));
	}
	PQclear(r);
	return found;
}
