/* Unit tests of proofing/price.c: every taxed state and an untaxed one,
 * rounding, vouchers, shipping destinations and the errors. */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "proofing/price.h"
#include "seedcat.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

static int
has_field(const struct problem *p, const char *field)
{
	int i;

	for (i = 0; i < p->nfields; i++)
		if (strcmp(p->fields[i].field, field) == 0)
			return 1;
	return 0;
}

static long
items_sum(const struct price *pr)
{
	long sum = 0;
	int i;

	for (i = 0; i < pr->nitems; i++)
		sum += pr->items[i].amount_cents;
	return sum;
}

static void
test_states(void)
{
	static const struct {
		const char *product, *storage, *shipping, *state;
		long voucher, subtotal, discount, tax, total;
		int bp;
	} c[] = {
	    /* 17700 goods in each taxed state */
	    {"epcs-hardware", "new-token", "usps", "CA", 0, 17700, 0, 1283,
	        18983, 725}, /* 1283.25 */
	    {"epcs-hardware", "new-token", "usps", "CO", 0, 17700, 0, 513,
	        18213, 290}, /* 513.30 */
	    {"epcs-hardware", "new-token", "usps", "FL", 0, 17700, 0, 1062,
	        18762, 600}, /* 1062.00 */
	    {"epcs-hardware", "new-token", "usps", "TX", 0, 17700, 0, 1106,
	        18806, 625}, /* 1106.25 */
	    {"epcs-hardware", "new-token", "usps", "UT", 0, 17700, 0, 1080,
	        18780, 610}, /* 1079.70 */
	    {"epcs-hardware", "new-token", "usps", "VA", 0, 17700, 0, 938,
	        18638, 530}, /* 938.10 */
	    {"epcs-hardware", "new-token", "usps", "IN", 0, 17700, 0, 0, 17700,
	        0}, /* untaxed */
	    /* shipping is not taxed */
	    {"epcs-hardware", "existing-token", "usps-express", "CA", 0, 13895,
	        0, 790, 14685, 725}, /* 790.25 */
	    {"identity-software", "software", "usps", "TX", 0, 9900, 0, 619,
	        10519, 625}, /* 618.75: half-up */
	    /* half exactly: 17400 * 7.25 % = 1261.50 -> 1262 */
	    {"epcs-hardware", "new-token", "usps", "CA", 300, 17700, 300, 1262,
	        18662, 725},
	    /* 200 * 7.25 % = 14.50 -> 15 */
	    {"epcs-hardware", "new-token", "usps", "CA", 17500, 17700, 17500,
	        15, 215, 725},
	    /* voucher larger than the goods: goods go to 0, shipping
	     * stays */
	    {"epcs-hardware", "new-token", "usps-express", "CA", 50000, 20695,
	        17700, 0, 2995, 725},
	    {"identity-software", "software", "usps", "IN", 1000, 9900, 1000, 0,
	        8900, 0},
	    /* a negative voucher is no voucher */
	    {"identity-software", "software", "usps", "IN", -500, 9900, 0, 0,
	        9900, 0},
	};
	struct catalog cat;
	struct problem p;
	struct price pr;
	size_t i;

	seedcat_build(&cat);
	for (i = 0; i < NITEMS(c); i++) {
		problem_clear(&p);
		CU_ASSERT_EQUAL(
		    price_compute(&cat, c[i].product, c[i].storage,
		        c[i].shipping, "US", c[i].state, c[i].voucher, &pr, &p),
		    0);
		CU_ASSERT_EQUAL(p.status, 0);
		if (pr.total_cents != c[i].total || pr.tax_cents != c[i].tax)
			fprintf(stderr, "\nprice case %zu: total %ld tax %ld\n",
			    i, pr.total_cents, pr.tax_cents);
		CU_ASSERT_EQUAL(pr.subtotal_cents, c[i].subtotal);
		CU_ASSERT_EQUAL(pr.discount_cents, c[i].discount);
		CU_ASSERT_EQUAL(pr.tax_cents, c[i].tax);
		CU_ASSERT_EQUAL(pr.total_cents, c[i].total);
		CU_ASSERT_EQUAL(pr.tax_rate_bp, c[i].bp);
		CU_ASSERT_EQUAL(items_sum(&pr), pr.total_cents);
		CU_ASSERT(pr.total_cents >= 0);
	}
}

/*
 * Every product x its storage x every shipping option of the destination
 * x a taxed (CA, 7.25%) and an untaxed (IN; and outside the U.S.) state x
 * no voucher, a small one and one larger than the goods: the lines sum to
 * the total, shipping is never taxed or discounted, the voucher never
 * takes goods below zero, and the tax is the documented round-half-up of
 * the taxed goods, here computed with quotient and remainder.
 */
