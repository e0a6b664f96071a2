/*
 * The storage of the reminders before expiry (api/service/renewal.h): the
 * certificates due one, the record of each reminder sent, and what its
 * mail needs.  Typed rows in, typed rows out; the SQL stays in
 * api/store/store_renewal.c.
 *
 * Finders return 1 (found, row filled), 0 (none) or -1 with p set.
 */
#ifndef RXCA_STORE_RENEWAL_H
#define RXCA_STORE_RENEWAL_H

#include <stddef.h>
#include <time.h>

#include "common/problem.h"

#define STORE_RENEWAL_SERIAL_LEN 16  /* bytes of a certificate serial */
#define STORE_RENEWAL_TEXT_MAX   256 /* bytes of a name or an address */

struct db;

/* A certificate due a reminder. */
struct store_reminder_due_row {
	unsigned char serial[STORE_RENEWAL_SERIAL_LEN];
	int step;         /* days before notAfter of the step due */
	time_t not_after; /* the certificate's */
};

/*
 * The certificates due a reminder at now with steps (a PostgreSQL array
 * literal of days, "{90,60,30,7}"), at most limit, soonest to expire
 * first: issued, not revoked, expired nor renewed, whose most recent due
 * step has not been sent, nor any later one.  *rows (malloc'd, caller
 * frees with free()) and *n; 0, or -1 with p set.
 */
int store_reminder_due(struct db *db, time_t now, const char *steps, int limit,
    struct store_reminder_due_row **rows, size_t *n, struct problem *p);

/* Records reminder (serial, step), due at due, at now: 1 if recorded
 * here, 0 if it was already (another node), -1 with p set. */
int store_reminder_insert(struct db *db, const unsigned char *serial, int step,
    time_t due, time_t now, struct problem *p);

/* What a reminder's mail needs of its certificate. */
struct store_reminder_mail_row {
	char state[16];    /* issued, revoked, ... */
	time_t not_before; /* the certificate's */
	time_t not_after;  /* the certificate's */
	int stored;        /* its DER is stored (issued, not reserved) */
	int renewed;       /* a certificate renews it */
	char email[STORE_RENEWAL_TEXT_MAX];
	char given_name[STORE_RENEWAL_TEXT_MAX];
	char app[64]; /* its application */
};

int store_reminder_mail(struct db *db, const unsigned char *serial,
    struct store_reminder_mail_row *row, struct problem *p);

#endif
