#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/service/app.h"
#include "api/service/metrics.h"
#include "api/service/ocspcache.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define MAX_STATUSES 16
#define NBUCKETS     11

static const double buckets[NBUCKETS] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

struct route_stats {
	int statuses[MAX_STATUSES];         /* codes seen */
	unsigned long counts[MAX_STATUSES]; /* per code */
	int nstatuses;                      /* used */
	unsigned long hist[NBUCKETS];       /* <= bucket */
	unsigned long nobs;                 /* observations */
	double sum;                         /* seconds */
};

static const char *const operator_reasons[] = {
    METRICS_OPERATOR_REASONS, "other"};
#define NREASONS (sizeof(operator_reasons) / sizeof(operator_reasons[0]))

struct metrics {
	pthread_mutex_t lock;           /* guards stats */
	const char *const *names;       /* borrowed labels */
	size_t n;                       /* routes */
	struct route_stats *stats;      /* n + 1 */
	atomic_ulong refused[NREASONS]; /* operator refusals by reason */
};

struct metrics *
metrics_new(const char *const *names, size_t n)
{
	struct metrics *m;

	m = xcalloc(1, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->names = names;
	m->n = n;
	m->stats = xcalloc(n + 1, sizeof(*m->stats));
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	free(m->stats);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void
metrics_observe(struct metrics *m, size_t route, int status, double seconds)
{
	struct route_stats *s;
	int i;

	if (route > m->n)
		route = m->n;
	pthread_mutex_lock(&m->lock);
	s = &m->stats[route];
	for (i = 0; i < s->nstatuses; i++)
		if (s->statuses[i] == status)
			break;
	if (i == s->nstatuses) {
		if (s->nstatuses == MAX_STATUSES)
			i = MAX_STATUSES - 1;
		else
			s->statuses[s->nstatuses++] = status;
	}
	s->counts[i]++;
	for (i = 0; i < NBUCKETS; i++)
		if (seconds <= buckets[i])
			s->hist[i]++;
	s->nobs++;
	s->sum += seconds;
	pthread_mutex_unlock(&m->lock);
}

void
metrics_operator_refused(struct metrics *m, const char *reason)
{
	size_t i;

	for (i = 0; i < NREASONS - 1; i++)
		if (strcmp(operator_reasons[i], reason) == 0)
			break;
	atomic_fetch_add(&m->refused[i], 1);
}

static void append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < *cap - *len) {
			*len += (size_t)n;
			return;
		}
		*cap *= 2;
		*buf = xrealloc(*buf, *cap);
	}
}

