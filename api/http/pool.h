/*
 * The worker pool: a fixed number of threads, each owning the state its
 * opener made for it (the server's: one database connection, which this
 * layer never sees).  A unit of work runs on a worker; its completion runs
 * back on the event loop.  Blocking work never runs on the loop.
 */
#ifndef RXCA_POOL_H
#define RXCA_POOL_H

#include <time.h>

#include <event2/event.h>

struct pool;

/* On a worker: worker is the state its opener made. */
typedef void (*pool_work_fn)(void *worker, void *arg);
typedef void (*pool_done_fn)(void *arg); /* on the loop */

/* A worker's own state: open(arg) before its first unit of work, on its
 * thread (NULL is passed on as it is); close(state) as it exits, if it
 * was opened.  Queued work goes to the worker that went idle last, so a
 * quiet pool opens the state of few workers. */
struct pool_worker_ops {
	void *(*open)(void *arg);    /* makes a worker's state */
	void (*close)(void *worker); /* frees it */
	void *arg;                   /* for open */
};

/* Starts n workers, each with the state ops->open() makes when it is
 * first needed (ops is copied).  Caller frees with pool_free(). */
struct pool *pool_new(
    struct event_base *base, int n, const struct pool_worker_ops *ops);
/* Queues work; done (may be NULL) runs on the loop after it. */
void pool_submit(
    struct pool *p, pool_work_fn work, pool_done_fn done, void *arg);
/* Units queued or running. */
int pool_busy(struct pool *p);
/*
 * Stops the workers, on the loop's thread once the loop has ended: units
 * not started are dropped (their done still runs, without the work; a
 * done must allow for that), units running may finish until deadline
 * (CLOCK_MONOTONIC; NULL: however long they take).  Returns 0 with p
 * freed and every done run; or -1 if a unit still ran at the deadline:
 * p and its threads are then left alone, and the caller must end the
 * process without freeing anything such a unit may use.
 */
int pool_stop(struct pool *p, const struct timespec *deadline);
/* pool_stop() without a deadline. */
void pool_free(struct pool *p);

#endif
