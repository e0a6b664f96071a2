/*
 * The catalog of migrations/0002_catalog.sql, built in code for the unit
 * tests of proofing/.  Keep the two in step.
 */
#ifndef RXCA_TEST_SEEDCAT_H
#define RXCA_TEST_SEEDCAT_H

#include <stdio.h>
#include <string.h>

#include "proofing/catalog.h"

static void
seedcat_product(struct catalog *c, const char *code, const char *name,
    const char *description, long cents, int hardware, int epcs)
{
	struct catalog_product *x = &c->products[c->nproducts++];

	snprintf(x->code, sizeof(x->code), "%s", code);
	snprintf(x->name, sizeof(x->name), "%s", name);
	snprintf(x->description, sizeof(x->description), "%s", description);
	x->price_cents = cents;
	x->hardware = hardware;
	x->epcs = epcs;
	x->validity_months = 24;
}

static void
seedcat_storage(struct catalog *c, const char *code, const char *product,
    const char *name, long cents, int new_token)
{
	struct catalog_storage *x = &c->storage[c->nstorage++];

	snprintf(x->code, sizeof(x->code), "%s", code);
	snprintf(x->product, sizeof(x->product), "%s", product);
	snprintf(x->name, sizeof(x->name), "%s", name);
	x->price_cents = cents;
	x->new_token = new_token;
}

static void
seedcat_shipping(struct catalog *c, const char *code, const char *name,
    long cents, int international)
{
	struct catalog_shipping *x = &c->shipping[c->nshipping++];

	snprintf(x->code, sizeof(x->code), "%s", code);
	snprintf(x->name, sizeof(x->name), "%s", name);
	x->price_cents = cents;
	x->international = international;
}

static void
seedcat_tax(struct catalog *c, const char *state, int bp)
{
	snprintf(
	    c->taxes[c->ntaxes].state, sizeof(c->taxes[0].state), "%s", state);
	c->taxes[c->ntaxes++].rate_bp = bp;
}

static void
seedcat_build(struct catalog *c)
{
	memset(c, 0, sizeof(*c));
	seedcat_product(c, "epcs-hardware",
	    "IGC Basic Assurance Unaffiliated Hardware - EPCS Prescribing",
	    "Two-factor EPCS certificate; the key is generated on a hardware "
	    "token.",
	    10900, 1, 1);
	seedcat_product(c, "identity-software",
	    "IGC Basic Assurance Unaffiliated Software - Identity Proofing "
	    "Only",
	    "Identity proofing for non-EPCS users; no token.", 9900, 0, 0);
	seedcat_storage(c, "new-token", "epcs-hardware",
	    "HID USB Token (new registrants)", 6800, 1);
	seedcat_storage(c, "existing-token", "epcs-hardware",
	    "Use an existing token", 0, 0);
	seedcat_storage(
	    c, "software", "identity-software", "Software (no token)", 0, 0);
	seedcat_shipping(c, "usps", "USPS First-Class within the U.S.", 0, 0);
	seedcat_shipping(c, "usps-express",
	    "USPS Priority Mail Express within the U.S.", 2995, 0);
	seedcat_shipping(c, "international",
	    "International shipping (outside the U.S.)", 4995, 1);
	seedcat_tax(c, "CA", 725);
	seedcat_tax(c, "CO", 290);
	seedcat_tax(c, "FL", 600);
	seedcat_tax(c, "TX", 625);
	seedcat_tax(c, "UT", 610);
	seedcat_tax(c, "VA", 530);
}

#endif
