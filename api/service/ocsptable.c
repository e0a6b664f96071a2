/* The bounded OCSP response table: see api/service/ocsptable.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/service/ocsptable.h"
#include "common/xmalloc.h"

#define NIL       UINT32_MAX
#define MIN_SLOTS 64
#define MALLOC_OH 16 /* bytes malloc adds to a response's DER */

struct slot {
	struct ocsp_entry e; /* der NULL: free */
	uint32_t next;       /* in its bucket's chain, or the free list */
	unsigned char ref;   /* asked for since the hand passed */
};

struct ocsptable {
	struct slot *slots; /* nslots used of cap */
	uint32_t nslots, cap;
	uint32_t free_head; /* freed slots */
	uint32_t *heads;    /* bucket chains */
	size_t nbuckets;    /* a power of two */
	size_t count, bytes, budget;
	uint32_t hand; /* CLOCK */
	unsigned long long seed;
	long evictions;
};

size_t
ocsptable_cost(size_t len)
{
	/* the DER, its slot, and a bucket head per entry at most */
	return len + MALLOC_OH + sizeof(struct slot) + sizeof(uint32_t);
}

static size_t
bucket_of(
    const struct ocsptable *t, const unsigned char *serial, size_t len, int md)
{
	unsigned long long h = t->seed ^ 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ serial[i]) * 1099511628211ULL;
	h = (h ^ (unsigned long long)md) * 1099511628211ULL;
	return (size_t)((h ^ (h >> 29)) & (t->nbuckets - 1));
}

static int
same(
    const struct ocsp_entry *e, const unsigned char *serial, size_t len, int md)
{
	return e->md_nid == md && e->serial_len == len &&
	    memcmp(e->serial, serial, len) == 0;
}

static uint32_t
lookup(
    const struct ocsptable *t, const unsigned char *serial, size_t len, int md)
{
	uint32_t i;

	if (len == 0 || len > OCSPCACHE_SERIAL_MAX)
		return NIL;
	for (i = t->heads[bucket_of(t, serial, len, md)]; i != NIL;
	     i = t->slots[i].next)
		if (same(&t->slots[i].e, serial, len, md))
			return i;
	return NIL;
}

static void
link_slot(struct ocsptable *t, uint32_t i)
{
	const struct ocsp_entry *e = &t->slots[i].e;
	size_t b = bucket_of(t, e->serial, e->serial_len, e->md_nid);

	t->slots[i].next = t->heads[b];
	t->heads[b] = i;
}

static void
rehash(struct ocsptable *t, size_t nbuckets)
{
	uint32_t i;

	free(t->heads);
	t->nbuckets = nbuckets;
	t->heads = xmalloc(nbuckets * sizeof(*t->heads));
	memset(t->heads, 0xff, nbuckets * sizeof(*t->heads));
	for (i = 0; i < t->nslots; i++)
		if (t->slots[i].e.der != NULL)
			link_slot(t, i);
}

struct ocsptable *
ocsptable_new(size_t budget, unsigned long long seed)
{
	struct ocsptable *t = xcalloc(1, sizeof(*t));

	t->budget = budget;
	t->seed = seed;
	t->free_head = NIL;
	rehash(t, MIN_SLOTS);
	return t;
}

void
ocsptable_free(struct ocsptable *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nslots; i++)
		free(t->slots[i].e.der);
	free(t->slots);
	free(t->heads);
	free(t);
}

/* Out of its bucket's chain and into the free list. */
static void
drop(struct ocsptable *t, uint32_t i)
{
	struct slot *s = &t->slots[i];
	uint32_t *at =
	    &t->heads[bucket_of(t, s->e.serial, s->e.serial_len, s->e.md_nid)];

	while (*at != i)
		at = &t->slots[*at].next;
	*at = s->next;
	t->bytes -= ocsptable_cost(s->e.len);
	t->count--;
	free(s->e.der);
	memset(s, 0, sizeof(*s));
	s->next = t->free_head;
	t->free_head = i;
}

/* The CLOCK hand: the first entry not asked for since it last passed,
 * never keep.  0 if there is none. */
static int
evict_one(struct ocsptable *t, uint32_t keep)
{
	uint32_t steps, i;

	for (steps = 0; steps <= 2 * t->nslots; steps++) {
		i = t->hand;
		t->hand = t->hand + 1 < t->nslots ? t->hand + 1 : 0;
		if (t->slots[i].e.der == NULL || i == keep)
			continue;
		if (t->slots[i].ref) {
			t->slots[i].ref = 0;
			continue;
		}
		drop(t, i);
		t->evictions++;
		return 1;
	}
	return 0;
}

static uint32_t
new_slot(struct ocsptable *t)
{
	uint32_t i;

	if ((i = t->free_head) != NIL) {
		t->free_head = t->slots[i].next;
		return i;
	}
	if (t->nslots == t->cap) {
		t->cap = t->cap > 0 ? t->cap * 2 : MIN_SLOTS;
		t->slots = xrealloc(t->slots, t->cap * sizeof(*t->slots));
	}
	memset(&t->slots[t->nslots], 0, sizeof(*t->slots));
	return t->nslots++;
}

struct ocsp_entry *
ocsptable_get(struct ocsptable *t, const unsigned char *serial,
    size_t serial_len, int md_nid)
{
	uint32_t i = lookup(t, serial, serial_len, md_nid);

	if (i == NIL)
		return NULL;
	t->slots[i].ref = 1;
	return &t->slots[i].e;
}

int
ocsptable_has(const struct ocsptable *t, const unsigned char *serial,
    size_t serial_len, int md_nid)
{
	return lookup(t, serial, serial_len, md_nid) != NIL;
}

int
ocsptable_put(struct ocsptable *t, struct ocsp_entry *r, int only_held)
{
	uint32_t i;
	struct slot *s;

	if (r->der == NULL || r->serial_len == 0 ||
	    r->serial_len > OCSPCACHE_SERIAL_MAX) {
		free(r->der);
		r->der = NULL;
		return 0;
	}
	i = lookup(t, r->serial, r->serial_len, r->md_nid);
	if (i != NIL) {
		s = &t->slots[i];
		if (s->e.version > r->version) {
			free(r->der);
			r->der = NULL;
			return 0;
		}
		t->bytes -= ocsptable_cost(s->e.len);
		free(s->e.der);
		s->e = *r;
		t->bytes += ocsptable_cost(r->len);
	} else if (only_held) {
		free(r->der);
		r->der = NULL;
		return 0;
	} else {
		if (t->count + 1 > t->nbuckets)
			rehash(t, t->nbuckets * 2);
		i = new_slot(t);
		s = &t->slots[i];
		s->e = *r;
		s->ref = 0;
		link_slot(t, i);
		t->count++;
		t->bytes += ocsptable_cost(r->len);
	}
	r->der = NULL;
	while (t->bytes > t->budget && t->count > 1 && evict_one(t, i))
		;
	return 1;
}

void
ocsptable_stats(const struct ocsptable *t, struct ocsptable_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (t == NULL)
		return;
	out->entries = t->count;
	out->bytes = t->bytes;
	out->budget = t->budget;
	out->evictions = t->evictions;
}
