/*
 * api/store/db.c's readers by column name, on text and on binary results of
 * the same query: the same values; and the round trips of a unit of work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/store/db.h"
#include "api/store/tx.h"
#include "tests/store/test_store.h"

#define DB_TYPES_SQL                                                           \
	"SELECT 'héllo'::text AS t, 'v'::varchar AS v, "                      \
	"-5000000000::int8 AS i8, -7::int4 AS i4, 300::int2 AS i2, "           \
	"true AS yes, false AS no, NULL::int4 AS nothing, "                    \
	"'\\x00ff10'::bytea AS b, "                                            \
	"'2027-01-15 08:00:00.9+00'::timestamptz AS ts, "                      \
	"'1999-12-31 23:59:59.5+00'::timestamptz AS old"

static const struct sql sql_types = {"types", DB_TYPES_SQL, 0};

static void
check_types(int binary)
{
	struct db *db = store_test_db();
	unsigned char b[8];
	struct problem p;
	PGresult *r;

	problem_clear(&p);
	r = binary ? db_exec_binary(db, &sql_types, NULL, &p)
	           : db_exec(db, &sql_types, NULL, &p);
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_EQUAL(PQfformat(r, 0), binary);
	CU_ASSERT_STRING_EQUAL(db_text(r, 0, "t"), "héllo");
	CU_ASSERT_STRING_EQUAL(db_text(r, 0, "v"), "v");
	CU_ASSERT_EQUAL(db_int(r, 0, "i8"), -5000000000LL);
	CU_ASSERT_EQUAL(db_int(r, 0, "i4"), -7);
	CU_ASSERT_EQUAL(db_int(r, 0, "i2"), 300);
	CU_ASSERT_EQUAL(db_bool(r, 0, "yes"), 1);
	CU_ASSERT_EQUAL(db_bool(r, 0, "no"), 0);
	CU_ASSERT_EQUAL(db_int(r, 0, "nothing"), 0);
	CU_ASSERT_EQUAL(db_bytea_len(r, 0, "b"), 3);
	CU_ASSERT_EQUAL(db_bytea(r, 0, "b", b, sizeof(b)), 3);
	CU_ASSERT(memcmp(b, "\x00\xff\x10", 3) == 0);
	CU_ASSERT_EQUAL(db_bytea(r, 0, "b", b, 2), -1); /* does not fit */
	CU_ASSERT_EQUAL(db_bytea_len(r, 0, "nothing"), -1);
	CU_ASSERT_EQUAL(db_time(r, 0, "ts"), 1800000000);
	CU_ASSERT_EQUAL(db_time(r, 0, "old"), 946684799);
	/* a name the query does not have reads as NULL */
	CU_ASSERT_PTR_NULL(db_text(r, 0, "missing"));
	PQclear(r);
	db_free(db);
}

static void
test_text_results(void)
{
	check_types(0);
}

static void
test_binary_results(void)
{
	check_types(1);
}

static const struct sql sql_echo = {
    "test_echo", "SELECT $1::text AS t, decode($1, 'hex') AS b", 1};
static const struct sql sql_echo_touch = {
    "test_echo_touch", "SELECT pg_notify('rxca_store_test_db', $1)", 1};