static void
test_matrix(void)
{
	static const struct {
		const char *country, *state;
		int bp;
	} places[] = {{"US", "CA", 725}, {"US", "IN", 0}, {"DE", NULL, 0}};
	static const long vouchers[] = {0, 1234, 100000000};
	struct catalog cat;
	struct price pr;
	struct problem p;
	const struct catalog_product *prod;
	const struct catalog_storage *st;
	const struct catalog_shipping *sh;
	long goods, off, taxable, tax, q, rem;
	int i, j, k, l, m, n = 0;

	seedcat_build(&cat);
	for (i = 0; i < cat.nproducts; i++)
		for (j = 0; j < cat.nstorage; j++)
			for (k = 0; k < cat.nshipping; k++)
				for (l = 0; l < (int)NITEMS(places); l++)
					for (m = 0; m < (int)NITEMS(vouchers);
					     m++) {
						prod = &cat.products[i];
						st = &cat.storage[j];
						sh = &cat.shipping[k];
						if (strcmp(st->product,
						        prod->code) != 0)
							continue;
						if (sh->international !=
						    (strcmp(places[l].country,
						         "US") != 0))
							continue;
						problem_clear(&p);
						CU_ASSERT_EQUAL_FATAL(
						    price_compute(&cat,
						        prod->code, st->code,
						        sh->code,
						        places[l].country,
						        places[l].state,
						        vouchers[m], &pr, &p),
						    0);
						goods = prod->price_cents +
						    st->price_cents;
						off = vouchers[m] < goods
						    ? vouchers[m]
						    : goods;
						taxable = goods - off;
						q = taxable * places[l].bp /
						    10000;
						rem = taxable * places[l].bp %
						    10000;
						tax = q + (rem >= 5000 ? 1 : 0);
						CU_ASSERT_EQUAL(
						    pr.subtotal_cents,
						    goods + sh->price_cents);
						CU_ASSERT_EQUAL(
						    pr.discount_cents, off);
						CU_ASSERT_EQUAL(
						    pr.tax_cents, tax);
						CU_ASSERT_EQUAL(pr.tax_rate_bp,
						    places[l].bp);
						CU_ASSERT_EQUAL(pr.total_cents,
						    goods - off +
						        sh->price_cents + tax);
						CU_ASSERT_EQUAL(items_sum(&pr),
						    pr.total_cents);
						CU_ASSERT(pr.total_cents >=
						    sh->price_cents);
						CU_ASSERT_EQUAL(pr.nitems,
						    3 + (off > 0 ? 1 : 0) +
						        (places[l].bp > 0 ? 1
						                          : 0));
						n++;
					}
	CU_ASSERT(n >= 30); /* the combinations were all visited */
}

static void
test_items(void)
{
	struct catalog cat;
	struct problem p;
	struct price pr;

	seedcat_build(&cat);
	problem_clear(&p);
	CU_ASSERT_EQUAL(price_compute(&cat, "epcs-hardware", "new-token",
	                    "usps", "US", "CA", 300, &pr, &p),
	    0);
	CU_ASSERT_EQUAL(pr.nitems, 5);
	CU_ASSERT_STRING_EQUAL(pr.items[0].kind, "product");
	CU_ASSERT_STRING_EQUAL(pr.items[0].code, "epcs-hardware");
	CU_ASSERT_EQUAL(pr.items[0].amount_cents, 10900);
	CU_ASSERT_STRING_EQUAL(pr.items[1].kind, "storage");
	CU_ASSERT_EQUAL(pr.items[1].amount_cents, 6800);
	CU_ASSERT_STRING_EQUAL(pr.items[2].kind, "shipping");
	CU_ASSERT_STRING_EQUAL(pr.items[3].kind, "voucher");
	CU_ASSERT_EQUAL(pr.items[3].amount_cents, -300);
	CU_ASSERT_STRING_EQUAL(pr.items[4].kind, "tax");
	CU_ASSERT_STRING_EQUAL(pr.items[4].code, "CA");
	CU_ASSERT_STRING_EQUAL(pr.items[4].label, "Sales tax (CA 7.25%)");

	/* abroad: no tax even with a taxed state's code */
	problem_clear(&p);
	CU_ASSERT_EQUAL(price_compute(&cat, "epcs-hardware", "new-token",
	                    "international", "CA", "CA", 0, &pr, &p),
	    0);
	CU_ASSERT_EQUAL(pr.tax_cents, 0);
	CU_ASSERT_EQUAL(pr.tax_rate_bp, 0);
	CU_ASSERT_EQUAL(pr.total_cents, 17700 + 4995);
	CU_ASSERT_EQUAL(pr.nitems, 3);
	/* U.S. without a state */
	problem_clear(&p);
	CU_ASSERT_EQUAL(price_compute(&cat, "identity-software", "software",
	                    "usps", "US", NULL, 0, &pr, &p),
	    0);
	CU_ASSERT_EQUAL(pr.total_cents, 9900);
}

