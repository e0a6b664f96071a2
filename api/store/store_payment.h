/*
 * The storage of payments (migrations/0008_payments.sql,
 * api/service/payment.h): intents, the payments row of an application, its
 * money events, the receipt's figures and vouchers.  Typed rows in, typed rows
 * out; the SQL and its columns stay in api/store/store_payment.c.  Every time
 * is a parameter from the clock.
 *
 * Finders return 1 (found, row filled), 0 (none) or -1 with p set.
 */
#ifndef RXCA_STORE_PAYMENT_H
#define RXCA_STORE_PAYMENT_H

#include <stddef.h>
#include <time.h>

#include "common/problem.h"

#define STORE_PAY_ID_MAX    72  /* bytes of an application id, with NUL */
#define STORE_PAY_REF_MAX   72  /* bytes of a provider's id, with NUL */
#define STORE_PAY_KEY_MAX   104 /* bytes of an idempotency key, with NUL */
#define STORE_PAY_TOKEN_MAX 208 /* bytes of a card token, with NUL */
#define STORE_PAY_ORPHANS   20  /* orphans one sweep takes at most */

struct db;

/* A payments row. */
struct payment_row {
	char app[STORE_PAY_ID_MAX];            /* application_id */
	char authorisation[STORE_PAY_REF_MAX]; /* the provider's id */
	char last4[5];                         /* "" if unknown */
	char currency[4];                      /* "USD" */
	char status[24]; /* authorised, captured, voided, ... */
	long authorised; /* cents */
	long captured;   /* cents */
	long refunded;   /* cents */
	time_t created_at, updated_at;
};

/* Commits nothing: each runs in the caller's transaction, or alone. */

/* An intent before the provider is asked: key, card token, cents; a
 * retried request keeps its first.  0, or -1 with p set. */
int store_pay_intent_insert(struct db *db, const char *key,
    const char *card_token, long cents, time_t now, struct problem *p);
/* Drops intent key unless a payment carries it (a declined card). */
int store_pay_intent_drop(struct db *db, const char *key, struct problem *p);
/* Intent key got authorisation ref. */
int store_pay_intent_known(
    struct db *db, const char *key, const char *ref, struct problem *p);

/* An intent created before the cut whose application never committed. */
struct pay_orphan {
	char key[STORE_PAY_KEY_MAX];          /* idem_key */
	char card_token[STORE_PAY_TOKEN_MAX]; /* to ask the provider again */
	long cents;                           /* amount_cents */
};

/* Up to STORE_PAY_ORPHANS orphans created before before, oldest first,
 * locked (skipping those locked) until the caller's transaction ends:
 * *n of them into out.  0, or -1 with p set. */
int store_pay_orphans(struct db *db, time_t before,
    struct pay_orphan out[STORE_PAY_ORPHANS], size_t *n, struct problem *p);

/* Marks orphan key voided at now (with ref, the authorisation voided, or
 * NULL): 1 marked, 0 if it is no orphan any more (voided already, or its
 * application committed meanwhile), -1 with p set. */
int store_pay_intent_voided(struct db *db, const char *key, time_t now,
    const char *ref, struct problem *p);

/* The payment of application app, authorised under key as ref for cents
 * (last4 may be NULL).  0, or -1 with p set (409 if it has one). */
int store_pay_insert(struct db *db, const char *app, const char *key,
    const char *ref, const char *last4, long cents, time_t now,
    struct problem *p);

/* A money event. */
struct pay_event_new {
	const char *app;    /* application_id */
	const char *kind;   /* authorise, capture, void, refund */
	long cents;         /* amount */
	const char *key;    /* idempotency key sent to the provider */
	const char *ref;    /* the provider's id */
	const char *actor;  /* who asked */
	const char *reason; /* or NULL */
	time_t at;
};

/* Records e: 1, or 0 if an event of that key is recorded already (a
 * replay), or -1 with p set. */
int store_pay_event(
    struct db *db, const struct pay_event_new *e, struct problem *p);

/* The payment of application app, locked until the caller's transaction
 * ends: fills authorisation, status, authorised, captured, refunded. */
int store_pay_lock(
    struct db *db, const char *app, struct payment_row *row, struct problem *p);

/* The payment of application app, all of the row. */
int store_pay_get(
    struct db *db, const char *app, struct payment_row *row, struct problem *p);

/* Sets the status and amounts of application app's payment.  0 or -1. */
int store_pay_update(struct db *db, const char *app, const char *status,
    long captured, long refunded, time_t now, struct problem *p);

/* A money event as recorded. */
struct pay_event_row {
	char kind[16];               /* authorise, capture, void, refund */
	long cents;                  /* amount_cents */
	char ref[STORE_PAY_REF_MAX]; /* provider_ref */
	char actor[128];
	char *reason; /* malloc'd, or NULL */
	time_t at;
};

/* The events of application app's payment, oldest first, into *rows (*n
 * of them; free with store_pay_events_free).  0, or -1 with p set. */
int store_pay_events(struct db *db, const char *app,
    struct pay_event_row **rows, size_t *n, struct problem *p);
void store_pay_events_free(struct pay_event_row *rows, size_t n);

/* What a receipt shows. */
struct pay_receipt_row {
	char *email;      /* malloc'd */
	char *given_name; /* malloc'd */
	char *price;      /* the price as JSON text, malloc'd */
	char state[8];    /* addr_state; "" if none */
	char country[8];  /* addr_country; "" if none */
	char last4[5];    /* "" if unknown */
	long captured;    /* cents */
};

/* The receipt of application app (one with a payment). */
int store_pay_receipt(struct db *db, const char *app,
    struct pay_receipt_row *row, struct problem *p);
/* Frees what store_pay_receipt put in row (not row); NULL-safe. */
void store_pay_receipt_free(struct pay_receipt_row *row);

/* The amount of unredeemed voucher code usable by program (may be NULL)
 * into *cents. */
int store_pay_voucher_amount(struct db *db, const char *code,
    const char *program, long *cents, struct problem *p);

/*
 * The one money call in flight for application app, so that two jobs of
 * one payment never act on the provider at once.  It is a session's
 * advisory lock: it holds no row and no transaction, so it may be kept
 * across the provider's call, and it goes with the connection.
 *
 * store_pay_claim: 1 if this connection now holds it, 0 if another does,
 * -1 with p set.  store_pay_release gives it back (best effort; outside a
 * transaction, or in one that has not failed).  store_pay_handover, in
 * the transaction that records the call's outcome, gives it back and
 * holds it on until that transaction ends: 0, or -1 with p set.
 */
int store_pay_claim(struct db *db, const char *app, struct problem *p);
void store_pay_release(struct db *db, const char *app);
int store_pay_handover(struct db *db, const char *app, struct problem *p);

/*
 * Until api/routes/h_applications.c reads the voucher with
 * store_pay_voucher_amount: the statement it runs (api/store/db.h).
 */
struct sql;
extern const struct sql sql_pay_voucher_amount;

#endif
