/*
 * One PostgreSQL connection and the statements prepared on it.  SQL lives
 * in tables of named statements (struct sql) in the store files; each is
 * prepared the first time a connection runs it and then executed with
 * PQexecPrepared, parameters always bound.  A lost connection is reset on
 * the next db_ensure(); while it is down every call reports 503.
 *
 * Not thread-safe: a connection belongs to one worker.
 */
#ifndef RXCA_DB_H
#define RXCA_DB_H

#include <stddef.h>
#include <time.h>

#include <libpq-fe.h>

#include "api/store/dbconn.h"
#include "common/problem.h"

#define DBARGS_MAX 32

struct sql {
	const char *name; /* unique statement name */
	const char *text; /* SQL with $1..$n */
	int nparams;      /* number of parameters */
};

struct dbargs {
	int n;                     /* parameters added */
	const char *v[DBARGS_MAX]; /* values; NULL is SQL NULL */
	int len[DBARGS_MAX];       /* lengths, for binary values */
	int fmt[DBARGS_MAX];       /* 0 text, 1 binary */
	char *owned[DBARGS_MAX];   /* copies freed by dbargs_free */
};

struct db;

/* The connection itself, for what the store's helpers do not cover; a
 * BEGIN that db_begin left pending is sent first. */
PGconn *db_conn(struct db *db);

/* 1 if a transaction is open and has not failed (or is begun and nothing
 * was sent yet), else 0. */
int db_in_transaction(struct db *db);

/* Till the transaction ends, db_run queues its statement (tx_batch in
 * api/store/tx.h says when that is safe). */
void db_batch(struct db *db);

/* This transaction's COMMIT does not wait for its WAL to reach the disk
 * (SET LOCAL synchronous_commit = off, sent with it): tx_commit_unflushed
 * in api/store/tx.h says when that is safe. */
void db_commit_unflushed(struct db *db);

/* The listeners a committed transaction wakes (NOTIFY, after COMMIT). */
enum db_wake {
	DB_WAKE_JOBS = 1, /* rxca_jobs: a job was queued or made due */
	DB_WAKE_OCSP = 2  /* rxca_ocsp: a pre-signed response changed */
};

/*
 * Once this transaction has committed, wakes the listeners of `what` (an
 * or of enum db_wake), in a short transaction of its own that does not
 * wait for its WAL flush, sent in the COMMIT's round trip (after it, so
 * that the server runs it only if the COMMIT succeeded); at once if no
 * transaction is open.  A NOTIFY
 * inside the transaction would take PostgreSQL's one notify lock at
 * COMMIT and hold it through the WAL flush, so that no two notifying
 * commits of any node could share a flush.  Nothing is woken by a
 * transaction that rolls back, nor for the jobs a job runner's transaction
 * queues (db_runner).  A lost wake-up costs a poll interval, nothing more:
 * listeners read the rows, not the message.
 */
void db_wake(struct db *db, unsigned what);

/* This transaction is a job runner's (it claimed a job): the jobs it
 * queues wake nobody, since the runner claims them itself once its job is
 * done, where a wake-up would send every node's runners to a claim that
 * finds nothing. */
void db_runner(struct db *db);

/*
 * BEGIN / COMMIT / ROLLBACK.  db_rollback never fails visibly.  Round
 * trips: db_begin sends nothing; its BEGIN goes with the transaction's
 * first statement, and db_commit sends the work deferred to it and COMMIT
 * together (libpq's pipeline mode): a transaction of n statements and any
 * number of audit records costs n + 1 round trips (none if it ran none).
 */
int db_begin(struct db *db, struct problem *p);
int db_commit(struct db *db, struct problem *p);
void db_rollback(struct db *db);
/*
 * Work deferred to the end of the transaction: run(db, arg, p) is called
 * by db_commit just before COMMIT, in the order deferred, and returns 0 or
 * -1 with p set (then the transaction rolls back).  drop(arg) (may be
 * NULL) frees arg once it has run or when the work is discarded: by a
 * rollback, or by a rollback to a savepoint made before it was deferred.
 * The audit chain uses it to take its lock last (api/store/audit.c).  0, or -1
 * with p set (outside a transaction; arg is dropped).
 */
typedef int (*db_deferred_fn)(struct db *db, void *arg, struct problem *p);
typedef void (*db_deferred_drop)(void *arg);
int db_defer(struct db *db, db_deferred_fn run, db_deferred_drop drop,
    void *arg, struct problem *p);

/* Runs the deferred work now, inside the transaction (as db_commit would
 * before COMMIT, its statements in one round trip), and forgets it.  0, or -1
 * with p set: the transaction has failed and must be rolled back (to a
 * savepoint made before). */
int db_flush(struct db *db, struct problem *p);

/* SAVEPOINT step / ROLLBACK TO SAVEPOINT step, inside a transaction. */
int db_savepoint(struct db *db, struct problem *p);
int db_rollback_savepoint(struct db *db, struct problem *p);
/*
 * As db_exec, then SAVEPOINT step (as db_savepoint), in one round trip
 * (with what is queued, a BEGIN first): a job runner's claim and the
 * savepoint its job runs under.  The result, or NULL with p set (no
 * savepoint: the transaction has failed).
 */
PGresult *db_exec_savepoint(struct db *db, const struct sql *stmt,
    const struct dbargs *args, struct problem *p);

/*
 * Runs stmt with args (stmt->nparams of them).  Returns the result, which
 * the caller clears with PQclear(), or NULL with p set: 503 when the
 * connection is gone, 409 "conflict" on a unique violation (23505), 500
 * otherwise (the detail is logged, not shown).  args may be NULL when the
 * statement takes none.
 */
