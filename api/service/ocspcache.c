#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/obj_mac.h>

#include "api/service/app.h"
#include "api/service/ocspcache.h"
#include "api/http/pool.h"
#include "api/store/dbconn.h"
#include "api/store/store_cert.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define OCSPCACHE_BATCH    5000 /* rows one read takes */
#define OCSPCACHE_INTERVAL 1    /* seconds between reads */
#define OCSPCACHE_DER_MAX  (16 * 1024)
#define UNKNOWN_SETS       512  /* "unknown" answers held: sets ... */
#define UNKNOWN_WAYS       8    /* ... of this many */
#define BUCKET_SETS        256  /* client addresses with a bucket: sets ... */
#define BUCKET_WAYS        4    /* ... of this many */
#define OFFERED_MAX        1024 /* on-demand answers waiting for the loop */

/* One client address's signing allowance. */
struct bucket {
	unsigned char addr[16]; /* IPv4-mapped, or an IPv6 /64 */
	int used;               /* slot taken */
	double tokens;          /* signatures it may have now */
	time_t at;              /* tokens as of */
};

/* A response signed on demand, from a worker to the loop. */
struct offered {
	struct ocsp_entry e;  /* der owned */
	int unknown;          /* a serial never issued */
	long long seen;       /* the feed's position before its read */
	struct offered *next; /* queue */
};

struct ocspcache {
	struct app *app;         /* server state */
	struct event *timer;     /* periodic read */
	struct ocsptable *table; /* the stored responses held */
	atomic_llong version;    /* highest version read; -1: none yet */
	int loading;             /* a read is on a worker */
	int again;               /* read once more after it */
	int stopped;             /* freeing */
	unsigned long long seed; /* of the small tables' hash */
	struct ocsp_entry unknown[UNKNOWN_SETS * UNKNOWN_WAYS]; /* held */
	size_t unknown_used;                              /* entries held */
	struct bucket buckets[BUCKET_SETS * BUCKET_WAYS]; /* per client */
	pthread_mutex_t bucket_lock;                      /* guards buckets */
	int has_replica;         /* RXCA_OCSP_DATABASE_URL set */
	pthread_key_t replica;   /* a worker's connection to it */
	pthread_mutex_t lock;    /* guards the three below */
	struct offered *offered; /* from workers, newest first */
	size_t noffered;         /* queued */
	atomic_int has_offered;  /* offered != NULL, read unlocked */
	atomic_long db_lookups;  /* see struct ocspcache_stats */
	atomic_long signed_on_demand;
	atomic_long try_later;
	atomic_long unknown_held;
	atomic_long hits, misses; /* see struct ocspcache_stats */
	atomic_long evictions, entries, bytes;
	atomic_long dropped; /* offers not held: stale, perhaps */
};

/* One read: rows from a worker, handed to the loop. */
struct batch {
	struct ocspcache *c;     /* owner */
	struct ocsp_entry *rows; /* read */
	size_t n;                /* rows used */
	size_t cap;              /* rows allocated */
	long long version;       /* the highest in rows */
	int full;                /* a whole batch: read again */
};

/* The set of the unknown table for a key (seeded: no chosen serials
 * crowd one set). */
static struct ocsp_entry *
unknown_set(
    struct ocspcache *c, const unsigned char *serial, size_t len, int md)
{
	unsigned long long h = c->seed;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ serial[i]) * 1099511628211ULL;
	h = (h ^ (unsigned long long)md) * 1099511628211ULL;
	return &c->unknown[((h >> 17) % UNKNOWN_SETS) * UNKNOWN_WAYS];
}

static int
same_key(
    const struct ocsp_entry *e, const unsigned char *serial, size_t len, int md)
{
	return e->der != NULL && e->md_nid == md && e->serial_len == len &&
	    memcmp(e->serial, serial, len) == 0;
}

static void
unknown_drop(struct ocspcache *c, struct ocsp_entry *e)
{
	free(e->der);
	memset(e, 0, sizeof(*e));
	c->unknown_used--;
	atomic_store(&c->unknown_held, (long)c->unknown_used);
}

/* The held "unknown" for a key, or NULL. */
static struct ocsp_entry *
unknown_find(
    struct ocspcache *c, const unsigned char *serial, size_t len, int md)
{
	struct ocsp_entry *set = unknown_set(c, serial, len, md);
	int i;

	for (i = 0; i < UNKNOWN_WAYS; i++)
		if (same_key(&set[i], serial, len, md))
			return &set[i];
	return NULL;
}

/* Holds an "unknown" (takes over r's der): its own slot, a free or
 * expired one, else the least recently answered of its set. */