/* The shared helpers: one text argument, arguments freed, copies out. */
static void
test_helpers(void)
{
	struct db *db = store_test_db();
	unsigned char *b;
	struct problem p;
	struct dbargs a;
	PGresult *r;
	char *t;
	int binary;

	problem_clear(&p);
	for (binary = 0; binary <= 1; binary++) {
		r = db_exec_id(db, &sql_echo, "00ff10", binary, &p);
		CU_ASSERT_FATAL(r != NULL);
		CU_ASSERT_EQUAL(PQfformat(r, 0), binary);
		t = db_text_dup(r, 0, "t");
		CU_ASSERT_STRING_EQUAL(t, "00ff10");
		free(t);
		CU_ASSERT_EQUAL(db_bytea_dup(r, 0, "b", 3, &b), 3);
		CU_ASSERT(b != NULL && memcmp(b, "\x00\xff\x10", 3) == 0);
		free(b);
		/* longer than max */
		CU_ASSERT_EQUAL(db_bytea_dup(r, 0, "b", 2, &b), -1);
		CU_ASSERT_PTR_NULL(b);
		PQclear(r);
	}
	/* SQL NULL: no copy; empty bytes: refused. */
	r = db_exec_id(db, &sql_echo, NULL, 0, &p);
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_PTR_NULL(db_text_dup(r, 0, "t"));
	CU_ASSERT_EQUAL(db_bytea_dup(r, 0, "b", 3, &b), 0);
	CU_ASSERT_PTR_NULL(b);
	PQclear(r);
	r = db_exec_id(db, &sql_echo, "", 1, &p);
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_EQUAL(db_bytea_dup(r, 0, "b", 3, &b), -1);
	PQclear(r);
	/* The arguments are freed either way (ASan tells), with the
	 * statement's result or failure. */
	dbargs_init(&a);
	dbargs_text(&a, "0a");
	r = db_exec_args(db, &sql_echo, &a, 1, &p);
	CU_ASSERT_EQUAL(a.n, 0);
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_EQUAL(db_bytea_dup(r, 0, "b", 1, &b), 1);
	CU_ASSERT(b != NULL && b[0] == 0x0a);
	free(b);
	PQclear(r);
	dbargs_init(&a);
	dbargs_text(&a, "not hex");
	CU_ASSERT_PTR_NULL(db_exec_args(db, &sql_echo, &a, 0, &p));
	CU_ASSERT_EQUAL(p.status, 500);
	CU_ASSERT_EQUAL(a.n, 0);
	problem_clear(&p);
	dbargs_init(&a);
	dbargs_text(&a, "x");
	CU_ASSERT_EQUAL(db_run_args(db, &sql_echo_touch, &a, &p), 0);
	CU_ASSERT_EQUAL(a.n, 0);
	db_free(db);
}

static const struct sql sql_pipe_put = {
    "test_pipe_put", "INSERT INTO test_pipe (k) VALUES ($1)", 1};

/* An empty table test_pipe (trace: the file for round_trips). */
static void
pipe_table(struct db *db, FILE *trace)
{
	CU_ASSERT_FATAL(trace != NULL);
	store_test_sql(db,
	    "CREATE TABLE IF NOT EXISTS test_pipe "
	    "(k integer PRIMARY KEY)");
	store_test_sql(db, "DELETE FROM test_pipe");
}

/* Puts k into test_pipe (queued after tx_batch or at commit). */
static int
put(struct db *db, const char *k, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, k);
	return db_run_args(db, &sql_pipe_put, &a, p);
}

/* A unit of work of one statement and two audit records, with the round
 * trips it took into *trips. */
static int
one_unit(struct db *db, FILE *trace, const char *k, long *trips)
{
	struct problem p;
	struct tx tx;
	int rc;

	problem_clear(&p);
	(void)store_test_round_trips(trace);
	rc = tx_begin(&tx, db, 1800000000, "test", &p) == 0 &&
	        put(db, k, &p) == 0 &&
	        tx_audit(&tx, "test.one", k, NULL, &p) == 0 &&
	        tx_audit(&tx, "test.two", k, NULL, &p) == 0 &&
	        tx_commit(&tx, &p) == 0
	    ? 0
	    : -1;
	tx_abort(&tx);
	*trips = store_test_round_trips(trace);
	return rc;
}

/*
 * The deferred work flushed inside a transaction (a job's audit records,
 * written inside its savepoint) costs one round trip however many
 * records: one each before (issue 19).
 */
