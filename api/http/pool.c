#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "api/http/pool.h"
#include "common/logger.h"
#include "common/xmalloc.h"

struct task {
	pool_work_fn work; /* on a worker */
	pool_done_fn done; /* on the loop, or NULL */
	void *arg;         /* for both */
	struct task *next; /* in a queue */
};

/*
 * A worker's place in its pool.  Idle workers wait on a stack, each on a
 * condition of its own, and queued work wakes the one that went idle
 * last: under light load the same few workers take every unit, and a
 * worker opens its state (the server's: a database connection) only
 * before its first unit, so a quiet server holds few connections.
 */
struct slot {
	struct pool *pool;
	pthread_cond_t wake;    /* taken off the idle stack, or stopping */
	struct slot *next_idle; /* below it on the idle stack */
	int idle;               /* on the idle stack */
};

struct pool {
	pthread_mutex_t lock;               /* guards everything below */
	struct slot *slots;                 /* one per worker */
	struct slot *idle;                  /* the last worker to go idle */
	pthread_cond_t gone;                /* a worker exited */
	pthread_cond_t ready;               /* a worker went idle first */
	int nready;                         /* workers that have */
	struct task *head, *tail;           /* queued work */
	struct task *done_head, *done_tail; /* finished, for the loop */
	int busy;                           /* queued + running */
	int stopping;                       /* workers take nothing more */
	int nslots;                         /* workers asked for */
	int nthreads;                       /* started */
	int nexited;                        /* of them, exited */
	pthread_t *threads;                 /* the workers */
	struct pool_worker_ops ops;         /* each worker's state */
	struct event *done_ev;              /* wakes the loop */
};

/* Puts me on top of the idle stack (p->lock held). */
static void
idle_push(struct pool *p, struct slot *me)
{
	me->idle = 1;
	me->next_idle = p->idle;
	p->idle = me;
}

/* Takes me off the idle stack, wherever it is (p->lock held): a worker
 * woken spuriously may find work that pool_submit woke another for. */
static void
idle_leave(struct pool *p, struct slot *me)
{
	struct slot **pp;

	for (pp = &p->idle; *pp != NULL; pp = &(*pp)->next_idle)
		if (*pp == me) {
			*pp = me->next_idle;
			break;
		}
	me->idle = 0;
}