static void
unknown_put(struct ocspcache *c, struct ocsp_entry *r, time_t now)
{
	struct ocsp_entry *set = unknown_set(
	                      c, r->serial, r->serial_len, r->md_nid),
	                  *e = NULL;
	int i;

	for (i = 0; i < UNKNOWN_WAYS && e == NULL; i++)
		if (same_key(&set[i], r->serial, r->serial_len, r->md_nid))
			e = &set[i];
	for (i = 0; i < UNKNOWN_WAYS && e == NULL; i++)
		if (set[i].der == NULL || set[i].next_update <= now)
			e = &set[i];
	if (e == NULL) {
		e = &set[0];
		for (i = 1; i < UNKNOWN_WAYS; i++)
			if (set[i].used_at < e->used_at)
				e = &set[i];
	}
	if (e->der != NULL)
		unknown_drop(c, e);
	*e = *r;
	e->used_at = now;
	r->der = NULL;
	c->unknown_used++;
	atomic_store(&c->unknown_held, (long)c->unknown_used);
}

/* The table's sizes into the counters other threads read. */
static void
publish(struct ocspcache *c)
{
	struct ocsptable_stats ts;

	ocsptable_stats(c->table, &ts);
	atomic_store(&c->evictions, ts.evictions);
	atomic_store(&c->entries, (long)ts.entries);
	atomic_store(&c->bytes, (long)ts.bytes);
}

/* A stored row (takes over r's der): it replaces what is held of its key
 * (a held "unknown" too) unless that was written after it; a key not held
 * joins only if !only_held. */
static void
put(struct ocspcache *c, struct ocsp_entry *r, int only_held)
{
	struct ocsp_entry *e;

	if ((e = unknown_find(c, r->serial, r->serial_len, r->md_nid)) !=
	    NULL) {
		unknown_drop(c, e);
		only_held = 0;
	}
	ocsptable_put(c->table, r, only_held);
}

/* On the loop: what workers read or signed for misses since the last
 * lookup.  A key not held whose offer was read before the feed last moved
 * is dropped: the feed skipped the rows of keys not held, and one of them
 * may be newer than the offer. */
static void
take_offered(struct ocspcache *c, time_t now)
{
	struct offered *o, *next;
	long long version = atomic_load(&c->version);
	int held;

	if (!atomic_load(&c->has_offered))
		return;
	pthread_mutex_lock(&c->lock);
	o = c->offered;
	c->offered = NULL;
	c->noffered = 0;
	atomic_store(&c->has_offered, 0);
	pthread_mutex_unlock(&c->lock);
	for (; o != NULL; o = next) {
		next = o->next;
		held = ocsptable_has(
		    c->table, o->e.serial, o->e.serial_len, o->e.md_nid);
		if (!held && o->seen < version)
			/* stale, perhaps */
			atomic_fetch_add_explicit(
			    &c->dropped, 1, memory_order_relaxed);
		else if (!o->unknown)
			put(c, &o->e, 0);
		else if (!held)
			/* Never stored: issued since, it would be. */
			unknown_put(c, &o->e, now);
		free(o->e.der);
		free(o);
	}
	publish(c);
}

const struct ocsp_entry *
ocspcache_get(struct ocspcache *c, const unsigned char *serial,
    size_t serial_len, int md_nid, time_t now)
{
	struct ocsp_entry *e;

	if (c == NULL || serial_len == 0 || serial_len > OCSPCACHE_SERIAL_MAX)
		return NULL;
	take_offered(c, now);
	if ((e = ocsptable_get(c->table, serial, serial_len, md_nid)) != NULL) {
		if (e->next_update <= now)
			goto miss;
		atomic_fetch_add_explicit(&c->hits, 1, memory_order_relaxed);
		return e;
	}
	if ((e = unknown_find(c, serial, serial_len, md_nid)) == NULL ||
	    e->next_update <= now)
		goto miss;
	e->used_at = now;
	atomic_fetch_add_explicit(&c->hits, 1, memory_order_relaxed);
	return e;
miss:
	atomic_fetch_add_explicit(&c->misses, 1, memory_order_relaxed);
	return NULL;
}

