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

/* The next sequence number of the partner of application $1's program:
 * the counter row stays locked until the transaction ends. */
/* $1 cutoff, $2 at most: the oldest deliveries tried before the cutoff
 * (the index webhook_deliveries_at). */
STMT(hook_deliveries_purge, 2,
    "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM "
    "webhook_deliveries WHERE at < $1 ORDER BY at LIMIT $2) RETURNING id");
/* $1 cutoff, $2 at most: the oldest events made before the cutoff that
 * wait for nothing (not pending) and have no delivery left (the indexes
 * webhook_events_done and webhook_deliveries_event). */
STMT(hook_events_purge, 2,
    "DELETE FROM webhook_events WHERE seq IN (SELECT e.seq FROM "
    "webhook_events e WHERE e.created_at < $1 AND e.state <> 'pending' "
    "AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE "
    "d.event_seq = e.seq) ORDER BY e.created_at LIMIT $2 FOR UPDATE OF e "
    "SKIP LOCKED) RETURNING seq");
STMT(hook_seq_next, 1,
    "INSERT INTO webhook_sequences AS s (partner_id, last_seq) "
    "SELECT p.id, 1 FROM applications a JOIN partners p ON "
    "p.program = a.program WHERE a.id = $1 ON CONFLICT (partner_id) DO "
    "UPDATE SET last_seq = s.last_seq + 1 RETURNING s.partner_id, "
    "s.last_seq, EXISTS (SELECT 1 FROM partner_webhooks w WHERE "
    "w.partner_id = s.partner_id) AS has_webhook");
/* $1 id, $2 partner, $3 application, $4 type, $5 key, $6 sequence, $7
 * body, $8 now, $9 state. */
STMT(hook_event_add, 9,
    "INSERT INTO webhook_events (id, partner_id, application_id, type, "
    "order_key, sequence, body, created_at, next_at, state) VALUES ($1, "
    "$2, $3, $4, $5, $6, $7, $8, $8, $9)");
/* The receiver of partner $1 and its secrets; the old one while valid
 * at $2. */
STMT(hook_target, 2,
    "SELECT url, secret, secret_id, CASE WHEN old_secret_until > $2 THEN "
    "old_secret END AS old_secret, CASE WHEN old_secret_until > $2 THEN "
    "old_secret_id END AS old_secret_id, CASE WHEN old_secret_until > $2 "
    "THEN old_secret_until END AS old_secret_until FROM partner_webhooks "
    "WHERE partner_id = $1");
/* One delivery in flight per lane ($1 partner, $2 key). */
STMT(hook_lane_try, 2,
    "SELECT pg_try_advisory_xact_lock(hashtextextended($1 || ' ' || $2, "
    "7317)) AS held");
STMT(hook_lane_wait, 2,
    "SELECT true AS held FROM (SELECT pg_advisory_xact_lock("
    "hashtextextended($1 || ' ' || $2, 7317))) l");
#define EVENT_COLS                                                             \
	"seq, sequence, id, partner_id, type, application_id, order_key, "     \
	"state, body, attempts, next_at, created_at, delivered_at "
/* The oldest undelivered event of lane ($1 partner, $2 key). */
STMT(hook_lane_head, 2,
    "SELECT " EVENT_COLS "FROM webhook_events WHERE partner_id = $1 AND "
    "order_key = $2 AND state = 'pending' ORDER BY seq LIMIT 1");
STMT(hook_event_get, 2,
    "SELECT " EVENT_COLS "FROM webhook_events WHERE partner_id = $1 AND "
    "id = $2");
STMT(hook_event_lock, 2,
    "SELECT " EVENT_COLS "FROM webhook_events WHERE partner_id = $1 AND "
    "id = $2 FOR UPDATE");
STMT(hook_event_seq, 1,
    "SELECT " EVENT_COLS "FROM webhook_events WHERE seq = $1");
/* $1 partner, $2 after sequence, $3 limit. */
STMT(hook_event_list, 3,
    "SELECT " EVENT_COLS "FROM webhook_events WHERE partner_id = $1 AND "
    "sequence > $2 ORDER BY sequence LIMIT $3");
