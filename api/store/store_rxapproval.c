/* The storage of prescription approvals: see api/store/store_rxapproval.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store_rxapproval.h"

#define STMT(id, n, text) static const struct sql sql_##id = {#id, text, n}

STMT(rxapproval_insert, 9,
    "INSERT INTO passkey_approvals (id, partner_id, application_id, "
    "passkey_id, summary, digests, nonce, created_at, expires_at) VALUES "
    "($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)");
#define ROW_COLUMNS                                                            \
	"SELECT id, partner_id, application_id, passkey_id, summary, "         \
	"digests::text AS digests, nonce, state, created_at, expires_at, "     \
	"decided_at, record FROM passkey_approvals WHERE id = $1 AND "         \
	"($2::text IS NULL OR partner_id = $2)"
STMT(rxapproval_get, 2, ROW_COLUMNS);
STMT(rxapproval_get_lock, 2, ROW_COLUMNS " FOR UPDATE");
/* $1 app, $2 now, $3 since. */
STMT(rxapproval_counts, 3,
    "SELECT count(*) FILTER (WHERE state = 'pending' AND expires_at > $2) "
    "AS pending, count(*) FILTER (WHERE created_at >= $3) AS recent FROM "
    "passkey_approvals WHERE application_id = $1");
/* $1 app, $2 since. */
STMT(rxapproval_oldest, 2,
    "SELECT min(created_at) AS oldest FROM passkey_approvals WHERE "
    "application_id = $1 AND created_at >= $2");
/* $1 id, $2 state, $3 now, $4 counter, $5 uv, $6 record. */
STMT(rxapproval_decide, 6,
    "UPDATE passkey_approvals SET state = $2, decided_at = $3, sign_count "
    "= $4::bigint, user_verified = $5::boolean, record = $6 WHERE id = $1 "
    "AND state = 'pending' RETURNING id");
/* $1 now, $2 limit. */
STMT(rxapproval_due, 2,
    "SELECT id FROM passkey_approvals WHERE state = 'pending' AND "
    "expires_at <= $1 ORDER BY expires_at LIMIT $2::integer");
STMT(rxapproval_who, 1,
    "SELECT a.given_name, a.family_name, coalesce(a.npi, '') AS npi, "
    "coalesce(a.dea_number, '') AS dea, a.email, (SELECT "
    "l.details::jsonb->>'acr' FROM audit_log l WHERE l.subject = a.id AND "
    "l.action = 'identity.oidc_checked' ORDER BY l.id DESC LIMIT 1) AS acr, "
    "(SELECT c.provider FROM identity_checks c WHERE c.application_id = "
    "a.id ORDER BY c.id DESC LIMIT 1) AS provider FROM applications a "
    "WHERE a.id = $1");

void
store_rxapproval_row_free(struct rxapproval_row *row)
{
	if (row == NULL)
		return;
	free(row->digests);
	free(row->record);
	row->digests = row->record = NULL;
}

int
store_rxapproval_insert(
    struct db *db, const struct rxapproval_new *n, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, n->id);
	dbargs_text(&a, n->partner);
	dbargs_text(&a, n->app);
	dbargs_text(&a, n->passkey);
	dbargs_text(&a, n->summary);
	dbargs_text(&a, n->digests);
	dbargs_text(&a, n->nonce);
	dbargs_time(&a, n->created);
	dbargs_time(&a, n->expires);
	return db_run_args(db, &sql_rxapproval_insert, &a, p);
}

static void
fill_row(const PGresult *r, int i, void *arg)
{
	struct rxapproval_row *o = arg;

	db_text_copy(r, i, "id", o->id, sizeof(o->id));
	db_text_copy(r, i, "partner_id", o->partner, sizeof(o->partner));
	db_text_copy(r, i, "application_id", o->app, sizeof(o->app));
	db_text_copy(r, i, "passkey_id", o->passkey, sizeof(o->passkey));
	db_text_copy(r, i, "summary", o->summary, sizeof(o->summary));
	o->digests = db_text_dup(r, i, "digests");
	db_text_copy(r, i, "nonce", o->nonce, sizeof(o->nonce));
	db_text_copy(r, i, "state", o->state, sizeof(o->state));
	o->created = db_time(r, i, "created_at");
	o->expires = db_time(r, i, "expires_at");
	o->decided = db_time(r, i, "decided_at");
	o->record = db_text_dup(r, i, "record");
}

