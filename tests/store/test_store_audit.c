/*
 * The audit chain inside transactions (api/store/audit.c, api/store/db.c's
 * deferred work): rows are written pending at commit, with no lock, and
 * the sequencer gives them their place in the chain.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "api/store/audit.h"
#include "api/store/tx.h"
#include "tests/store/test_store.h"

#define T0 1800000000 /* 2027-01-15T08:00:00Z */
#define ZERO_HASH                                                              \
	"0000000000000000000000000000000000000000000000000000000000000000"

static long long
rows(struct db *db)
{
	return store_test_count(db, "SELECT count(*) FROM audit_log");
}

static long long
pending(struct db *db)
{
	long long n = -1;
	struct problem p;

	problem_clear(&p);
	CU_ASSERT(audit_pending(db, &n, &p) == 0);
	return n;
}

/* Sequences what is pending, then walks the chain: want rows, intact. */
static void
chain_intact(struct db *db, long long want)
{
	long long checked = 0, bad = 0, n = 0;
	struct problem p;

	problem_clear(&p);
	CU_ASSERT_EQUAL(audit_sequence_all(db, &n, &p), 0);
	CU_ASSERT_EQUAL(pending(db), 0);
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
 * order the sequencer finds them committed: a's row, written first but
 * committed last, is passed over until it commits.
 */
static void
test_lock_taken_at_commit(void)
{
	struct db *a = store_test_db(), *b = store_test_db();
	struct problem p;
	long long n = 0;

	problem_clear(&p);
	empty_log(a);
	store_test_sql(b, "SET lock_timeout = '1s'");
	CU_ASSERT_FATAL(db_begin(a, &p) == 0);
	CU_ASSERT(
	    audit_append(a, T0, "system", "test.first", "a", NULL, &p) == 0);
	CU_ASSERT(db_flush(a, &p) == 0); /* written, not committed */
	CU_ASSERT_FATAL(db_begin(b, &p) == 0);
	CU_ASSERT(
	    audit_append(b, T0, "system", "test.second", "b", NULL, &p) == 0);
	CU_ASSERT(db_commit(b, &p) == 0);
	CU_ASSERT(audit_sequence_all(b, &n, &p) == 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT(db_commit(a, &p) == 0);
	CU_ASSERT(audit_sequence_all(b, &n, &p) == 0);
	CU_ASSERT_EQUAL(n, 1);
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

/*
 * Committed and not yet sequenced: the row is there, with its change,
 * counted as pending and outside the chain; the sequencer then gives it
 * the next id and a hash that verifies.
 */
static void
test_pending_then_sequenced(void)
{
	struct db *db = store_test_db();
	struct problem p;
	long long n = 0, checked = -1, bad = 0;

	problem_clear(&p);
	empty_log(db);
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT(
	    audit_append(db, T0, "system", "test.one", "1", NULL, &p) == 0);
	CU_ASSERT(db_commit(db, &p) == 0);
	CU_ASSERT_EQUAL(rows(db), 1);
	CU_ASSERT_EQUAL(pending(db), 1);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM audit_log WHERE id IS NULL "
	                    "AND hash IS NULL AND action = 'test.one'"),
	    1);
	CU_ASSERT_EQUAL(audit_verify(db, &checked, &bad, &p), 0);
	CU_ASSERT_EQUAL(checked, 0);
	CU_ASSERT(audit_sequence(db, 0, 0, &n, &p) == 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(pending(db), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT id FROM audit_log WHERE action = "
	                    "'test.one'"),
	    1);
	/* the hash is the documented one (api/store/audit.h's recipe) */
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM audit_log WHERE id = 1 AND "
	                    "prev_hash = '\\x" ZERO_HASH "' AND hash = "
	                    "sha256(prev_hash || int8send(1) || '1'::bytea || "
	                    "int8send(20) || '2027-01-15T08:00:00Z'::bytea || "
	                    "int8send(6) || 'system'::bytea || int8send(8) || "
	                    "'test.one'::bytea || int8send(1) || '1'::bytea || "
	                    "int8send(2) || '{}'::bytea)"),
	    1);
	/* nothing pending: a run is a no-op */
	CU_ASSERT(audit_sequence(db, 0, 0, &n, &p) == 0);
	CU_ASSERT_EQUAL(n, 0);
	chain_intact(db, 1);
	db_free(db);
}

