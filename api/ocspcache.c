#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/obj_mac.h>

#include "api/app.h"
#include "api/db.h"
#include "api/ocspcache.h"
#include "api/pool.h"
#include "api/store_ca.h"
#include "common/logger.h"
#include "common/xmalloc.h"

#define OCSPCACHE_BATCH    5000 /* rows one read takes */
#define OCSPCACHE_INTERVAL 1    /* seconds between reads */
#define OCSPCACHE_MIN_CAP  1024 /* slots at first */
#define OCSPCACHE_DER_MAX  (16 * 1024)

struct ocspcache {
	struct app *app;          /* server state */
	struct event *timer;      /* periodic read */
	struct ocsp_entry *slots; /* open addressing; der NULL = empty */
	size_t cap, used;         /* slots, and slots in use */
	long long version;        /* highest version read */
	int loading;              /* a read is on a worker */
	int again;                /* read once more after it */
	int stopped;              /* freeing */
};

/* One read: rows from a worker, handed to the loop. */
struct batch {
	struct ocspcache *c;     /* owner */
	struct ocsp_entry *rows; /* read */
	size_t n;                /* rows used */
	long long version;       /* the highest in rows */
	int full;                /* a whole batch: read again */
};

static size_t
slot_of(
    const struct ocspcache *c, const unsigned char *serial, size_t len, int md)
{
	unsigned long long h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ serial[i]) * 1099511628211ULL;
	h ^= (unsigned long long)md;
	return (size_t)(h & (c->cap - 1));
}

static struct ocsp_entry *
find(struct ocspcache *c, const unsigned char *serial, size_t len, int md)
{
	size_t i = slot_of(c, serial, len, md);
	struct ocsp_entry *e;

	for (;;) {
		e = &c->slots[i];
		if (e->der == NULL)
			return e;
		if (e->md_nid == md && e->serial_len == len &&
		    memcmp(e->serial, serial, len) == 0)
			return e;
		i = (i + 1) & (c->cap - 1);
	}
}

static void
grow(struct ocspcache *c)
{
	struct ocsp_entry *old = c->slots, *e;
	size_t oldcap = c->cap, i;

	c->cap = oldcap * 2;
	c->slots = xcalloc(c->cap, sizeof(*c->slots));
	for (i = 0; i < oldcap; i++) {
		if (old[i].der == NULL)
			continue;
		e = find(c, old[i].serial, old[i].serial_len, old[i].md_nid);
		*e = old[i];
	}
	free(old);
}

/* Takes over r (its der). */
static void
put(struct ocspcache *c, struct ocsp_entry *r)
{
	struct ocsp_entry *e;

	if ((c->used + 1) * 10 > c->cap * 7)
		grow(c);
	e = find(c, r->serial, r->serial_len, r->md_nid);
	if (e->der != NULL)
		free(e->der);
	else
		c->used++;
	*e = *r;
	r->der = NULL;
}

const struct ocsp_entry *
ocspcache_get(struct ocspcache *c, const unsigned char *serial,
    size_t serial_len, int md_nid)
{
	struct ocsp_entry *e;

	if (c == NULL || serial_len == 0 || serial_len > OCSPCACHE_SERIAL_MAX)
		return NULL;
	e = find(c, serial, serial_len, md_nid);
	return e->der != NULL ? e : NULL;
}

size_t
ocspcache_size(const struct ocspcache *c)
{
	return c != NULL ? c->used : 0;
}

/* On a worker: the rows written after b->version. */
static void
load_work(struct db *db, void *arg)
{
	struct batch *b = arg;
	struct problem p;
	struct dbargs a;
	PGresult *r;
	struct ocsp_entry *e;
	unsigned char buf[OCSPCACHE_DER_MAX];
	long n, sl;
	int i;

	problem_clear(&p);
	if (db_ensure(db, &p) == -1)
		return;
	dbargs_init(&a);
	dbargs_int(&a, b->version);
	dbargs_int(&a, OCSPCACHE_BATCH);
	r = db_exec(db, &sql_ocsp_since, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		return;
	b->rows = xcalloc(
	    PQntuples(r) > 0 ? (size_t)PQntuples(r) : 1, sizeof(*b->rows));
	for (i = 0; i < PQntuples(r); i++) {
		e = &b->rows[b->n];
		sl = db_get_bytea(r, i, 0, e->serial, sizeof(e->serial));
		n = db_get_bytea(r, i, 2, buf, sizeof(buf));
		b->version = db_get_int(r, i, 5);
		if (sl <= 0 || n <= 0)
			continue;
		e->serial_len = (size_t)sl;
		e->md_nid = strcmp(db_get(r, i, 1), "sha256") == 0 ? NID_sha256
		                                                   : NID_sha1;
		e->der = xmalloc((size_t)n);
		memcpy(e->der, buf, (size_t)n);
		e->len = (size_t)n;
		e->this_update = db_get_time(r, i, 3);
		e->next_update = db_get_time(r, i, 4);
		b->n++;
	}
	b->full = PQntuples(r) == OCSPCACHE_BATCH;
	PQclear(r);
}

static void ocspcache_load(struct ocspcache *c);

/* On the loop: merge. */
static void
load_done(void *arg)
{
	struct batch *b = arg;
	struct ocspcache *c = b->c;
	size_t i;

	for (i = 0; i < b->n; i++)
		put(c, &b->rows[i]);
	for (i = 0; i < b->n; i++)
		free(b->rows[i].der);
	if (b->version > c->version)
		c->version = b->version;
	if (b->n > 0)
		log_debug("OCSP responses loaded", "count=%zu total=%zu", b->n,
		    c->used);
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
	b->version = c->version;
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

struct ocspcache *
ocspcache_new(struct app *app)
{
	struct ocspcache *c = xcalloc(1, sizeof(*c));
	struct timeval tv = {OCSPCACHE_INTERVAL, 0};

	c->app = app;
	c->cap = OCSPCACHE_MIN_CAP;
	c->slots = xcalloc(c->cap, sizeof(*c->slots));
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
	size_t i;

	if (c == NULL)
		return;
	c->stopped = 1;
	event_free(c->timer);
	for (i = 0; i < c->cap; i++)
		free(c->slots[i].der);
	free(c->slots);
	free(c);
}
