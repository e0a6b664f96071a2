#include <time.h>

#include "api/http/ratelog.h"

int
ratelog_allow(struct ratelog *r, unsigned long *suppressed)
{
	struct timespec now;
	int ok = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&r->lock);
	if (r->last == 0 || now.tv_sec > r->last) {
		*suppressed = r->suppressed;
		r->suppressed = 0;
		r->last = now.tv_sec;
		ok = 1;
	} else
		r->suppressed++;
	pthread_mutex_unlock(&r->lock);
	return ok;
}
