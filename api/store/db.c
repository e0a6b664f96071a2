#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/store/db.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define DB_MAX_PREPARED 256
#define DB_MAX_MARKS    16 /* savepoints open in one transaction */

/* One statement of a batch sent in one round trip (libpq's pipeline
 * mode): a query, or the preparation of a statement on the connection. */
struct piped {
	const struct sql *prepare; /* prepared by this item, or NULL */
	const char *what;          /* the statement's name, for the log */
	int keep;                  /* its result goes to db->kept */
};

/* Work that db_commit runs just before COMMIT (see db_defer). */
struct deferred {
	db_deferred_fn run;
	db_deferred_drop drop;
	void *arg;
};

struct db {
	char *url;                                   /* conninfo */
	PGconn *conn;                                /* NULL until connected */
	const struct sql *prepared[DB_MAX_PREPARED]; /* on conn */
	int nprepared;                               /* entries in prepared */
	char sqlstate[6];                            /* of the last failure */
	time_t last_try;           /* last connection attempt */
	struct deferred *deferred; /* this transaction's, in order */
	int ndeferred, capdeferred;
	int marks[DB_MAX_MARKS]; /* ndeferred at each open savepoint */
	int nmarks;
	int overflow;       /* savepoints past DB_MAX_MARKS */
	int begin_pending;  /* BEGIN not yet sent: goes with the first
	                       statement */
	int piping;         /* in db_commit's deferred work */
	int batching;       /* db_batch: db_run queues, till the end of the
	                       transaction */
	int unflushed;      /* db_commit_unflushed: COMMIT without waiting
	                       for the WAL flush */
	unsigned wake;      /* db_wake: enum db_wake, sent after COMMIT */
	int runner;         /* db_runner: a job runner's transaction */
	int pipe_open;      /* in pipeline mode, pipe[] sent, not yet read */
	int pipe_broken;    /* a statement of the batch could not be sent */
	int pipe_tail;      /* pipe[] from here on is a wake-up after COMMIT
	                       (pipe_wake; 0: none): its failure is not the
	                       batch's */
	int tail_failed;    /* pipe_end: a statement of the tail failed */
	PGresult *kept;     /* pipe_end: the result of the item marked keep
	                       (db_exec_pair's first), NULL if it failed */
	struct piped *pipe; /* the batch, in the order sent */
	int npipe, cappipe;
};

/* The first line of a libpq message, for one log line. */
static void
first_line(const char *msg, char *buf, size_t bufsz)
{
	size_t n;

	n = strcspn(msg, "\n");
	if (n >= bufsz)
		n = bufsz - 1;
	memcpy(buf, msg, n);
	buf[n] = '\0';
}

static int
db_connect(struct db *db)
{
	char line[200];

	static const char *const keys[] = {
	    "dbname", "connect_timeout", "application_name", NULL};
	const char *vals[] = {db->url, "5", "rxca", NULL};
	time_t now = time(NULL);

	if (db->conn != NULL && db->last_try == now)
		return -1; /* at most one try a second while it is down */
	db->last_try = now;
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->nprepared = 0;
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		first_line(PQerrorMessage(db->conn), line, sizeof(line));
		log_warn("database connection failed", "error=\"%s\"", line);
		return -1;
	}
	/* rxca.wake_after_commit: the triggers of migration 0042 leave the
	 * NOTIFY to db_wake. */
	PQclear(PQexec(db->conn,
	    "SET TIME ZONE 'UTC'; "
	    "SET rxca.wake_after_commit = on"));
	return 0;
}

struct db *
db_open(const char *url)
{
	struct db *db;

	db = xcalloc(1, sizeof(*db));
	db->url = xstrdup(url);
	(void)db_connect(db);
	return db;
}

/* Drops deferred work from entry `from` on. */
static void
db_drop_from(struct db *db, int from)
{
	int i;

	for (i = db->ndeferred - 1; i >= from; i--)
		if (db->deferred[i].drop != NULL)
			db->deferred[i].drop(db->deferred[i].arg);
	if (from < db->ndeferred)
		db->ndeferred = from;
}

/* The transaction ended (or never was): nothing is deferred any more. */
static void
db_forget(struct db *db)
{
	db_drop_from(db, 0);
	db->nmarks = 0;
	db->overflow = 0;
	db->batching = 0;
	db->unflushed = 0;
	db->wake = 0;
	db->runner = 0;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	db_forget(db);
	free(db->deferred);
	free(db->pipe);
	if (db->conn != NULL)
		PQfinish(db->conn);
	free(db->url);
	free(db);
}

/* An idle connection whose server went away has a readable socket (the
 * server's last words, then EOF): look before the next request uses it. */
static int
db_alive(struct db *db)
{
	struct pollfd pfd;

	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK)
		return 0;
	if (PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		return 1;
	pfd.fd = PQsocket(db->conn);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (pfd.fd < 0)
		return 0;
	if (poll(&pfd, 1, 0) <= 0)
		return 1;
	if (PQconsumeInput(db->conn) == 0 ||
	    PQstatus(db->conn) != CONNECTION_OK)
		return 0;
	return 1;
}

int
db_ensure(struct db *db, struct problem *p)
{
	if (db_alive(db))
		return 0;
	if (db_connect(db) == 0) {
		log_info("database connection established", NULL);
		return 0;
	}
	return problem_unavailable(p);
}

