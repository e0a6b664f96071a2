/* The storage of hardware-key evidence: see api/store/store_evidence.h. */
#include <stdio.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store_evidence.h"

#define STMT(id, n, text) static const struct sql sql_##id = {#id, text, n}
#define SERIAL_LEN        16 /* bytes of a certificate serial */

STMT(evidence_required, 1,
    "SELECT p.key_evidence FROM applications a JOIN products p "
    "ON p.code = a.product WHERE a.id = $1");
/* $1 serial, $2 kind, $3.. its detail (NULL where unknown). */
STMT(cert_evidence_set, 7,
    "UPDATE certificates SET key_evidence = $2, key_serial = $3, "
    "key_firmware = $4, key_device = $5, key_model = $6, "
    "key_manufacturer = $7 WHERE serial = $1 RETURNING serial");
STMT(cert_evidence, 1,
    "SELECT key_evidence, key_serial, key_firmware, key_device, key_model, "
    "key_manufacturer FROM certificates WHERE serial = $1");

int
store_evidence_required(
    struct db *db, const char *app, char *kind, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int rc = 0;

	dbargs_init(&a);
	dbargs_text(&a, app);
	r = db_exec(db, &sql_evidence_required, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		db_text_copy(
		    r, 0, "key_evidence", kind, STORE_EVIDENCE_KIND_MAX);
		rc = 1;
	}
	PQclear(r);
	return rc;
}

/* s, or NULL for SQL NULL when it is "". */
static const char *
or_null(const char *s)
{
	return s[0] != '\0' ? s : NULL;
}

void
store_evidence_args(struct dbargs *a, const struct evidence_row *ev)
{
	dbargs_text(a, ev != NULL ? ev->kind : NULL);
	dbargs_text(a, ev != NULL ? or_null(ev->serial) : NULL);
	dbargs_text(a, ev != NULL ? or_null(ev->firmware) : NULL);
	dbargs_text(a, ev != NULL ? or_null(ev->device) : NULL);
	dbargs_text(a, ev != NULL ? or_null(ev->model) : NULL);
	dbargs_text(a, ev != NULL ? or_null(ev->manufacturer) : NULL);
}

int
store_cert_evidence_set(struct db *db, const unsigned char *serial,
    const struct evidence_row *ev, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int rc;

	dbargs_init(&a);
	dbargs_bytea(&a, serial, SERIAL_LEN);
	store_evidence_args(&a, ev);
	r = db_exec(db, &sql_cert_evidence_set, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	rc = PQntuples(r) == 1 ? 0 : problem_internal(p);
	PQclear(r);
	return rc;
}

void
store_evidence_read(const struct pg_result *r, int row, struct evidence_row *ev)
{
	memset(ev, 0, sizeof(*ev));
	db_text_copy(r, row, "key_evidence", ev->kind, sizeof(ev->kind));
	db_text_copy(r, row, "key_serial", ev->serial, sizeof(ev->serial));
	db_text_copy(
	    r, row, "key_firmware", ev->firmware, sizeof(ev->firmware));
	db_text_copy(r, row, "key_device", ev->device, sizeof(ev->device));
	db_text_copy(r, row, "key_model", ev->model, sizeof(ev->model));
	db_text_copy(r, row, "key_manufacturer", ev->manufacturer,
	    sizeof(ev->manufacturer));
}

int
store_cert_evidence(struct db *db, const unsigned char *serial,
    struct evidence_row *ev, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int rc = 0;

	memset(ev, 0, sizeof(*ev));
	dbargs_init(&a);
	dbargs_bytea(&a, serial, SERIAL_LEN);
	r = db_exec(db, &sql_cert_evidence, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		store_evidence_read(r, 0, ev);
		rc = 1;
	}
	PQclear(r);
	return rc;
}
