/*
 * The storage of the operators' search and application view
 * (GET /v1/ops/search, GET /v1/ops/applications/{id}) and of the duplicate
 * check of identity proofing: who else has this NPI, DEA number, or name
 * and date of birth.  Typed rows in, typed rows out; the SQL stays in
 * api/store/store_search.c.  Nested lists (certificates, kits, payments,
 * identity checks, timeline, audit records) come as JSON array text.
 */
#ifndef RXCA_STORE_SEARCH_H
#define RXCA_STORE_SEARCH_H

#include <stddef.h>
#include <time.h>

#include "common/problem.h"

/* The rank of an exact identifier; a name's is 1 to 999 by similarity. */
#define STORE_SEARCH_RANK_EXACT 1000
/* The duplicates one check reports at most. */
#define STORE_SEARCH_DUPS_MAX 20

struct db;

/* What a query is, and so which column it is looked up in. */
enum store_search_kind {
	STORE_SEARCH_APPLICATION, /* applications.id */
	STORE_SEARCH_KIT,         /* kits.id */
	STORE_SEARCH_SERIAL,      /* certificates.serial, 32 lower-case hex */
	STORE_SEARCH_EMAIL,       /* applications.email, lower-cased */
	STORE_SEARCH_NPI,         /* applications.npi, 10 digits */
	STORE_SEARCH_DEA,         /* applications.dea_number, upper-cased */
	STORE_SEARCH_NAME,        /* "given family", trigram similarity */
};

/* An application as operators see it before their role filters it
 * (api/service/ops_view.h).  Every string is malloc'd, NULL for SQL NULL;
 * no SSN digits, card tokens, password or answers are read. */
struct store_search_row {
	char *id, *status, *policy, *product, *program;
	char *given_name, *middle_name, *family_name, *email, *phone;
	char *date_of_birth; /* YYYY-MM-DD */
	char *addr_line1, *addr_line2, *addr_city, *addr_state;
	char *addr_postal_code, *addr_country;
	char *npi, *dea_number;
	time_t created_at, updated_at;
	int rank;           /* STORE_SEARCH_RANK_EXACT, or 1..999 */
	char *certificates; /* JSON array: serial, state, validity, ... */
	char *kits;         /* JSON array: id, state, prints, tracking */
};

/*
 * The applications matching key of kind, best first (rank descending,
 * then id), after the row (after_rank, after_id) if after_id is not NULL,
 * at most limit: *rows (free with store_search_free) and *n.  A name is
 * matched by trigram word similarity of at least 0.4 (a prefix or a typo
 * finds it), which the statement sets for the current transaction only.
 * 0, or -1 with p set.
 */
int store_search_apps(struct db *db, enum store_search_kind kind,
    const char *key, int after_rank, const char *after_id, int limit,
    struct store_search_row **rows, size_t *n, struct problem *p);
void store_search_free(struct store_search_row *rows, size_t n);

/* One application with everything an operator may see of it. */
struct store_search_app_row {
	struct store_search_row app; /* rank is STORE_SEARCH_RANK_EXACT */
	char *payments;        /* JSON array: the payment with its events */
	char *identity_checks; /* JSON array, oldest first */
	char *timeline;        /* JSON array of application_events */
	char *audit;           /* JSON array: the records whose subject is
	                        * the application, its kits or serials */
};

/* Application id into row (free with store_search_app_free).  1, 0 if
 * none, -1 with p set. */
int store_search_app(struct db *db, const char *id,
    struct store_search_app_row *row, struct problem *p);
void store_search_app_free(struct store_search_app_row *row);

/* Another application of the same person. */
struct store_duplicate_row {
	char application_id[64];
	char status[32];
	char reasons[64]; /* comma-separated: npi, dea_number, name_birth */
	int valid_certificate; /* it holds an issued certificate valid at now */
};

/*
 * The other applications with the NPI, the DEA number, or the given and
 * family name (case-insensitively) and date of birth of application id,
 * that are under way (proofing, review, approved, kit_shipped) or hold an
 * issued certificate valid at now (not expired, not revoked); oldest
 * first, at most max into rows.  The number found, or -1 with p set.
 */
int store_search_duplicates(struct db *db, const char *id, time_t now,
    struct store_duplicate_row *rows, int max, struct problem *p);

#endif
