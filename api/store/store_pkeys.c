/* A partner's own keys, program, rate window and invitation tokens: see
 * api/store/store_pkeys.h. */
#include <string.h>

#include "api/store/db.h"
#include "api/store/store_pkeys.h"

#define STMT(id, n, text) static const struct sql sql_##id = {#id, text, n}

#define PKEY_LIST_MAX 100

STMT(pkey_list, 2,
    "SELECT id, created_at, created_by, expires_at, revoked_at, "
    "replaced_by FROM partner_keys WHERE partner_id = $1 "
    "ORDER BY created_at, id LIMIT $2");
/* $1 partner, $2 key, $3 until, $4 replaced by. */
STMT(pkey_expire, 4,
    "UPDATE partner_keys SET expires_at = least(coalesce(expires_at, $3), "
    "$3), replaced_by = coalesce(replaced_by, $4) WHERE partner_id = $1 "
    "AND id = $2 AND revoked_at IS NULL RETURNING expires_at");
/* $1 partner, $2 key: keys that stay (not revoked, no end set). */
STMT(pkey_others_live, 2,
    "SELECT id FROM partner_keys WHERE partner_id = $1 AND id <> $2 AND "
    "revoked_at IS NULL AND expires_at IS NULL");
/* $1 partner, $2 window start. */
STMT(prate_hit, 2,
    "INSERT INTO partner_rate AS r (partner_id, window_start, hits) "
    "VALUES ($1, $2, 1) ON CONFLICT (partner_id, window_start) DO UPDATE "
    "SET hits = r.hits + 1 RETURNING hits");
STMT(prate_forget, 2,
    "DELETE FROM partner_rate WHERE partner_id = $1 AND window_start < $2");
#define PPROGRAM_SELECT                                                        \
	"SELECT id, program, program_open, program_updated_at FROM partners "
STMT(pprogram_get, 1, PPROGRAM_SELECT "WHERE id = $1");
STMT(pprogram_by_code, 1, PPROGRAM_SELECT "WHERE program = $1");
/* $1 partner, $2 open, $3 now. */
STMT(pprogram_set, 3,
    "UPDATE partners SET program_open = $2, program_updated_at = $3 "
    "WHERE id = $1");
STMT(pinvite_token, 2,
    "UPDATE partner_invitations SET token_hash = $2 WHERE id = $1 "
    "RETURNING expires_at");
#define PINVITE_SELECT                                                          \
	"SELECT i.id, i.partner_id, p.program, i.email, i.application_id, "     \
	"i.opened_at, i.expires_at FROM partner_invitations i JOIN partners p " \
	"ON "                                                                   \
	"p.id = i.partner_id WHERE i.token_hash = $1"
STMT(pinvite_by_token, 1, PINVITE_SELECT);
STMT(pinvite_by_token_lock, 1, PINVITE_SELECT " FOR UPDATE OF i");
STMT(pinvite_opened, 2,
    "UPDATE partner_invitations SET opened_at = $2 WHERE id = $1 AND "
    "opened_at IS NULL RETURNING id");
/* $1 invitation, $2 application, $3 now; opened too if it was not. */
STMT(pinvite_applied, 3,
    "UPDATE partner_invitations SET application_id = $2, applied_at = $3, "
    "opened_at = coalesce(opened_at, $3) WHERE id = $1 AND "
    "application_id IS NULL RETURNING id");

static void
pkey_fill(const PGresult *r, int i, void *arg)
{
	struct pkey_row *row = arg;

	memset(row, 0, sizeof(*row));
	db_text_copy(r, i, "id", row->id, sizeof(row->id));
	row->created_at = db_time(r, i, "created_at");
	db_text_copy(
	    r, i, "created_by", row->created_by, sizeof(row->created_by));
	row->expires_at = db_time(r, i, "expires_at");
	row->revoked_at = db_time(r, i, "revoked_at");
	db_text_copy(
	    r, i, "replaced_by", row->replaced_by, sizeof(row->replaced_by));
}

long
store_pkey_list(struct db *db, const char *partner, struct pkey_row **rows,
    struct problem *p)
{
	struct dbargs a;

	*rows = NULL;
	dbargs_init(&a);
	dbargs_text(&a, partner);
	dbargs_int(&a, PKEY_LIST_MAX);
	return db_rows(db_exec_args(db, &sql_pkey_list, &a, 0, p),
	    sizeof(**rows), pkey_fill, (void **)rows);
}

static void
ends_fill(const PGresult *r, int i, void *arg)
{
	*(time_t *)arg = db_time(r, i, "expires_at");
}

