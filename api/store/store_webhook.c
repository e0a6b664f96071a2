/* The storage of webhook deliveries: see api/store/store_webhook.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/store/db.h"
#include "api/store/store.h"
#include "api/store/store_mail.h"
#include "api/store/store_partner.h"
#include "api/store/store_webhook.h"
#include "common/xmalloc.h"

#define STMT(id, n, text) static const struct sql sql_##id = {#id, text, n}

/* The receiver of partner $1, waiting for a delivery that holds it. */
STMT(hook_relock, 1,
    "SELECT url, secret FROM partner_webhooks WHERE partner_id = $1 "
    "FOR UPDATE");
/* $1 seq, $2 until: held by a delivery in flight. */
STMT(hook_lease, 2, "UPDATE webhook_events SET next_at = $2 WHERE seq = $1");
/* When event $1 was first tried (its retry window starts there). */
STMT(hook_first_at, 1,
    "SELECT min(at) AS first_at FROM webhook_deliveries "
    "WHERE event_seq = $1");

/* each(partner_id) of every row of r. */
static int
each_partner(struct db *db, PGresult *r, store_hook_partner_fn *each, void *arg,
    struct problem *p)
{
	int i, rc = 0;

	for (i = 0; i < PQntuples(r) && rc == 0; i++)
		rc = each(db, db_text(r, i, "partner_id"), arg, p);
	PQclear(r);
	return rc;
}

int
store_hook_event_insert(struct db *db, const char *id, const char *app,
    const char *type, const char *body, time_t now, store_hook_partner_fn *each,
    void *arg, struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, app);
	dbargs_text(&a, type);
	dbargs_text(&a, body);
	dbargs_time(&a, now);
	if ((r = db_exec_args(db, &sql_hook_event_insert, &a, 0, p)) == NULL)
		return -1;
	return each_partner(db, r, each, arg, p);
}

int
store_hook_cert(struct db *db, const unsigned char *serial,
    struct hook_cert_row *row, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	memset(row, 0, sizeof(*row));
	dbargs_init(&a);
	dbargs_bytea(&a, serial, 16);
	r = db_exec_binary(db, &sql_hook_cert_event, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if ((found = PQntuples(r) == 1)) {
		db_text_copy(r, 0, "id", row->app, sizeof(row->app));
		row->has_program = db_text(r, 0, "program") != NULL;
		row->subject = db_text_dup(r, 0, "subject");
		row->not_before = db_time(r, 0, "not_before");
		row->not_after = db_time(r, 0, "not_after");
		db_text_copy(r, 0, "revocation_reason", row->reason,
		    sizeof(row->reason));
		row->revoked_at = db_time(r, 0, "revoked_at");
	}
	PQclear(r);
	return found;
}

void
store_hook_cert_free(struct hook_cert_row *row)
{
	if (row == NULL)
		return;
	free(row->subject);
	row->subject = NULL;
}

int
store_hook_lock(struct db *db, const char *partner, int wait,
    struct hook_target *t, struct problem *p)
{
	PGresult *r;
	int found;

	memset(t, 0, sizeof(*t));
	r = db_exec_id(
	    db, wait ? &sql_hook_relock : &sql_hook_lock, partner, 0, p);
	if (r == NULL)
		return -1;
	if ((found = PQntuples(r) == 1)) {
		t->url = db_text_dup(r, 0, "url");
		t->secret = db_text_dup(r, 0, "secret");
		if (t->url == NULL || t->secret == NULL) {
			store_hook_target_free(t);
			found = 0;
		}
	}
	PQclear(r);
	return found;
}

void
store_hook_target_free(struct hook_target *t)
{
	if (t == NULL)
		return;
	if (t->secret != NULL)
		OPENSSL_cleanse(t->secret, strlen(t->secret));
	free(t->secret);
	free(t->url);
	t->secret = t->url = NULL;
}

int
store_hook_exists(struct db *db, const char *partner, struct problem *p)
{
	PGresult *r;
	int found;

	if ((r = db_exec_id(db, &sql_hook_get, partner, 0, p)) == NULL)
		return -1;
	found = PQntuples(r) == 1;
	PQclear(r);
	return found;
}

int
store_hook_head(struct db *db, const char *partner, struct hook_event_row *row,
    struct problem *p)
{
	PGresult *r;
	int found;

	memset(row, 0, sizeof(*row));
	if ((r = db_exec_id(db, &sql_hook_head, partner, 0, p)) == NULL)
		return -1;
	if ((found = PQntuples(r) == 1)) {
		row->seq = db_int(r, 0, "seq");
		db_text_copy(r, 0, "id", row->id, sizeof(row->id));
		db_text_copy(r, 0, "type", row->type, sizeof(row->type));
		row->body = db_text_dup(r, 0, "body");
		row->attempts = (int)db_int(r, 0, "attempts");
		row->next_at = db_time(r, 0, "next_at");
		row->created_at = db_time(r, 0, "created_at");
		if (row->body == NULL)
			row->body = xstrdup("{}");
	}
	PQclear(r);
	return found;
}

void
store_hook_event_free(struct hook_event_row *row)
{
	if (row == NULL)
		return;
	free(row->body);
	row->body = NULL;
}

/* Runs stmt with seq, a time and (if state not NULL) a text. */
static int
run_seq(struct db *db, const struct sql *stmt, long long seq, time_t t,
    const char *state, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_int(&a, seq);
	dbargs_time(&a, t);
	if (state != NULL)
		dbargs_text(&a, state);
	return db_run_args(db, stmt, &a, p);
}

int
store_hook_lease(struct db *db, long long seq, time_t until, struct problem *p)
{
	return run_seq(db, &sql_hook_lease, seq, until, NULL, p);
}

int
store_hook_delivered(
    struct db *db, long long seq, time_t now, struct problem *p)
{
	return run_seq(db, &sql_hook_delivered, seq, now, NULL, p);
}

int
store_hook_failed(struct db *db, long long seq, time_t next, const char *state,
    struct problem *p)
{
	return run_seq(db, &sql_hook_failed, seq, next, state, p);
}

int
store_hook_first_try(
    struct db *db, long long seq, time_t *first, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	*first = 0;
	dbargs_init(&a);
	dbargs_int(&a, seq);
	if ((r = db_exec_args(db, &sql_hook_first_at, &a, 0, p)) == NULL)
		return -1;
	found = PQntuples(r) == 1 && db_text(r, 0, "first_at") != NULL;
	if (found)
		*first = db_time(r, 0, "first_at");
	PQclear(r);
	return found;
}

int
store_hook_log(struct db *db, const struct hook_try *t, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_int(&a, t->seq);
	dbargs_text(&a, t->partner);
	dbargs_int(&a, t->attempt);
	dbargs_time(&a, t->at);
	dbargs_text(&a, t->url);
	if (t->status > 0)
		dbargs_int(&a, t->status);
	else
		dbargs_text(&a, NULL);
	dbargs_text(&a, t->error);
	dbargs_int(&a, t->ms);
	dbargs_text(&a, t->outcome);
	return db_run_args(db, &sql_hook_log, &a, p);
}

int
store_hook_stranded(struct db *db, time_t now, store_hook_partner_fn *each,
    void *arg, struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	dbargs_init(&a);
	dbargs_time(&a, now);
	if ((r = db_exec_args(db, &sql_hook_stranded, &a, 0, p)) == NULL)
		return -1;
	return each_partner(db, r, each, arg, p);
}

int
store_hook_challenges_purge(struct db *db, time_t now, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_time(&a, now);
	return db_run_args(db, &sql_pchal_purge, &a, p);
}
