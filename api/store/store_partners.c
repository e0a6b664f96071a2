/* The storage of partners: see api/store/store_partners.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store_partner.h"
#include "api/store/store_partners.h"
#include "common/xmalloc.h"

#define DER_MAX (16 * 1024) /* bytes of one stored certificate */

/* Every query here answers in binary (bytea as bytes, no hex), read by
 * column name. */

/* db_rows into the int count these lists answer with: 0, or -1. */
static int
rows_of(PGresult *r, size_t size, db_row_fn fill, void **rows, int *n)
{
	long k = db_rows(r, size, fill, rows);

	*n = k > 0 ? (int)k : 0;
	return k < 0 ? -1 : 0;
}

static void
partner_fill(const PGresult *r, int i, void *v)
{
	struct partner_row *row = v;

	db_text_copy(r, i, "id", row->id, sizeof(row->id));
	db_text_copy(r, i, "name", row->name, sizeof(row->name));
	db_text_copy(r, i, "program", row->program, sizeof(row->program));
	db_text_copy(
	    r, i, "sandbox_of", row->sandbox_of, sizeof(row->sandbox_of));
	row->created_at = db_time(r, i, "created_at");
}

int
store_partner_by_id(struct db *db, const char *id, int lock,
    struct partner_row *row, struct problem *p)
{
	struct dbargs a;

	memset(row, 0, sizeof(*row));
	dbargs_init(&a);
	dbargs_text(&a, id);
	return db_one_row(
	    db_exec_args(
	        db, lock ? &sql_partner_lock : &sql_partner_get, &a, 1, p),
	    partner_fill, row);
}

int
store_partner_sandbox(
    struct db *db, const char *id, struct partner_row *row, struct problem *p)
{
	struct dbargs a;

	memset(row, 0, sizeof(*row));
	dbargs_init(&a);
	dbargs_text(&a, id);
	return db_one_row(db_exec_args(db, &sql_partner_sandbox, &a, 1, p),
	    partner_fill, row);
}

/* The boolean column name of stmt's one row for the text argument arg:
 * 1, 0 (false or no row), or -1 with p set. */
static int
flag_of(struct db *db, const struct sql *stmt, const char *arg,
    const char *name, struct problem *p)
{
	PGresult *r;
	int flag;

	if ((r = db_exec_id(db, stmt, arg, 0, p)) == NULL)
		return -1;
	flag = PQntuples(r) == 1 && db_bool(r, 0, name);
	PQclear(r);
	return flag;
}

int
store_program_claim(struct db *db, const char *program, struct problem *p)
{
	PGresult *r;

	if ((r = db_exec_id(db, &sql_program_lock, program, 0, p)) == NULL)
		return -1;
	PQclear(r);
	return flag_of(db, &sql_program_used, program, "used", p);
}

int
store_app_sandbox(
    struct db *db, const char *id, int by_program, struct problem *p)
{
	return flag_of(db, by_program ? &sql_program_sandbox : &sql_app_sandbox,
	    id, "sandbox", p);
}

int
store_partner_insert(struct db *db, const char *id, const char *name,
    const char *program, const char *sandbox_of, time_t now, const char *actor,
    struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, name);
	dbargs_text(&a, program);
	dbargs_time(&a, now);
	dbargs_text(&a, actor);
	dbargs_text(&a, sandbox_of);
	return db_run_args(db, &sql_partner_insert, &a, p);
}

int
store_partner_key_insert(struct db *db, const char *key_id, const char *partner,
    const unsigned char hash[32], time_t now, const char *actor,
    struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, key_id);
	dbargs_text(&a, partner);
	dbargs_bytea(&a, hash, 32);
	dbargs_time(&a, now);
	dbargs_text(&a, actor);
	return db_run_args(db, &sql_pkey_insert, &a, p);
}

static void
key_fill(const PGresult *r, int i, void *v)
{
	struct partner_key_row *row = v;

	row->hash_len =
	    db_bytea(r, i, "secret_hash", row->hash, sizeof(row->hash));
	row->revoked = !db_null(r, i, "revoked_at");
	row->expires_at = db_time(r, i, "expires_at");
	partner_fill(r, i, &row->partner);
}

