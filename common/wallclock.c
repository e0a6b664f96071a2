#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/wallclock.h"
#include "common/xmalloc.h"

static pthread_mutex_t clock_lock = PTHREAD_MUTEX_INITIALIZER;
static time_t clock_fixed;          /* 0: not fixed */
static char *clock_path;            /* offset file, or NULL */
static struct timespec clock_mtime; /* of the file when read */
static long long clock_offset;      /* seconds from the file */

static int
read_offset(const char *path, long long *off)
{
	char buf[64], *end;
	FILE *f;
	size_t n;

	if ((f = fopen(path, "r")) == NULL) {
		*off = 0;
		return errno == ENOENT ? 0 : -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	errno = 0;
	*off = strtoll(buf, &end, 10);
	while (*end == '\n' || *end == ' ' || *end == '\r')
		end++;
	if (errno != 0 || end == buf || *end != '\0')
		return -1;
	return 0;
}

/* The clock in milliseconds: the fixed time, or the system's plus the
 * offset file's whole seconds. */
static long long
clock_ms(void)
{
	struct stat st;
	struct timespec ts;
	long long now, off;

	pthread_mutex_lock(&clock_lock);
	if (clock_fixed != 0) {
		now = (long long)clock_fixed * 1000;
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (clock_path != NULL) {
		if (stat(clock_path, &st) == -1)
			clock_offset = 0;
		else if (st.st_mtim.tv_sec != clock_mtime.tv_sec ||
		    st.st_mtim.tv_nsec != clock_mtime.tv_nsec) {
			if (read_offset(clock_path, &off) == 0)
				clock_offset = off;
			clock_mtime = st.st_mtim;
		}
		now += clock_offset * 1000;
	}
out:
	pthread_mutex_unlock(&clock_lock);
	return now;
}

time_t
wallclock_now(void)
{
	long long ms = clock_ms();

	return (time_t)(ms / 1000);
}

long long
wallclock_now_ms(void)
{
	return clock_ms();
}

void
wallclock_set_fixed(time_t t)
{
	pthread_mutex_lock(&clock_lock);
	clock_fixed = t;
	pthread_mutex_unlock(&clock_lock);
}

int
wallclock_use_file(const char *path)
{
	long long off = 0;
	int rc = 0;

	if (path != NULL && read_offset(path, &off) == -1)
		rc = -1;
	pthread_mutex_lock(&clock_lock);
	free(clock_path);
	clock_path = path != NULL ? xstrdup(path) : NULL;
	memset(&clock_mtime, 0, sizeof(clock_mtime));
	clock_offset = 0;
	pthread_mutex_unlock(&clock_lock);
	return rc;
}

void
wallclock_format(time_t t, char *buf, size_t bufsz)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
wallclock_mail(time_t t, char buf[WALLCLOCK_MAIL_LEN])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, WALLCLOCK_MAIL_LEN, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, WALLCLOCK_MAIL_LEN, "?");
}

static long long
days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
wallclock_parse(const char *s, time_t *t)
{
	int y, mo, d, h, mi, sec, n = 0;
	char sep;

	if (sscanf(s, "%4d-%2d-%2d%c%2d:%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi,
	        &sec, &n) != 7 ||
	    (sep != 'T' && sep != ' '))
		return -1;
	s += n;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	if (strcmp(s, "Z") != 0 && strcmp(s, "+00") != 0 &&
	    strcmp(s, "+00:00") != 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60 || h < 0 || mi < 0 || sec < 0)
		return -1;
	*t = (time_t)(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	    sec);
	return 0;
}

json_t *
wallclock_json(time_t t)
{
	char buf[WALLCLOCK_RFC3339_LEN];

	if (t == 0)
		return json_null();
	wallclock_format(t, buf, sizeof(buf));
	return json_string(buf);
}
