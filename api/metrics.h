/*
 * Request counters and latency histograms by route, kept on the loop
 * thread only, and the Prometheus text rendering of them plus the app's
 * gauges.
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
/* The exposition text; caller frees. */
char *metrics_render(const struct metrics *m, const struct app *app,
    int connections, int pool_busy);

#endif
