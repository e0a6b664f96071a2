#include <stdio.h>
#include <string.h>

#include "proofing/catalog.h"

static int
clamp(int n, int max)
{
	return n < 0 ? 0 : n > max ? max : n;
}

const struct catalog_product *
catalog_product(const struct catalog *cat, const char *code)
{
	int i, n;

	if (code == NULL)
		return NULL;
	n = clamp(cat->nproducts, CATALOG_MAX);
	for (i = 0; i < n; i++)
		if (strcmp(cat->products[i].code, code) == 0)
			return &cat->products[i];
	return NULL;
}

const struct catalog_storage *
catalog_storage(const struct catalog *cat, const char *code)
{
	int i, n;

	if (code == NULL)
		return NULL;
	n = clamp(cat->nstorage, CATALOG_MAX);
	for (i = 0; i < n; i++)
		if (strcmp(cat->storage[i].code, code) == 0)
			return &cat->storage[i];
	return NULL;
}

const struct catalog_shipping *
catalog_shipping(const struct catalog *cat, const char *code)
{
	int i, n;

	if (code == NULL)
		return NULL;
	n = clamp(cat->nshipping, CATALOG_MAX);
	for (i = 0; i < n; i++)
		if (strcmp(cat->shipping[i].code, code) == 0)
			return &cat->shipping[i];
	return NULL;
}

int
catalog_tax_bp(const struct catalog *cat, const char *state)
{
	int i, n;

	if (state == NULL)
		return 0;
	n = clamp(cat->ntaxes, CATALOG_TAXES);
	for (i = 0; i < n; i++)
		if (strcmp(cat->taxes[i].state, state) == 0)
			return cat->taxes[i].rate_bp;
	return 0;
}

json_t *
catalog_money(long cents)
{
	return json_pack(
	    "{s:I, s:s}", "amount_cents", (json_int_t)cents, "currency", "USD");
}

void
catalog_percent(int bp, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s%d.%02d", bp < 0 ? "-" : "",
	    (bp < 0 ? -bp : bp) / 100, (bp < 0 ? -bp : bp) % 100);
}

static json_t *
storage_json(const struct catalog *cat, const char *product)
{
	const struct catalog_storage *s;
	json_t *arr = NULL, *o;
	int i, n;

	arr = json_array();
	n = clamp(cat->nstorage, CATALOG_MAX);
	for (i = 0; i < n; i++) {
		s = &cat->storage[i];
		if (strcmp(s->product, product) != 0)
			continue;
		o = json_pack("{s:s, s:s, s:o, s:b}", "code", s->code, "name",
		    s->name, "price", catalog_money(s->price_cents),
		    "new_token", s->new_token);
		if (o == NULL || json_array_append_new(arr, o) == -1)
			goto fail;
	}
	return arr;
fail:
	json_decref(arr);
	return NULL;
}

json_t *
catalog_to_json(const struct catalog *cat)
{
	const struct catalog_product *pr;
	const struct catalog_shipping *sh;
	json_t *products, *shipping, *taxes, *o, *out = NULL;
	char pct[16];
	int i, n;

	products = json_array();
	shipping = json_array();
	taxes = json_array();
	n = clamp(cat->nproducts, CATALOG_MAX);
	for (i = 0; i < n; i++) {
		pr = &cat->products[i];
		o = json_pack("{s:s, s:s, s:s, s:o, s:b, s:b, s:i, s:o}",
		    "code", pr->code, "name", pr->name, "description",
		    pr->description, "price", catalog_money(pr->price_cents),
		    "hardware", pr->hardware, "epcs", pr->epcs,
		    "validity_months", pr->validity_months, "storage_options",
		    storage_json(cat, pr->code));
		if (o == NULL || json_array_append_new(products, o) == -1)
			goto out;
	}
	n = clamp(cat->nshipping, CATALOG_MAX);
	for (i = 0; i < n; i++) {
		sh = &cat->shipping[i];
		o = json_pack("{s:s, s:s, s:o, s:b}", "code", sh->code, "name",
		    sh->name, "price", catalog_money(sh->price_cents),
		    "international", sh->international);
		if (o == NULL || json_array_append_new(shipping, o) == -1)
			goto out;
	}
	n = clamp(cat->ntaxes, CATALOG_TAXES);
	for (i = 0; i < n; i++) {
		catalog_percent(cat->taxes[i].rate_bp, pct, sizeof(pct));
		o = json_pack("{s:s, s:s}", "state", cat->taxes[i].state,
		    "rate_percent", pct);
		if (o == NULL || json_array_append_new(taxes, o) == -1)
			goto out;
	}
	out = json_pack("{s:O, s:O, s:O}", "products", products,
	    "shipping_options", shipping, "taxed_states", taxes);
out:
	json_decref(products);
	json_decref(shipping);
	json_decref(taxes);
	return out;
}