enum literal {
	LIT_BEGIN,
	LIT_COMMIT,
	LIT_ROLLBACK,
	LIT_SAVEPOINT,
	LIT_ROLLBACK_SAVEPOINT
};

static int db_literal(struct db *db, enum literal which, struct problem *p);
static int pipe_end(struct db *db, PGresult **last, struct problem *p);
static int pipe_begin(struct db *db);

/* Reads the answers to statements queued and not yet waited for.  0, or
 * -1 with p set by the first that failed. */
static int
db_settle(struct db *db, struct problem *p)
{
	return db->pipe_open ? pipe_end(db, NULL, p) : 0;
}

/* Sends a BEGIN that db_begin left to go with the first statement. */
static int
db_begin_now(struct db *db, struct problem *p)
{
	if (!db->begin_pending)
		return 0;
	db->begin_pending = 0;
	return db_literal(db, LIT_BEGIN, p);
}

PGconn *
db_conn(struct db *db)
{
	struct problem p;

	/* Whoever talks to the connection itself is inside the
	 * transaction it began, after what it queued. */
	problem_clear(&p);
	(void)db_settle(db, &p);
	(void)db_begin_now(db, &p);
	return db->conn;
}

int
db_in_transaction(struct db *db)
{
	return db->begin_pending || db->pipe_open ||
	    (db->conn != NULL &&
	        PQtransactionStatus(db->conn) == PQTRANS_INTRANS);
}

void
db_batch(struct db *db)
{
	db->batching = 1;
}

void
db_commit_unflushed(struct db *db)
{
	db->unflushed = 1;
}

/* The NOTIFY of the wake-ups of `what`, for db_wake_now and pipe_wake. */
static const char *
wake_select(unsigned what)
{
	if (what == DB_WAKE_JOBS)
		return "SELECT pg_notify('rxca_jobs', '')";
	if (what == DB_WAKE_OCSP)
		return "SELECT pg_notify('rxca_ocsp', '')";
	return "SELECT pg_notify('rxca_jobs', ''), pg_notify('rxca_ocsp', '')";
}

/* A wake-up that was not sent: logged, and its transaction ended. */
static void
wake_failed(struct db *db, const char *status)
{
	log_warn("wake-up not sent", "status=%s", status);
	if (PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		PQclear(PQexec(db->conn, "ROLLBACK"));
}

/* Sends the wake-ups of `what` in a transaction of their own that does not
 * wait for its WAL flush.  A failure is logged, not returned: what it
 * follows has committed, and the listeners poll. */
static void
db_wake_now(struct db *db, unsigned what)
{
	PGresult *r;

	if (what == DB_WAKE_JOBS)
		r = PQexec(db->conn,
		    "BEGIN; SET LOCAL synchronous_commit = off; "
		    "SELECT pg_notify('rxca_jobs', ''); COMMIT");
	else if (what == DB_WAKE_OCSP)
		r = PQexec(db->conn,
		    "BEGIN; SET LOCAL synchronous_commit = off; "
		    "SELECT pg_notify('rxca_ocsp', ''); COMMIT");
	else
		r = PQexec(db->conn,
		    "BEGIN; SET LOCAL synchronous_commit = off; SELECT "
		    "pg_notify('rxca_jobs', ''), pg_notify('rxca_ocsp', ''); "
		    "COMMIT");
	if (PQresultStatus(r) != PGRES_COMMAND_OK ||
	    strcmp(PQcmdStatus(r), "COMMIT") != 0)
		wake_failed(db, PQresStatus(PQresultStatus(r)));
	PQclear(r);
}

void
db_wake(struct db *db, unsigned what)
{
	what &= DB_WAKE_JOBS | DB_WAKE_OCSP;
	if (db_in_transaction(db))
		db->wake |= what;
	else if (what != 0 && db->conn != NULL &&
	    PQstatus(db->conn) == CONNECTION_OK)
		db_wake_now(db, what);
}

void
db_runner(struct db *db)
{
	db->runner = 1;
}

/* What the transaction ending now wakes once it has committed. */
static unsigned
db_wakes(const struct db *db)
{
	return db->runner ? db->wake & ~(unsigned)DB_WAKE_JOBS : db->wake;
}

const char *
db_sqlstate(const struct db *db)
{
	return db->sqlstate;
}

static int
db_fail(struct db *db, PGresult *r, const char *what, struct problem *p)
{
	const char *state = NULL;
	char line[200];

	if (r != NULL)
		state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s",
	    state != NULL ? state : "");
	first_line(
	    r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(db->conn),
	    line, sizeof(line));
	PQclear(r);
	if (PQstatus(db->conn) != CONNECTION_OK ||
	    strncmp(db->sqlstate, "08", 2) == 0 ||
	    strncmp(db->sqlstate, "57P", 3) == 0) {
		log_warn(
		    "database unavailable", "stmt=%s error=\"%s\"", what, line);
		return problem_unavailable(p);
	}
	if (strcmp(db->sqlstate, "23505") == 0)
		return problem_set(p, 409, "conflict", "Conflict",
		    "The resource already exists.");
	if (strcmp(db->sqlstate, "40001") == 0 ||
	    strcmp(db->sqlstate, "40P01") == 0) {
		problem_set(p, 503, "busy", "Try again",
		    "A concurrent change interfered; try again.");
		p->retry_after = 1;
		return -1;
	}
	log_error("database statement failed",
	    "stmt=%s sqlstate=%s error=\"%s\"", what, db->sqlstate, line);
	return problem_internal(p);
}