STMT(hook_redelivery_queued, 1,
    "SELECT 1 FROM jobs WHERE kind = 'webhook.redeliver' AND state = "
    "'queued' AND payload->>'event' = $1::bigint::text LIMIT 1");
/* $1 seq, $2 until: held by a delivery in flight. */
STMT(hook_lease, 2, "UPDATE webhook_events SET next_at = $2 WHERE seq = $1");
STMT(hook_ok, 2,
    "UPDATE webhook_events SET state = 'delivered', attempts = attempts + 1, "
    "delivered_at = $2 WHERE seq = $1");
/* $1 seq, $2 next try, $3 state. */
STMT(hook_fail, 3,
    "UPDATE webhook_events SET attempts = attempts + 1, next_at = $2, "
    "state = $3 WHERE seq = $1");
/* When event $1 was first tried in its lane (its retry window starts
 * there). */
STMT(hook_first_at, 1,
    "SELECT min(at) AS first_at FROM webhook_deliveries "
    "WHERE event_seq = $1 AND NOT redelivery");
/* $1 seq, $2 partner, $3 attempt, $4 at, $5 url, $6 status, $7 error,
 * $8 ms, $9 outcome, $10 secret ids, $11 redelivery. */
STMT(hook_try_log, 11,
    "INSERT INTO webhook_deliveries (event_seq, partner_id, attempt, at, "
    "url, http_status, error, duration_ms, outcome, secret_ids, "
    "redelivery) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
/* Lanes with a due event and no queued delivery job ($1 now). */
STMT(hook_lanes_stranded, 1,
    "SELECT DISTINCT e.partner_id, e.order_key FROM webhook_events e WHERE "
    "e.state = 'pending' AND e.next_at <= $1 AND NOT EXISTS (SELECT 1 "
    "FROM jobs j WHERE j.kind = 'webhook.deliver' AND j.state = 'queued' "
    "AND j.payload->>'partner' = e.partner_id AND j.payload->>'key' = "
    "e.order_key) LIMIT 100");
STMT(hook_lanes_of, 1,
    "SELECT DISTINCT partner_id, order_key FROM webhook_events WHERE "
    "partner_id = $1 AND state = 'pending'");
/* $1 partner, $2 secret, $3 secret id, $4 old valid until, $5 now. */
STMT(hook_rotate, 5,
    "UPDATE partner_webhooks SET old_secret = secret, old_secret_id = "
    "secret_id, old_secret_until = $4, secret = $2, secret_id = $3, "
    "updated_at = $5 WHERE partner_id = $1 RETURNING partner_id");

static PGresult *
exec_two(struct db *db, const struct sql *stmt, const char *s1, const char *s2,
    struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, s1);
	dbargs_text(&a, s2);
	return db_exec_args(db, stmt, &a, 0, p);
}

/* each(partner_id, order_key) of every row of r. */
static int
each_lane(struct db *db, PGresult *r, store_hook_lane_fn *each, void *arg,
    struct problem *p)
{
	int i, rc = 0;

	for (i = 0; i < PQntuples(r) && rc == 0; i++)
		rc = each(db, db_text(r, i, "partner_id"),
		    db_text(r, i, "order_key"), arg, p);
	PQclear(r);
	return rc;
}

int
store_hook_sequence_next(
    struct db *db, const char *app, struct hook_seq *s, struct problem *p)
{
	PGresult *r;
	int found;

	memset(s, 0, sizeof(*s));
	if ((r = db_exec_id(db, &sql_hook_seq_next, app, 0, p)) == NULL)
		return -1;
	if ((found = PQntuples(r) == 1)) {
		db_text_copy(
		    r, 0, "partner_id", s->partner, sizeof(s->partner));
		s->sequence = db_int(r, 0, "last_seq");
		s->has_webhook = db_bool(r, 0, "has_webhook");
	}
	PQclear(r);
	return found;
}