int
store_partner_key_by_id(struct db *db, const char *key_id,
    struct partner_key_row *row, struct problem *p)
{
	struct dbargs a;

	memset(row, 0, sizeof(*row));
	dbargs_init(&a);
	dbargs_text(&a, key_id);
	return db_one_row(
	    db_exec_args(db, &sql_pkey_auth, &a, 1, p), key_fill, row);
}

static void
revoked_fill(const PGresult *r, int i, void *v)
{
	*(time_t *)v = db_time(r, i, "revoked_at");
}

int
store_partner_key_revoke(struct db *db, const char *partner, const char *key_id,
    time_t now, const char *actor, time_t *revoked_at, struct problem *p)
{
	struct dbargs a;

	*revoked_at = 0;
	dbargs_init(&a);
	dbargs_text(&a, partner);
	dbargs_text(&a, key_id);
	dbargs_time(&a, now);
	dbargs_text(&a, actor);
	return db_one_row(db_exec_args(db, &sql_pkey_revoke, &a, 1, p),
	    revoked_fill, revoked_at);
}

static void
app_fill(const PGresult *r, int i, void *v)
{
	struct partner_app_row *row = v;

	db_text_copy(r, i, "id", row->id, sizeof(row->id));
	db_text_copy(r, i, "status", row->status, sizeof(row->status));
	db_text_copy(r, i, "product", row->product, sizeof(row->product));
	db_text_copy(r, i, "program", row->program, sizeof(row->program));
	db_text_copy(
	    r, i, "given_name", row->given_name, sizeof(row->given_name));
	db_text_copy(
	    r, i, "family_name", row->family_name, sizeof(row->family_name));
	db_text_copy(r, i, "email", row->email, sizeof(row->email));
	row->has_npi = db_text_copy(r, i, "npi", row->npi, sizeof(row->npi));
	row->has_dea_number = db_text_copy(
	    r, i, "dea_number", row->dea_number, sizeof(row->dea_number));
	row->created_at = db_time(r, i, "created_at");
	row->updated_at = db_time(r, i, "updated_at");
	row->updated_epoch = db_int(r, i, "updated_epoch");
}

int
store_partner_app_list(struct db *db, const struct partner_app_query *q,
    struct partner_app_row **rows, int *n, struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	*rows = NULL;
	*n = 0;
	dbargs_init(&a);
	dbargs_text(&a, q->program);
	dbargs_text(&a, q->status);
	if (q->has_since)
		dbargs_time(&a, q->since);
	else
		dbargs_text(&a, NULL);
	if (q->after_id != NULL)
		dbargs_time(&a, q->after_time);
	else
		dbargs_text(&a, NULL);
	dbargs_text(&a, q->after_id);
	dbargs_int(&a, q->limit);
	if ((r = db_exec_args(db, &sql_papp_list, &a, 1, p)) == NULL)
		return -1;
	return rows_of(r, sizeof(**rows), app_fill, (void **)rows, n);
}

void
store_partner_app_rows_free(struct partner_app_row *rows)
{
	free(rows);
}

int
store_partner_app_get(struct db *db, const char *id, const char *program,
    struct partner_app_row *row, struct problem *p)
{
	struct dbargs a;

	memset(row, 0, sizeof(*row));
	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, program);
	return db_one_row(
	    db_exec_args(db, &sql_papp_get, &a, 1, p), app_fill, row);
}

static void
cert_fill(const PGresult *r, int i, void *v)
{
	struct partner_cert_row *row = v;

	db_text_copy(r, i, "serial", row->serial, sizeof(row->serial));
	db_text_copy(r, i, "state", row->state, sizeof(row->state));
	row->not_before = db_time(r, i, "not_before");
	row->not_after = db_time(r, i, "not_after");
	row->revoked_at = db_time(r, i, "revoked_at");
	row->has_revocation_reason = db_text_copy(r, i, "revocation_reason",
	    row->revocation_reason, sizeof(row->revocation_reason));
	row->der_len = -1;
}