static void
test_flush_round_trip(void)
{
	struct db *db = store_test_db();
	struct problem p;
	struct tx tx;
	FILE *trace = tmpfile();

	pipe_table(db, trace);
	store_test_trace(db, trace);
	problem_clear(&p);
	CU_ASSERT_FATAL(tx_begin(&tx, db, 1800000000, "test", &p) == 0);
	CU_ASSERT_EQUAL(put(db, "31", &p), 0);
	CU_ASSERT_EQUAL(tx_savepoint(&tx, &p), 0);
	CU_ASSERT_EQUAL(tx_audit(&tx, "test.one", "flush", NULL, &p), 0);
	CU_ASSERT_EQUAL(tx_audit(&tx, "test.two", "flush", NULL, &p), 0);
	CU_ASSERT_EQUAL(tx_audit(&tx, "test.three", "flush", NULL, &p), 0);
	(void)store_test_round_trips(trace);
	CU_ASSERT_EQUAL(tx_flush(&tx, &p), 0);
	CU_ASSERT_EQUAL(store_test_round_trips(trace), 1);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM audit_log WHERE action "
	                    "LIKE 'test.%' AND subject = 'flush'"),
	    3);
	tx_abort(&tx);
	PQuntrace(db_conn(db));
	fclose(trace);
	db_free(db);
}

/*
 * A unit of work costs its statements plus one round trip: BEGIN goes
 * with the first statement, the audit records with COMMIT; one that ran
 * nothing costs none.  Each was a round trip of its own before (five
 * here, not two).
 */
static void
test_round_trips(void)
{
	struct db *db = store_test_db();
	struct problem p;
	struct tx tx;
	FILE *trace = tmpfile();
	long trips;

	pipe_table(db, trace);
	store_test_trace(db, trace);
	/* The first prepares its statements; the second finds them. */
	CU_ASSERT_EQUAL(one_unit(db, trace, "1", &trips), 0);
	CU_ASSERT_EQUAL(one_unit(db, trace, "2", &trips), 0);
	CU_ASSERT_EQUAL(trips, 2);
	problem_clear(&p);
	CU_ASSERT_EQUAL(tx_begin(&tx, db, 1800000000, "test", &p), 0);
	CU_ASSERT_EQUAL(tx_commit(&tx, &p), 0);
	CU_ASSERT_EQUAL(store_test_round_trips(trace), 0);
	PQuntrace(db_conn(db));
	fclose(trace);
	CU_ASSERT_EQUAL(
	    store_test_count(db, "SELECT count(*) FROM test_pipe"), 2);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM audit_log WHERE action "
	                    "LIKE 'test.%' AND subject IN ('1', '2')"),
	    4);
	db_free(db);
}

/* Deferred work that puts k 7 twice: the second fails at COMMIT. */
static int
put_twice(struct db *db, void *arg, struct problem *p)
{
	(void)arg;
	return put(db, "7", p) == -1 ? -1 : put(db, "7", p);
}

/*
 * A statement of the batch sent with COMMIT fails: nothing of the unit of
 * work is kept (its first statement, its audit records), the failure is
 * the statement's (a unique violation: 409), and the connection serves
 * the next unit of work.  Likewise a first statement that fails with its
 * BEGIN.
 */
