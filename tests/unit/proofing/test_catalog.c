/* Unit tests of proofing/catalog.c: look-ups and the GET /v1/products
 * body. */
#include <string.h>

#include <CUnit/Basic.h>

#include "proofing/catalog.h"
#include "seedcat.h"

static void
test_lookup(void)
{
	struct catalog cat;

	seedcat_build(&cat);
	CU_ASSERT_PTR_NOT_NULL(catalog_product(&cat, "epcs-hardware"));
	CU_ASSERT_EQUAL(catalog_product(&cat, "epcs-hardware")->epcs, 1);
	CU_ASSERT_EQUAL(
	    catalog_product(&cat, "identity-software")->price_cents, 9900);
	CU_ASSERT_PTR_NULL(catalog_product(&cat, "epcs"));
	CU_ASSERT_PTR_NULL(catalog_product(&cat, ""));
	CU_ASSERT_PTR_NULL(catalog_product(&cat, NULL));
	CU_ASSERT_STRING_EQUAL(
	    catalog_storage(&cat, "software")->product, "identity-software");
	CU_ASSERT_PTR_NULL(catalog_storage(&cat, "usb"));
	CU_ASSERT_EQUAL(
	    catalog_shipping(&cat, "international")->international, 1);
	CU_ASSERT_PTR_NULL(catalog_shipping(&cat, "fedex"));
	CU_ASSERT_EQUAL(catalog_tax_bp(&cat, "CA"), 725);
	CU_ASSERT_EQUAL(catalog_tax_bp(&cat, "CO"), 290);
	CU_ASSERT_EQUAL(catalog_tax_bp(&cat, "IN"), 0);
	CU_ASSERT_EQUAL(catalog_tax_bp(&cat, NULL), 0);
	/* a count beyond the arrays is clamped, not trusted */
	cat.nproducts = 1000;
	CU_ASSERT_PTR_NULL(catalog_product(&cat, "nothing"));
	cat.nproducts = -3;
	CU_ASSERT_PTR_NULL(catalog_product(&cat, "epcs-hardware"));
}

static void
test_percent(void)
{
	char buf[16];

	catalog_percent(725, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "7.25");
	catalog_percent(600, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "6.00");
	catalog_percent(5, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "0.05");
	catalog_percent(10000, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "100.00");
}

static void
test_json(void)
{
	struct catalog cat;
	json_t *j, *pr, *st, *sh, *tx;
	char *dump;

	seedcat_build(&cat);
	j = catalog_to_json(&cat);
	CU_ASSERT_FATAL(j != NULL);
	pr = json_object_get(j, "products");
	CU_ASSERT_EQUAL(json_array_size(pr), 2);
	CU_ASSERT_STRING_EQUAL(
	    json_string_value(json_object_get(json_array_get(pr, 0), "code")),
	    "epcs-hardware");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(
	                    json_object_get(json_array_get(pr, 0), "price"),
	                    "amount_cents")),
	    10900);
	CU_ASSERT_STRING_EQUAL(
	    json_string_value(json_object_get(
	        json_object_get(json_array_get(pr, 0), "price"), "currency")),
	    "USD");
	CU_ASSERT(
	    json_is_true(json_object_get(json_array_get(pr, 0), "hardware")));
	CU_ASSERT(
	    json_is_false(json_object_get(json_array_get(pr, 1), "epcs")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(
	                    json_array_get(pr, 0), "validity_months")),
	    24);
	st = json_object_get(json_array_get(pr, 0), "storage_options");
	CU_ASSERT_EQUAL(json_array_size(st), 2);
	CU_ASSERT(
	    json_is_true(json_object_get(json_array_get(st, 0), "new_token")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(
	                    json_object_get(json_array_get(st, 0), "price"),
	                    "amount_cents")),
	    6800);
	st = json_object_get(json_array_get(pr, 1), "storage_options");
	CU_ASSERT_EQUAL(json_array_size(st), 1);
	CU_ASSERT_STRING_EQUAL(
	    json_string_value(json_object_get(json_array_get(st, 0), "code")),
	    "software");
	sh = json_object_get(j, "shipping_options");
	CU_ASSERT_EQUAL(json_array_size(sh), 3);
	CU_ASSERT(json_is_true(
	    json_object_get(json_array_get(sh, 2), "international")));
	tx = json_object_get(j, "taxed_states");
	CU_ASSERT_EQUAL(json_array_size(tx), 6);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
	                           json_array_get(tx, 0), "rate_percent")),
	    "7.25");
	CU_ASSERT_STRING_EQUAL(
	    json_string_value(json_object_get(json_array_get(tx, 1), "state")),
	    "CO");
	dump = json_dumps(j, JSON_COMPACT);
	CU_ASSERT_PTR_NOT_NULL(dump);
	free(dump);
	json_decref(j);

	/* a name that is not UTF-8 cannot be shown */
	cat.products[0].name[0] = '\xff';
	CU_ASSERT_PTR_NULL(catalog_to_json(&cat));
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("catalog", NULL, NULL);
	CU_add_test(s, "look-ups", test_lookup);
	CU_add_test(s, "percent", test_percent);
	CU_add_test(s, "products body", test_json);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