int
store_hook_event_insert(struct db *db, const struct hook_event_new *e,
    time_t now, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, e->id);
	dbargs_text(&a, e->partner);
	dbargs_text(&a, e->app);
	dbargs_text(&a, e->type);
	dbargs_text(&a, e->order_key);
	dbargs_int(&a, e->sequence);
	dbargs_text(&a, e->body);
	dbargs_time(&a, now);
	dbargs_text(&a, e->pending ? "pending" : "unsent");
	return db_run_args(db, &sql_hook_event_add, &a, p);
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
store_hook_target(struct db *db, const char *partner, time_t now,
    struct hook_target *t, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	memset(t, 0, sizeof(*t));
	dbargs_init(&a);
	dbargs_text(&a, partner);
	dbargs_time(&a, now);
	if ((r = db_exec_args(db, &sql_hook_target, &a, 0, p)) == NULL)
		return -1;
	if ((found = PQntuples(r) == 1)) {
		t->url = db_text_dup(r, 0, "url");
		t->secret = db_text_dup(r, 0, "secret");
		db_text_copy(
		    r, 0, "secret_id", t->secret_id, sizeof(t->secret_id));
		t->old_secret = db_text_dup(r, 0, "old_secret");
		db_text_copy(r, 0, "old_secret_id", t->old_secret_id,
		    sizeof(t->old_secret_id));
		t->old_secret_until = db_time(r, 0, "old_secret_until");
		if (t->url == NULL || t->secret == NULL) {
			store_hook_target_free(t);
			found = 0;
		}
	}
	PQclear(r);
	return found;
}

static void
cleanse_free(char *s)
{
	if (s != NULL)
		OPENSSL_cleanse(s, strlen(s));
	free(s);
}

void
store_hook_target_free(struct hook_target *t)
{
	if (t == NULL)
		return;
	cleanse_free(t->secret);
	cleanse_free(t->old_secret);
	free(t->url);
	memset(t, 0, sizeof(*t));
}