static void
test_pipelined_failure(void)
{
	struct db *db = store_test_db();
	struct problem p;
	struct tx tx;
	FILE *trace = tmpfile();
	long trips;

	pipe_table(db, trace);
	problem_clear(&p);
	CU_ASSERT_FATAL(tx_begin(&tx, db, 1800000000, "test", &p) == 0);
	CU_ASSERT(put(db, "5", &p) == 0);
	CU_ASSERT(tx_audit(&tx, "test.lost", "5", NULL, &p) == 0);
	CU_ASSERT(db_defer(db, put_twice, NULL, NULL, &p) == 0);
	CU_ASSERT_EQUAL(tx_commit(&tx, &p), -1);
	CU_ASSERT_EQUAL(p.status, 409);
	tx_abort(&tx);
	CU_ASSERT_EQUAL(PQtransactionStatus(db_conn(db)), PQTRANS_IDLE);
	CU_ASSERT_EQUAL(
	    store_test_count(db, "SELECT count(*) FROM test_pipe"), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM audit_log WHERE action = "
	                    "'test.lost'"),
	    0);
	/* A first statement that fails, sent with its BEGIN. */
	store_test_sql(db, "INSERT INTO test_pipe (k) VALUES (8)");
	problem_clear(&p);
	CU_ASSERT_FATAL(tx_begin(&tx, db, 1800000000, "test", &p) == 0);
	CU_ASSERT_EQUAL(put(db, "8", &p), -1);
	CU_ASSERT_EQUAL(p.status, 409);
	tx_abort(&tx);
	CU_ASSERT_EQUAL(PQtransactionStatus(db_conn(db)), PQTRANS_IDLE);
	/* The connection goes on. */
	store_test_trace(db, trace);
	CU_ASSERT_EQUAL(one_unit(db, trace, "9", &trips), 0);
	CU_ASSERT_EQUAL(trips, 2);
	PQuntrace(db_conn(db));
	fclose(trace);
	CU_ASSERT_EQUAL(
	    store_test_count(db, "SELECT count(*) FROM test_pipe"), 2);
	db_free(db);
}

static const struct sql sql_pipe_count = {
    "test_pipe_count", "SELECT count(*) AS n FROM test_pipe", 0};

/*
 * After tx_batch, statements that answer nothing go with the next one
 * that answers (which sees them) or with COMMIT: three puts, a count and
 * an audit record in two round trips (six without).  A queued put that
 * fails is reported by the query sent with it, and the unit of work
 * keeps nothing.
 */
static void
test_batch(void)
{
	struct db *db = store_test_db();
	struct problem p;
	struct tx tx;
	PGresult *r;
	FILE *trace = tmpfile();

	pipe_table(db, trace);
	problem_clear(&p);
	/* prepared once, before the trace */
	CU_ASSERT_FATAL(put(db, "1", &p) == 0);
	r = db_exec(db, &sql_pipe_count, NULL, &p);
	PQclear(r);
	store_test_sql(db, "DELETE FROM test_pipe");
	store_test_trace(db, trace);
	CU_ASSERT_FATAL(tx_begin(&tx, db, 1800000000, "test", &p) == 0);
	tx_batch(&tx);
	CU_ASSERT(put(db, "1", &p) == 0 && put(db, "2", &p) == 0 &&
	    put(db, "3", &p) == 0);
	r = db_exec(db, &sql_pipe_count, NULL, &p);
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_EQUAL(db_int(r, 0, "n"), 3);
	PQclear(r);
	CU_ASSERT(tx_audit(&tx, "test.batch", "b", NULL, &p) == 0);
	CU_ASSERT_EQUAL(tx_commit(&tx, &p), 0);
	CU_ASSERT_EQUAL(store_test_round_trips(trace), 2);
	PQuntrace(db_conn(db));
	fclose(trace);
	/* a queued failure: the query sent with it answers it */
	CU_ASSERT_FATAL(tx_begin(&tx, db, 1800000000, "test", &p) == 0);
	tx_batch(&tx);
	CU_ASSERT(put(db, "4", &p) == 0 && put(db, "1", &p) == 0);
	CU_ASSERT_PTR_NULL(db_exec(db, &sql_pipe_count, NULL, &p));
	CU_ASSERT_EQUAL(p.status, 409);
	tx_abort(&tx);
	CU_ASSERT_EQUAL(PQtransactionStatus(db_conn(db)), PQTRANS_IDLE);
	CU_ASSERT_EQUAL(
	    store_test_count(db, "SELECT count(*) FROM test_pipe"), 3);
	/* a queued failure found at COMMIT */
	problem_clear(&p);
	CU_ASSERT_FATAL(tx_begin(&tx, db, 1800000000, "test", &p) == 0);
	tx_batch(&tx);
	CU_ASSERT(put(db, "5", &p) == 0 && put(db, "2", &p) == 0);
	CU_ASSERT_EQUAL(tx_commit(&tx, &p), -1);
	CU_ASSERT_EQUAL(p.status, 409);
	tx_abort(&tx);
	CU_ASSERT_EQUAL(
	    store_test_count(db, "SELECT count(*) FROM test_pipe"), 3);
	/* a queued failure undone by a rollback to the savepoint before it
	 * (a job's, whose handler failed with its writes still queued): the
	 * unit of work goes on with what came before */
	problem_clear(&p);
	CU_ASSERT_FATAL(tx_begin(&tx, db, 1800000000, "test", &p) == 0);
	CU_ASSERT(put(db, "6", &p) == 0);
	CU_ASSERT_EQUAL(tx_savepoint(&tx, &p), 0);
	tx_batch(&tx);
	CU_ASSERT(put(db, "7", &p) == 0 && put(db, "3", &p) == 0);
	CU_ASSERT_EQUAL(tx_rollback_savepoint(&tx, &p), 0);
	problem_clear(&p);
	CU_ASSERT(put(db, "8", &p) == 0);
	CU_ASSERT_EQUAL(tx_commit(&tx, &p), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM test_pipe WHERE k IN "
	                    "(6, 7, 8)"),
	    2);
	db_free(db);
}

