/* The storage of the proofing jobs: see api/store/store_jobs.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store.h"
#include "api/store/store_ca.h"
#include "api/store/store_jobs.h"
#include "api/store/store_mail.h"
#include "api/store/store_proofing.h"
#include "common/xmalloc.h"

/* db_row_fn: row i of r (proof_app_lock) into the proof_app_row arg. */
static void
proof_app_fill(const PGresult *r, int i, void *arg)
{
	struct proof_app_row *row = arg;
	const char *dea, *policy;

	db_text_copy(r, i, "status", row->status, sizeof(row->status));
	policy = db_text(r, i, "policy");
	row->nist = policy != NULL && strcmp(policy, "nist-800-63") == 0;
	row->epcs = db_bool(r, i, "epcs");
	dea = db_text(r, i, "dea_number");
	row->has_dea = dea != NULL && dea[0] != '\0';
	row->given_name = db_text_dup(r, i, "given_name");
	row->middle_name = db_text_dup(r, i, "middle_name");
	row->family_name = db_text_dup(r, i, "family_name");
	row->date_of_birth = db_text_dup(r, i, "date_of_birth");
	row->email = db_text_dup(r, i, "email");
	row->phone = db_text_dup(r, i, "phone");
	row->line1 = db_text_dup(r, i, "addr_line1");
	row->line2 = db_text_dup(r, i, "addr_line2");
	row->city = db_text_dup(r, i, "addr_city");
	row->state = db_text_dup(r, i, "addr_state");
	row->postal_code = db_text_dup(r, i, "addr_postal_code");
	row->country = db_text_dup(r, i, "addr_country");
	row->ssn_last4 = db_text_dup(r, i, "ssn_last4");
	row->card_token = db_text_dup(r, i, "avs_card_token");
	row->sandbox = db_bool(r, i, "sandbox");
}

/* db_row_fn: row i of r (check_latest) into the check_answer arg. */
static void
check_answer_fill(const PGresult *r, int i, void *arg)
{
	struct check_answer *c = arg;

	db_text_copy(r, i, "provider", c->provider, sizeof(c->provider));
	db_text_copy(r, i, "outcome", c->outcome, sizeof(c->outcome));
	c->score = db_null(r, i, "score") ? -1 : (int)db_int(r, i, "score");
	c->reasons = db_text_dup(r, i, "reasons");
}

/* The answers of r (check_latest, cleared) into *rows and *n: 0, or -1
 * (r NULL). */
static int
check_answers(PGresult *r, struct check_answer **rows, size_t *n)
{
	long k = db_rows(r, sizeof(**rows), check_answer_fill, (void **)rows);

	*n = k > 0 ? (size_t)k : 0;
	return k == -1 ? -1 : 0;
}

int
store_proof_app_lock(
    struct db *db, const char *id, struct proof_app_row *row, struct problem *p)
{
	memset(row, 0, sizeof(*row));
	return db_one_row(
	    db_exec_id(db, &sql_proof_app_lock, id, 0, p), proof_app_fill, row);
}

int
store_proof_app_open(struct db *db, const char *id, struct proof_app_row *row,
    struct check_answer **rows, size_t *n, struct problem *p)
{
	struct dbargs a;
	PGresult *r1, *r2;
	int found;

	memset(row, 0, sizeof(*row));
	*rows = NULL;
	*n = 0;
	dbargs_init(&a);
	dbargs_text(&a, id);
	found = db_exec_pair(
	    db, &sql_proof_app_lock, &a, &sql_check_latest, &a, &r1, &r2, p);
	dbargs_free(&a);
	if (found == -1)
		return -1;
	if ((found = db_one_row(r1, proof_app_fill, row)) == 1)
		(void)check_answers(r2, rows, n);
	else
		PQclear(r2);
	return found;
}

void
store_proof_app_free(struct proof_app_row *row)
{
	if (row == NULL)
		return;
	free(row->given_name);
	free(row->middle_name);
	free(row->family_name);
	free(row->date_of_birth);
	free(row->email);
	free(row->phone);
	free(row->line1);
	free(row->line2);
	free(row->city);
	free(row->state);
	free(row->postal_code);
	free(row->country);
	free(row->ssn_last4);
	free(row->card_token);
	memset(row, 0, sizeof(*row));
}