static void *
worker_main(void *arg)
{
	struct slot *me = arg;
	struct pool *p = me->pool;
	struct task *t;
	void *worker = NULL;
	int opened = 0;

	/* Idle from the start, and pool_new waits for that: a worker still
	 * starting would otherwise take work meant for an idle one. */
	pthread_mutex_lock(&p->lock);
	idle_push(p, me);
	p->nready++;
	pthread_cond_broadcast(&p->ready);
	for (;;) {
		while (p->head == NULL && !p->stopping) {
			if (!me->idle)
				idle_push(p, me);
			pthread_cond_wait(&me->wake, &p->lock);
		}
		if (p->stopping)
			break;
		if (me->idle)
			idle_leave(p, me);
		t = p->head;
		p->head = t->next;
		if (p->head == NULL)
			p->tail = NULL;
		pthread_mutex_unlock(&p->lock);

		if (!opened) {
			worker = p->ops.open(p->ops.arg);
			opened = 1;
		}
		t->work(worker, t->arg);
		log_set_request(NULL);

		pthread_mutex_lock(&p->lock);
		t->next = NULL;
		if (p->done_tail != NULL)
			p->done_tail->next = t;
		else
			p->done_head = t;
		p->done_tail = t;
		/* Idle again before the loop hears of this unit, so that the
		 * work its done queues finds this worker on top. */
		if (p->head == NULL && !p->stopping)
			idle_push(p, me);
		pthread_mutex_unlock(&p->lock);
		event_active(p->done_ev, EV_READ, 0);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	if (opened)
		p->ops.close(worker);
	pthread_mutex_lock(&p->lock);
	p->nexited++;
	pthread_cond_broadcast(&p->gone);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void
pool_drain_done(struct pool *p)
{
	struct task *t, *next;

	pthread_mutex_lock(&p->lock);
	t = p->done_head;
	p->done_head = p->done_tail = NULL;
	pthread_mutex_unlock(&p->lock);
	for (; t != NULL; t = next) {
		next = t->next;
		if (t->done != NULL)
			t->done(t->arg);
		pthread_mutex_lock(&p->lock);
		p->busy--;
		pthread_mutex_unlock(&p->lock);
		free(t);
	}
}

static void
done_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	pool_drain_done(arg);
}

struct pool *
pool_new(struct event_base *base, int n, const struct pool_worker_ops *ops)
{
	pthread_condattr_t attr;
	struct pool *p;
	int i;

	p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	p->slots = xcalloc((size_t)n, sizeof(*p->slots));
	for (i = 0; i < n; i++) {
		p->slots[i].pool = p;
		pthread_cond_init(&p->slots[i].wake, NULL);
	}
	pthread_cond_init(&p->ready, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->gone, &attr);
	pthread_condattr_destroy(&attr);
	p->ops = *ops;
	p->done_ev = event_new(base, -1, 0, done_cb, p);
	p->nslots = n;
	p->threads = xcalloc((size_t)n, sizeof(pthread_t));
	for (i = 0; i < n; i++) {
		if (pthread_create(
		        &p->threads[i], NULL, worker_main, &p->slots[i]) != 0)
			break;
		p->nthreads++;
	}
	pthread_mutex_lock(&p->lock);
	while (p->nready < p->nthreads)
		pthread_cond_wait(&p->ready, &p->lock);
	pthread_mutex_unlock(&p->lock);
	return p;
}

void
pool_submit(struct pool *p, pool_work_fn work, pool_done_fn done, void *arg)
{
	struct task *t;
	struct slot *s;

	t = xcalloc(1, sizeof(*t));
	t->work = work;
	t->done = done;
	t->arg = arg;
	pthread_mutex_lock(&p->lock);
	if (p->tail != NULL)
		p->tail->next = t;
	else
		p->head = t;
	p->tail = t;
	p->busy++;
	/* The last to go idle; a busy worker looks at the queue before it
	 * goes idle, so work never waits while a worker does. */
	if ((s = p->idle) != NULL) {
		p->idle = s->next_idle;
		s->idle = 0;
		pthread_cond_signal(&s->wake);
	}
	pthread_mutex_unlock(&p->lock);
}

int
pool_busy(struct pool *p)
{
	int n;

	pthread_mutex_lock(&p->lock);
	n = p->busy;
	pthread_mutex_unlock(&p->lock);
	return n;
}

int
pool_stop(struct pool *p, const struct timespec *deadline)
{
	struct task *t, *next;
	int i;

	if (p == NULL)
		return 0;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	t = p->head;
	p->head = p->tail = NULL;
	for (i = 0; i < p->nslots; i++)
		pthread_cond_signal(&p->slots[i].wake);
	while (p->nexited < p->nthreads)
		if (deadline == NULL)
			pthread_cond_wait(&p->gone, &p->lock);
		else if (pthread_cond_timedwait(&p->gone, &p->lock, deadline) ==
		    ETIMEDOUT)
			break;
	if (p->nexited < p->nthreads) {
		pthread_mutex_unlock(&p->lock);
		log_warn("workers still busy at the deadline: left running",
		    "running=%d", p->nthreads - p->nexited);
		return -1;
	}
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pool_drain_done(p);
	/* never started: done alone */
	for (; t != NULL; t = next) {
		next = t->next;
		if (t->done != NULL)
			t->done(t->arg);
		free(t);
	}
	event_free(p->done_ev);
	pthread_mutex_destroy(&p->lock);
	for (i = 0; i < p->nslots; i++)
		pthread_cond_destroy(&p->slots[i].wake);
	free(p->slots);
	pthread_cond_destroy(&p->gone);
	pthread_cond_destroy(&p->ready);
	free(p->threads);
	free(p);
	return 0;
}

void
pool_free(struct pool *p)
{
	(void)pool_stop(p, NULL);
}