static const struct sql sql_pipe_put_ret = {"test_pipe_put_ret",
    "INSERT INTO test_pipe (k) VALUES ($1) RETURNING k", 1};

/*
 * db_exec_pair: two statements that answer, with BEGIN, in one round
 * trip, the second run after the first (it sees the first's row); a
 * failure of either is the pair's, with no result, and the unit of work
 * keeps nothing.
 */
static void
test_pair(void)
{
	struct db *db = store_test_db();
	struct dbargs a;
	struct problem p;
	struct tx tx;
	PGresult *r1, *r2;
	FILE *trace = tmpfile();

	pipe_table(db, trace);
	problem_clear(&p);
	dbargs_init(&a);
	dbargs_text(&a, "1");
	/* prepared once, before the trace */
	CU_ASSERT_FATAL(db_exec_pair(db, &sql_pipe_put_ret, &a, &sql_pipe_count,
	                    NULL, &r1, &r2, &p) == 0);
	PQclear(r1);
	PQclear(r2);
	store_test_sql(db, "DELETE FROM test_pipe");
	store_test_trace(db, trace);
	CU_ASSERT_FATAL(tx_begin(&tx, db, 1800000000, "test", &p) == 0);
	CU_ASSERT_FATAL(db_exec_pair(db, &sql_pipe_put_ret, &a, &sql_pipe_count,
	                    NULL, &r1, &r2, &p) == 0);
	CU_ASSERT_EQUAL(store_test_round_trips(trace), 1);
	CU_ASSERT_EQUAL(db_int(r1, 0, "k"), 1);
	CU_ASSERT_EQUAL(db_int(r2, 0, "n"), 1);
	PQclear(r1);
	PQclear(r2);
	/* the first fails (k 1 again): no results, 409 */
	CU_ASSERT_EQUAL(db_exec_pair(db, &sql_pipe_put_ret, &a, &sql_pipe_count,
	                    NULL, &r1, &r2, &p),
	    -1);
	CU_ASSERT_EQUAL(p.status, 409);
	CU_ASSERT(r1 == NULL && r2 == NULL);
	tx_abort(&tx);
	CU_ASSERT_EQUAL(PQtransactionStatus(db_conn(db)), PQTRANS_IDLE);
	PQuntrace(db_conn(db));
	fclose(trace);
	dbargs_free(&a);
	CU_ASSERT_EQUAL(
	    store_test_count(db, "SELECT count(*) FROM test_pipe"), 0);
	db_free(db);
}

/* The notifications of rxca_jobs that listener has had since the last
 * call. */