/* Runs one of the fixed transaction-control statements. */
static int
db_literal(struct db *db, enum literal which, struct problem *p)
{
	static const char *const names[] = {"begin", "commit", "rollback",
	    "savepoint", "rollback to savepoint"};
	PGresult *r = NULL;

	/* A queued statement that failed is what a rollback (to the
	 * savepoint) undoes: it goes on. */
	if (which != LIT_BEGIN && db_settle(db, p) == -1 &&
	    which != LIT_ROLLBACK && which != LIT_ROLLBACK_SAVEPOINT)
		return -1;
	if (db->begin_pending && which != LIT_BEGIN) {
		/* Nothing was sent: a rollback has nothing to undo. */
		if (which == LIT_ROLLBACK) {
			db->begin_pending = 0;
			return 0;
		}
		if (db_begin_now(db, p) == -1)
			return -1;
	}
	if (db->conn == NULL)
		return problem_unavailable(p);
	switch (which) {
	case LIT_BEGIN:
		r = PQexec(db->conn, "BEGIN");
		break;
	case LIT_COMMIT:
		r = PQexec(db->conn, "COMMIT");
		break;
	case LIT_ROLLBACK:
		r = PQexec(db->conn, "ROLLBACK");
		break;
	case LIT_SAVEPOINT:
		r = PQexec(db->conn, "SAVEPOINT step");
		break;
	case LIT_ROLLBACK_SAVEPOINT:
		r = PQexec(db->conn, "ROLLBACK TO SAVEPOINT step");
		break;
	}
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return db_fail(db, r, names[which], p);
	PQclear(r);
	return 0;
}

int
db_begin(struct db *db, struct problem *p)
{
	struct problem q;

	problem_clear(&q);
	(void)db_settle(db, &q);
	db_forget(db);
	db->begin_pending = 0;
	if (db_ensure(db, p) == -1)
		return -1;
	/* Sent with the first statement, in the same round trip. */
	db->begin_pending = 1;
	return 0;
}

int
db_defer(struct db *db, db_deferred_fn run, db_deferred_drop drop, void *arg,
    struct problem *p)
{
	if (!db_in_transaction(db)) {
		if (drop != NULL)
			drop(arg);
		log_error("deferred work outside a transaction", NULL);
		return problem_internal(p);
	}
	if (db->ndeferred == db->capdeferred) {
		db->capdeferred =
		    db->capdeferred == 0 ? 8 : 2 * db->capdeferred;
		db->deferred = xrealloc(db->deferred,
		    (size_t)db->capdeferred * sizeof(*db->deferred));
	}
	db->deferred[db->ndeferred].run = run;
	db->deferred[db->ndeferred].drop = drop;
	db->deferred[db->ndeferred].arg = arg;
	db->ndeferred++;
	return 0;
}

int
db_flush(struct db *db, struct problem *p)
{
	struct problem q;
	int i, rc = 0;

	/* One round trip, as at commit: the work's statements are queued,
	 * then read together. */
	if (db->ndeferred > 0 && db_in_transaction(db) &&
	    (db->pipe_open || pipe_begin(db) == 0))
		db->piping = 1;
	for (i = 0; i < db->ndeferred && rc == 0; i++)
		rc = db->deferred[i].run(db, db->deferred[i].arg, p);
	db->piping = 0;
	problem_clear(&q);
	if (db_settle(db, rc == 0 ? p : &q) == -1)
		rc = -1;
	for (i = 0; i < db->ndeferred; i++)
		if (db->deferred[i].drop != NULL)
			db->deferred[i].drop(db->deferred[i].arg);
	db->ndeferred = 0;
	/* Savepoints made before now have nothing deferred to drop. */
	for (i = 0; i < db->nmarks; i++)
		db->marks[i] = 0;
	return rc;
}

/* The connection cannot be trusted any more: the next db_ensure makes
 * another (a lost one as any lost connection, at most once a second). */
static void
db_drop_conn(struct db *db)
{
	db->begin_pending = 0;
	if (db->conn == NULL || PQstatus(db->conn) == CONNECTION_BAD)
		return;
	PQfinish(db->conn);
	db->conn = NULL;
	db->nprepared = 0;
}

static int
db_is_prepared(const struct db *db, const struct sql *stmt)
{
	int i;

	for (i = 0; i < db->nprepared; i++)
		if (db->prepared[i] == stmt)
			return 1;
	for (i = 0; i < db->npipe; i++)
		if (db->pipe[i].prepare == stmt)
			return 1;
	return 0;
}

static void
pipe_add(struct db *db, const struct sql *prepare, const char *what)
{
	if (db->npipe == db->cappipe) {
		db->cappipe = db->cappipe == 0 ? 16 : 2 * db->cappipe;
		db->pipe =
		    xrealloc(db->pipe, (size_t)db->cappipe * sizeof(*db->pipe));
	}
	db->pipe[db->npipe].prepare = prepare;
	db->pipe[db->npipe].what = what;
	db->pipe[db->npipe].keep = 0;
	db->npipe++;
}

static void pipe_literal(struct db *db, const char *text);

/* Starts a batch, with a BEGIN still to be sent: what is sent next goes in
 * one round trip, pipe_end's. */
