/*
 * A log line at a bounded rate: at most one line a second for each
 * limiter, the lines left out in between counted and named in the next
 * one.  For events an anonymous client can cause at will (refused
 * connections, refused operator requests), so no client can flood the log.
 * Safe from any thread.
 */
#ifndef RXCA_RATELOG_H
#define RXCA_RATELOG_H

#include <pthread.h>
#include <time.h>

struct ratelog {
	pthread_mutex_t lock;     /* guards the two below */
	time_t last;              /* monotonic second of the last line */
	unsigned long suppressed; /* lines left out since */
};

#define RATELOG_INIT                                                           \
	{                                                                      \
		PTHREAD_MUTEX_INITIALIZER, 0, 0                                \
	}

/*
 * Whether a line may be written now.  Returns 1 and sets *suppressed to
 * the lines left out since the last one (then starts counting again), or
 * 0 after counting this one as left out.
 */
int ratelog_allow(struct ratelog *r, unsigned long *suppressed);

#endif