static int
jobs_woken(struct db *listener)
{
	PGnotify *n;
	int count = 0;

	/* A round trip of the listener's own: what was sent before it is
	 * in by its answer. */
	store_test_sql(listener, "SELECT 1");
	CU_ASSERT(PQconsumeInput(db_conn(listener)) == 1);
	while ((n = PQnotifies(db_conn(listener))) != NULL) {
		if (strcmp(n->relname, "rxca_jobs") == 0)
			count++;
		PQfreemem(n);
	}
	return count;
}

/*
 * The wake-up of a unit of work rides its COMMIT's round trip (one
 * statement, an audit record and a wake-up: two round trips, three when
 * the wake-up was a transaction sent after the COMMIT had answered);
 * the listeners hear it once, and the connection is left idle.  A unit of
 * work whose COMMIT fails wakes nobody.
 */
static void
test_wake_rides_commit(void)
{
	struct db *db = store_test_db(), *listener = store_test_db();
	struct problem p;
	struct tx tx;
	FILE *trace = tmpfile();
	long trips;

	pipe_table(db, trace);
	store_test_sql(listener, "LISTEN rxca_jobs");
	(void)jobs_woken(listener);
	problem_clear(&p);
	/* prepared once, before the trace */
	CU_ASSERT_FATAL(one_unit(db, trace, "1", &trips) == 0);
	store_test_trace(db, trace);
	(void)store_test_round_trips(trace);
	CU_ASSERT_FATAL(tx_begin(&tx, db, 1800000000, "test", &p) == 0);
	CU_ASSERT(put(db, "2", &p) == 0);
	db_wake(db, DB_WAKE_JOBS);
	CU_ASSERT(tx_audit(&tx, "test.wake", "2", NULL, &p) == 0);
	CU_ASSERT_EQUAL(tx_commit(&tx, &p), 0);
	tx_abort(&tx);
	CU_ASSERT_EQUAL(store_test_round_trips(trace), 2);
	CU_ASSERT_EQUAL(PQtransactionStatus(db_conn(db)), PQTRANS_IDLE);
	CU_ASSERT_EQUAL(jobs_woken(listener), 1);
	/* A COMMIT that fails (a queued unique violation): no wake-up. */
	problem_clear(&p);
	CU_ASSERT_FATAL(tx_begin(&tx, db, 1800000000, "test", &p) == 0);
	tx_batch(&tx);
	CU_ASSERT(put(db, "3", &p) == 0 && put(db, "2", &p) == 0);
	db_wake(db, DB_WAKE_JOBS);
	CU_ASSERT_EQUAL(tx_commit(&tx, &p), -1);
	CU_ASSERT_EQUAL(p.status, 409);
	tx_abort(&tx);
	CU_ASSERT_EQUAL(PQtransactionStatus(db_conn(db)), PQTRANS_IDLE);
	CU_ASSERT_EQUAL(jobs_woken(listener), 0);
	PQuntrace(db_conn(db));
	fclose(trace);
	CU_ASSERT_EQUAL(
	    store_test_count(db, "SELECT count(*) FROM test_pipe"), 2);
	db_free(listener);
	db_free(db);
}

void
test_store_add_db(void)
{
	CU_pSuite s = CU_add_suite("db", NULL, NULL);

	CU_add_test(s, "readers by name, text results", test_text_results);
	CU_add_test(s, "readers by name, binary results", test_binary_results);
	CU_add_test(s, "the helpers shared by the store files", test_helpers);
	CU_add_test(s, "a unit of work's round trips", test_round_trips);
	CU_add_test(s, "deferred work flushed in one round trip",
	    test_flush_round_trip);
	CU_add_test(
	    s, "a failure in a batch sent at commit", test_pipelined_failure);
	CU_add_test(s, "statements queued by tx_batch", test_batch);
	CU_add_test(s, "a wake-up rides the COMMIT", test_wake_rides_commit);
	CU_add_test(s, "two statements in one round trip", test_pair);
}