static int
pipe_begin(struct db *db)
{
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK ||
	    PQenterPipelineMode(db->conn) != 1)
		return -1;
	db->npipe = 0;
	db->pipe_broken = 0;
	db->pipe_open = 1;
	if (db->begin_pending) {
		db->begin_pending = 0;
		pipe_literal(db, "BEGIN");
	}
	return 0;
}

/* Adds a statement without parameters (BEGIN, COMMIT) to the batch. */
static void
pipe_literal(struct db *db, const char *text)
{
	if (PQsendQueryParams(db->conn, text, 0, NULL, NULL, NULL, NULL, 0) !=
	    1)
		db->pipe_broken = 1;
	else
		pipe_add(db, NULL, text);
}

/*
 * Adds, after the COMMIT of the batch, the wake-ups of `what` (db_wake) in
 * a transaction of their own that does not wait for its WAL flush: they
 * ride the COMMIT's round trip.  The server runs them once the COMMIT is
 * done (flushed, if synchronous), as db_wake_now after it, and skips them
 * if it fails (they go before the batch's Sync).  Their own failure is the
 * tail's (pipe_end), never the batch's: what they follow has committed.
 */
static void
pipe_wake(struct db *db, unsigned what)
{
	db->pipe_tail = db->npipe;
	pipe_literal(db, "BEGIN");
	pipe_literal(db, "SET LOCAL synchronous_commit = off");
	pipe_literal(db, wake_select(what));
	pipe_literal(db, "COMMIT");
}

/* Adds stmt (prepared first if the connection has not got it) to the
 * batch.  0, or -1 with p set (nothing added). */
static int
pipe_send(struct db *db, const struct sql *stmt, const struct dbargs *args,
    int binary, struct problem *p)
{
	int n = args != NULL ? args->n : 0;

	if (n != stmt->nparams) {
		log_error("statement given wrong parameter count",
		    "stmt=%s want=%d got=%d", stmt->name, stmt->nparams, n);
		return problem_internal(p);
	}
	if (!db_is_prepared(db, stmt)) {
		if (db->nprepared + db->npipe >= DB_MAX_PREPARED) {
			log_error("too many prepared statements", "stmt=%s",
			    stmt->name);
			return problem_internal(p);
		}
		if (PQsendPrepare(db->conn, stmt->name, stmt->text,
		        stmt->nparams, NULL) != 1) {
			db->pipe_broken = 1;
			return 0;
		}
		pipe_add(db, stmt, stmt->name);
	}
	if (PQsendQueryPrepared(db->conn, stmt->name, n, n > 0 ? args->v : NULL,
	        n > 0 ? args->len : NULL, n > 0 ? args->fmt : NULL,
	        binary) != 1)
		db->pipe_broken = 1;
	else
		pipe_add(db, NULL, stmt->name);
	return 0;
}

/*
 * Sends the batch and reads every answer: 0 if each statement succeeded
 * (*last, if not NULL, gets the last one's result before the tail, which
 * the caller clears), or -1 with p set by the first that failed (those
 * after it were not run).  A failure in the tail (pipe_wake) only sets
 * db->tail_failed.  The connection leaves pipeline mode either way, or is
 * dropped if it cannot.
 */
static int
pipe_end(struct db *db, PGresult **last, struct problem *p)
{
	PGresult *r, *keep = NULL;
	ExecStatusType st;
	int i, failed = 0, broken = db->pipe_broken;
	int end = db->pipe_tail > 0 ? db->pipe_tail : db->npipe;

	if (last != NULL)
		*last = NULL;
	db->tail_failed = 0;
	db->kept = NULL;
	if (!broken && PQpipelineSync(db->conn) != 1)
		broken = 1;
	for (i = 0; i < db->npipe && !broken; i++) {
		if ((r = PQgetResult(db->conn)) == NULL) {
			broken = 1;
			break;
		}
		st = PQresultStatus(r);
		if (!failed && i >= end) {
			/* The wake-up after COMMIT: logged by the caller. */
			if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
				db->tail_failed = 1;
			PQclear(r);
		} else if (!failed &&
		    (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)) {
			if (db->pipe[i].prepare != NULL &&
			    db->nprepared < DB_MAX_PREPARED)
				db->prepared[db->nprepared++] =
				    db->pipe[i].prepare;
			if (last != NULL && i == end - 1)
				keep = r;
			else if (db->pipe[i].keep)
				db->kept = r;
			else
				PQclear(r);
		} else if (!failed) {
			failed = 1;
			db_fail(db, r, db->pipe[i].what, p);
		} else
			PQclear(r);
		while ((r = PQgetResult(db->conn)) != NULL)
			PQclear(r);
	}
	if (!broken) {
		r = PQgetResult(db->conn);
		if (PQresultStatus(r) != PGRES_PIPELINE_SYNC)
			broken = 1;
		PQclear(r);
	}
	db->npipe = 0;
	db->pipe_broken = 0;
	db->pipe_tail = 0;
	db->pipe_open = 0;
	if (broken || PQexitPipelineMode(db->conn) != 1) {
		if (!failed)
			db_fail(db, NULL, "pipeline", p);
		PQclear(keep);
		PQclear(db->kept);
		db->kept = NULL;
		db_drop_conn(db);
		return -1;
	}
	if (failed) {
		PQclear(keep);
		PQclear(db->kept);
		db->kept = NULL;
		return -1;
	}
	if (last != NULL)
		*last = keep;
	else
		PQclear(keep);
	db->sqlstate[0] = '\0';
	return 0;
}

