/* Unit tests of api/http/pool.c: work reaches a worker, the worker that
 * went idle last takes the next unit, a worker's state is opened only
 * before its first unit, and closed only if it was opened. */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <CUnit/Basic.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "api/http/pool.h"

static atomic_int opens, closes;

static void *
count_open(void *arg)
{
	(void)arg;
	return (void *)(long)(atomic_fetch_add(&opens, 1) + 1);
}

static void
count_close(void *worker)
{
	(void)worker;
	atomic_fetch_add(&closes, 1);
}

static const struct pool_worker_ops ops = {count_open, count_close, NULL};

struct unit {
	long worker; /* the state it ran with */
	int done;    /* its done ran, on the loop */
};

static void
note_worker(void *worker, void *arg)
{
	((struct unit *)arg)->worker = (long)worker;
}

static void
note_done(void *arg)
{
	((struct unit *)arg)->done = 1;
}

/* Runs base until u is done, at most 10 s. */
static void
loop_until(struct event_base *base, struct unit *u)
{
	time_t until = time(NULL) + 10;

	while (!u->done && time(NULL) < until)
		event_base_loop(base, EVLOOP_ONCE);
}

/* One unit at a time, 50 times: one worker of four takes them all, and
 * only its state is opened (every worker opened its own at start before:
 * 4 opens, and the units went round the workers). */
static void
test_quiet_pool_opens_one(void)
{
	struct event_base *base = event_base_new();
	struct pool *p;
	struct unit u;
	long first = 0;
	int i, same = 1;

	atomic_store(&opens, 0);
	atomic_store(&closes, 0);
	p = pool_new(base, 4, &ops);
	for (i = 0; i < 50; i++) {
		u.worker = 0;
		u.done = 0;
		pool_submit(p, note_worker, note_done, &u);
		loop_until(base, &u);
		CU_ASSERT_TRUE_FATAL(u.done);
		if (i == 0)
			first = u.worker;
		same &= u.worker == first;
	}
	CU_ASSERT_TRUE(same);
	CU_ASSERT_EQUAL(atomic_load(&opens), 1);
	pool_free(p);
	CU_ASSERT_EQUAL(atomic_load(&closes), 1);
	event_base_free(base);
}

/* Units that can only finish together: each of four workers takes one
 * (and opens its state), none waits behind another. */
static pthread_mutex_t meet_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t meet_cond = PTHREAD_COND_INITIALIZER;
static int arrived, met;

static void
meet(void *worker, void *arg)
{
	struct timespec until;

	note_worker(worker, arg);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&meet_lock);
	if (++arrived == 4)
		pthread_cond_broadcast(&meet_cond);
	while (arrived < 4)
		if (pthread_cond_timedwait(&meet_cond, &meet_lock, &until) != 0)
			break;
	met += arrived == 4;
	pthread_mutex_unlock(&meet_lock);
}

static void
test_busy_pool_runs_in_parallel(void)
{
	struct event_base *base = event_base_new();
	struct pool *p;
	struct unit u[4];
	int i;

	atomic_store(&opens, 0);
	atomic_store(&closes, 0);
	arrived = met = 0;
	p = pool_new(base, 4, &ops);
	for (i = 0; i < 4; i++) {
		u[i].worker = 0;
		u[i].done = 0;
		pool_submit(p, meet, note_done, &u[i]);
	}
	for (i = 0; i < 4; i++)
		loop_until(base, &u[i]);
	CU_ASSERT_EQUAL(met, 4);
	CU_ASSERT_EQUAL(atomic_load(&opens), 4);
	for (i = 1; i < 4; i++)
		CU_ASSERT_NOT_EQUAL(u[i].worker, u[0].worker);
	pool_free(p);
	CU_ASSERT_EQUAL(atomic_load(&closes), 4);
	event_base_free(base);
}

/* A pool stopped before any work opens and closes nothing; queued work
 * that never started still has its done run. */
static void
test_unused_pool_opens_nothing(void)
{
	struct event_base *base = event_base_new();
	struct pool *p;

	atomic_store(&opens, 0);
	atomic_store(&closes, 0);
	p = pool_new(base, 3, &ops);
	pool_free(p);
	CU_ASSERT_EQUAL(atomic_load(&opens), 0);
	CU_ASSERT_EQUAL(atomic_load(&closes), 0);
	event_base_free(base);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (evthread_use_pthreads() == -1)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("pool", NULL, NULL);
	CU_add_test(s, "quiet pool opens one", test_quiet_pool_opens_one);
	CU_add_test(
	    s, "busy pool runs in parallel", test_busy_pool_runs_in_parallel);
	CU_add_test(
	    s, "unused pool opens nothing", test_unused_pool_opens_nothing);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