int
store_proof_check_insert(
    struct db *db, const struct check_row *c, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, c->app);
	dbargs_text(&a, c->provider);
	dbargs_text(&a, c->request_id);
	dbargs_int(&a, c->attempt);
	dbargs_text(&a, c->outcome);
	if (c->score >= 0)
		dbargs_int(&a, c->score);
	else
		dbargs_text(&a, NULL);
	dbargs_text(&a, c->reasons != NULL ? c->reasons : "[]");
	dbargs_text(&a, c->error);
	dbargs_time(&a, c->at);
	rc = db_run(db, &sql_check_insert, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_proof_check_latest(struct db *db, const char *id,
    struct check_answer **rows, size_t *n, struct problem *p)
{
	return check_answers(
	    db_exec_id(db, &sql_check_latest, id, 0, p), rows, n);
}

void
store_proof_check_latest_free(struct check_answer *rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		free(rows[i].reasons);
	free(rows);
}

int
store_proof_decision_insert(struct db *db, const char *id, const char *decision,
    const char *actor, const char *reason, const char *codes, time_t now,
    struct problem *p)
{
	PGresult *r;
	struct dbargs a;
	int inserted;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, decision);
	dbargs_text(&a, actor);
	dbargs_text(&a, reason);
	dbargs_text(&a, codes != NULL ? codes : "[]");
	dbargs_time(&a, now);
	r = db_exec(db, &sql_decision_insert, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	inserted = PQntuples(r) == 1;
	PQclear(r);
	return inserted;
}

int
store_proof_kit_insert(struct db *db, const char *kid, const char *id,
    time_t expires, time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, kid);
	dbargs_text(&a, id);
	dbargs_time(&a, expires);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_kit_create, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_proof_decision_mail(struct db *db, const char *id,
    struct decision_mail_row *row, struct problem *p)
{
	PGresult *r;

	memset(row, 0, sizeof(*row));
	if ((r = db_exec_id(db, &sql_decision_for_mail, id, 0, p)) == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 0;
	}
	db_text_copy(r, 0, "decision", row->decision, sizeof(row->decision));
	row->reason = db_text_dup(r, 0, "reason");
	db_text_copy(r, 0, "email", row->email, sizeof(row->email));
	db_text_copy(r, 0, "given_name", row->given, sizeof(row->given));
	PQclear(r);
	return 1;
}

void
store_proof_decision_mail_free(struct decision_mail_row *row)
{
	if (row == NULL)
		return;
	free(row->reason);
	row->reason = NULL;
}

int
store_proof_lapse_due(struct db *db, time_t now,
    char (**ids)[STORE_JOBS_ID_MAX], size_t *n, struct problem *p)
{
	PGresult *r;
	struct dbargs a;
	int i;

	*ids = NULL;
	*n = 0;
	dbargs_init(&a);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_sweep_lapse, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) > 0)
		*ids = xcalloc((size_t)PQntuples(r), sizeof(**ids));
	for (i = 0; i < PQntuples(r); i++)
		db_text_copy(r, i, "id", (*ids)[i], sizeof((*ids)[i]));
	*n = (size_t)PQntuples(r);
	PQclear(r);
	return 0;
}

void
store_lapse_ids_free(char (*ids)[STORE_JOBS_ID_MAX])
{
	free(ids);
}

