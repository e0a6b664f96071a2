/*
 * The OCSP responder's memory: a bounded cache of the pre-signed responses
 * of ocsp_responses (api/service/ocsptable.c: RXCA_OCSP_CACHE_MB, CLOCK
 * eviction), keyed by serial number and CertID hash, so that a hit is a
 * lookup on the event loop.  A miss is read from the database on a worker
 * (RXCA_OCSP_DATABASE_URL, a replica, if set) and joins the cache; nothing
 * is signed for it unless no valid stored response exists.
 *
 * Changes reach every node at once: a worker reads the rows written since
 * the last read (by their version) every second and whenever NOTIFY
 * rxca_ocsp says something changed, and the loop replaces the entries it
 * holds for them (rows of entries not held are not added: re-signing every
 * response must not flush the cache).  A worker's miss read is offered to
 * the loop with the change feed's position when its read started
 * (ocspcache_seen); if the feed has moved since and the key is not held,
 * the offer is dropped, since the feed may have skipped a newer row for it.
 *
 * An "unknown" (a serial rxca never issued) is held in a small table of
 * its own, bounded (set-associative, least recently used out) and good
 * until the answer's nextUpdate, which any stored response for that serial
 * overrides at once.  Signing on demand is bounded per client address by a
 * token bucket in a fixed-size table (IPv6 by /64): RXCA_OCSP_SIGN_BURST,
 * refilled at RXCA_OCSP_SIGN_PER_MINUTE.  Loop-only except where said.
 */
#ifndef RXCA_OCSPCACHE_H
#define RXCA_OCSPCACHE_H

#include <stddef.h>
#include <time.h>

#include "api/service/ocsptable.h"

struct app;
struct db;
struct ocspcache;

/* Counters since start (any thread). */
struct ocspcache_stats {
	long db_lookups;       /* statuses read from the database */
	long signed_on_demand; /* responses signed for a miss */
	long try_later;        /* misses refused: over the client's bound */
	long unknown_held;     /* "unknown" answers in memory */
	long hits, misses;     /* asks answered from memory, or not */
	long evictions;        /* entries evicted to stay within the bound */
	long dropped;          /* misses answered but not held: read before
	                          the change feed last moved (take_offered) */
	long entries;          /* responses held */
	long bytes;            /* what they cost (ocsptable_cost) */
	long budget;           /* RXCA_OCSP_CACHE_MB in bytes */
};

struct ocspcache *ocspcache_new(struct app *app);
/* Starts no more reads (before the worker pool stops). */
void ocspcache_stop(struct ocspcache *c);
/* After the worker pool has stopped. */
void ocspcache_free(struct ocspcache *c);
/* Reads what changed soon (after NOTIFY rxca_ocsp). */
void ocspcache_kick(struct ocspcache *c);
/* The response for serial and md_nid still valid at now (stored, signed
 * on demand, or a held "unknown"), or NULL (a miss).  Borrowed until the
 * next return to the loop. */
const struct ocsp_entry *ocspcache_get(struct ocspcache *c,
    const unsigned char *serial, size_t serial_len, int md_nid, time_t now);
/*
 * Any thread, before a response is signed for a miss: 1 if client address
 * peer may have one signed now (a token is taken), 0 if it is over its
 * bound (answer tryLater).
 */
int ocspcache_allow(struct ocspcache *c, const char *peer, time_t now);
/* On a worker, before a miss's read: the change feed's position, for
 * ocspcache_offer. */
long long ocspcache_seen(struct ocspcache *c);
/* On a worker: the connection a miss reads stored responses through: the
 * worker's own connection to RXCA_OCSP_DATABASE_URL if set (opened on
 * first use, closed as the worker ends), else primary. */
struct db *ocspcache_db(struct ocspcache *c, struct db *primary);
/*
 * On a worker: offers a response read or signed for a miss (der copied)
 * for the loop to hold.  unknown: a serial rxca never issued.  version:
 * the stored row's version, or for one signed the newest version of the
 * serial's stored responses for md_nid read in the same snapshot as its
 * status (0: none).  seen: ocspcache_seen() before that read.
 */
void ocspcache_offer(struct ocspcache *c, const unsigned char *serial,
    size_t serial_len, int md_nid, int unknown, long long version,
    long long seen, const unsigned char *der, size_t len, time_t this_update,
    time_t next_update);
/* On a worker: one status read from the database, one signature made. */
void ocspcache_count_lookup(struct ocspcache *c);
void ocspcache_count_signed(struct ocspcache *c);
/* The counters (any thread). */
void ocspcache_stats(struct ocspcache *c, struct ocspcache_stats *out);

#endif
