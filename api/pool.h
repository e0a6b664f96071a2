/*
 * The worker pool: a fixed number of threads, each owning one database
 * connection.  A unit of work runs on a worker; its completion runs back
 * on the event loop.  Blocking work never runs on the loop.
 */
#ifndef RXCA_POOL_H
#define RXCA_POOL_H

#include <event2/event.h>

struct db;
struct pool;

typedef void (*pool_work_fn)(struct db *db, void *arg); /* on a worker */
typedef void (*pool_done_fn)(void *arg);                /* on the loop */

/* Starts n workers connecting to dburl.  Caller frees with pool_free(). */
struct pool *pool_new(struct event_base *base, int n, const char *dburl);
/* Queues work; done (may be NULL) runs on the loop after it. */
void pool_submit(
    struct pool *p, pool_work_fn work, pool_done_fn done, void *arg);
/* Units queued or running. */
int pool_busy(struct pool *p);
/* Finishes every queued unit, then joins the workers. */
void pool_free(struct pool *p);

#endif