int
store_email_codes_end(struct db *db, const char *id, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, id);
	rc = db_run(db, &sql_code_kill, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_mail_app_lock(
    struct db *db, const char *id, struct mail_app_row *row, struct problem *p)
{
	PGresult *r;
	const char *policy;

	memset(row, 0, sizeof(*row));
	if ((r = db_exec_id(db, &sql_app_for_mail, id, 0, p)) == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 0;
	}
	db_text_copy(r, 0, "status", row->status, sizeof(row->status));
	db_text_copy(r, 0, "email", row->email, sizeof(row->email));
	db_text_copy(r, 0, "given_name", row->given, sizeof(row->given));
	row->verify_by = db_time(r, 0, "email_verify_by");
	policy = db_text(r, 0, "policy");
	row->nist = policy != NULL && strcmp(policy, "nist-800-63") == 0;
	PQclear(r);
	return 1;
}

int
store_mail_code_deadline(struct db *db, const char *job, const char *app,
    time_t *deadline, struct problem *p)
{
	PGresult *r;
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, job);
	dbargs_text(&a, app);
	r = db_exec(db, &sql_mail_code_deadline, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	*deadline = PQntuples(r) == 1 ? db_time(r, 0, "deadline") : 0;
	PQclear(r);
	return 0;
}

int
store_mail_code_superseded(
    struct db *db, const char *app, const char *job, struct problem *p)
{
	PGresult *r;
	struct dbargs a;
	int n;

	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_text(&a, job);
	r = db_exec(db, &sql_mail_code_superseded, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	n = PQntuples(r) > 0;
	PQclear(r);
	return n;
}

int
store_mail_code_of_job(struct db *db, const char *app, const char *job,
    struct mail_code_row *row, struct problem *p)
{
	PGresult *r;
	struct dbargs a;

	memset(row, 0, sizeof(*row));
	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_text(&a, job);
	r = db_exec(db, &sql_mail_code_of_job, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 0;
	}
	db_text_copy(r, 0, "id", row->id, sizeof(row->id));
	row->expires = db_time(r, 0, "expires_at");
	row->maybe_sent = db_bool(r, 0, "maybe_sent");
	PQclear(r);
	return 1;
}

int
store_mail_code_rehash(struct db *db, const char *id, const unsigned char *hash,
    size_t hashlen, int keep, int keep_max, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_bytea(&a, hash, hashlen);
	dbargs_bool(&a, keep);
	dbargs_int(&a, keep_max);
	rc = db_run(db, &sql_mail_code_rehash, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_mail_code_insert(struct db *db, const char *app,
    const unsigned char *hash, size_t hashlen, time_t now, time_t expires,
    const char *job, char *id, size_t idsz, struct problem *p)
{
	PGresult *r;
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_bytea(&a, hash, hashlen);
	dbargs_time(&a, now);
	dbargs_time(&a, expires);
	dbargs_text(&a, job);
	r = db_exec(db, &sql_mail_code_insert, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	db_text_copy(r, 0, "id", id, idsz);
	PQclear(r);
	return 0;
}

int
store_mail_code_unsent(struct db *db, const char *id, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, id);
	rc = db_run(db, &sql_mail_code_unsent, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_mail_sent(struct db *db, const char *app, time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_app_mail_sent, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_job_claim(
    struct db *db, long long now_ms, struct job_row *row, struct problem *p)
{
	PGresult *r;
	struct dbargs a;
	const char *payload;

	memset(row, 0, sizeof(*row));
	dbargs_init(&a);
	dbargs_int(&a, now_ms);
	r = db_exec_savepoint(db, &sql_job_claim, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 0;
	}
	db_runner(db);
	db_text_copy(r, 0, "id", row->id, sizeof(row->id));
	db_text_copy(r, 0, "kind", row->kind, sizeof(row->kind));
	db_text_copy(r, 0, "application_id", row->app, sizeof(row->app));
	row->attempts = (int)db_int(r, 0, "attempts");
	row->max_attempts = (int)db_int(r, 0, "max_attempts");
	payload = db_text(r, 0, "payload");
	row->payload = xstrdup(payload != NULL ? payload : "{}");
	row->expires = db_time(r, 0, "expires_at");
	row->created = db_time(r, 0, "created_at");
	PQclear(r);
	return 1;
}

void
store_job_row_free(struct job_row *row)
{
	if (row == NULL)
		return;
	free(row->payload);
	row->payload = NULL;
}

int
store_job_insert(struct db *db, const char *kind, const char *app,
    const char *payload, time_t run_at, int max_attempts, time_t now,
    struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, kind);
	dbargs_text(&a, app);
	dbargs_time(&a, run_at);
	dbargs_int(&a, max_attempts);
	dbargs_time(&a, now);
	dbargs_text(&a, payload);
	rc = db_run(db, &sql_job_insert, &a, p);
	dbargs_free(&a);
	if (rc == 0)
		db_wake(db, DB_WAKE_JOBS);
	return rc;
}

int
store_job_insert_once(struct db *db, const char *kind, time_t run_at,
    int max_attempts, time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, kind);
	dbargs_time(&a, run_at);
	dbargs_int(&a, max_attempts);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_job_insert_once, &a, p);
	dbargs_free(&a);
	if (rc == 0)
		db_wake(db, DB_WAKE_JOBS);
	return rc;
}

int
store_job_done(struct db *db, const char *id, time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_job_done, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_job_kill(struct db *db, const char *id, time_t now, const char *error,
    struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_time(&a, now);
	dbargs_text(&a, error);
	rc = db_run(db, &sql_job_kill, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_job_retry(struct db *db, const char *id, long long run_at_ms,
    const char *error, time_t now, time_t deadline, int outage, char *state,
    size_t statesz, struct problem *p)
{
	PGresult *r;
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_int(&a, run_at_ms);
	dbargs_text(&a, error);
	dbargs_time(&a, now);
	dbargs_time_or_null(&a, deadline);
	dbargs_bool(&a, outage);
	r = db_exec(db, &sql_job_retry, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 1)
		db_text_copy(r, 0, "state", state, statesz);
	else
		snprintf(state, statesz, "%s", "");
	PQclear(r);
	return 0;
}

int
store_job_lease(
    struct db *db, const char *id, time_t until, time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_time(&a, until);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_job_lease, &a, p);
	dbargs_free(&a);
	return rc;
}

/* store_job_relock, with until (0: any) the lease the job must still
 * have; with savepoint: and a savepoint in the same round trip. */
static int
relock(struct db *db, const char *id, time_t until, int savepoint,
    struct problem *p)
{
	PGresult *r;
	struct dbargs a;
	int n;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_time_or_null(&a, until);
	r = savepoint ? db_exec_savepoint(db, &sql_job_relock, &a, p)
	              : db_exec(db, &sql_job_relock, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	n = PQntuples(r) == 1;
	PQclear(r);
	if (n)
		db_runner(db);
	return n;
}

int
store_job_relock(struct db *db, const char *id, struct problem *p)
{
	return relock(db, id, 0, 0, p);
}

static int
job_pause(struct db *db, const char *id, time_t until, time_t now,
    int unflushed, struct problem *p)
{
	/* The lease goes with the COMMIT, in its round trip. */
	db_batch(db);
	if (unflushed)
		db_commit_unflushed(db);
	if (store_job_lease(db, id, until, now, p) == -1 ||
	    db_commit(db, p) == -1) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

int
store_job_pause(
    struct db *db, const char *id, time_t until, time_t now, struct problem *p)
{
	return job_pause(db, id, until, now, 0, p);
}

int
store_job_pause_unflushed(
    struct db *db, const char *id, time_t until, time_t now, struct problem *p)
{
	return job_pause(db, id, until, now, 1, p);
}

int
store_job_resume(struct db *db, const char *id, time_t until, struct problem *p)
{
	int n;

	if (db_ensure(db, p) == -1 || db_begin(db, p) == -1)
		return -1;
	if ((n = relock(db, id, until, 1, p)) != 1)
		goto fail;
	return 1;
fail:
	db_rollback(db);
	return n;
}

struct store_listen {
	PGconn *conn; /* LISTEN connection */
};

/* Whether name is a channel we may put in a LISTEN statement. */
static int
channel_ok(const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;

	return n > 0 && n <= 63 &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyz_") == n;
}

/* LISTEN channel on conn (checked by channel_ok): 0 or -1. */
static int
listen_on(PGconn *conn, const char *channel)
{
	PGresult *r;
	char *sql;
	int rc;

	sql = xprintf("LISTEN %s", channel);
	r = PQexecParams(conn, sql, 0, NULL, NULL, NULL, NULL, 0);
	free(sql);
	rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
	PQclear(r);
	return rc;
}

struct store_listen *
store_listen_open(const char *url, const char *const *channels, size_t n)
{
	struct store_listen *l;
	size_t i;

	for (i = 0; i < n; i++)
		if (!channel_ok(channels[i]))
			return NULL;
	l = xcalloc(1, sizeof(*l));
	l->conn = PQconnectdb(url);
	if (PQstatus(l->conn) != CONNECTION_OK ||
	    listen_on(l->conn, "rxca_jobs") == -1)
		goto fail;
	for (i = 0; i < n; i++)
		if (listen_on(l->conn, channels[i]) == -1)
			goto fail;
	if (PQsetnonblocking(l->conn, 1) == -1)
		goto fail;
	return l;
fail:
	store_listen_close(l);
	return NULL;
}

int
store_listen_fd(const struct store_listen *l)
{
	return PQsocket(l->conn);
}

int
store_listen_read(struct store_listen *l,
    void (*fn)(const char *channel, void *arg), void *arg)
{
	PGnotify *n;

	if (PQconsumeInput(l->conn) == 0)
		return -1;
	while ((n = PQnotifies(l->conn)) != NULL) {
		fn(n->relname, arg);
		PQfreemem(n);
	}
	return 0;
}

void
store_listen_close(struct store_listen *l)
{
	if (l == NULL)
		return;
	PQfinish(l->conn);
	free(l);
}

int
store_job_queued(struct db *db, long *n, long long *next_ms, struct problem *p)
{
	PGresult *r;

	if ((r = db_exec(db, &sql_job_count, NULL, p)) == NULL)
		return -1;
	*n = (long)db_int(r, 0, "count");
	*next_ms = db_int(r, 0, "next_ms");
	PQclear(r);
	return 0;
}

/* Reads outbox_stats' row r into s. */
static void
outbox_read(const PGresult *r, struct outbox_stats *s)
{
	s->queued = (long)db_int(r, 0, "queued");
	s->oldest = db_time(r, 0, "oldest");
	s->dead = (long)db_int(r, 0, "dead");
}

int
store_outbox_stats(struct db *db, struct outbox_stats *s, struct problem *p)
{
	PGresult *r;

	if ((r = db_exec(db, &sql_outbox_stats, NULL, p)) == NULL)
		return -1;
	outbox_read(r, s);
	PQclear(r);
	return 0;
}

int
store_job_stats(struct db *db, long *n, long long *next_ms,
    struct outbox_stats *s, struct problem *p)
{
	PGresult *r1, *r2;

	if (db_exec_pair(db, &sql_job_count, NULL, &sql_outbox_stats, NULL, &r1,
	        &r2, p) == -1)
		return -1;
	*n = (long)db_int(r1, 0, "count");
	*next_ms = db_int(r1, 0, "next_ms");
	outbox_read(r2, s);
	PQclear(r1);
	PQclear(r2);
	return 0;
}