int
ocspcache_allow(struct ocspcache *c, const char *peer, time_t now)
{
	const struct config *cfg;
	unsigned char addr[16];
	char host[64], *colon;
	struct in_addr v4;
	struct bucket *set, *b = NULL;
	unsigned long long h;
	size_t i;

	if (c == NULL)
		return 1;
	cfg = c->app->cfg;
	h = c->seed;
	memset(addr, 0, sizeof(addr));
	/* "host:port" (api/http/http.c) or a bare address. */
	snprintf(host, sizeof(host), "%s", peer);
	if (inet_pton(AF_INET, host, &v4) != 1 &&
	    inet_pton(AF_INET6, host, addr) != 1 &&
	    (colon = strrchr(host, ':')) != NULL)
		*colon = '\0';
	if (inet_pton(AF_INET, host, &v4) == 1) {
		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &v4, 4);
	} else if (inet_pton(AF_INET6, host, addr) == 1)
		memset(addr + 8, 0, 8); /* one bucket per /64 */
	for (i = 0; i < sizeof(addr); i++)
		h = (h ^ addr[i]) * 1099511628211ULL;
	pthread_mutex_lock(&c->bucket_lock);
	set = &c->buckets[((h >> 17) % BUCKET_SETS) * BUCKET_WAYS];
	for (i = 0; i < BUCKET_WAYS && b == NULL; i++)
		if (set[i].used && memcmp(set[i].addr, addr, 16) == 0)
			b = &set[i];
	if (b == NULL) {
		/* A new client: a free slot, else the longest idle. */
		b = &set[0];
		for (i = 0; i < BUCKET_WAYS; i++) {
			if (!set[i].used) {
				b = &set[i];
				break;
			}
			if (set[i].at < b->at)
				b = &set[i];
		}
		memcpy(b->addr, addr, 16);
		b->used = 1;
		b->tokens = cfg->ocsp_sign_burst;
		b->at = now;
	}
	if (now > b->at) {
		b->tokens += (double)(now - b->at) * cfg->ocsp_sign_rate / 60.0;
		if (b->tokens > cfg->ocsp_sign_burst)
			b->tokens = cfg->ocsp_sign_burst;
	}
	b->at = now;
	if (b->tokens < 1) {
		pthread_mutex_unlock(&c->bucket_lock);
		atomic_fetch_add(&c->try_later, 1);
		return 0;
	}
	b->tokens -= 1;
	pthread_mutex_unlock(&c->bucket_lock);
	return 1;
}

long long
ocspcache_seen(struct ocspcache *c)
{
	return c != NULL ? atomic_load(&c->version) : 0;
}

struct db *
ocspcache_db(struct ocspcache *c, struct db *primary)
{
	struct db *db;

	if (c == NULL || !c->has_replica)
		return primary;
	if ((db = pthread_getspecific(c->replica)) == NULL) {
		db = db_open(c->app->cfg->ocsp_database_url);
		pthread_setspecific(c->replica, db);
	}
	return db;
}

void
ocspcache_offer(struct ocspcache *c, const unsigned char *serial,
    size_t serial_len, int md_nid, int unknown, long long version,
    long long seen, const unsigned char *der, size_t len, time_t this_update,
    time_t next_update)
{
	struct offered *o;

	if (c == NULL || serial_len == 0 || serial_len > OCSPCACHE_SERIAL_MAX ||
	    len == 0 || len > OCSPCACHE_DER_MAX)
		return;
	o = xcalloc(1, sizeof(*o));
	memcpy(o->e.serial, serial, serial_len);
	o->e.serial_len = serial_len;
	o->e.md_nid = md_nid;
	o->e.der = xmalloc(len);
	memcpy(o->e.der, der, len);
	o->e.len = len;
	o->e.this_update = this_update;
	o->e.next_update = next_update;
	o->e.version = version;
	o->unknown = unknown;
	o->seen = seen;
	pthread_mutex_lock(&c->lock);
	if (c->noffered < OFFERED_MAX) {
		o->next = c->offered;
		c->offered = o;
		c->noffered++;
		o = NULL;
		atomic_store(&c->has_offered, 1);
	}
	pthread_mutex_unlock(&c->lock);
	if (o != NULL) {
		free(o->e.der);
		free(o);
	}
}

void
ocspcache_count_lookup(struct ocspcache *c)
{
	atomic_fetch_add(&c->db_lookups, 1);
}

void
ocspcache_count_signed(struct ocspcache *c)
{
	atomic_fetch_add(&c->signed_on_demand, 1);
}

void
ocspcache_stats(struct ocspcache *c, struct ocspcache_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (c == NULL)
		return;
	out->db_lookups = atomic_load(&c->db_lookups);
	out->signed_on_demand = atomic_load(&c->signed_on_demand);
	out->try_later = atomic_load(&c->try_later);
	out->unknown_held = atomic_load(&c->unknown_held);
	out->hits = atomic_load(&c->hits);
	out->misses = atomic_load(&c->misses);
	out->evictions = atomic_load(&c->evictions);
	out->dropped = atomic_load(&c->dropped);
	out->entries = atomic_load(&c->entries);
	out->bytes = atomic_load(&c->bytes);
	out->budget = (long)c->app->cfg->ocsp_cache_mb * 1024 * 1024;
}

_Static_assert(STORE_OCSP_SERIAL <= OCSPCACHE_SERIAL_MAX,
    "a stored serial fits an entry's key");

