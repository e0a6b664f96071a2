/*
 * The audit chain inside transactions (api/store/audit.c, api/store/db.c's
 * deferred work): rows are written at commit, under the chain's lock taken
 * last.
 */
#include <string.h>

#include "api/store/audit.h"
#include "api/store/tx.h"
#include "tests/store/test_store.h"

#define T0 1800000000 /* 2027-01-15 */

static long long
rows(struct db *db)
{
	return store_test_count(db, "SELECT count(*) FROM audit_log");
}

static void
chain_intact(struct db *db, long long want)
{
	long long checked = 0, bad = 0;
	struct problem p;

	problem_clear(&p);
	CU_ASSERT_EQUAL(audit_verify(db, &checked, &bad, &p), 0);
	CU_ASSERT_EQUAL(checked, want);
}

static void
empty_log(struct db *db)
{
	store_test_sql(db, "DELETE FROM audit_checkpoints");
	store_test_sql(db, "DELETE FROM audit_log");
}

/*
 * A transaction that has appended but not committed does not hold the
 * chain's lock: another appends and commits past it (with a lock
 * timeout, a waiting append would fail), and the rows take ids in the
 * order of their commits.
 */
static void
test_lock_taken_at_commit(void)
{
	struct db *a = store_test_db(), *b = store_test_db();
	struct problem p;

	problem_clear(&p);
	empty_log(a);
	store_test_sql(b, "SET lock_timeout = '1s'");
	CU_ASSERT_FATAL(db_begin(a, &p) == 0);
	CU_ASSERT(
	    audit_append(a, T0, "system", "test.first", "a", NULL, &p) == 0);
	CU_ASSERT_FATAL(db_begin(b, &p) == 0);
	CU_ASSERT(
	    audit_append(b, T0, "system", "test.second", "b", NULL, &p) == 0);
	CU_ASSERT(db_commit(b, &p) == 0);
	CU_ASSERT(db_commit(a, &p) == 0);
	CU_ASSERT_EQUAL(store_test_count(a,
	                    "SELECT id FROM audit_log "
	                    "WHERE action = 'test.second'"),
	    1);
	CU_ASSERT_EQUAL(store_test_count(a,
	                    "SELECT id FROM audit_log "
	                    "WHERE action = 'test.first'"),
	    2);
	chain_intact(a, 2);
	db_free(a);
	db_free(b);
}

/* Rolled back, or rolled back to a savepoint made before it: no row. */
static void
test_rollback_leaves_no_row(void)
{
	struct db *db = store_test_db();
	struct problem p;

	problem_clear(&p);
	empty_log(db);
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT(
	    audit_append(db, T0, "system", "test.gone", "x", NULL, &p) == 0);
	db_rollback(db);
	CU_ASSERT_EQUAL(rows(db), 0);

	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT(
	    audit_append(db, T0, "system", "test.kept", "1", NULL, &p) == 0);
	CU_ASSERT(db_savepoint(db, &p) == 0);
	CU_ASSERT(
	    audit_append(db, T0, "system", "test.undone", "2", NULL, &p) == 0);
	CU_ASSERT(db_rollback_savepoint(db, &p) == 0);
	/* nested: an inner savepoint rolled back keeps the outer's work */
	CU_ASSERT(
	    audit_append(db, T0, "system", "test.kept", "3", NULL, &p) == 0);
	CU_ASSERT(db_savepoint(db, &p) == 0);
	CU_ASSERT(
	    audit_append(db, T0, "system", "test.undone", "4", NULL, &p) == 0);
	CU_ASSERT(db_rollback_savepoint(db, &p) == 0);
	CU_ASSERT(db_commit(db, &p) == 0);
	CU_ASSERT_EQUAL(rows(db), 2);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM audit_log "
	                    "WHERE action = 'test.undone'"),
	    0);
	chain_intact(db, 2);
	db_free(db);
}

