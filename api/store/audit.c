#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "api/store/audit.h"
#include "api/store/db.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define AUDIT_STR2(x) #x
#define AUDIT_STR(x)  AUDIT_STR2(x)

static const struct sql sql_audit_lock = {"audit_lock",
    "SELECT pg_advisory_xact_lock(" AUDIT_STR(AUDIT_LOCK_KEY) ")", 0};

static const struct sql sql_audit_last = {
    "audit_last", "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", 0};

static const struct sql sql_audit_insert = {"audit_insert",
    "INSERT INTO audit_log (id, at, actor, action, subject, details, "
    "prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    8};

static const struct sql sql_audit_page = {"audit_page",
    "SELECT id, to_char(at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS at, actor, action, subject, "
    "details::text AS details, prev_hash, hash FROM audit_log WHERE id > $1 "
    "ORDER BY id "
    "LIMIT " AUDIT_STR(AUDIT_PAGE),
    1};

/* Hashes one length-prefixed field. */
static int
audit_field(EVP_MD_CTX *ctx, const char *s)
{
	unsigned char len[8];
	size_t n, i;

	n = strlen(s);
	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)((unsigned long long)n >> (56 - 8 * i));
	if (EVP_DigestUpdate(ctx, len, sizeof(len)) != 1 ||
	    EVP_DigestUpdate(ctx, s, n) != 1)
		return -1;
	return 0;
}

int
audit_hash(const unsigned char prev[32], long long id, const char *at_rfc3339,
    const char *actor, const char *action, const char *subject,
    const char *details_json, unsigned char out[32])
{
	EVP_MD_CTX *ctx = NULL;
	char idtext[24];
	unsigned int n = 0;
	int rc = -1;

	if (prev == NULL || id < 1 || at_rfc3339 == NULL || actor == NULL ||
	    action == NULL || subject == NULL || details_json == NULL ||
	    out == NULL)
		return -1;
	snprintf(idtext, sizeof(idtext), "%lld", id);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, prev, DIGEST_LEN) != 1 ||
	    audit_field(ctx, idtext) == -1 ||
	    audit_field(ctx, at_rfc3339) == -1 ||
	    audit_field(ctx, actor) == -1 || audit_field(ctx, action) == -1 ||
	    audit_field(ctx, subject) == -1 ||
	    audit_field(ctx, details_json) == -1 ||
	    EVP_DigestFinal_ex(ctx, out, &n) != 1 || n != DIGEST_LEN) {
		log_openssl("audit hash failed");
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* One row waiting for its transaction's commit. */
struct audit_record {
	time_t at;
	char *actor, *action, *subject, *details;
};

static void
audit_record_free(void *arg)
{
	struct audit_record *rec = arg;

	free(rec->actor);
	free(rec->action);
	free(rec->subject);
	free(rec->details);
	free(rec);
}

/*
 * At commit: takes the chain's lock, reads the head and appends rec.  The
 * lock is held from here to COMMIT only: nothing the transaction did
 * before (signatures, other rows) runs under it.
 */
static int
audit_write(struct db *db, void *arg, struct problem *p)
{
	struct audit_record *rec = arg;
	PGresult *r = NULL;
	struct dbargs a;
	unsigned char prev[DIGEST_LEN], hash[DIGEST_LEN];
	char attext[WALLCLOCK_RFC3339_LEN];
	long long id = 1;
	int rc = -1;

	dbargs_init(&a);
	if (db_run(db, &sql_audit_lock, NULL, p) == -1)
		goto out;
	if ((r = db_exec(db, &sql_audit_last, NULL, p)) == NULL)
		goto out;
	memset(prev, 0, sizeof(prev));
	if (PQntuples(r) == 1) {
		id = db_int(r, 0, "id") + 1;
		if (db_bytea(r, 0, "hash", prev, sizeof(prev)) != DIGEST_LEN) {
			log_error("audit log head has a malformed hash",
			    "id=%lld", id - 1);
			problem_internal(p);
			goto out;
		}
	}
	wallclock_format(rec->at, attext, sizeof(attext));
	if (audit_hash(prev, id, attext, rec->actor, rec->action, rec->subject,
	        rec->details, hash) == -1) {
		problem_internal(p);
		goto out;
	}
	dbargs_int(&a, id);
	dbargs_text(&a, attext);
	dbargs_text(&a, rec->actor);
	dbargs_text(&a, rec->action);
	dbargs_text(&a, rec->subject);
	dbargs_text(&a, rec->details);
	dbargs_bytea(&a, prev, sizeof(prev));
	dbargs_bytea(&a, hash, sizeof(hash));
	if (db_run(db, &sql_audit_insert, &a, p) == -1)
		goto out;
	rc = 0;
out:
	dbargs_free(&a);
	PQclear(r);
	return rc;
}

int
audit_append(struct db *db, time_t at, const char *actor, const char *action,
    const char *subject, json_t *details, struct problem *p)
{
	struct audit_record *rec;
	char *json;

	if (actor == NULL || action == NULL || subject == NULL || at < 0) {
		log_error("audit append with missing field", "action=%s",
		    action != NULL ? action : "");
		return problem_internal(p);
	}
	if (db_conn(db) == NULL ||
	    PQtransactionStatus(db_conn(db)) != PQTRANS_INTRANS) {
		log_error(
		    "audit append outside a transaction", "action=%s", action);
		return problem_internal(p);
	}
	if (details != NULL)
		json = json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS);
	else
		json = xstrdup("{}");
	if (json == NULL) {
		log_error(
		    "audit details not serialisable", "action=%s", action);
		return problem_internal(p);
	}
	rec = xcalloc(1, sizeof(*rec));
	rec->at = at;
	rec->actor = xstrdup(actor);
	rec->action = xstrdup(action);
	rec->subject = xstrdup(subject);
	rec->details = json;
	return db_defer(db, audit_write, audit_record_free, rec, p);
}

