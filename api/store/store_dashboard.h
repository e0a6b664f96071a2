/*
 * The figures of the operators' dashboard (GET /v1/ops/dashboard,
 * docs/console.md): what waits for whom, and how fresh the revocation
 * data and the CA's certificates are.  Read-only; the SQL stays in
 * api/store/store_dashboard.c.
 */
#ifndef RXCA_STORE_DASHBOARD_H
#define RXCA_STORE_DASHBOARD_H

#include <time.h>

#include "common/problem.h"

#define STORE_DASHBOARD_CAS 3 /* root, issuing, ocsp */

struct db;

struct store_dashboard_ca {
	char name[16];     /* root, issuing or ocsp */
	char subject[256]; /* its subject */
	time_t not_after;  /* the certificate's end */
	long long crl;     /* number of the CRL it signs, 0 none */
	time_t crl_this;   /* that CRL's thisUpdate, 0 none */
	time_t crl_next;   /* and nextUpdate, 0 none */
};

struct store_dashboard {
	long long review;            /* applications in review */
	long long kits_to_print;     /* kits created, not printed */
	long long kits_to_ship;      /* kits printed, not shipped */
	long long approvals_pending; /* pending and not expired */
	long long outbox_backlog;    /* mail jobs queued */
	time_t outbox_oldest;        /* the oldest one's creation, 0 none */
	long long ocsp_responses;    /* pre-signed OCSP answers */
	long long ocsp_stale;        /* of them past nextUpdate at now */
	time_t ocsp_oldest;          /* oldest thisUpdate, 0 none */
	time_t ocsp_next;            /* earliest nextUpdate, 0 none */
	int ncas;                    /* used in cas */
	struct store_dashboard_ca cas[STORE_DASHBOARD_CAS];
};

/* Reads the figures at now into d.  0, or -1 with p set. */
int store_dashboard_read(
    struct db *db, time_t now, struct store_dashboard *d, struct problem *p);

#endif