char *
metrics_render(struct metrics *m, const struct app *app,
    const struct metrics_listener *ls, size_t nls, int pool_busy, int hash_busy)
{
	const struct route_stats *s;
	const char *name;
	size_t len = 0, cap = 8192, r;
	char *buf;
	long oldest;
	time_t now;
	struct ocspcache_stats os;
	int i, connections = 0;

	buf = xmalloc(cap);
	buf[0] = '\0';
	ocspcache_stats(app->ocsp, &os);
	append(&buf, &len, &cap,
	    "# TYPE rxca_ocsp_db_lookups_total counter\n"
	    "rxca_ocsp_db_lookups_total %ld\n"
	    "# TYPE rxca_ocsp_signed_on_demand_total counter\n"
	    "rxca_ocsp_signed_on_demand_total %ld\n"
	    "# TYPE rxca_ocsp_try_later_total counter\n"
	    "rxca_ocsp_try_later_total %ld\n"
	    "# TYPE rxca_ocsp_unknown_held gauge\nrxca_ocsp_unknown_held %ld\n"
	    "# TYPE rxca_ocsp_cache_hits_total counter\n"
	    "rxca_ocsp_cache_hits_total %ld\n"
	    "# TYPE rxca_ocsp_cache_misses_total counter\n"
	    "rxca_ocsp_cache_misses_total %ld\n"
	    "# TYPE rxca_ocsp_cache_evictions_total counter\n"
	    "rxca_ocsp_cache_evictions_total %ld\n"
	    "# TYPE rxca_ocsp_cache_dropped_total counter\n"
	    "rxca_ocsp_cache_dropped_total %ld\n"
	    "# TYPE rxca_ocsp_cache_entries gauge\n"
	    "rxca_ocsp_cache_entries %ld\n"
	    "# TYPE rxca_ocsp_cache_bytes gauge\nrxca_ocsp_cache_bytes %ld\n"
	    "# TYPE rxca_ocsp_cache_limit_bytes gauge\n"
	    "rxca_ocsp_cache_limit_bytes %ld\n"
	    "# HELP rxca_ocsp_responses_signed_total OCSP responses signed by "
	    "this process (each digest form counts).\n"
	    "# TYPE rxca_ocsp_responses_signed_total counter\n"
	    "rxca_ocsp_responses_signed_total %ld\n",
	    os.db_lookups, os.signed_on_demand, os.try_later, os.unknown_held,
	    os.hits, os.misses, os.evictions, os.dropped, os.entries, os.bytes,
	    os.budget, atomic_load(&app->ocsp_signed));
	pthread_mutex_lock(&m->lock);
	append(&buf, &len, &cap,
	    "# HELP rxca_http_requests_total HTTP "
	    "requests by route and status.\n# TYPE rxca_http_requests_total "
	    "counter\n");
	for (r = 0; r <= m->n; r++) {
		s = &m->stats[r];
		name = r < m->n ? m->names[r] : "unmatched";
		for (i = 0; i < s->nstatuses; i++)
			append(&buf, &len, &cap,
			    "rxca_http_requests_total"
			    "{route=\"%s\",status=\"%d\"} %lu\n",
			    name, s->statuses[i], s->counts[i]);
	}
	append(&buf, &len, &cap,
	    "# HELP rxca_http_request_duration_seconds "
	    "Time from a complete request to its reply.\n# TYPE "
	    "rxca_http_request_duration_seconds histogram\n");
	for (r = 0; r <= m->n; r++) {
		s = &m->stats[r];
		if (s->nobs == 0)
			continue;
		name = r < m->n ? m->names[r] : "unmatched";
		for (i = 0; i < NBUCKETS; i++)
			append(&buf, &len, &cap,
			    "rxca_http_request_duration_seconds_bucket"
			    "{route=\"%s\",le=\"%g\"} %lu\n",
			    name, buckets[i], s->hist[i]);
		append(&buf, &len, &cap,
		    "rxca_http_request_duration_seconds_bucket{route=\"%s\","
		    "le=\"+Inf\"} %lu\n"
		    "rxca_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
		    "rxca_http_request_duration_seconds_count{route=\"%s\"} "
		    "%lu\n",
		    name, s->nobs, name, s->sum, name, s->nobs);
	}
	pthread_mutex_unlock(&m->lock);
	append(&buf, &len, &cap,
	    "# HELP rxca_operator_refusals_total Operator requests refused "
	    "without a valid operator certificate (not audited).\n"
	    "# TYPE rxca_operator_refusals_total counter\n");
	for (r = 0; r < NREASONS; r++)
		append(&buf, &len, &cap,
		    "rxca_operator_refusals_total{reason=\"%s\"} %lu\n",
		    operator_reasons[r], atomic_load(&m->refused[r]));
	append(&buf, &len, &cap,
	    "# TYPE rxca_http_listener_connections gauge\n"
	    "# TYPE rxca_http_connections_refused_total counter\n");
	for (r = 0; r < nls; r++) {
		connections += ls[r].connections;
		append(&buf, &len, &cap,
		    "rxca_http_listener_connections{listener=\"%s\"} %d\n"
		    "rxca_http_connections_refused_total{listener=\"%s\","
		    "reason=\"listener-cap\"} %lu\n"
		    "rxca_http_connections_refused_total{listener=\"%s\","
		    "reason=\"client-cap\"} %lu\n",
		    ls[r].name, ls[r].connections, ls[r].name,
		    ls[r].refused_cap, ls[r].name, ls[r].refused_client);
	}
	append(&buf, &len, &cap,
	    "# TYPE rxca_hash_workers_busy gauge\nrxca_hash_workers_busy %d\n",
	    hash_busy);
	append(&buf, &len, &cap,
	    "# TYPE rxca_http_connections gauge\nrxca_http_connections %d\n"
	    "# TYPE rxca_workers_busy gauge\nrxca_workers_busy %d\n"
	    "# TYPE rxca_database_up gauge\nrxca_database_up %d\n"
	    "# TYPE rxca_jobs_queued gauge\nrxca_jobs_queued %ld\n"
	    "# TYPE rxca_job_failures_total counter\n"
	    "rxca_job_failures_total %ld\n"
	    "# TYPE rxca_applications_created_total counter\n"
	    "rxca_applications_created_total %ld\n"
	    "# TYPE rxca_emails_sent_total counter\n"
	    "rxca_emails_sent_total %ld\n",
	    connections, pool_busy, atomic_load(&app->db_up),
	    atomic_load(&app->jobs_queued), atomic_load(&app->jobs_failed),
	    atomic_load(&app->applications_created),
	    atomic_load(&app->emails_sent));
	oldest = atomic_load(&app->outbox_oldest);
	now = wallclock_now();
	append(&buf, &len, &cap,
	    "# TYPE rxca_outbox_queued gauge\nrxca_outbox_queued %ld\n"
	    "# TYPE rxca_outbox_oldest_age_seconds gauge\n"
	    "rxca_outbox_oldest_age_seconds %ld\n"
	    "# TYPE rxca_outbox_dead gauge\nrxca_outbox_dead %ld\n",
	    atomic_load(&app->outbox_queued),
	    oldest != 0 && now > oldest ? (long)(now - oldest) : 0L,
	    atomic_load(&app->outbox_dead));
	append(&buf, &len, &cap,
	    "# HELP rxca_root_crl_next_update_seconds When the last root CRL "
	    "signed ends (unix time).\n"
	    "# TYPE rxca_root_crl_next_update_seconds gauge\n"
	    "rxca_root_crl_next_update_seconds %ld\n"
	    "# HELP rxca_root_crl_due Whether it ends within "
	    "RXCA_ROOT_CRL_REMIND_DAYS (1) or not (0).\n"
	    "# TYPE rxca_root_crl_due gauge\nrxca_root_crl_due %d\n",
	    atomic_load(&app->root_crl_next_update),
	    atomic_load(&app->root_crl_due));
	return buf;
}