/* Checks one row against the chain so far; 0 if it follows, else -1 and
 * *why says how it breaks. */
static int
audit_check_row(const PGresult *r, int row, long long want_id,
    const unsigned char prev[32], unsigned char hash[32], const char **why)
{
	unsigned char stored_prev[DIGEST_LEN], computed[DIGEST_LEN];
	const char *at, *actor, *action, *subject, *details;

	if (db_int(r, row, "id") != want_id) {
		*why = "id does not follow";
		return -1;
	}
	at = db_text(r, row, "at");
	actor = db_text(r, row, "actor");
	action = db_text(r, row, "action");
	subject = db_text(r, row, "subject");
	details = db_text(r, row, "details");
	if (db_bytea(r, row, "prev_hash", stored_prev, sizeof(stored_prev)) !=
	        DIGEST_LEN ||
	    db_bytea(r, row, "hash", hash, DIGEST_LEN) != DIGEST_LEN) {
		*why = "malformed hash";
		return -1;
	}
	if (!digest_equal(stored_prev, prev, DIGEST_LEN)) {
		*why = "prev_hash is not the previous row's hash";
		return -1;
	}
	if (audit_hash(prev, want_id, at, actor, action, subject, details,
	        computed) == -1 ||
	    !digest_equal(computed, hash, DIGEST_LEN)) {
		*why = "hash does not recompute";
		return -1;
	}
	return 0;
}

int
audit_verify(
    struct db *db, long long *checked, long long *first_bad, struct problem *p)
{
	PGresult *r = NULL;
	struct dbargs a;
	unsigned char prev[DIGEST_LEN], hash[DIGEST_LEN];
	const char *why = NULL;
	long long next = 1;
	int i, n, rc = -1;

	*checked = 0;
	*first_bad = 0;
	memset(prev, 0, sizeof(prev));
	for (;;) {
		dbargs_init(&a);
		dbargs_int(&a, next - 1);
		r = db_exec(db, &sql_audit_page, &a, p);
		dbargs_free(&a);
		if (r == NULL)
			goto out;
		if ((n = PQntuples(r)) == 0)
			break;
		for (i = 0; i < n; i++) {
			if (audit_check_row(r, i, next, prev, hash, &why) ==
			    -1) {
				*first_bad = db_int(r, i, "id");
				log_warn("audit chain broken",
				    "id=%lld expected=%lld reason=\"%s\"",
				    *first_bad, next, why);
				rc = 1;
				goto out;
			}
			memcpy(prev, hash, sizeof(prev));
			(*checked)++;
			next++;
		}
		PQclear(r);
		r = NULL;
		if (n < AUDIT_PAGE)
			break;
	}
	rc = 0;
out:
	PQclear(r);
	return rc;
}