static void
test_errors(void)
{
	static const struct {
		const char *product, *storage, *shipping, *country;
		const char *field, *field2;
	} c[] = {
	    {"epcs", "new-token", "usps", "US", "product", NULL},
	    {NULL, "new-token", "usps", "US", "product", NULL},
	    {"epcs-hardware", "software", "usps", "US", "storage", NULL},
	    {"identity-software", "new-token", "usps", "US", "storage", NULL},
	    {"identity-software", NULL, "usps", "US", "storage", NULL},
	    {"epcs-hardware", "usb", "usps", "US", "storage", NULL},
	    {"epcs-hardware", "new-token", "fedex", "US", "shipping", NULL},
	    {"epcs-hardware", "new-token", NULL, "US", "shipping", NULL},
	    {"epcs-hardware", "new-token", "international", "US", "shipping",
	        NULL},
	    {"epcs-hardware", "new-token", "usps", "CA", "shipping", NULL},
	    {"epcs-hardware", "new-token", "usps-express", "GB", "shipping",
	        NULL},
	    {"epcs-hardware", "new-token", "usps", NULL, "shipping", NULL},
	    {"nothing", "nothing", "nothing", "US", "product", "shipping"},
	};
	struct catalog cat;
	struct problem p;
	struct price pr;
	size_t i;

	seedcat_build(&cat);
	for (i = 0; i < NITEMS(c); i++) {
		problem_clear(&p);
		CU_ASSERT_EQUAL(
		    price_compute(&cat, c[i].product, c[i].storage,
		        c[i].shipping, c[i].country, "CA", 0, &pr, &p),
		    -1);
		CU_ASSERT_EQUAL(p.status, 422);
		CU_ASSERT(has_field(&p, c[i].field));
		if (c[i].field2 != NULL)
			CU_ASSERT(has_field(&p, c[i].field2));
	}
	/* a price beyond the ceiling is the catalog's fault */
	cat.products[0].price_cents = -1;
	problem_clear(&p);
	CU_ASSERT_EQUAL(price_compute(&cat, "epcs-hardware", "new-token",
	                    "usps", "US", "CA", 0, &pr, &p),
	    -1);
	CU_ASSERT_EQUAL(p.status, 500);
}

static void
test_json(void)
{
	struct catalog cat;
	struct problem p;
	struct price pr;
	json_t *j, *items;

	seedcat_build(&cat);
	problem_clear(&p);
	CU_ASSERT_EQUAL(price_compute(&cat, "epcs-hardware", "new-token",
	                    "usps", "US", "CA", 0, &pr, &p),
	    0);
	j = price_to_json(&pr);
	CU_ASSERT_FATAL(j != NULL);
	items = json_object_get(j, "items");
	CU_ASSERT_EQUAL(json_array_size(items), 4);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
	                           json_array_get(items, 0), "kind")),
	    "product");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
	                           json_array_get(items, 0), "label")),
	    "IGC Basic Assurance Unaffiliated Hardware - EPCS Prescribing");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(
	                    json_object_get(json_array_get(items, 3), "amount"),
	                    "amount_cents")),
	    1283);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(
	                    json_object_get(j, "total"), "amount_cents")),
	    18983);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
	                           json_object_get(j, "total"), "currency")),
	    "USD");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(
	                    json_object_get(j, "subtotal"), "amount_cents")),
	    17700);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(
	                    json_object_get(j, "tax"), "amount_cents")),
	    1283);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(
	                    json_object_get(j, "discount"), "amount_cents")),
	    0);
	CU_ASSERT_STRING_EQUAL(
	    json_string_value(json_object_get(j, "tax_rate_percent")), "7.25");
	json_decref(j);

	problem_clear(&p);
	CU_ASSERT_EQUAL(price_compute(&cat, "epcs-hardware", "new-token",
	                    "usps", "US", "IN", 0, &pr, &p),
	    0);
	j = price_to_json(&pr);
	CU_ASSERT_FATAL(j != NULL);
	CU_ASSERT(json_is_null(json_object_get(j, "tax_rate_percent")));
	json_decref(j);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("price", NULL, NULL);
	CU_add_test(s, "taxed states, rounding, vouchers", test_states);
	CU_add_test(s, "items", test_items);
	CU_add_test(
	    s, "product x storage x shipping x state x voucher", test_matrix);
	CU_add_test(s, "errors", test_errors);
	CU_add_test(s, "json", test_json);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