int
db_commit(struct db *db, struct problem *p)
{
	struct problem q;
	PGresult *r = NULL;
	unsigned wakes;
	int i, rc = 0;

	if (!db->pipe_open && db->begin_pending && db->ndeferred == 0) {
		/* Nothing was sent: there is nothing to commit. */
		db->begin_pending = 0;
		db_forget(db);
		return 0;
	}
	if (!db->pipe_open && pipe_begin(db) == -1) {
		rc = db_flush(db, p);
		wakes = db_wakes(db);
		db_forget(db);
		if (rc == -1) {
			db_rollback(db);
			return -1;
		}
		if (db_literal(db, LIT_COMMIT, p) == -1)
			return -1;
		if (wakes != 0)
			db_wake_now(db, wakes);
		return 0;
	}
	/*
	 * One round trip: what is queued (the BEGIN if it is still to be
	 * sent, db_batch's statements), the deferred work (its db_run
	 * statements are queued, not waited for), COMMIT.
	 */
	db->piping = 1;
	for (i = 0; i < db->ndeferred && rc == 0; i++)
		rc = db->deferred[i].run(db, db->deferred[i].arg, p);
	db->piping = 0;
	/* In the same round trip; without a pipeline, COMMIT waits. */
	if (rc == 0 && db->unflushed)
		pipe_literal(db, "SET LOCAL synchronous_commit = off");
	if (rc == 0)
		pipe_literal(db, "COMMIT");
	/* The wake-ups ride the same round trip, after COMMIT. */
	wakes = db_wakes(db);
	if (rc == 0 && wakes != 0)
		pipe_wake(db, wakes);
	problem_clear(&q);
	if (pipe_end(db, &r, rc == 0 ? p : &q) == -1)
		rc = -1;
	db_forget(db);
	if (rc == 0 && strcmp(PQcmdStatus(r), "COMMIT") != 0) {
		log_error("a transaction rolled back at commit", "status=%s",
		    PQcmdStatus(r));
		rc = problem_internal(p);
	}
	PQclear(r);
	if (rc == -1)
		db_rollback(db);
	else if (wakes != 0 &&
	    (db->tail_failed || PQtransactionStatus(db->conn) != PQTRANS_IDLE))
		wake_failed(db, "failed after COMMIT");
	return rc;
}

/* A savepoint was made: the deferred work after it is its. */
static void
db_mark(struct db *db)
{
	if (db->nmarks < DB_MAX_MARKS)
		db->marks[db->nmarks++] = db->ndeferred;
	else
		db->overflow++;
}

int
db_savepoint(struct db *db, struct problem *p)
{
	if (db_literal(db, LIT_SAVEPOINT, p) == -1)
		return -1;
	db_mark(db);
	return 0;
}

/* Whether stmt may be sent now for an answer: the connection is up, and
 * this is not work deferred to commit (whose statements are queued, their
 * answers read at COMMIT).  0, or -1 with p set. */
static int
db_can_ask(struct db *db, const struct sql *stmt, struct problem *p)
{
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK)
		return problem_unavailable(p);
	if (db->piping) {
		log_error("a query with an answer in work deferred to commit",
		    "stmt=%s", stmt->name);
		return problem_internal(p);
	}
	return 0;
}

PGresult *
db_exec_savepoint(struct db *db, const struct sql *stmt,
    const struct dbargs *args, struct problem *p)
{
	PGresult *r = NULL, *sp;

	if (db_can_ask(db, stmt, p) == -1)
		return NULL;
	if (!db->pipe_open && pipe_begin(db) == -1) {
		/* Without a pipeline: one after the other. */
		if ((r = db_exec(db, stmt, args, p)) == NULL)
			return NULL;
		if (db_savepoint(db, p) == -1) {
			PQclear(r);
			return NULL;
		}
		return r;
	}
	if (pipe_send(db, stmt, args, 0, p) == -1) {
		(void)pipe_end(db, NULL, p);
		return NULL;
	}
	if (!db->pipe_broken)
		db->pipe[db->npipe - 1].keep = 1;
	pipe_literal(db, "SAVEPOINT step");
	if (pipe_end(db, &sp, p) == -1)
		return NULL;
	PQclear(sp);
	r = db->kept;
	db->kept = NULL;
	db_mark(db);
	return r;
}

int
db_rollback_savepoint(struct db *db, struct problem *p)
{
	/* The newest savepoint stays open after a rollback to it. */
	if (db->overflow > 0) {
		log_error(
		    "too many savepoints to roll back deferred work", NULL);
		return problem_internal(p);
	}
	if (db_literal(db, LIT_ROLLBACK_SAVEPOINT, p) == -1)
		return -1;
	if (db->nmarks > 0)
		db_drop_from(db, db->marks[db->nmarks - 1]);
	return 0;
}

void
db_rollback(struct db *db)
{
	struct problem p;

	problem_clear(&p);
	(void)db_settle(db, &p);
	db_forget(db);
	db->begin_pending = 0;
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK &&
	    PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		(void)db_literal(db, LIT_ROLLBACK, &p);
}