PGresult *db_exec(struct db *db, const struct sql *stmt,
    const struct dbargs *args, struct problem *p);

/* As db_exec, with the result in binary (bytea as its bytes, no hex):
 * read it with the readers by name only (db_text and below). */
PGresult *db_exec_binary(struct db *db, const struct sql *stmt,
    const struct dbargs *args, struct problem *p);

/*
 * Runs stmt with args (binary: results as db_exec_binary) and calls
 * fn(r, i, arg) for each row as it arrives (libpq's single-row mode), so
 * that a large result is never held whole; r is cleared after fn.  The
 * number of rows, or -1 with p set as db_exec (rows before a failure may
 * have been seen).  fn cannot stop the query: it notes a problem in arg.
 */
typedef void (*db_row_fn)(const PGresult *r, int row, void *arg);
long db_each(struct db *db, const struct sql *stmt, const struct dbargs *args,
    int binary, db_row_fn fn, void *arg, struct problem *p);

/*
 * Runs first, then second, in one round trip (with what is queued), the
 * results in binary into *r1 and *r2 (the caller clears both).  The
 * server runs second once first is done, with a snapshot of its own (READ
 * COMMITTED): it sees what a transaction that first waited for (a lock)
 * committed meanwhile, as if sent after first's answer.  0, or -1 with p
 * set as db_exec (*r1 and *r2 NULL).
 */
int db_exec_pair(struct db *db, const struct sql *first,
    const struct dbargs *a1, const struct sql *second, const struct dbargs *a2,
    PGresult **r1, PGresult **r2, struct problem *p);

/* As db_exec, but only reports success: the result is cleared. */
int db_run(struct db *db, const struct sql *stmt, const struct dbargs *args,
    struct problem *p);

/* As db_exec (binary: db_exec_binary) and db_run with args, which they
 * free (dbargs_free) either way. */
PGresult *db_exec_args(struct db *db, const struct sql *stmt,
    struct dbargs *args, int binary, struct problem *p);
int db_run_args(struct db *db, const struct sql *stmt, struct dbargs *args,
    struct problem *p);
/* As db_exec (binary: db_exec_binary) with one text argument s (may be
 * NULL: SQL NULL), an id mostly. */
PGresult *db_exec_id(struct db *db, const struct sql *stmt, const char *s,
    int binary, struct problem *p);

/* SQLSTATE of the last failed db_exec on db, or "" */
const char *db_sqlstate(const struct db *db);

void dbargs_init(struct dbargs *a);
void dbargs_free(struct dbargs *a);
/* Adds a text value (copied); NULL adds SQL NULL. */
void dbargs_text(struct dbargs *a, const char *s);
void dbargs_int(struct dbargs *a, long long v);
void dbargs_bool(struct dbargs *a, int v);
/* Adds t as an RFC 3339 timestamp. */
void dbargs_time(struct dbargs *a, time_t t);
/* dbargs_time, or SQL NULL for 0 (no such time). */
void dbargs_time_or_null(struct dbargs *a, time_t t);
/* Adds binary bytea (copied). */
void dbargs_bytea(struct dbargs *a, const void *b, size_t n);

/*
 * Reads by column name (the SELECT's column or alias), never by position, so
 * that a reordered column list cannot feed one column to another's reader.  A
 * name the result does not have is logged and read as SQL NULL.  They
 * read text results and binary ones (db_exec_binary), of the types text,
 * varchar, int2/4/8, boolean, timestamptz and bytea; db_text only reads text
 * types.
 */
const char *db_text(const PGresult *r, int row, const char *name);
long long db_int(const PGresult *r, int row, const char *name);
time_t db_time(const PGresult *r, int row, const char *name);
/* 1 if column name of row is SQL NULL (or not in r: logged), else 0. */
int db_null(const PGresult *r, int row, const char *name);
/* A boolean column: 1 for true, 0 for false or NULL. */
int db_bool(const PGresult *r, int row, const char *name);
long db_bytea(const PGresult *r, int row, const char *name, unsigned char *out,
    size_t outsz);

/* Copies the text column name of row into out ("" if SQL NULL, cut to
 * outsz).  1 if it was not NULL, else 0. */
int db_text_copy(
    const PGresult *r, int row, const char *name, char *out, size_t outsz);

/* The text column name of row as a new string (caller frees with free()),
 * or NULL if SQL NULL. */
char *db_text_dup(const PGresult *r, int row, const char *name);

/* The bytea column name of row as new bytes into *out (caller frees with
 * free()): their length; 0 (*out NULL) if SQL NULL; -1 (*out NULL) if empty,
 * longer than max or unreadable. */
long db_bytea_dup(const PGresult *r, int row, const char *name, long max,
    unsigned char **out);

/* The length in bytes of a bytea column, or -1 if NULL. */
long db_bytea_len(const PGresult *r, int row, const char *name);

/*
 * Results read whole, then cleared.  r is what db_exec and its kin
 * returned: NULL after a failure (p was set by that call), then these
 * return -1.
 *
 * db_one_row: a query naming at most one row; 1 and fill(r, 0, arg) when r
 * holds exactly one row, else 0.
 * db_rows: every row into a new array (caller frees with free()) of n
 * elements of size sz at *out, element i filled by fill(r, i, element);
 * the number of rows (*out is never NULL when it is ≥ 0).
 * db_count: the number of rows (an UPDATE … RETURNING's matches, say).
 */
int db_one_row(PGresult *r, db_row_fn fill, void *arg);
long db_rows(PGresult *r, size_t sz, db_row_fn fill, void **out);
long db_count(PGresult *r);

#endif