/*
 * One sequencer at a time: while another holds the lock, a run that does
 * not wait sequences nothing (and fails nothing), and one that waits
 * sequences once the lock is free.
 */
static void
test_one_sequencer_at_a_time(void)
{
	struct db *db = store_test_db(), *other = store_test_db();
	struct problem p;
	long long n = -1;

	problem_clear(&p);
	empty_log(db);
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT(audit_append(db, T0, "system", "test.x", "x", NULL, &p) == 0);
	CU_ASSERT(db_commit(db, &p) == 0);
	CU_ASSERT_FATAL(db_begin(other, &p) == 0);
	store_test_sql(other, "SELECT pg_advisory_xact_lock(7358240002)");
	CU_ASSERT(audit_sequence(db, 0, 0, &n, &p) == 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(pending(db), 1);
	CU_ASSERT(db_commit(other, &p) == 0);
	CU_ASSERT(audit_sequence(db, 0, 0, &n, &p) == 0);
	CU_ASSERT_EQUAL(n, 1);
	chain_intact(db, 1);
	db_free(db);
	db_free(other);
}

/*
 * The chain cannot fork: a second row at a position already taken is
 * refused by the database, whoever writes it (here by hand, past the
 * sequencer's lock), and the chain stays as the sequencer made it.
 */
static void
test_no_second_row_at_a_position(void)
{
	struct db *db = store_test_db();
	struct problem p;

	problem_clear(&p);
	empty_log(db);
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT(audit_append(db, T0, "system", "test.a", "a", NULL, &p) == 0);
	CU_ASSERT(audit_append(db, T0, "system", "test.b", "b", NULL, &p) == 0);
	CU_ASSERT(db_commit(db, &p) == 0);
	chain_intact(db, 2);
	CU_ASSERT(db_begin(db, &p) == 0);
	CU_ASSERT(audit_append(db, T0, "system", "test.c", "c", NULL, &p) == 0);
	CU_ASSERT(db_commit(db, &p) == 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM pg_indexes WHERE indexname "
	                    "= 'audit_log_id' AND indexdef LIKE '%UNIQUE%'"),
	    1);
	/* a fork at id 2, written as a second sequencer would */
	{
		PGresult *r = PQexec(db_conn(db),
		    "UPDATE audit_log SET id = 2, prev_hash = (SELECT hash "
		    "FROM audit_log WHERE id = 1), hash = '\\x01' "
		    "WHERE action = 'test.c'");

		CU_ASSERT_STRING_EQUAL(
		    PQresultErrorField(r, PG_DIAG_SQLSTATE), "23505");
		PQclear(r);
	}
	chain_intact(db, 3);
	db_free(db);
}

/* Several sequencers at once (as on several nodes), while records keep
 * coming: every record sequenced once, one chain without a fork. */
#define RACE_WRITERS    2
#define RACE_RECORDS    600 /* per writer */
#define RACE_SEQUENCERS 3

struct race {
	atomic_int writers_done; /* writers finished */
	int failed;              /* a call failed */
};

static void *
race_writer(void *arg)
{
	struct race *rc = arg;
	struct db *db = store_test_db();
	struct problem p;
	int i;

	problem_clear(&p);
	for (i = 0; i < RACE_RECORDS; i++) {
		if (db_begin(db, &p) == -1 ||
		    audit_append(db, T0 + i, "system", "test.race", "r", NULL,
		        &p) == -1 ||
		    db_commit(db, &p) == -1) {
			rc->failed = 1;
			break;
		}
	}
	atomic_fetch_add(&rc->writers_done, 1);
	db_free(db);
	return NULL;
}

