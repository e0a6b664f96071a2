/*
 * The OCSP responder's memory: every pre-signed response of
 * ocsp_responses, keyed by serial number and CertID hash, so that an
 * answer is a lookup on the event loop, never a database query.  A worker
 * reads the rows written since the last read (by their version) every
 * second and whenever NOTIFY rxca_ocsp says something changed; the loop
 * merges them.  Loop-only except where said.
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
};

struct ocspcache *ocspcache_new(struct app *app);
/* Starts no more reads (before the worker pool stops). */
void ocspcache_stop(struct ocspcache *c);
/* After the worker pool has stopped. */
void ocspcache_free(struct ocspcache *c);
/* Reads what changed soon (after NOTIFY rxca_ocsp). */
void ocspcache_kick(struct ocspcache *c);
/* The response for serial and md_nid, or NULL.  Borrowed until the next
 * return to the loop. */
const struct ocsp_entry *ocspcache_get(struct ocspcache *c,
    const unsigned char *serial, size_t serial_len, int md_nid);
/* Responses held (for /metrics). */
size_t ocspcache_size(const struct ocspcache *c);

#endif