static int
db_prepare(struct db *db, const struct sql *stmt, struct problem *p)
{
	PGresult *r;
	int i;

	for (i = 0; i < db->nprepared; i++)
		if (db->prepared[i] == stmt)
			return 0;
	if (db->nprepared == DB_MAX_PREPARED) {
		log_error(
		    "too many prepared statements", "stmt=%s", stmt->name);
		return problem_internal(p);
	}
	r = PQprepare(db->conn, stmt->name, stmt->text, stmt->nparams, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return db_fail(db, r, stmt->name, p);
	PQclear(r);
	db->prepared[db->nprepared++] = stmt;
	return 0;
}

static PGresult *
db_exec_as(struct db *db, const struct sql *stmt, const struct dbargs *args,
    int binary, struct problem *p)
{
	PGresult *r;
	ExecStatusType st;
	int n = args != NULL ? args->n : 0;

	if (n != stmt->nparams) {
		log_error("statement given wrong parameter count",
		    "stmt=%s want=%d got=%d", stmt->name, stmt->nparams, n);
		problem_internal(p);
		return NULL;
	}
	if (db_can_ask(db, stmt, p) == -1)
		return NULL;
	if (db->pipe_open || (db->begin_pending && pipe_begin(db) == 0)) {
		/* What is queued (a BEGIN, db_batch's statements), and the
		 * statement, in one round trip. */
		if (pipe_send(db, stmt, args, binary, p) == -1) {
			(void)pipe_end(db, NULL, p);
			return NULL;
		}
		return pipe_end(db, &r, p) == -1 ? NULL : r;
	}
	if (db_begin_now(db, p) == -1 || db_prepare(db, stmt, p) == -1)
		return NULL;
	r = PQexecPrepared(db->conn, stmt->name, n, n > 0 ? args->v : NULL,
	    n > 0 ? args->len : NULL, n > 0 ? args->fmt : NULL, binary);
	st = PQresultStatus(r);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		db_fail(db, r, stmt->name, p);
		return NULL;
	}
	db->sqlstate[0] = '\0';
	return r;
}

long
db_each(struct db *db, const struct sql *stmt, const struct dbargs *args,
    int binary, db_row_fn fn, void *arg, struct problem *p)
{
	PGresult *r;
	ExecStatusType st;
	long rows = 0;
	int n = args != NULL ? args->n : 0, failed = 0;

	if (n != stmt->nparams) {
		log_error("statement given wrong parameter count",
		    "stmt=%s want=%d got=%d", stmt->name, stmt->nparams, n);
		return problem_internal(p);
	}
	if (db_can_ask(db, stmt, p) == -1)
		return -1;
	if (db_settle(db, p) == -1 || db_begin_now(db, p) == -1 ||
	    db_prepare(db, stmt, p) == -1)
		return -1;
	if (PQsendQueryPrepared(db->conn, stmt->name, n, n > 0 ? args->v : NULL,
	        n > 0 ? args->len : NULL, n > 0 ? args->fmt : NULL,
	        binary) != 1)
		return db_fail(db, NULL, stmt->name, p);
	if (PQsetSingleRowMode(db->conn) != 1)
		log_warn("single-row mode refused", "stmt=%s", stmt->name);
	/* Every result is read, even after a failure, so that the
	 * connection is ready for the next statement. */
	while ((r = PQgetResult(db->conn)) != NULL) {
		st = PQresultStatus(r);
		if (failed)
			PQclear(r);
		else if (st == PGRES_SINGLE_TUPLE || st == PGRES_TUPLES_OK) {
			for (n = 0; n < PQntuples(r); n++, rows++)
				fn(r, n, arg);
			PQclear(r);
		} else {
			db_fail(db, r, stmt->name, p);
			failed = 1;
		}
	}
	if (failed)
		return -1;
	db->sqlstate[0] = '\0';
	return rows;
}

int
db_exec_pair(struct db *db, const struct sql *first, const struct dbargs *a1,
    const struct sql *second, const struct dbargs *a2, PGresult **r1,
    PGresult **r2, struct problem *p)
{
	*r1 = *r2 = NULL;
	if (db_can_ask(db, first, p) == -1)
		return -1;
	if (!db->pipe_open && pipe_begin(db) == -1) {
		/* Without a pipeline: one after the other. */
		if ((*r1 = db_exec_as(db, first, a1, 1, p)) == NULL)
			return -1;
		if ((*r2 = db_exec_as(db, second, a2, 1, p)) == NULL) {
			PQclear(*r1);
			*r1 = NULL;
			return -1;
		}
		return 0;
	}
	if (pipe_send(db, first, a1, 1, p) == -1) {
		(void)pipe_end(db, NULL, p);
		return -1;
	}
	if (!db->pipe_broken)
		db->pipe[db->npipe - 1].keep = 1;
	if (pipe_send(db, second, a2, 1, p) == -1) {
		(void)pipe_end(db, NULL, p);
		PQclear(db->kept);
		db->kept = NULL;
		return -1;
	}
	if (pipe_end(db, r2, p) == -1)
		return -1;
	*r1 = db->kept;
	db->kept = NULL;
	return 0;
}

PGresult *
db_exec(struct db *db, const struct sql *stmt, const struct dbargs *args,
    struct problem *p)
{
	return db_exec_as(db, stmt, args, 0, p);
}

PGresult *
db_exec_binary(struct db *db, const struct sql *stmt, const struct dbargs *args,
    struct problem *p)
{
	return db_exec_as(db, stmt, args, 1, p);
}