int
store_pkey_expire(struct db *db, const char *partner, const char *key_id,
    time_t until, const char *replaced_by, time_t *ends, struct problem *p)
{
	struct dbargs a;

	*ends = 0;
	dbargs_init(&a);
	dbargs_text(&a, partner);
	dbargs_text(&a, key_id);
	dbargs_time(&a, until);
	dbargs_text(&a, replaced_by);
	return db_one_row(
	    db_exec_args(db, &sql_pkey_expire, &a, 0, p), ends_fill, ends);
}

long
store_pkey_others_live(
    struct db *db, const char *partner, const char *key_id, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, partner);
	dbargs_text(&a, key_id);
	return db_count(db_exec_args(db, &sql_pkey_others_live, &a, 0, p));
}

static void
hits_fill(const PGresult *r, int i, void *arg)
{
	*(long *)arg = (long)db_int(r, i, "hits");
}

long
store_prate_hit(
    struct db *db, const char *partner, time_t start, struct problem *p)
{
	struct dbargs a;
	long hits = 0;

	dbargs_init(&a);
	dbargs_text(&a, partner);
	dbargs_time(&a, start);
	if (db_one_row(db_exec_args(db, &sql_prate_hit, &a, 0, p), hits_fill,
	        &hits) != 1)
		return p->status != 0 ? -1 : problem_internal(p);
	if (hits == 1) {
		dbargs_init(&a);
		dbargs_text(&a, partner);
		dbargs_time(&a, start);
		if (db_run_args(db, &sql_prate_forget, &a, p) == -1)
			return -1;
	}
	return hits;
}

static void
pprogram_fill(const PGresult *r, int i, void *arg)
{
	struct pprogram_row *row = arg;

	memset(row, 0, sizeof(*row));
	db_text_copy(r, i, "id", row->partner_id, sizeof(row->partner_id));
	db_text_copy(r, i, "program", row->program, sizeof(row->program));
	row->open = db_bool(r, i, "program_open");
	row->updated_at = db_time(r, i, "program_updated_at");
}

int
store_pprogram_get(struct db *db, const char *key, int by_program,
    struct pprogram_row *row, struct problem *p)
{
	memset(row, 0, sizeof(*row));
	return db_one_row(
	    db_exec_id(db,
	        by_program ? &sql_pprogram_by_code : &sql_pprogram_get, key, 0,
	        p),
	    pprogram_fill, row);
}

int
store_pprogram_set(
    struct db *db, const char *partner, int open, time_t now, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, partner);
	dbargs_bool(&a, open);
	dbargs_time(&a, now);
	return db_run_args(db, &sql_pprogram_set, &a, p);
}

int
store_pinvite_token(struct db *db, const char *id, const unsigned char hash[32],
    time_t *expires_at, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_bytea(&a, hash, 32);
	return db_one_row(db_exec_args(db, &sql_pinvite_token, &a, 0, p),
	    ends_fill, expires_at);
}

static void
pinvite_fill(const PGresult *r, int i, void *arg)
{
	struct pinvite_row *row = arg;

	memset(row, 0, sizeof(*row));
	db_text_copy(r, i, "id", row->id, sizeof(row->id));
	db_text_copy(
	    r, i, "partner_id", row->partner_id, sizeof(row->partner_id));
	db_text_copy(r, i, "program", row->program, sizeof(row->program));
	db_text_copy(r, i, "email", row->email, sizeof(row->email));
	db_text_copy(r, i, "application_id", row->application_id,
	    sizeof(row->application_id));
	row->opened_at = db_time(r, i, "opened_at");
	row->expires_at = db_time(r, i, "expires_at");
}

int
store_pinvite_by_token(struct db *db, const unsigned char hash[32], int lock,
    struct pinvite_row *row, struct problem *p)
{
	struct dbargs a;

	memset(row, 0, sizeof(*row));
	dbargs_init(&a);
	dbargs_bytea(&a, hash, 32);
	return db_one_row(
	    db_exec_args(db,
	        lock ? &sql_pinvite_by_token_lock : &sql_pinvite_by_token, &a,
	        0, p),
	    pinvite_fill, row);
}

int
store_pinvite_opened(
    struct db *db, const char *id, time_t now, struct problem *p)
{
	struct dbargs a;
	long n;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_time(&a, now);
	n = db_count(db_exec_args(db, &sql_pinvite_opened, &a, 0, p));
	return n < 0 ? -1 : n > 0;
}

int
store_pinvite_applied(struct db *db, const char *id, const char *app,
    time_t now, struct problem *p)
{
	struct dbargs a;
	long n;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, app);
	dbargs_time(&a, now);
	n = db_count(db_exec_args(db, &sql_pinvite_applied, &a, 0, p));
	return n < 0 ? -1 : n > 0;
}
