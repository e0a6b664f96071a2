/*
 * Request counters and latency histograms by route, counted on the loop
 * thread, refusals of operator requests without a valid certificate,
 * counted anywhere, and the Prometheus text rendering of them plus the
 * app's gauges (on any thread).
 */
#ifndef RXCA_METRICS_H
#define RXCA_METRICS_H

#include <stddef.h>

struct app;
struct metrics;

/* names[0..n) are the route labels; index n counts unmatched requests. */
struct metrics *metrics_new(const char *const *names, size_t n);
void metrics_free(struct metrics *m);
/* Counts one request of route (n for unmatched) with status and seconds. */
void metrics_observe(
    struct metrics *m, size_t route, int status, double seconds);
/* Counts one refused operator request without a valid operator
 * certificate; reason is one of the METRICS_OPERATOR_REASONS (others are
 * counted as "other").  Any thread. */
void metrics_operator_refused(struct metrics *m, const char *reason);
#define METRICS_OPERATOR_REASONS                                               \
	"not-https", "no-certificate", "certificate-not-accepted",             \
	    "bad-fingerprint", "unknown-operator", "certificate-expired"

/* A listener's gauges and counters, for the rendering. */
struct metrics_listener {
	const char *name;             /* "public" or "operator" */
	int connections;              /* open */
	unsigned long refused_cap;    /* turned away at its cap */
	unsigned long refused_client; /* over the per-client cap */
};

/* The exposition text, with n listeners' figures and the busy units of
 * the two worker pools; caller frees.  Any thread. */
char *metrics_render(struct metrics *m, const struct app *app,
    const struct metrics_listener *ls, size_t n, int pool_busy, int hash_busy);

#endif