/* cert_fill and the application's columns. */
static void
cert_app_fill(const PGresult *r, int i, void *v)
{
	struct partner_cert_row *row = v;

	cert_fill(r, i, v);
	db_text_copy(r, i, "subject", row->subject, sizeof(row->subject));
	db_text_copy(r, i, "app", row->app, sizeof(row->app));
	row->has_npi = db_text_copy(r, i, "npi", row->npi, sizeof(row->npi));
	row->has_dea_number = db_text_copy(
	    r, i, "dea_number", row->dea_number, sizeof(row->dea_number));
	db_text_copy(r, i, "email", row->email, sizeof(row->email));
}

/* cert_app_fill and the DER (malloc'd). */
static void
cert_der_fill(const PGresult *r, int i, void *v)
{
	struct partner_cert_row *row = v;
	long len;

	cert_app_fill(r, i, v);
	if ((len = db_bytea_len(r, i, "der")) < 0 || len > DER_MAX)
		return;
	row->der = xmalloc(len > 0 ? (size_t)len : 1);
	row->der_len = db_bytea(r, i, "der", row->der, (size_t)len);
}

int
store_partner_app_certs(struct db *db, const char *app,
    struct partner_cert_row **rows, int *n, struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	*rows = NULL;
	*n = 0;
	dbargs_init(&a);
	dbargs_text(&a, app);
	if ((r = db_exec_args(db, &sql_pcert_of_app, &a, 1, p)) == NULL)
		return -1;
	return rows_of(r, sizeof(**rows), cert_fill, (void **)rows, n);
}

void
store_partner_cert_rows_free(struct partner_cert_row *rows)
{
	free(rows);
}

static int
cert_find(struct db *db, const struct sql *stmt,
    void (*fill)(const PGresult *, int, void *), const unsigned char *serial,
    const char *program, struct partner_cert_row *row, struct problem *p)
{
	struct dbargs a;

	memset(row, 0, sizeof(*row));
	row->der_len = -1;
	dbargs_init(&a);
	dbargs_bytea(&a, serial, 16);
	dbargs_text(&a, program);
	return db_one_row(db_exec_args(db, stmt, &a, 1, p), fill, row);
}

int
store_partner_cert_get(struct db *db, const unsigned char *serial,
    const char *program, struct partner_cert_row *row, struct problem *p)
{
	return cert_find(
	    db, &sql_pcert_get, cert_app_fill, serial, program, row, p);
}

int
store_partner_cert_verify(struct db *db, const unsigned char *serial,
    const char *program, struct partner_cert_row *row, struct problem *p)
{
	return cert_find(
	    db, &sql_pcert_verify, cert_der_fill, serial, program, row, p);
}

void
store_partner_cert_row_free(struct partner_cert_row *row)
{
	if (row == NULL)
		return;
	free(row->der);
	row->der = NULL;
	row->der_len = -1;
}

int
store_partner_challenge_insert(struct db *db, const unsigned char hash[32],
    const char *partner, time_t expires, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_bytea(&a, hash, 32);
	dbargs_text(&a, partner);
	dbargs_time(&a, expires);
	return db_run_args(db, &sql_pchal_insert, &a, p);
}

int
store_partner_hook_put(struct db *db, const char *partner, const char *url,
    const char *secret, time_t now, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, partner);
	dbargs_text(&a, url);
	dbargs_text(&a, secret);
	dbargs_time(&a, now);
	return db_run_args(db, &sql_hook_put, &a, p);
}

static void
hook_fill(const PGresult *r, int i, void *v)
{
	struct partner_hook_row *row = v;

	db_text_copy(r, i, "url", row->url, sizeof(row->url));
	row->updated_at = db_time(r, i, "updated_at");
	db_text_copy(r, i, "secret_id", row->secret_id, sizeof(row->secret_id));
	db_text_copy(r, i, "old_secret_id", row->old_secret_id,
	    sizeof(row->old_secret_id));
	row->old_secret_until = db_time(r, i, "old_secret_until");
}

