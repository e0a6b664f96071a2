/*
 * libFuzzer driver: a POST /v1/applications body as the server reads it
 * (jansson with duplicate keys rejected) into application_parse.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "proofing/application.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_catalog(struct catalog *c)
{
	memset(c, 0, sizeof(*c));
	c->nproducts = 2;
	memcpy(c->products[0].code, "epcs-hardware", 14);
	c->products[0].price_cents = 10900;
	c->products[0].hardware = c->products[0].epcs = 1;
	memcpy(c->products[1].code, "identity-software", 18);
	c->products[1].price_cents = 9900;
	c->nstorage = 3;
	memcpy(c->storage[0].code, "new-token", 10);
	memcpy(c->storage[0].product, "epcs-hardware", 14);
	c->storage[0].price_cents = 6800;
	memcpy(c->storage[1].code, "existing-token", 15);
	memcpy(c->storage[1].product, "epcs-hardware", 14);
	memcpy(c->storage[2].code, "software", 9);
	memcpy(c->storage[2].product, "identity-software", 18);
	c->nshipping = 2;
	memcpy(c->shipping[0].code, "usps", 5);
	memcpy(c->shipping[1].code, "international", 14);
	c->shipping[1].international = 1;
	c->ntaxes = 1;
	memcpy(c->taxes[0].state, "CA", 3);
	c->taxes[0].rate_bp = 725;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct catalog cat;
	static int ready;
	struct application_input in;
	struct problem p;
	json_error_t err;
	json_t *j;

	if (!ready) {
		fuzz_catalog(&cat);
		ready = 1;
	}
	if (size > 64 * 1024)
		return 0;
	j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL)
		return 0;
	memset(&in, 0, sizeof(in));
	problem_clear(&p);
	(void)application_parse(j, POLICY_IGC, 1795322979, &cat, &in, &p);
	application_input_free(&in);
	memset(&in, 0, sizeof(in));
	problem_clear(&p);
	(void)application_parse(j, POLICY_NIST, 1795322979, &cat, &in, &p);
	application_input_free(&in);
	json_decref(j);
	return 0;
}
