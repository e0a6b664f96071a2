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

struct pool {
	pthread_mutex_t lock;               /* guards everything below */
	pthread_cond_t wake;                /* work queued or stopping */
	pthread_cond_t gone;                /* a worker exited */
	struct task *head, *tail;           /* queued work */
	struct task *done_head, *done_tail; /* finished, for the loop */
	int busy;                           /* queued + running */
	int stopping;                       /* workers take nothing more */
	int nthreads;                       /* started */
	int nexited;                        /* of them, exited */
	pthread_t *threads;                 /* the workers */
	struct pool_worker_ops ops;         /* each worker's state */
	struct event *done_ev;              /* wakes the loop */
};

static void *
worker_main(void *arg)
{
	struct pool *p = arg;
	struct task *t;
	void *worker;

	worker = p->ops.open(p->ops.arg);
	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (p->head == NULL && !p->stopping)
			pthread_cond_wait(&p->wake, &p->lock);
		if (p->stopping) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		t = p->head;
		p->head = t->next;
		if (p->head == NULL)
			p->tail = NULL;
		pthread_mutex_unlock(&p->lock);

		t->work(worker, t->arg);
		log_set_request(NULL);

		pthread_mutex_lock(&p->lock);
		t->next = NULL;
		if (p->done_tail != NULL)
			p->done_tail->next = t;
		else
			p->done_head = t;
		p->done_tail = t;
		pthread_mutex_unlock(&p->lock);
		event_active(p->done_ev, EV_READ, 0);
	}
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
	pthread_cond_init(&p->wake, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->gone, &attr);
	pthread_condattr_destroy(&attr);
	p->ops = *ops;
	p->done_ev = event_new(base, -1, 0, done_cb, p);
	p->threads = xcalloc((size_t)n, sizeof(pthread_t));
	for (i = 0; i < n; i++) {
		if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0)
			break;
		p->nthreads++;
	}
	return p;
}

void
pool_submit(struct pool *p, pool_work_fn work, pool_done_fn done, void *arg)
{
	struct task *t;

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
	pthread_cond_signal(&p->wake);
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
	pthread_cond_broadcast(&p->wake);
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
	pthread_cond_destroy(&p->wake);
	pthread_cond_destroy(&p->gone);
	free(p->threads);
	free(p);
	return 0;
}

void
pool_free(struct pool *p)
{
	(void)pool_stop(p, NULL);
}