int
store_hook_lane_lock(struct db *db, const char *partner, const char *key,
    int wait, struct problem *p)
{
	PGresult *r;
	int held;

	r = exec_two(db, wait ? &sql_hook_lane_wait : &sql_hook_lane_try,
	    partner, key, p);
	if (r == NULL)
		return -1;
	held = PQntuples(r) == 1 && db_bool(r, 0, "held");
	PQclear(r);
	return held;
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

/* Row i of r (EVENT_COLS) into e. */
static void
event_fill(const PGresult *r, int i, struct hook_event_row *e)
{
	memset(e, 0, sizeof(*e));
	e->seq = db_int(r, i, "seq");
	e->sequence = db_int(r, i, "sequence");
	db_text_copy(r, i, "id", e->id, sizeof(e->id));
	db_text_copy(r, i, "partner_id", e->partner, sizeof(e->partner));
	db_text_copy(r, i, "type", e->type, sizeof(e->type));
	db_text_copy(r, i, "application_id", e->app, sizeof(e->app));
	db_text_copy(r, i, "order_key", e->order_key, sizeof(e->order_key));
	db_text_copy(r, i, "state", e->state, sizeof(e->state));
	e->body = db_text_dup(r, i, "body");
	if (e->body == NULL)
		e->body = xstrdup("{}");
	e->attempts = (int)db_int(r, i, "attempts");
	e->next_at = db_time(r, i, "next_at");
	e->created_at = db_time(r, i, "created_at");
	e->delivered_at = db_time(r, i, "delivered_at");
}

/* The one row of r (PQclear'd) into row: 1, 0 if none, -1 if r is NULL. */
static int
event_one(PGresult *r, struct hook_event_row *row)
{
	int found;

	memset(row, 0, sizeof(*row));
	if (r == NULL)
		return -1;
	if ((found = PQntuples(r) == 1))
		event_fill(r, 0, row);
	PQclear(r);
	return found;
}

int
store_hook_head(struct db *db, const char *partner, const char *key,
    struct hook_event_row *row, struct problem *p)
{
	return event_one(
	    exec_two(db, &sql_hook_lane_head, partner, key, p), row);
}

int
store_hook_event_get(struct db *db, const char *partner, const char *id,
    int lock, struct hook_event_row *row, struct problem *p)
{
	return event_one(
	    exec_two(db, lock ? &sql_hook_event_lock : &sql_hook_event_get,
	        partner, id, p),
	    row);
}

int
store_hook_event_by_seq(
    struct db *db, long long seq, struct hook_event_row *row, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_int(&a, seq);
	return event_one(db_exec_args(db, &sql_hook_event_seq, &a, 0, p), row);
}

void
store_hook_event_free(struct hook_event_row *row)
{
	if (row == NULL)
		return;
	free(row->body);
	row->body = NULL;
}

int
store_hook_event_list(struct db *db, const char *partner, long long after,
    int limit, struct hook_event_row **rows, int *n, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int i;

	*rows = NULL;
	*n = 0;
	dbargs_init(&a);
	dbargs_text(&a, partner);
	dbargs_int(&a, after);
	dbargs_int(&a, limit);
	if ((r = db_exec_args(db, &sql_hook_event_list, &a, 0, p)) == NULL)
		return -1;
	*rows = xcalloc((size_t)PQntuples(r) + 1, sizeof(**rows));
	for (i = 0; i < PQntuples(r); i++)
		event_fill(r, i, &(*rows)[i]);
	*n = PQntuples(r);
	PQclear(r);
	return 0;
}

void
store_hook_event_rows_free(struct hook_event_row *rows, int n)
{
	int i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		store_hook_event_free(&rows[i]);
	free(rows);
}

int
store_hook_redelivery_queued(struct db *db, long long seq, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	dbargs_init(&a);
	dbargs_int(&a, seq);
	if ((r = db_exec_args(db, &sql_hook_redelivery_queued, &a, 0, p)) ==
	    NULL)
		return -1;
	found = PQntuples(r) > 0;
	PQclear(r);
	return found;
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
	return run_seq(db, &sql_hook_ok, seq, now, NULL, p);
}

int
store_hook_failed(struct db *db, long long seq, time_t next, const char *state,
    struct problem *p)
{
	return run_seq(db, &sql_hook_fail, seq, next, state, p);
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
	dbargs_text(&a, t->secret_ids);
	dbargs_bool(&a, t->redelivery);
	return db_run_args(db, &sql_hook_try_log, &a, p);
}

int
store_hook_stranded(struct db *db, time_t now, store_hook_lane_fn *each,
    void *arg, struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	dbargs_init(&a);
	dbargs_time(&a, now);
	if ((r = db_exec_args(db, &sql_hook_lanes_stranded, &a, 0, p)) == NULL)
		return -1;
	return each_lane(db, r, each, arg, p);
}

int
store_hook_lanes(struct db *db, const char *partner, store_hook_lane_fn *each,
    void *arg, struct problem *p)
{
	PGresult *r;

	if ((r = db_exec_id(db, &sql_hook_lanes_of, partner, 0, p)) == NULL)
		return -1;
	return each_lane(db, r, each, arg, p);
}

int
store_hook_rotate(struct db *db, const char *partner, const char *secret,
    const char *secret_id, time_t old_until, time_t now, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	dbargs_init(&a);
	dbargs_text(&a, partner);
	dbargs_text(&a, secret);
	dbargs_text(&a, secret_id);
	dbargs_time(&a, old_until);
	dbargs_time(&a, now);
	if ((r = db_exec_args(db, &sql_hook_rotate, &a, 0, p)) == NULL)
		return -1;
	found = PQntuples(r) == 1;
	PQclear(r);
	return found;
}

int
store_hook_purge(struct db *db, time_t before, int limit, long *events,
    long *deliveries, struct problem *p)
{
	struct dbargs a;

	*events = *deliveries = 0;
	dbargs_init(&a);
	dbargs_time(&a, before);
	dbargs_int(&a, limit);
	if ((*deliveries = db_count(
	         db_exec_args(db, &sql_hook_deliveries_purge, &a, 0, p))) < 0)
		return -1;
	dbargs_init(&a);
	dbargs_time(&a, before);
	dbargs_int(&a, limit);
	if ((*events = db_count(
	         db_exec_args(db, &sql_hook_events_purge, &a, 0, p))) < 0)
		return -1;
	return 0;
}

int
store_hook_challenges_purge(struct db *db, time_t now, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_time(&a, now);
	return db_run_args(db, &sql_pchal_purge, &a, p);
}
