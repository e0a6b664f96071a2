/*
 * A bounded table of OCSP responses in memory, keyed by serial number and
 * CertID hash: the bytes it holds (each response's DER and its slot) stay
 * within a budget, and when an insertion would pass it the CLOCK hand
 * evicts an entry not asked for since the hand last passed.  One thread
 * (the event loop's); no locks.  Pure data structure: no database, no
 * event loop (tests/unit/api/test_ocsptable.c).
 */
#ifndef RXCA_OCSPTABLE_H
#define RXCA_OCSPTABLE_H

#include <stddef.h>
#include <time.h>

#define OCSPCACHE_SERIAL_MAX 20 /* bytes of a serial number key */

struct ocsp_entry {
	unsigned char serial[OCSPCACHE_SERIAL_MAX]; /* the key, with md */
	size_t serial_len;                          /* bytes used */
	int md_nid;                                 /* NID_sha1 or NID_sha256 */
	unsigned char *der;                         /* the OCSPResponse */
	size_t len;                                 /* bytes in der */
	time_t this_update, next_update;            /* of the response */
	long long version; /* of its stored row; on demand: newest seen */
	time_t used_at;    /* unknowns: last answered, for eviction */
};

struct ocsptable;

/* Counters and sizes. */
struct ocsptable_stats {
	size_t entries; /* responses held */
	size_t bytes;   /* bytes they cost (ocsptable_cost each) */
	size_t budget;  /* the bound of bytes */
	long evictions; /* entries evicted to stay within it */
};

/* A table holding at most budget bytes; seed: of its hash. */
struct ocsptable *ocsptable_new(size_t budget, unsigned long long seed);
void ocsptable_free(struct ocsptable *t); /* NULL-safe */

/* What one response of len bytes costs against the budget. */
size_t ocsptable_cost(size_t len);

/* The entry for the key, marked as asked for, or NULL.  Borrowed until
 * the next ocsptable_put. */
struct ocsp_entry *ocsptable_get(struct ocsptable *t,
    const unsigned char *serial, size_t serial_len, int md_nid);

/* Whether the key is held (not marked). */
int ocsptable_has(const struct ocsptable *t, const unsigned char *serial,
    size_t serial_len, int md_nid);

/*
 * Takes r's der in all cases (r->der is NULL after).  Replaces the held
 * entry of its key unless that one has a higher version; without one,
 * adds r unless only_held, evicting others until the table is within its
 * budget again.  1 if r is now held, else 0.
 */
int ocsptable_put(struct ocsptable *t, struct ocsp_entry *r, int only_held);

void ocsptable_stats(const struct ocsptable *t, struct ocsptable_stats *out);

#endif
