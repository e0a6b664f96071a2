#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "api/store/audit.h"
#include "api/store/db.h"
#include "api/store/tx.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define AUDIT_STR2(x) #x
#define AUDIT_STR(x)  AUDIT_STR2(x)

static const struct sql sql_audit_lock = {"audit_lock",
    "SELECT pg_advisory_xact_lock(" AUDIT_STR(AUDIT_LOCK_KEY) ")", 0};

static const struct sql sql_audit_try_lock = {"audit_try_lock",
    "SELECT pg_try_advisory_xact_lock(" AUDIT_STR(AUDIT_LOCK_KEY) ") AS got",
    0};

static const struct sql sql_audit_last = {"audit_last",
    "SELECT id, hash FROM audit_log WHERE id IS NOT NULL "
    "ORDER BY id DESC LIMIT 1",
    0};

static const struct sql sql_audit_insert = {"audit_insert",
    "INSERT INTO audit_log (at, actor, action, subject, details) "
    "VALUES ($1, $2, $3, $4, $5)",
    5};

/* The pending records, in the order written, at most $1. */
static const struct sql sql_audit_pending = {"audit_pending",
    "SELECT entry, to_char(at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS at, actor, action, subject, "
    "details FROM audit_log WHERE id IS NULL ORDER BY entry LIMIT $1",
    1};

/* $1 the name of a server secret. */
static const struct sql sql_audit_secret = {
    "audit_secret", "SELECT secret FROM server_secrets WHERE name = $1", 1};

/* Sequences a batch: $1 entries, $2 ids, $3 prev hashes, $4 hashes (hex). */
static const struct sql sql_audit_sequence = {"audit_sequence",
    "UPDATE audit_log a SET id = v.id, prev_hash = decode(v.prev, 'hex'), "
    "hash = decode(v.hash, 'hex') FROM unnest($1::bigint[], $2::bigint[], "
    "$3::text[], $4::text[]) AS v(entry, id, prev, hash) "
    "WHERE a.entry = v.entry AND a.id IS NULL",
    4};

static const struct sql sql_audit_pending_count = {"audit_pending_count",
    "SELECT count(*) AS n FROM audit_log WHERE id IS NULL", 0};

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
 * At commit: writes rec unsequenced (no id, no hash yet), with no lock:
 * audit_sequence gives it its place in the chain once it has committed.
 */