int
store_partner_hook_get(struct db *db, const char *partner,
    struct partner_hook_row *row, struct problem *p)
{
	struct dbargs a;

	memset(row, 0, sizeof(*row));
	dbargs_init(&a);
	dbargs_text(&a, partner);
	return db_one_row(
	    db_exec_args(db, &sql_hook_get, &a, 1, p), hook_fill, row);
}

static void
delivery_fill(const PGresult *r, int i, void *v)
{
	struct partner_delivery_row *row = v;

	snprintf(row->id, sizeof(row->id), "%lld", db_int(r, i, "id"));
	db_text_copy(r, i, "event_id", row->event_id, sizeof(row->event_id));
	db_text_copy(r, i, "type", row->type, sizeof(row->type));
	row->attempt = (int)db_int(r, i, "attempt");
	row->at = db_time(r, i, "at");
	row->has_http_status = !db_null(r, i, "http_status");
	row->http_status = (int)db_int(r, i, "http_status");
	row->has_error =
	    db_text_copy(r, i, "error", row->error, sizeof(row->error));
	row->duration_ms = (int)db_int(r, i, "duration_ms");
	db_text_copy(r, i, "outcome", row->outcome, sizeof(row->outcome));
	db_text_copy(
	    r, i, "event_state", row->event_state, sizeof(row->event_state));
	db_text_copy(
	    r, i, "secret_ids", row->secret_ids, sizeof(row->secret_ids));
	row->redelivery = db_bool(r, i, "redelivery");
	row->sequence = db_int(r, i, "sequence");
}

int
store_partner_delivery_list(struct db *db, const char *partner, int has_after,
    long long after, long limit, struct partner_delivery_row **rows, int *n,
    struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	*rows = NULL;
	*n = 0;
	dbargs_init(&a);
	dbargs_text(&a, partner);
	if (has_after)
		dbargs_int(&a, after);
	else
		dbargs_text(&a, NULL);
	dbargs_int(&a, limit);
	if ((r = db_exec_args(db, &sql_hook_deliveries, &a, 1, p)) == NULL)
		return -1;
	return rows_of(r, sizeof(**rows), delivery_fill, (void **)rows, n);
}

void
store_partner_delivery_rows_free(struct partner_delivery_row *rows)
{
	free(rows);
}

int
store_partner_invitation_count(struct db *db, const char *partner, time_t since,
    long long *count, struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	*count = 0;
	dbargs_init(&a);
	dbargs_text(&a, partner);
	dbargs_time(&a, since);
	if ((r = db_exec_args(db, &sql_pinv_count, &a, 1, p)) == NULL)
		return -1;
	*count = db_int(r, 0, "n");
	PQclear(r);
	return 0;
}

int
store_partner_invitation_insert(struct db *db, const char *id,
    const char *partner, const char *email, time_t now, time_t expires,
    struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, partner);
	dbargs_text(&a, email);
	dbargs_time(&a, now);
	dbargs_time(&a, expires);
	return db_run_args(db, &sql_pinv_insert, &a, p);
}

int
store_partner_invitation_sent(
    struct db *db, const char *id, time_t now, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_time(&a, now);
	return db_run_args(db, &sql_pinv_sent, &a, p);
}

static void
invitation_fill(const PGresult *r, int i, void *v)
{
	struct partner_invitation_row *row = v;

	db_text_copy(r, i, "id", row->id, sizeof(row->id));
	db_text_copy(r, i, "email", row->email, sizeof(row->email));
	row->created_at = db_time(r, i, "created_at");
	row->sent_at = db_time(r, i, "sent_at");
	row->has_job = db_text_copy(
	    r, i, "job_state", row->job_state, sizeof(row->job_state));
	row->job_attempts = (int)db_int(r, i, "attempts");
	row->job_updated_at = db_time(r, i, "job_updated_at");
	row->created_epoch = db_int(r, i, "created_epoch");
	row->opened_at = db_time(r, i, "opened_at");
	row->applied_at = db_time(r, i, "applied_at");
	row->expires_at = db_time(r, i, "expires_at");
	db_text_copy(r, i, "application_id", row->application_id,
	    sizeof(row->application_id));
	db_text_copy(r, i, "status", row->status, sizeof(row->status));
}

