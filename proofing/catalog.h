/*
 * The product catalog as plain data: products, their storage options,
 * shipping options and state sales-tax rates, in cents and basis points.
 * The api layer loads it from the database and passes it in; nothing here
 * allocates except the JSON views.
 */
#ifndef RXCA_CATALOG_H
#define RXCA_CATALOG_H

#include <jansson.h>

#include "common/bounds.h"

#define CATALOG_MAX   16 /* entries of each kind */
#define CATALOG_TAXES 64 /* taxed states */

struct catalog_product {
	char code[BOUND_SHORT]; /* e.g. epcs-hardware */
	char name[160];         /* display name */
	char description[256];  /* one sentence */
	long price_cents;       /* USD cents, >= 0 */
	int hardware;           /* 1: keys on a hardware token */
	int epcs;               /* 1: for EPCS (NPI and DEA needed) */
	int validity_months;    /* certificate lifetime */
};

struct catalog_storage {
	char code[BOUND_SHORT];    /* e.g. new-token */
	char product[BOUND_SHORT]; /* code of the product it belongs to */
	char name[160];            /* display name */
	long price_cents;          /* USD cents, >= 0 */
	int new_token;             /* 1: a new token is shipped */
};

struct catalog_shipping {
	char code[BOUND_SHORT]; /* e.g. usps */
	char name[160];         /* display name */
	long price_cents;       /* USD cents, >= 0 */
	int international;      /* 1: only outside the U.S. */
};

struct catalog_tax {
	char state[3]; /* USPS code */
	int rate_bp;   /* hundredths of a percent: 725 = 7.25 % */
};

struct catalog {
	struct catalog_product products[CATALOG_MAX];  /* for sale */
	int nproducts;                                 /* entries used */
	struct catalog_storage storage[CATALOG_MAX];   /* per product */
	int nstorage;                                  /* entries used */
	struct catalog_shipping shipping[CATALOG_MAX]; /* for any product */
	int nshipping;                                 /* entries used */
	struct catalog_tax taxes[CATALOG_TAXES];       /* taxed states */
	int ntaxes;                                    /* entries used */
};

/* The product, storage option or shipping option with this code (borrowed
 * from cat), or NULL if unknown or code is NULL. */
const struct catalog_product *catalog_product(
    const struct catalog *cat, const char *code);
const struct catalog_storage *catalog_storage(
    const struct catalog *cat, const char *code);
const struct catalog_shipping *catalog_shipping(
    const struct catalog *cat, const char *code);

/* The sales-tax rate of a U.S. state in basis points; 0 if untaxed or
 * state is NULL. */
int catalog_tax_bp(const struct catalog *cat, const char *state);

/*
 * The GET /v1/products body: products with their storage options,
 * shipping options and taxed states.  A new reference the caller
 * releases, or NULL if a catalog string is not valid UTF-8.
 */
json_t *catalog_to_json(const struct catalog *cat);

/* A money object {"amount_cents": cents, "currency": "USD"}; a new
 * reference. */
json_t *catalog_money(long cents);

/* A rate in basis points as a percent with two decimals ("7.25") into
 * buf of at least 16 bytes. */
void catalog_percent(int bp, char *buf, size_t bufsz);

#endif