int
db_run(struct db *db, const struct sql *stmt, const struct dbargs *args,
    struct problem *p)
{
	PGresult *r;

	/* In the work deferred to commit, or after db_batch: queued, its
	 * outcome known with the next statement's answer or at COMMIT. */
	if (db->piping || db->pipe_open ||
	    (db->batching && db_in_transaction(db) && pipe_begin(db) == 0))
		return pipe_send(db, stmt, args, 0, p);
	if ((r = db_exec(db, stmt, args, p)) == NULL)
		return -1;
	PQclear(r);
	return 0;
}

PGresult *
db_exec_args(struct db *db, const struct sql *stmt, struct dbargs *args,
    int binary, struct problem *p)
{
	PGresult *r = binary ? db_exec_binary(db, stmt, args, p)
	                     : db_exec(db, stmt, args, p);

	dbargs_free(args);
	return r;
}

int
db_run_args(struct db *db, const struct sql *stmt, struct dbargs *args,
    struct problem *p)
{
	int rc = db_run(db, stmt, args, p);

	dbargs_free(args);
	return rc;
}

PGresult *
db_exec_id(struct db *db, const struct sql *stmt, const char *s, int binary,
    struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, s);
	return db_exec_args(db, stmt, &a, binary, p);
}

void
dbargs_init(struct dbargs *a)
{
	memset(a, 0, sizeof(*a));
}

void
dbargs_free(struct dbargs *a)
{
	int i;

	for (i = 0; i < a->n; i++)
		free(a->owned[i]);
	memset(a, 0, sizeof(*a));
}

static void
dbargs_add(struct dbargs *a, char *owned, int len, int fmt)
{
	if (a->n == DBARGS_MAX) {
		fputs("rxca: too many SQL parameters\n", stderr);
		abort();
	}
	a->owned[a->n] = owned;
	a->v[a->n] = owned;
	a->len[a->n] = len;
	a->fmt[a->n] = fmt;
	a->n++;
}

void
dbargs_text(struct dbargs *a, const char *s)
{
	dbargs_add(a, s != NULL ? xstrdup(s) : NULL, 0, 0);
}

void
dbargs_int(struct dbargs *a, long long v)
{
	dbargs_add(a, xprintf("%lld", v), 0, 0);
}

void
dbargs_bool(struct dbargs *a, int v)
{
	dbargs_add(a, xstrdup(v ? "true" : "false"), 0, 0);
}

void
dbargs_time(struct dbargs *a, time_t t)
{
	char buf[WALLCLOCK_RFC3339_LEN];

	wallclock_format(t, buf, sizeof(buf));
	dbargs_text(a, buf);
}

void
dbargs_time_or_null(struct dbargs *a, time_t t)
{
	if (t != 0)
		dbargs_time(a, t);
	else
		dbargs_text(a, NULL);
}

void
dbargs_bytea(struct dbargs *a, const void *b, size_t n)
{
	char *copy;

	copy = xmalloc(n);
	memcpy(copy, b, n);
	dbargs_add(a, copy, (int)n, 1);
}

static const char *
db_get(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	return PQgetvalue(r, row, col);
}

static long long
db_get_int(const PGresult *r, int row, int col)
{
	const char *s;

	if ((s = db_get(r, row, col)) == NULL)
		return 0;
	return strtoll(s, NULL, 10);
}

static time_t
db_get_time(const PGresult *r, int row, int col)
{
	const char *s;
	time_t t;

	if ((s = db_get(r, row, col)) == NULL || wallclock_parse(s, &t) == -1)
		return 0;
	return t;
}

