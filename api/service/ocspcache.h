/*
 * The OCSP responder's memory: every pre-signed response of
 * ocsp_responses, keyed by serial number and CertID hash, so that an
 * answer is a lookup on the event loop, never a database query.  A worker
 * reads the rows written since the last read (by their version) every
 * second and whenever NOTIFY rxca_ocsp says something changed; the loop
 * merges them.  Loop-only except where said.
 *
 * Answers signed on demand (a miss) join it: a certificate's answer the
 * table above, unless a newer stored response is already there; an
 * "unknown" (a serial rxca never issued) a small table of its own,
 * bounded (set-associative, least recently used out) and good until the
 * answer's nextUpdate, which any stored response for that serial
 * overrides at once (an issuance on any node reaches every node through
 * NOTIFY rxca_ocsp).  Signing on demand is bounded per client address by
 * a token bucket in a fixed-size table (IPv6 by /64):
 * RXCA_OCSP_SIGN_BURST, refilled at RXCA_OCSP_SIGN_PER_MINUTE.
 */
#ifndef RXCA_OCSPCACHE_H
#define RXCA_OCSPCACHE_H

#include <stddef.h>
#include <time.h>

#define OCSPCACHE_SERIAL_MAX 20 /* bytes of a serial number key */

struct app;
struct ocspcache;

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

/* Counters since start (any thread). */
struct ocspcache_stats {
	long db_lookups;       /* statuses read from the database */
	long signed_on_demand; /* responses signed for a miss */
	long try_later;        /* misses refused: over the client's bound */
	long unknown_held;     /* "unknown" answers in memory */
};

struct ocspcache *ocspcache_new(struct app *app);
/* Starts no more reads (before the worker pool stops). */
void ocspcache_stop(struct ocspcache *c);
/* After the worker pool has stopped. */
void ocspcache_free(struct ocspcache *c);
/* Reads what changed soon (after NOTIFY rxca_ocsp). */
void ocspcache_kick(struct ocspcache *c);
/* The response for serial and md_nid still valid at now (stored, signed
 * on demand, or a held "unknown"), or NULL.  Borrowed until the next
 * return to the loop. */
const struct ocsp_entry *ocspcache_get(struct ocspcache *c,
    const unsigned char *serial, size_t serial_len, int md_nid, time_t now);
/*
 * On the loop, before a miss goes to a worker: 1 if client address peer
 * may have a response signed now (a token is taken), 0 if it is over its
 * bound (answer tryLater).
 */
int ocspcache_allow(struct ocspcache *c, const char *peer, time_t now);
/*
 * On a worker: offers a response signed on demand (der copied) for the
 * loop to hold.  unknown: a serial rxca never issued.  version: the
 * newest version of the serial's stored responses for md_nid read in the
 * same snapshot as its status (0: none).
 */
void ocspcache_offer(struct ocspcache *c, const unsigned char *serial,
    size_t serial_len, int md_nid, int unknown, long long version,
    const unsigned char *der, size_t len, time_t this_update,
    time_t next_update);
/* On a worker: one status read from the database, one signature made. */
void ocspcache_count_lookup(struct ocspcache *c);
void ocspcache_count_signed(struct ocspcache *c);
/* The counters (any thread). */
void ocspcache_stats(struct ocspcache *c, struct ocspcache_stats *out);
/* Responses held (for /metrics). */
size_t ocspcache_size(const struct ocspcache *c);

#endif
