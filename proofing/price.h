/*
 * Price computation in integer cents: goods (product and storage),
 * shipping, a voucher taken off the goods, and state sales tax on what
 * remains of the goods for U.S. addresses in a taxed state.
 */
#ifndef RXCA_PRICE_H
#define RXCA_PRICE_H

#include <jansson.h>

#include "common/problem.h"
#include "proofing/catalog.h"

#define PRICE_ITEMS 8 /* lines of a price */
/* Sanity ceiling of a catalog price: 1,000,000.00 USD. */
#define PRICE_CEILING 100000000L

struct price_item {
	char code[BOUND_SHORT]; /* catalog code, "voucher" or state */
	char kind[16];          /* product|storage|shipping|voucher|tax */
	char label[160];        /* display text */
	long amount_cents;      /* signed: a voucher is negative */
};

struct price {
	struct price_item items[PRICE_ITEMS]; /* lines; they sum to total */
	int nitems;                           /* entries used in items */
	long subtotal_cents; /* goods + shipping, before discount */
	long tax_cents;      /* sales tax */
	int tax_rate_bp;     /* rate applied; 0 if untaxed */
	long discount_cents; /* voucher discount taken, >= 0 */
	long total_cents;    /* subtotal - discount + tax */
};

/*
 * Prices product + storage + shipping for an address in country (ISO
 * 3166 alpha-2) and state (USPS code, may be NULL), less voucher_cents
 * (0 for none; never takes goods below zero).  Tax is
 * round-half-up(taxable goods * rate_bp / 10000).  Returns 0 and fills
 * out, or -1 with 422 field errors in p: "product" (unknown), "storage"
 * (missing, unknown or not of that product), "shipping" (unknown, or its
 * destination does not match country); a catalog price out of range is a
 * 500.
 */
int price_compute(const struct catalog *cat, const char *product,
    const char *storage, const char *shipping, const char *country,
    const char *state, long voucher_cents, struct price *out,
    struct problem *p);

/*
 * The price as JSON: {"items": [{"kind", "code", "label", "amount"}],
 * "subtotal", "tax", "tax_rate_percent" ("7.25" or null), "discount",
 * "total"}, amounts as money objects.  A new reference, or NULL if a
 * label is not valid UTF-8.
 */
json_t *price_to_json(const struct price *pr);

#endif
