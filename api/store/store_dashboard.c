/* The operators' dashboard: see api/store/store_dashboard.h. */
#include <string.h>

#include "api/store/db.h"
#include "api/store/store_dashboard.h"

#define STMT(id, n, text) static const struct sql sql_##id = {#id, text, n}

/* $1 now: one row of counts and ages. */
STMT(dashboard_counts, 1,
    "SELECT (SELECT count(*) FROM applications WHERE status = 'review') "
    "AS review, "
    "(SELECT count(*) FROM kits WHERE state = 'created') AS kits_to_print, "
    "(SELECT count(*) FROM kits WHERE state = 'printed') AS kits_to_ship, "
    "(SELECT count(*) FROM approvals WHERE status = 'pending' AND "
    "expires_at > $1) AS approvals_pending, "
    "(SELECT count(*) FROM jobs WHERE state = 'queued' AND kind LIKE "
    "'email.%') AS outbox_backlog, "
    "(SELECT min(created_at) FROM jobs WHERE state = 'queued' AND kind "
    "LIKE 'email.%') AS outbox_oldest, "
    "(SELECT count(*) FROM ocsp_responses) AS ocsp_responses, "
    "(SELECT count(*) FROM ocsp_responses WHERE next_update <= $1) AS "
    "ocsp_stale, "
    "(SELECT min(this_update) FROM ocsp_responses) AS ocsp_oldest, "
    "(SELECT min(next_update) FROM ocsp_responses) AS ocsp_next");
STMT(dashboard_cas, 0,
    "SELECT c.name, c.subject, c.not_after, l.number AS crl, "
    "l.this_update AS crl_this, l.next_update AS crl_next FROM "
    "ca_certificates c LEFT JOIN crls l ON l.issuer = c.name ORDER BY "
    "CASE c.name WHEN 'root' THEN 0 WHEN 'issuing' THEN 1 ELSE 2 END");

static void
fill_counts(const PGresult *r, int row, void *arg)
{
	struct store_dashboard *d = arg;

	d->review = db_int(r, row, "review");
	d->kits_to_print = db_int(r, row, "kits_to_print");
	d->kits_to_ship = db_int(r, row, "kits_to_ship");
	d->approvals_pending = db_int(r, row, "approvals_pending");
	d->outbox_backlog = db_int(r, row, "outbox_backlog");
	d->outbox_oldest = db_time(r, row, "outbox_oldest");
	d->ocsp_responses = db_int(r, row, "ocsp_responses");
	d->ocsp_stale = db_int(r, row, "ocsp_stale");
	d->ocsp_oldest = db_time(r, row, "ocsp_oldest");
	d->ocsp_next = db_time(r, row, "ocsp_next");
}

int
store_dashboard_read(
    struct db *db, time_t now, struct store_dashboard *d, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int i;

	memset(d, 0, sizeof(*d));
	dbargs_init(&a);
	dbargs_time(&a, now);
	if (db_one_row(db_exec_args(db, &sql_dashboard_counts, &a, 0, p),
	        fill_counts, d) == -1)
		return -1;
	if ((r = db_exec(db, &sql_dashboard_cas, NULL, p)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(r) && i < STORE_DASHBOARD_CAS; i++) {
		struct store_dashboard_ca *c = &d->cas[i];

		db_text_copy(r, i, "name", c->name, sizeof(c->name));
		db_text_copy(r, i, "subject", c->subject, sizeof(c->subject));
		c->not_after = db_time(r, i, "not_after");
		c->crl = db_int(r, i, "crl");
		c->crl_this = db_time(r, i, "crl_this");
		c->crl_next = db_time(r, i, "crl_next");
	}
	d->ncas = i;
	PQclear(r);
	return 0;
}
