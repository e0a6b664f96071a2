/* The audit sequencer's loop: see api/jobs/auditseq.h. */
#include <stdlib.h>

#include <event2/event.h>

#include "api/config.h"
#include "api/http/pool.h"
#include "api/jobs/auditseq.h"
#include "api/store/audit.h"
#include "api/store/dbconn.h"
#include "common/logger.h"
#include "common/xmalloc.h"

struct auditseq {
	struct pool *pool;    /* workers, borrowed */
	atomic_int *stopping; /* the server's: claim nothing more */
	struct event *timer;  /* periodic run */
	int running;          /* a run is on a worker */
	int stopped;          /* schedule nothing new */
};

/* On a worker: batches until none is left or another node sequences. */
static void
run_work(void *worker, void *arg)
{
	struct db *db = worker;
	struct auditseq *s = arg;
	struct problem p;
	long long n = 0;

	problem_clear(&p);
	if (db_ensure(db, &p) == -1)
		return;
	do {
		if (atomic_load(s->stopping))
			return;
		if (audit_sequence(db, AUDIT_SEQUENCE_MAX, 0, &n, &p) == -1) {
			log_warn("audit sequencing failed", "error=\"%s: %s\"",
			    p.type, p.detail);
			return;
		}
		if (n > 0)
			log_debug("audit records sequenced", "n=%lld", n);
	} while (n == AUDIT_SEQUENCE_MAX);
}

int
auditseq_last(const char *database_url)
{
	struct problem p;
	struct db *db;
	long long n = 0;
	int rc = 0;

	problem_clear(&p);
	if ((db = db_open(database_url)) == NULL || db_ensure(db, &p) == -1) {
		rc = -1;
		goto out;
	}
	do {
		if (audit_sequence(db, AUDIT_SEQUENCE_MAX, 0, &n, &p) == -1) {
			rc = -1;
			goto out;
		}
	} while (n == AUDIT_SEQUENCE_MAX);
out:
	if (rc == -1)
		log_warn("last audit sequencing failed: another node's run "
		         "or the next start sequences what is left",
		    "error=\"%s: %s\"", p.type, p.detail);
	db_free(db);
	return rc;
}

static void
run_done(void *arg)
{
	struct auditseq *s = arg;

	s->running = 0;
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct auditseq *s = arg;

	(void)fd;
	(void)what;
	if (s->running || s->stopped)
		return;
	s->running = 1;
	pool_submit(s->pool, run_work, run_done, s);
}

struct auditseq *
auditseq_new(struct event_base *base, struct pool *pool,
    const struct config *cfg, atomic_int *stopping)
{
	struct auditseq *s;
	struct timeval tv;

	s = xcalloc(1, sizeof(*s));
	s->pool = pool;
	s->stopping = stopping;
	tv.tv_sec = cfg->audit_sequence_ms / 1000;
	tv.tv_usec = (cfg->audit_sequence_ms % 1000) * 1000;
	s->timer = event_new(base, -1, EV_PERSIST, timer_cb, s);
	event_add(s->timer, &tv);
	return s;
}

void
auditseq_stop(struct auditseq *s)
{
	if (s == NULL)
		return;
	s->stopped = 1;
	event_del(s->timer);
}

void
auditseq_free(struct auditseq *s)
{
	if (s == NULL)
		return;
	auditseq_stop(s);
	event_free(s->timer);
	free(s);
}
