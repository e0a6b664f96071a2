#include <stdio.h>
#include <string.h>

#include "proofing/price.h"

static void
add_item(struct price *pr, const char *kind, const char *code,
    const char *label, long cents)
{
	struct price_item *it;

	if (pr->nitems >= PRICE_ITEMS)
		return;
	it = &pr->items[pr->nitems++];
	snprintf(it->kind, sizeof(it->kind), "%s", kind);
	snprintf(it->code, sizeof(it->code), "%s", code);
	snprintf(it->label, sizeof(it->label), "%s", label);
	it->amount_cents = cents;
}

static int
in_range(long cents)
{
	return cents >= 0 && cents <= PRICE_CEILING;
}

/* Adds field errors for unknown or mismatched codes; -1 if any. */
static int
check_codes(const struct catalog_product *prod,
    const struct catalog_storage *st, const struct catalog_shipping *sh,
    const char *storage, const char *shipping, int us, struct problem *p)
{
	int rc = 0;

	if (prod == NULL)
		rc = problem_field(p, "product", "unknown product");
	if (storage == NULL)
		rc = problem_field(p, "storage", "is required");
	else if (st == NULL)
		rc = problem_field(p, "storage", "unknown storage option");
	else if (prod != NULL && strcmp(st->product, prod->code) != 0)
		rc = problem_field(
		    p, "storage", "is not offered with this product");
	if (shipping == NULL)
		rc = problem_field(p, "shipping", "is required");
	else if (sh == NULL)
		rc = problem_field(p, "shipping", "unknown shipping option");
	else if (sh->international && us)
		rc = problem_field(p, "shipping",
		    "international shipping is for addresses outside the U.S.");
	else if (!sh->international && !us)
		rc = problem_field(p, "shipping",
		    "this shipping option is for U.S. addresses only");
	return rc;
}

int
price_compute(const struct catalog *cat, const char *product,
    const char *storage, const char *shipping, const char *country,
    const char *state, long voucher_cents, struct price *out, struct problem *p)
{
	const struct catalog_product *prod;
	const struct catalog_storage *st;
	const struct catalog_shipping *sh;
	long goods, discount, taxable, tax = 0;
	char label[160], pct[16];
	int us, bp = 0, rc = -1;

	memset(out, 0, sizeof(*out));
	prod = catalog_product(cat, product);
	st = catalog_storage(cat, storage);
	sh = catalog_shipping(cat, shipping);
	us = country != NULL && strcmp(country, "US") == 0;
	if (check_codes(prod, st, sh, storage, shipping, us, p) == -1)
		goto out;
	if (us)
		bp = catalog_tax_bp(cat, state);
	if (!in_range(prod->price_cents) || !in_range(st->price_cents) ||
	    !in_range(sh->price_cents) || bp < 0 || bp > 10000) {
		problem_internal(p);
		goto out;
	}

	goods = prod->price_cents + st->price_cents;
	discount = voucher_cents <= 0 ? 0
	    : voucher_cents < goods   ? voucher_cents
	                              : goods;
	taxable = goods - discount;
	if (bp > 0)
		tax = (long)(((long long)taxable * bp + 5000) / 10000);

	add_item(out, "product", prod->code, prod->name, prod->price_cents);
	add_item(out, "storage", st->code, st->name, st->price_cents);
	add_item(out, "shipping", sh->code, sh->name, sh->price_cents);
	if (discount > 0)
		add_item(out, "voucher", "voucher", "Voucher", -discount);
	if (bp > 0) {
		catalog_percent(bp, pct, sizeof(pct));
		snprintf(
		    label, sizeof(label), "Sales tax (%s %s%%)", state, pct);
		add_item(out, "tax", state, label, tax);
	}
	out->subtotal_cents = goods + sh->price_cents;
	out->discount_cents = discount;
	out->tax_cents = tax;
	out->tax_rate_bp = bp;
	out->total_cents = out->subtotal_cents - discount + tax;
	rc = 0;
out:
	return rc;
}

json_t *
price_to_json(const struct price *pr)
{
	const struct price_item *it;
	json_t *items, *o, *rate, *out = NULL;
	char pct[16];
	int i;

	items = json_array();
	for (i = 0; i < pr->nitems && i < PRICE_ITEMS; i++) {
		it = &pr->items[i];
		o = json_pack("{s:s, s:s, s:s, s:o}", "kind", it->kind, "code",
		    it->code, "label", it->label, "amount",
		    catalog_money(it->amount_cents));
		if (o == NULL || json_array_append_new(items, o) == -1)
			goto out;
	}
	if (pr->tax_rate_bp > 0) {
		catalog_percent(pr->tax_rate_bp, pct, sizeof(pct));
		rate = json_string(pct);
	} else
		rate = json_null();
	out = json_pack("{s:O, s:o, s:o, s:o, s:o, s:o}", "items", items,
	    "subtotal", catalog_money(pr->subtotal_cents), "tax",
	    catalog_money(pr->tax_cents), "tax_rate_percent", rate, "discount",
	    catalog_money(pr->discount_cents), "total",
	    catalog_money(pr->total_cents));
out:
	json_decref(items);
	return out;
}