/* Outside a transaction an append is refused, and nothing is written. */
static void
test_append_outside_transaction(void)
{
	struct db *db = store_test_db();
	struct problem p;

	problem_clear(&p);
	empty_log(db);
	CU_ASSERT(
	    audit_append(db, T0, "system", "test.x", "x", NULL, &p) == -1);
	CU_ASSERT_EQUAL(p.status, 500);
	CU_ASSERT_EQUAL(rows(db), 0);
	db_free(db);
}

static int
refuse(struct db *db, void *arg, struct problem *p)
{
	(void)db;
	(void)arg;
	return problem_set(p, 409, "conflict", "Conflict", "refused");
}

/* Deferred work that fails at commit undoes the whole transaction. */
static void
test_deferred_failure_rolls_back(void)
{
	struct db *db = store_test_db();
	struct problem p;

	problem_clear(&p);
	empty_log(db);
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT(audit_append(db, T0, "system", "test.x", "x", NULL, &p) == 0);
	CU_ASSERT(db_defer(db, refuse, NULL, NULL, &p) == 0);
	CU_ASSERT(db_commit(db, &p) == -1);
	CU_ASSERT_EQUAL(p.status, 409);
	CU_ASSERT(PQtransactionStatus(db_conn(db)) == PQTRANS_IDLE);
	CU_ASSERT_EQUAL(rows(db), 0);
	db_free(db);
}

/* Flushed inside a savepoint, as the job runner does: written at once; a
 * failure is undone by a rollback to the savepoint, and the transaction
 * goes on. */
static void
test_flush_in_savepoint(void)
{
	struct db *db = store_test_db();
	struct problem p;

	problem_clear(&p);
	empty_log(db);
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT(db_savepoint(db, &p) == 0);
	CU_ASSERT(
	    audit_append(db, T0, "system", "test.job", "1", NULL, &p) == 0);
	CU_ASSERT(db_flush(db, &p) == 0);
	CU_ASSERT_EQUAL(rows(db), 1); /* written, not yet committed */
	CU_ASSERT(db_savepoint(db, &p) == 0);
	CU_ASSERT(
	    audit_append(db, T0, "system", "test.job", "2", NULL, &p) == 0);
	CU_ASSERT(db_defer(db, refuse, NULL, NULL, &p) == 0);
	CU_ASSERT(db_flush(db, &p) == -1);
	problem_clear(&p);
	CU_ASSERT(db_rollback_savepoint(db, &p) == 0);
	CU_ASSERT(db_commit(db, &p) == 0);
	CU_ASSERT_EQUAL(rows(db), 1);
	chain_intact(db, 1);
	db_free(db);
}

/* A job's unit of work joins the runner's transaction: it audits into it,
 * cannot commit it, and its abort leaves it to the owner. */
static void
test_joined_unit_of_work(void)
{
	struct db *db = store_test_db();
	struct problem p;
	struct tx tx;

	problem_clear(&p);
	empty_log(db);
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	tx_join(&tx, db, T0, "system");
	CU_ASSERT(tx_audit(&tx, "test.joined", "1", NULL, &p) == 0);
	CU_ASSERT(tx_commit(&tx, &p) == -1);
	CU_ASSERT_EQUAL(p.status, 500);
	problem_clear(&p);
	tx_abort(&tx); /* the owner's transaction stays open */
	CU_ASSERT(db_commit(db, &p) == 0);
	CU_ASSERT_EQUAL(rows(db), 1);
	chain_intact(db, 1);
	db_free(db);
}

void
test_store_add_audit(void)
{
	CU_pSuite s = CU_add_suite("audit", NULL, NULL);

	CU_add_test(s, "lock taken at commit", test_lock_taken_at_commit);
	CU_add_test(s, "rollback leaves no row", test_rollback_leaves_no_row);
	CU_add_test(
	    s, "append outside a transaction", test_append_outside_transaction);
	CU_add_test(
	    s, "deferred failure rolls back", test_deferred_failure_rolls_back);
	CU_add_test(s, "flush in a savepoint", test_flush_in_savepoint);
	CU_add_test(s, "joined unit of work", test_joined_unit_of_work);
}