int
store_partner_invitation_list(struct db *db, time_t now, const char *partner,
    const char *after_id, time_t after_time, long limit, const char *status,
    struct partner_invitation_row **rows, int *n, struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	*rows = NULL;
	*n = 0;
	dbargs_init(&a);
	dbargs_time(&a, now);
	dbargs_text(&a, partner);
	if (after_id != NULL)
		dbargs_time(&a, after_time);
	else
		dbargs_text(&a, NULL);
	dbargs_text(&a, after_id);
	dbargs_int(&a, limit);
	dbargs_text(&a, status);
	if ((r = db_exec_args(db, &sql_pinv_list, &a, 1, p)) == NULL)
		return -1;
	return rows_of(r, sizeof(**rows), invitation_fill, (void **)rows, n);
}

void
store_partner_invitation_rows_free(struct partner_invitation_row *rows)
{
	free(rows);
}

int
store_partner_invitation_get(struct db *db, time_t now, const char *id,
    const char *partner, struct partner_invitation_row *row, struct problem *p)
{
	struct dbargs a;

	memset(row, 0, sizeof(*row));
	dbargs_init(&a);
	dbargs_time(&a, now);
	dbargs_text(&a, id);
	dbargs_text(&a, partner);
	return db_one_row(
	    db_exec_args(db, &sql_pinv_get, &a, 1, p), invitation_fill, row);
}

int
store_partner_voucher_insert(struct db *db, const char *code,
    long long amount_cents, const char *partner, time_t now, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, code);
	dbargs_int(&a, amount_cents);
	dbargs_text(&a, partner);
	dbargs_time(&a, now);
	return db_run_args(db, &sql_pvoucher_insert, &a, p);
}

static void
voucher_fill(const PGresult *r, int i, void *v)
{
	struct partner_voucher_row *row = v;

	db_text_copy(r, i, "code", row->code, sizeof(row->code));
	row->amount_cents = db_int(r, i, "amount_cents");
	row->created_at = db_time(r, i, "created_at");
	row->has_redeemed_by = db_text_copy(
	    r, i, "redeemed_by", row->redeemed_by, sizeof(row->redeemed_by));
	row->redeemed_at = db_time(r, i, "redeemed_at");
}

int
store_partner_voucher_list(struct db *db, const char *partner,
    struct partner_voucher_row **rows, int *n, struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	*rows = NULL;
	*n = 0;
	dbargs_init(&a);
	dbargs_text(&a, partner);
	if ((r = db_exec_args(db, &sql_pvoucher_list, &a, 1, p)) == NULL)
		return -1;
	return rows_of(r, sizeof(**rows), voucher_fill, (void **)rows, n);
}

void
store_partner_voucher_rows_free(struct partner_voucher_row *rows)
{
	free(rows);
}

static void
summary_fill(const PGresult *r, int i, void *v)
{
	struct partner_summary_row *row = v;

	partner_fill(r, i, &row->partner);
	row->program_open = db_bool(r, i, "program_open");
	row->created_at = db_time(r, i, "created_at");
	row->keys_live = (long)db_int(r, i, "keys_live");
	row->vouchers = (long)db_int(r, i, "vouchers");
	row->vouchers_left = (long)db_int(r, i, "vouchers_left");
	db_text_copy(
	    r, i, "webhook_url", row->webhook_url, sizeof(row->webhook_url));
}

int
store_partner_summaries(struct db *db, const char *id, time_t now,
    struct partner_summary_row **rows, int *n, struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	*rows = NULL;
	*n = 0;
	dbargs_init(&a);
	dbargs_time(&a, now);
	dbargs_text(&a, id);
	if ((r = db_exec_args(db, &sql_partner_summaries, &a, 1, p)) == NULL)
		return -1;
	return rows_of(r, sizeof(**rows), summary_fill, (void **)rows, n);
}

void
store_partner_summary_rows_free(struct partner_summary_row *rows)
{
	free(rows);
}
