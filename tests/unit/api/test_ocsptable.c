/* Unit tests of api/service/ocsptable.c: the bounded OCSP response table
 * (lookup, replacement by version, the byte bound, CLOCK eviction). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "api/service/ocsptable.h"

#define SHA1   64  /* NID_sha1 */
#define SHA256 672 /* NID_sha256 */

/* An entry for serial number n, md, version v, len bytes of DER filled
 * with the byte fill. */
static struct ocsp_entry
entry(unsigned n, int md, long long v, size_t len, int fill)
{
	struct ocsp_entry e;

	memset(&e, 0, sizeof(e));
	e.serial[0] = 0x40;
	e.serial[1] = (unsigned char)(n >> 24);
	e.serial[2] = (unsigned char)(n >> 16);
	e.serial[3] = (unsigned char)(n >> 8);
	e.serial[4] = (unsigned char)n;
	e.serial_len = 16;
	e.md_nid = md;
	e.der = malloc(len);
	memset(e.der, fill, len);
	e.len = len;
	e.version = v;
	e.next_update = 1000;
	return e;
}

static struct ocsp_entry *
get(struct ocsptable *t, unsigned n, int md)
{
	struct ocsp_entry k = entry(n, md, 0, 1, 0);
	struct ocsp_entry *e;

	e = ocsptable_get(t, k.serial, k.serial_len, md);
	free(k.der);
	return e;
}

static void
test_put_get_replace(void)
{
	struct ocsptable *t = ocsptable_new(1 << 20, 42);
	struct ocsp_entry r = entry(1, SHA1, 5, 100, 'a');
	struct ocsptable_stats st;
	struct ocsp_entry *e;

	CU_ASSERT_EQUAL(ocsptable_put(t, &r, 0), 1);
	CU_ASSERT_PTR_NULL(r.der);
	CU_ASSERT_PTR_NULL(get(t, 1, SHA256)); /* the other hash: no */
	CU_ASSERT_PTR_NULL(get(t, 2, SHA1));
	e = get(t, 1, SHA1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->len, 100);
	CU_ASSERT_EQUAL(e->der[0], 'a');
	/* An older version does not replace it, a newer (or equal) does. */
	r = entry(1, SHA1, 4, 50, 'o');
	CU_ASSERT_EQUAL(ocsptable_put(t, &r, 0), 0);
	CU_ASSERT_PTR_NULL(r.der);
	CU_ASSERT_EQUAL(get(t, 1, SHA1)->der[0], 'a');
	r = entry(1, SHA1, 6, 70, 'n');
	CU_ASSERT_EQUAL(ocsptable_put(t, &r, 1), 1);
	e = get(t, 1, SHA1);
	CU_ASSERT_EQUAL(e->der[0], 'n');
	CU_ASSERT_EQUAL(e->len, 70);
	ocsptable_stats(t, &st);
	CU_ASSERT_EQUAL(st.entries, 1);
	CU_ASSERT_EQUAL(st.bytes, ocsptable_cost(70));
	/* only_held: a key not held is not added. */
	r = entry(9, SHA1, 7, 70, 'x');
	CU_ASSERT_EQUAL(ocsptable_put(t, &r, 1), 0);
	CU_ASSERT_PTR_NULL(r.der);
	CU_ASSERT_PTR_NULL(get(t, 9, SHA1));
	CU_ASSERT(!ocsptable_has(t, r.serial, 16, SHA1));
	ocsptable_free(t);
}

/* Many more entries than fit: the bytes never pass the budget, every
 * entry held is the one put for its key, and the evictions add up. */