static void *
race_sequencer(void *arg)
{
	struct race *rc = arg;
	struct db *db = store_test_db();
	struct problem p;
	long long n;
	int done;

	problem_clear(&p);
	do {
		done = atomic_load(&rc->writers_done) == RACE_WRITERS;
		/* small batches, so that runs interleave */
		if (audit_sequence(db, 7, 0, &n, &p) == -1) {
			rc->failed = 1;
			break;
		}
	} while (!done || n > 0);
	db_free(db);
	return NULL;
}

static void
test_sequencers_race(void)
{
	pthread_t w[RACE_WRITERS], s[RACE_SEQUENCERS];
	struct db *db = store_test_db();
	struct race rc;
	int i;

	memset(&rc, 0, sizeof(rc));
	atomic_init(&rc.writers_done, 0);
	empty_log(db);
	for (i = 0; i < RACE_SEQUENCERS; i++)
		CU_ASSERT_FATAL(
		    pthread_create(&s[i], NULL, race_sequencer, &rc) == 0);
	for (i = 0; i < RACE_WRITERS; i++)
		CU_ASSERT_FATAL(
		    pthread_create(&w[i], NULL, race_writer, &rc) == 0);
	for (i = 0; i < RACE_WRITERS; i++)
		pthread_join(w[i], NULL);
	for (i = 0; i < RACE_SEQUENCERS; i++)
		pthread_join(s[i], NULL);
	CU_ASSERT_EQUAL(rc.failed, 0);
	CU_ASSERT_EQUAL(pending(db), 0);
	CU_ASSERT_EQUAL(
	    store_test_count(db, "SELECT count(DISTINCT id) FROM audit_log"),
	    RACE_WRITERS * RACE_RECORDS);
	chain_intact(db, RACE_WRITERS * RACE_RECORDS);
	db_free(db);
}

/* A sequenced record altered, or one removed from the middle, is found
 * by the walk; a record sequenced after it does not mend the chain. */
static void
test_tampering_detected(void)
{
	struct db *db = store_test_db();
	struct problem p;
	long long checked = 0, bad = 0, n = 0;
	int i;

	problem_clear(&p);
	empty_log(db);
	for (i = 0; i < 4; i++) {
		CU_ASSERT_FATAL(db_begin(db, &p) == 0);
		CU_ASSERT(audit_append(
		              db, T0, "system", "test.t", "t", NULL, &p) == 0);
		CU_ASSERT(db_commit(db, &p) == 0);
	}
	chain_intact(db, 4);
	store_test_sql(
	    db, "UPDATE audit_log SET actor = 'mallory' WHERE id = 2");
	CU_ASSERT_EQUAL(audit_verify(db, &checked, &bad, &p), 1);
	CU_ASSERT_EQUAL(bad, 2);
	store_test_sql(
	    db, "UPDATE audit_log SET actor = 'system' WHERE id = 2");
	store_test_sql(db, "DELETE FROM audit_log WHERE id = 3");
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT(audit_append(db, T0, "system", "test.t", "t", NULL, &p) == 0);
	CU_ASSERT(db_commit(db, &p) == 0);
	CU_ASSERT(audit_sequence_all(db, &n, &p) == 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(audit_verify(db, &checked, &bad, &p), 1);
	CU_ASSERT_EQUAL(bad, 4);
	CU_ASSERT_EQUAL(checked, 2);
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
	CU_add_test(s, "pending, then sequenced", test_pending_then_sequenced);
	CU_add_test(s, "one sequencer at a time", test_one_sequencer_at_a_time);
	CU_add_test(
	    s, "no second row at a position", test_no_second_row_at_a_position);
	CU_add_test(s, "sequencers race", test_sequencers_race);
	CU_add_test(s, "tampering detected", test_tampering_detected);
}