static long
db_get_bytea(
    const PGresult *r, int row, int col, unsigned char *out, size_t outsz)
{
	const char *s;
	size_t i, n;
	int hi, lo;

	if ((s = db_get(r, row, col)) == NULL || s[0] != '\\' || s[1] != 'x')
		return -1;
	s += 2;
	n = strlen(s);
	if (n % 2 != 0 || n / 2 > outsz)
		return -1;
	for (i = 0; i < n / 2; i++) {
		hi = digest_hexval((unsigned char)s[2 * i]);
		lo = digest_hexval((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

/* Type OIDs of the binary results we read (pg_type.dat). */
#define OID_BOOL        16
#define OID_BYTEA       17
#define OID_INT8        20
#define OID_INT2        21
#define OID_INT4        23
#define OID_TEXT        25
#define OID_VARCHAR     1043
#define OID_TIMESTAMPTZ 1184
/* Seconds from 1970-01-01 to 2000-01-01, the binary timestamps' epoch. */
#define PG_EPOCH_OFFSET 946684800LL

/* A big-endian integer of n bytes (a binary int2/4/8), sign-extended. */
static long long
be_int(const unsigned char *b, int n)
{
	unsigned long long v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | b[i];
	if (n < 8 && (b[0] & 0x80))
		v |= ~0ULL << (8 * n);
	return (long long)v;
}

/* Whether column c of r is binary; then *oid is its type. */
static int
db_binary(const PGresult *r, int c, unsigned int *oid)
{
	if (PQfformat(r, c) != 1)
		return 0;
	*oid = (unsigned int)PQftype(r, c);
	return 1;
}

/* The index of column name in r, or -1 (logged: a programming error). */
static int
db_col(const PGresult *r, const char *name)
{
	int c = PQfnumber(r, name);

	if (c < 0)
		log_error("query result has no such column", "column=%s", name);
	return c;
}

const char *
db_text(const PGresult *r, int row, const char *name)
{
	unsigned int oid;
	int c = db_col(r, name);

	if (c < 0)
		return NULL;
	if (db_binary(r, c, &oid) && oid != OID_TEXT && oid != OID_VARCHAR) {
		log_error("binary column read as text", "column=%s", name);
		return NULL;
	}
	return db_get(r, row, c);
}

int
db_null(const PGresult *r, int row, const char *name)
{
	int c = db_col(r, name);

	return c < 0 || PQgetisnull(r, row, c);
}

int
db_text_copy(
    const PGresult *r, int row, const char *name, char *out, size_t outsz)
{
	const char *s = db_text(r, row, name);

	snprintf(out, outsz, "%s", s != NULL ? s : "");
	return s != NULL;
}

char *
db_text_dup(const PGresult *r, int row, const char *name)
{
	const char *s = db_text(r, row, name);

	return s != NULL ? xstrdup(s) : NULL;
}

long
db_bytea_dup(
    const PGresult *r, int row, const char *name, long max, unsigned char **out)
{
	long n;

	*out = NULL;
	if ((n = db_bytea_len(r, row, name)) < 0)
		return 0;
	if (n == 0 || n > max)
		return -1;
	*out = xmalloc((size_t)n);
	if (db_bytea(r, row, name, *out, (size_t)n) != n) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return n;
}

long long
db_int(const PGresult *r, int row, const char *name)
{
	const unsigned char *b;
	unsigned int oid;
	int c = db_col(r, name), n;

	if (c < 0 || PQgetisnull(r, row, c))
		return 0;
	if (!db_binary(r, c, &oid))
		return db_get_int(r, row, c);
	b = (const unsigned char *)PQgetvalue(r, row, c);
	n = PQgetlength(r, row, c);
	if ((oid == OID_INT8 && n == 8) || (oid == OID_INT4 && n == 4) ||
	    (oid == OID_INT2 && n == 2))
		return be_int(b, n);
	log_error("binary column is not an integer", "column=%s", name);
	return 0;
}

time_t
db_time(const PGresult *r, int row, const char *name)
{
	unsigned int oid;
	long long us;
	int c = db_col(r, name);

	if (c < 0 || PQgetisnull(r, row, c))
		return 0;
	if (!db_binary(r, c, &oid))
		return db_get_time(r, row, c);
	if (oid != OID_TIMESTAMPTZ || PQgetlength(r, row, c) != 8) {
		log_error(
		    "binary column is not a timestamptz", "column=%s", name);
		return 0;
	}
	/* Microseconds since 2000-01-01 UTC, floored to seconds. */
	us = be_int((const unsigned char *)PQgetvalue(r, row, c), 8);
	return (time_t)((us >= 0 ? us / 1000000 : (us - 999999) / 1000000) +
	    PG_EPOCH_OFFSET);
}

int
db_bool(const PGresult *r, int row, const char *name)
{
	unsigned int oid;
	int c = db_col(r, name);

	if (c < 0 || PQgetisnull(r, row, c))
		return 0;
	if (!db_binary(r, c, &oid))
		return strcmp(PQgetvalue(r, row, c), "t") == 0;
	if (oid != OID_BOOL || PQgetlength(r, row, c) != 1) {
		log_error("binary column is not a boolean", "column=%s", name);
		return 0;
	}
	return PQgetvalue(r, row, c)[0] != 0;
}

long
db_bytea(const PGresult *r, int row, const char *name, unsigned char *out,
    size_t outsz)
{
	unsigned int oid;
	int c = db_col(r, name), n;

	if (c < 0 || PQgetisnull(r, row, c))
		return -1;
	if (!db_binary(r, c, &oid))
		return db_get_bytea(r, row, c, out, outsz);
	n = PQgetlength(r, row, c);
	if (oid != OID_BYTEA || n < 0 || (size_t)n > outsz)
		return -1;
	memcpy(out, PQgetvalue(r, row, c), (size_t)n);
	return n;
}

long
db_bytea_len(const PGresult *r, int row, const char *name)
{
	unsigned int oid;
	int c = db_col(r, name);

	if (c < 0 || PQgetisnull(r, row, c))
		return -1;
	if (db_binary(r, c, &oid))
		return PQgetlength(r, row, c);
	/* \x and two hex digits a byte */
	return ((long)PQgetlength(r, row, c) - 2) / 2;
}

int
db_one_row(PGresult *r, db_row_fn fill, void *arg)
{
	int found;

	if (r == NULL)
		return -1;
	if ((found = PQntuples(r) == 1))
		fill(r, 0, arg);
	PQclear(r);
	return found;
}

long
db_rows(PGresult *r, size_t sz, db_row_fn fill, void **out)
{
	unsigned char *rows;
	int i, n;

	*out = NULL;
	if (r == NULL)
		return -1;
	n = PQntuples(r);
	rows = xcalloc(n > 0 ? (size_t)n : 1, sz);
	for (i = 0; i < n; i++)
		fill(r, i, rows + (size_t)i * sz);
	PQclear(r);
	*out = rows;
	return n;
}

long
db_count(PGresult *r)
{
	long n;

	if (r == NULL)
		return -1;
	n = PQntuples(r);
	PQclear(r);
	return n;
}