static void
test_bound(void)
{
	size_t budget = 200 * ocsptable_cost(1000);
	struct ocsptable *t = ocsptable_new(budget, 7);
	struct ocsptable_stats st;
	struct ocsp_entry r, *e;
	unsigned n, held = 0;

	for (n = 0; n < 20000; n++) {
		r = entry(n, n % 2 ? SHA256 : SHA1, n, 900 + n % 200,
		    (int)(n & 0x7f));
		ocsptable_put(t, &r, 0);
		ocsptable_stats(t, &st);
		CU_ASSERT_FATAL(st.bytes <= budget);
	}
	CU_ASSERT(st.entries >= 150 && st.entries <= 230);
	CU_ASSERT_EQUAL((long)st.entries + st.evictions, 20000);
	for (n = 0; n < 20000; n++) {
		if ((e = get(t, n, n % 2 ? SHA256 : SHA1)) == NULL)
			continue;
		held++;
		CU_ASSERT_EQUAL(e->len, 900 + n % 200);
		CU_ASSERT_EQUAL(e->der[e->len - 1], (unsigned char)(n & 0x7f));
		CU_ASSERT_EQUAL(e->version, n);
	}
	CU_ASSERT_EQUAL(held, st.entries);
	/* the latest put is always held */
	CU_ASSERT_PTR_NOT_NULL(get(t, 19999, SHA256));
	ocsptable_free(t);
}

/* CLOCK: entries asked for since the hand passed outlive those not. */
static void
test_clock_keeps_the_asked(void)
{
	size_t budget = 100 * ocsptable_cost(500);
	struct ocsptable *t = ocsptable_new(budget, 1);
	struct ocsp_entry r;
	unsigned n, round, kept = 0;

	for (n = 0; n < 100; n++) {
		r = entry(n, SHA1, 1, 500, 1);
		ocsptable_put(t, &r, 0);
	}
	/* 0..9 are hot: asked for between every batch of new keys. */
	for (round = 0; round < 50; round++) {
		for (n = 0; n < 10; n++)
			CU_ASSERT_PTR_NOT_NULL(get(t, n, SHA1));
		for (n = 0; n < 10; n++) {
			r = entry(1000 + round * 10 + n, SHA1, 1, 500, 2);
			ocsptable_put(t, &r, 0);
		}
	}
	for (n = 0; n < 10; n++)
		kept += get(t, n, SHA1) != NULL;
	CU_ASSERT_EQUAL(kept, 10);
	/* the cold first keys are gone */
	for (n = 10, kept = 0; n < 100; n++)
		kept += get(t, n, SHA1) != NULL;
	CU_ASSERT_EQUAL(kept, 0);
	ocsptable_free(t);
}

/* A replacement that grows an entry evicts others, never itself; one
 * entry larger than the budget is held alone. */
static void
test_growth_and_oversize(void)
{
	size_t budget = 4 * ocsptable_cost(1000);
	struct ocsptable *t = ocsptable_new(budget, 3);
	struct ocsptable_stats st;
	struct ocsp_entry r;
	unsigned n;

	for (n = 0; n < 4; n++) {
		r = entry(n, SHA1, 1, 1000, 1);
		ocsptable_put(t, &r, 0);
	}
	ocsptable_stats(t, &st);
	CU_ASSERT_EQUAL(st.entries, 4);
	r = entry(2, SHA1, 2, 2500, 9);
	CU_ASSERT_EQUAL(ocsptable_put(t, &r, 1), 1);
	ocsptable_stats(t, &st);
	CU_ASSERT(st.bytes <= budget);
	CU_ASSERT_PTR_NOT_NULL(get(t, 2, SHA1));
	CU_ASSERT_EQUAL(get(t, 2, SHA1)->der[0], 9);
	r = entry(77, SHA1, 1, 10 * 1000, 3);
	CU_ASSERT_EQUAL(ocsptable_put(t, &r, 0), 1);
	ocsptable_stats(t, &st);
	CU_ASSERT_EQUAL(st.entries, 1);
	CU_ASSERT_PTR_NOT_NULL(get(t, 77, SHA1));
	/* and the freed slots are used again */
	for (n = 0; n < 3; n++) {
		r = entry(200 + n, SHA1, 1, 1000, 1);
		ocsptable_put(t, &r, 0);
	}
	ocsptable_stats(t, &st);
	CU_ASSERT(st.bytes <= budget);
	CU_ASSERT_PTR_NOT_NULL(get(t, 202, SHA1));
	ocsptable_free(t);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ocsptable", NULL, NULL);
	CU_add_test(s, "put, get, replace by version", test_put_get_replace);
	CU_add_test(s, "the byte bound", test_bound);
	CU_add_test(
	    s, "CLOCK keeps what is asked for", test_clock_keeps_the_asked);
	CU_add_test(
	    s, "growth and an oversize entry", test_growth_and_oversize);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