static int
audit_write(struct db *db, void *arg, struct problem *p)
{
	struct audit_record *rec = arg;
	struct dbargs a;
	char attext[WALLCLOCK_RFC3339_LEN];

	dbargs_init(&a);
	wallclock_format(rec->at, attext, sizeof(attext));
	dbargs_text(&a, attext);
	dbargs_text(&a, rec->actor);
	dbargs_text(&a, rec->action);
	dbargs_text(&a, rec->subject);
	dbargs_text(&a, rec->details);
	return db_run_args(db, &sql_audit_insert, &a, p);
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
	if (!db_in_transaction(db)) {
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

/* The hashes of one batch, as the text arrays of sql_audit_sequence. */
struct audit_batch {
	char *entries, *ids, *prevs, *hashes; /* "{...}" */
	size_t len[4];                        /* used of each */
};

static void
audit_batch_add(char *buf, size_t *len, size_t cap, const char *v)
{
	int n;

	n = snprintf(buf + *len, cap - *len, "%s%s",
	    *len > 1 && v[0] != '}' ? "," : "", v);
	if (n > 0 && (size_t)n < cap - *len)
		*len += (size_t)n;
}

int
audit_sequence(
    struct db *db, int max, int wait, long long *sequenced, struct problem *p)
{
	struct audit_batch b;
	struct tx tx;
	PGresult *r = NULL, *u = NULL;
	struct dbargs a;
	unsigned char prev[DIGEST_LEN], hash[DIGEST_LEN];
	char num[24], hex[2][DIGEST_HEX_LEN];
	long long id = 1;
	size_t cap;
	int i, n, rc = -1;

	*sequenced = 0;
	memset(&b, 0, sizeof(b));
	if (max < 1 || max > AUDIT_SEQUENCE_MAX)
		max = AUDIT_SEQUENCE_MAX;
	if (tx_begin(&tx, db, wallclock_now(), "system", p) == -1)
		return -1;
	if (wait) {
		if (db_run(db, &sql_audit_lock, NULL, p) == -1)
			goto out;
	} else {
		if ((r = db_exec(db, &sql_audit_try_lock, NULL, p)) == NULL)
			goto out;
		if (!db_bool(r, 0, "got")) {
			rc = 0; /* another sequences now */
			goto out;
		}
		PQclear(r);
	}
	if ((r = db_exec_binary(db, &sql_audit_last, NULL, p)) == NULL)
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
	PQclear(r);
	dbargs_init(&a);
	dbargs_int(&a, max);
	r = db_exec_args(db, &sql_audit_pending, &a, 0, p);
	if (r == NULL)
		goto out;
	if ((n = PQntuples(r)) == 0) {
		rc = 0;
		goto out;
	}
	cap = (size_t)n * (DIGEST_HEX_LEN + 1) + 8;
	b.entries = xmalloc(cap);
	b.ids = xmalloc(cap);
	b.prevs = xmalloc(cap);
	b.hashes = xmalloc(cap);
	memcpy(b.entries, "{", 2);
	memcpy(b.ids, "{", 2);
	memcpy(b.prevs, "{", 2);
	memcpy(b.hashes, "{", 2);
	b.len[0] = b.len[1] = b.len[2] = b.len[3] = 1;
	for (i = 0; i < n; i++, id++) {
		if (audit_hash(prev, id, db_text(r, i, "at"),
		        db_text(r, i, "actor"), db_text(r, i, "action"),
		        db_text(r, i, "subject"), db_text(r, i, "details"),
		        hash) == -1) {
			problem_internal(p);
			goto out;
		}
		digest_hex(prev, DIGEST_LEN, hex[0]);
		digest_hex(hash, DIGEST_LEN, hex[1]);
		snprintf(num, sizeof(num), "%lld", db_int(r, i, "entry"));
		audit_batch_add(b.entries, &b.len[0], cap, num);
		snprintf(num, sizeof(num), "%lld", id);
		audit_batch_add(b.ids, &b.len[1], cap, num);
		audit_batch_add(b.prevs, &b.len[2], cap, hex[0]);
		audit_batch_add(b.hashes, &b.len[3], cap, hex[1]);
		memcpy(prev, hash, sizeof(prev));
	}
	audit_batch_add(b.entries, &b.len[0], cap, "}");
	audit_batch_add(b.ids, &b.len[1], cap, "}");
	audit_batch_add(b.prevs, &b.len[2], cap, "}");
	audit_batch_add(b.hashes, &b.len[3], cap, "}");
	dbargs_init(&a);
	dbargs_text(&a, b.entries);
	dbargs_text(&a, b.ids);
	dbargs_text(&a, b.prevs);
	dbargs_text(&a, b.hashes);
	if ((u = db_exec_args(db, &sql_audit_sequence, &a, 0, p)) == NULL)
		goto out;
	if (strcmp(PQcmdTuples(u), "") == 0 ||
	    strtoll(PQcmdTuples(u), NULL, 10) != n) {
		/* Under the lock nobody else sequences: a row that changed
		 * under us is a fault, and nothing of the batch is kept. */
		log_error(
		    "audit records changed while sequenced", "batch=%d", n);
		problem_internal(p);
		goto out;
	}
	if (tx_commit(&tx, p) == -1)
		goto out;
	*sequenced = n;
	rc = 0;
out:
	PQclear(r);
	PQclear(u);
	free(b.entries);
	free(b.ids);
	free(b.prevs);
	free(b.hashes);
	tx_abort(&tx);
	return rc;
}

int
audit_sequence_all(struct db *db, long long *sequenced, struct problem *p)
{
	long long n;

	*sequenced = 0;
	do {
		if (audit_sequence(db, AUDIT_SEQUENCE_MAX, 1, &n, p) == -1)
			return -1;
		*sequenced += n;
	} while (n == AUDIT_SEQUENCE_MAX);
	return 0;
}

int
audit_pending(struct db *db, long long *pending, struct problem *p)
{
	PGresult *r;

	*pending = 0;
	if ((r = db_exec(db, &sql_audit_pending_count, NULL, p)) == NULL)
		return -1;
	*pending = db_int(r, 0, "n");
	PQclear(r);
	return 0;
}

int
audit_keyed_hash(
    struct db *db, const char *value, char out[65], struct problem *p)
{
	unsigned char key[64];
	PGresult *r;
	long n;

	out[0] = '\0';
	if ((r = db_exec_id(db, &sql_audit_secret, "audit-hash", 1, p)) == NULL)
		return -1;
	n = PQntuples(r) == 1 ? db_bytea(r, 0, "secret", key, sizeof(key)) : -1;
	PQclear(r);
	if (n < DIGEST_LEN) {
		log_error(
		    "audit: the audit-hash key is missing or short", NULL);
		OPENSSL_cleanse(key, sizeof(key));
		return problem_internal(p);
	}
	digest_hmac_sha256_hex(key, (size_t)n, value, strlen(value), out);
	OPENSSL_cleanse(key, sizeof(key));
	return 0;
}