int
store_rxapproval_get(struct db *db, const char *id, const char *partner,
    int lock, struct rxapproval_row *out, struct problem *p)
{
	struct dbargs a;
	int f;

	memset(out, 0, sizeof(*out));
	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, partner);
	f = db_one_row(
	    db_exec_args(db,
	        lock ? &sql_rxapproval_get_lock : &sql_rxapproval_get, &a, 0,
	        p),
	    fill_row, out);
	if (f == 1 && out->digests == NULL) {
		store_rxapproval_row_free(out);
		return problem_internal(p);
	}
	return f;
}

struct counts {
	long long pending, recent;
};

static void
fill_counts(const PGresult *r, int i, void *arg)
{
	struct counts *c = arg;

	c->pending = db_int(r, i, "pending");
	c->recent = db_int(r, i, "recent");
}

int
store_rxapproval_counts(struct db *db, const char *app, time_t now,
    time_t since, long long *pending, long long *recent, struct problem *p)
{
	struct counts c = {0, 0};
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_time(&a, now);
	dbargs_time(&a, since);
	if (db_one_row(db_exec_args(db, &sql_rxapproval_counts, &a, 0, p),
	        fill_counts, &c) == -1)
		return -1;
	*pending = c.pending;
	*recent = c.recent;
	return 0;
}

static void
fill_oldest(const PGresult *r, int i, void *arg)
{
	*(time_t *)arg = db_time(r, i, "oldest");
}

int
store_rxapproval_oldest(struct db *db, const char *app, time_t since,
    time_t *oldest, struct problem *p)
{
	struct dbargs a;

	*oldest = 0;
	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_time(&a, since);
	return db_one_row(db_exec_args(db, &sql_rxapproval_oldest, &a, 0, p),
	           fill_oldest, oldest) == -1
	    ? -1
	    : 0;
}

int
store_rxapproval_decide(struct db *db, const char *id, const char *state,
    time_t now, long long sign_count, int uv, const char *record,
    struct problem *p)
{
	struct dbargs a;
	long n;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, state);
	dbargs_time(&a, now);
	if (sign_count < 0) {
		dbargs_text(&a, NULL);
		dbargs_text(&a, NULL);
	} else {
		dbargs_int(&a, sign_count);
		dbargs_bool(&a, uv);
	}
	dbargs_text(&a, record);
	n = db_count(db_exec_args(db, &sql_rxapproval_decide, &a, 0, p));
	return n < 0 ? -1 : n > 0;
}

struct due {
	char (*ids)[40];
	long max, n;
};

static void
fill_due(const PGresult *r, int i, void *arg)
{
	struct due *d = arg;

	if (d->n < d->max) {
		db_text_copy(r, i, "id", d->ids[d->n], sizeof(d->ids[0]));
		d->n++;
	}
}

long
store_rxapproval_due(
    struct db *db, time_t now, char (*ids)[40], long max, struct problem *p)
{
	struct due d = {ids, max, 0};
	struct dbargs a;
	long n;

	dbargs_init(&a);
	dbargs_time(&a, now);
	dbargs_int(&a, max);
	n = db_each(db, &sql_rxapproval_due, &a, 0, fill_due, &d, p);
	dbargs_free(&a);
	return n < 0 ? -1 : d.n;
}

static void
fill_who(const PGresult *r, int i, void *arg)
{
	struct rxapproval_who *w = arg;
	char provider[16];

	db_text_copy(r, i, "given_name", w->given_name, sizeof(w->given_name));
	db_text_copy(
	    r, i, "family_name", w->family_name, sizeof(w->family_name));
	db_text_copy(r, i, "npi", w->npi, sizeof(w->npi));
	db_text_copy(r, i, "dea", w->dea, sizeof(w->dea));
	db_text_copy(r, i, "email", w->email, sizeof(w->email));
	db_text_copy(r, i, "acr", w->acr, sizeof(w->acr));
	db_text_copy(r, i, "provider", provider, sizeof(provider));
	snprintf(w->source, sizeof(w->source), "%s",
	    strcmp(provider, "oidc") == 0 ? "oidc" : "data_sources");
}

int
store_rxapproval_who(struct db *db, const char *app, struct rxapproval_who *out,
    struct problem *p)
{
	memset(out, 0, sizeof(*out));
	return db_one_row(
	    db_exec_id(db, &sql_rxapproval_who, app, 0, p), fill_who, out);
}