/* One stored response into b (on a worker). */
static void
load_row(const struct ocsp_stored *o, void *arg)
{
	struct batch *b = arg;
	struct ocsp_entry *e;

	b->version = o->version;
	if (o->serial_len <= 0 || o->der == NULL || o->der_len <= 0 ||
	    o->der_len > OCSPCACHE_DER_MAX)
		return;
	if (b->n == b->cap) {
		b->cap = b->cap > 0 ? 2 * b->cap : 64;
		b->rows = xrealloc(b->rows, b->cap * sizeof(*b->rows));
	}
	e = &b->rows[b->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->serial, o->serial, (size_t)o->serial_len);
	e->serial_len = (size_t)o->serial_len;
	e->md_nid = strcmp(o->md, "sha256") == 0 ? NID_sha256 : NID_sha1;
	e->der = xmalloc((size_t)o->der_len);
	memcpy(e->der, o->der, (size_t)o->der_len);
	e->len = (size_t)o->der_len;
	e->this_update = o->this_update;
	e->next_update = o->next_update;
	e->version = b->version;
}

/* On a worker: the rows written after b->version; at first (-1), only
 * the version the feed starts after. */
static void
load_work(void *worker, void *arg)
{
	struct db *db = worker;
	struct batch *b = arg;
	struct problem p;
	int rows;

	problem_clear(&p);
	if (store_ocsp_ready(db, &p) == -1)
		return;
	if (b->version < 0) {
		store_ocsp_head(db, &b->version, &p);
		return;
	}
	if ((rows = store_ocsp_since(
	         db, b->version, OCSPCACHE_BATCH, load_row, b, &p)) == -1)
		return;
	b->full = rows == OCSPCACHE_BATCH;
}

static void ocspcache_load(struct ocspcache *c);

/* On the loop: merge. */
static void
load_done(void *arg)
{
	struct batch *b = arg;
	struct ocspcache *c = b->c;
	size_t i;

	/* Offers read before these rows are judged by the old position. */
	take_offered(c, wallclock_now());
	for (i = 0; i < b->n; i++)
		put(c, &b->rows[i], 1);
	for (i = 0; i < b->n; i++)
		free(b->rows[i].der);
	if (b->version > atomic_load(&c->version))
		atomic_store(&c->version, b->version);
	publish(c);
	if (b->n > 0)
		log_debug("OCSP changes read", "count=%zu", b->n);
	c->loading = 0;
	if ((b->full || c->again) && !c->stopped) {
		c->again = 0;
		ocspcache_load(c);
	}
	free(b->rows);
	free(b);
}

static void
ocspcache_load(struct ocspcache *c)
{
	struct batch *b;

	if (c->stopped)
		return;
	if (c->loading) {
		c->again = 1;
		return;
	}
	c->loading = 1;
	b = xcalloc(1, sizeof(*b));
	b->c = c;
	b->version = atomic_load(&c->version);
	pool_submit(c->app->pool, load_work, load_done, b);
}

void
ocspcache_kick(struct ocspcache *c)
{
	if (c != NULL)
		ocspcache_load(c);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ocspcache_load(arg);
}

/* A worker's replica connection, as the worker ends. */
static void
free_replica(void *db)
{
	db_free(db);
}

struct ocspcache *
ocspcache_new(struct app *app)
{
	struct ocspcache *c = xcalloc(1, sizeof(*c));
	struct timeval tv = {OCSPCACHE_INTERVAL, 0};

	c->app = app;
	rand_fill(&c->seed, sizeof(c->seed));
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->bucket_lock, NULL);
	atomic_init(&c->version, -1);
	c->table = ocsptable_new(
	    (size_t)app->cfg->ocsp_cache_mb * 1024 * 1024, c->seed);
	c->has_replica = app->cfg->ocsp_database_url[0] != '\0' &&
	    pthread_key_create(&c->replica, free_replica) == 0;
	c->timer = event_new(app->base, -1, EV_PERSIST, timer_cb, c);
	event_add(c->timer, &tv);
	ocspcache_load(c);
	return c;
}

void
ocspcache_stop(struct ocspcache *c)
{
	if (c == NULL)
		return;
	c->stopped = 1;
	event_del(c->timer);
}

void
ocspcache_free(struct ocspcache *c)
{
	struct offered *o, *next;
	size_t i;

	if (c == NULL)
		return;
	c->stopped = 1;
	event_free(c->timer);
	ocsptable_free(c->table);
	for (i = 0; i < UNKNOWN_SETS * UNKNOWN_WAYS; i++)
		free(c->unknown[i].der);
	for (o = c->offered; o != NULL; o = next) {
		next = o->next;
		free(o->e.der);
		free(o);
	}
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->bucket_lock);
	if (c->has_replica)
		pthread_key_delete(c->replica);
	free(c);
}
