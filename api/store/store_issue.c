/* The storage of issuance: see api/store/store_issue.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store_evidence.h"
#include "api/store/store_issue.h"
#include "common/xmalloc.h"

#define STMT(id, n, text) static const struct sql sql_##id = {#id, text, n}

#define DER_MAX (16 * 1024) /* bytes of one stored certificate */

#define KIT_COLUMNS                                                            \
	"k.id AS kit, k.state, k.expires_at, k.attempts, a.id AS app, "        \
	"a.status AS app_status, a.password_hash, a.given_name, "              \
	"a.middle_name, a.family_name, a.email, a.sandbox, p.hardware, "       \
	"p.key_evidence FROM kits k "                                          \
	"JOIN applications a ON a.id = k.application_id JOIN products p "      \
	"ON p.code = a.product WHERE k.code_hash = $1"

STMT(kit_by_code, 1, "SELECT " KIT_COLUMNS " FOR UPDATE OF k, a");
STMT(kit_peek, 1, "SELECT " KIT_COLUMNS);
/* $1 kit, $2 now, $3 attempt limit: one more wrong password (none once
 * it is locked). */
STMT(kit_fail, 3,
    "UPDATE kits SET attempts = attempts + 1, updated_at = $2, state = "
    "CASE WHEN attempts + 1 >= $3 THEN 'locked' ELSE state END "
    "WHERE id = $1 AND state <> 'locked' RETURNING attempts, state");
STMT(kit_used, 2,
    "UPDATE kits SET state = 'used', updated_at = $2 WHERE id = $1");
STMT(retrieval_app, 1, "SELECT status FROM applications WHERE id = $1");
STMT(renewal_subject, 1,
    "SELECT a.given_name, a.middle_name, a.family_name, a.email, "
    "p.hardware FROM applications a JOIN products p ON p.code = a.product "
    "WHERE a.id = $1");
/* The certificate of kit $1 (a row of NULLs if none), and whether key
 * $2 is certified already. */
STMT(kit_cert_checks, 2,
    "SELECT c.serial, c.spki_sha256, c.state, c.tbs, c.der, EXISTS "
    "(SELECT 1 FROM certificates WHERE spki_sha256 = $2) AS used "
    "FROM (SELECT 1) one LEFT JOIN certificates c ON c.kit_id = $1 "
    "AND c.state <> 'abandoned'");
/* The renewal of certificate $1, if any. */
STMT(renewal_of, 1,
    "SELECT serial, spki_sha256, state, tbs, der FROM certificates "
    "WHERE renews = $1");
/* Application $1 a sandbox one; key $2 certified already. */
STMT(issue_checks, 2,
    "SELECT coalesce((SELECT sandbox FROM applications WHERE id = $1), "
    "false) AS sandbox, EXISTS (SELECT 1 FROM certificates "
    "WHERE spki_sha256 = $2) AS used");
/* $10 the CRL shard (NULL: none), $11..$16 the key's evidence (kind NULL:
 * none).  The issuer is the CA of the application's world: the sandbox's
 * test CA for a sandbox application. */
#define CERT_RECORD                                                            \
	"INSERT INTO certificates (serial, application_id, kit_id, issuer, "   \
	"subject, spki_sha256, tbs, state, not_before, not_after, "            \
	"recorded_at, crl_shard, key_evidence, key_serial, key_firmware, "     \
	"key_device, key_model, key_manufacturer"
#define CERT_RECORD_VALUES                                                     \
	"VALUES ($1, $2, $3, (SELECT CASE WHEN sandbox THEN "                  \
	"'sandbox-issuing' ELSE 'issuing' END FROM applications "              \
	"WHERE id = $2), $4, $5, $6, 'signing', $7, $8, $9, $10, "             \
	"coalesce($11, 'none'), $12, $13, $14, $15, $16"
STMT(cert_record, 16, CERT_RECORD ") " CERT_RECORD_VALUES ")");
/* As cert_record, without a kit: $17 the serial renewed. */
STMT(cert_record_renewal, 17,
    CERT_RECORD ", renews) " CERT_RECORD_VALUES ", $17)");
/* With what the rest of issue_sign's unit of work reads of it: its
 * application's status and the certificate.issued event's data (as
 * hook_cert_event in api/store/store_partner.c). */
STMT(cert_issued, 3,
    "UPDATE certificates c SET der = $2, state = 'issued', issued_at = $3 "
    "FROM applications a WHERE c.serial = $1 AND c.state = 'signing' "
    "AND a.id = c.application_id RETURNING c.serial, c.key_evidence, "
    "c.key_serial, c.key_firmware, c.key_device, c.key_model, "
    "c.key_manufacturer, a.status AS app_status, a.id, a.program, "
    "c.subject, c.not_before, c.not_after, c.revocation_reason, "
    "c.revoked_at");
STMT(cert_der, 1,
    "SELECT der FROM certificates WHERE serial = $1 AND der IS NOT NULL");
STMT(reset_app_of_id, 1,
    "SELECT id, status, policy, reset_failures, EXISTS (SELECT 1 FROM "
    "kits k WHERE k.application_id = a.id AND k.prints > 0) AS letter "
    "FROM applications a WHERE a.id = $1 FOR UPDATE");
STMT(reset_app_of_kit, 1,
    "SELECT a.id, a.status, a.policy, a.reset_failures, k.prints > 0 "
    "AS letter FROM kits k "
    "JOIN applications a ON a.id = k.application_id WHERE k.code_hash = $1 "
    "FOR UPDATE OF a");
STMT(reset_answer_hashes, 1,
    "SELECT position, answer_hash FROM secret_answers "
    "WHERE application_id = $1 ORDER BY position");
STMT(reset_code_find, 4,
    "SELECT id FROM account_codes WHERE application_id = $1 "
    "AND purpose = $2 AND code_hash = $3 AND used_at IS NULL "
    "AND expires_at > $4 FOR UPDATE");
STMT(reset_code_used, 2, "UPDATE account_codes SET used_at = $2 WHERE id = $1");
STMT(reset_password_set, 3,
    "UPDATE applications SET password_hash = $2, reset_failures = 0, "
    "login_failures = 0, login_locked_until = NULL, updated_at = $3 "
    "WHERE id = $1");
STMT(reset_sessions_revoke, 2,
    "UPDATE sessions SET revoked_at = $2 WHERE application_id = $1 "
    "AND revoked_at IS NULL");
/* Verified applications of an e-mail address that may get a reset code. */
STMT(reset_apps_of_email, 1,
    "SELECT id FROM applications WHERE email = $1 "
    "AND email_verified_at IS NOT NULL ORDER BY created_at DESC, id "
    "LIMIT 5");
/* What an account code mail needs: the address, whether it is verified,
 * the newest code's age. */
STMT(reset_mail_lock, 2,
    "SELECT a.email, a.email_verified_at IS NOT NULL AS verified, "
    "(SELECT max(created_at) FROM account_codes c WHERE "
    "c.application_id = a.id AND c.purpose = $2) AS last_sent "
    "FROM applications a WHERE a.id = $1 FOR UPDATE");
STMT(renewal_lock, 1,
    "SELECT application_id, state, der, not_after FROM certificates "
    "WHERE serial = $1 AND der IS NOT NULL FOR UPDATE");

/* Every query here answers in binary (bytea as bytes, no hex), read by
 * column name. */

/* Runs stmt with one bytea argument. */
static PGresult *
exec_bytea(struct db *db, const struct sql *stmt, const unsigned char *b,
    size_t n, struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	dbargs_init(&a);
	dbargs_bytea(&a, b, n);
	r = db_exec_binary(db, stmt, &a, p);
	dbargs_free(&a);
	return r;
}

static void
subject_row_fill(const PGresult *r, struct subject_row *s)
{
	db_text_copy(r, 0, "given_name", s->given, sizeof(s->given));
	db_text_copy(r, 0, "middle_name", s->middle, sizeof(s->middle));
	db_text_copy(r, 0, "family_name", s->family, sizeof(s->family));
	db_text_copy(r, 0, "email", s->email, sizeof(s->email));
	s->hardware = db_bool(r, 0, "hardware");
}

/* The kit of result r (of kit_by_code or kit_peek) into k: 1, or 0 if
 * none.  r is cleared. */
static int
kit_row_one(PGresult *r, struct kit_row *k)
{
	memset(k, 0, sizeof(*k));
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 0;
	}
	db_text_copy(r, 0, "kit", k->id, sizeof(k->id));
	db_text_copy(r, 0, "state", k->state, sizeof(k->state));
	k->expires_at = db_time(r, 0, "expires_at");
	k->attempts = (int)db_int(r, 0, "attempts");
	db_text_copy(r, 0, "app", k->app, sizeof(k->app));
	db_text_copy(r, 0, "app_status", k->app_status, sizeof(k->app_status));
	db_text_copy(
	    r, 0, "password_hash", k->password_hash, sizeof(k->password_hash));
	subject_row_fill(r, &k->subject);
	db_text_copy(r, 0, "key_evidence", k->evidence, sizeof(k->evidence));
	k->sandbox = db_bool(r, 0, "sandbox");
	PQclear(r);
	return 1;
}

int
store_kit_by_code(struct db *db, const unsigned char code_hash[32], int lock,
    struct kit_row *k, struct problem *p)
{
	PGresult *r;

	memset(k, 0, sizeof(*k));
	if ((r = exec_bytea(db, lock ? &sql_kit_by_code : &sql_kit_peek,
	         code_hash, 32, p)) == NULL)
		return -1;
	return kit_row_one(r, k);
}

int
store_kit_fail(struct db *db, const char *kit, time_t now, int limit,
    int *attempts, int *locked, struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	dbargs_init(&a);
	dbargs_text(&a, kit);
	dbargs_time(&a, now);
	dbargs_int(&a, limit);
	r = db_exec_binary(db, &sql_kit_fail, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		*attempts = limit;
		*locked = 1;
		return 0;
	}
	*attempts = (int)db_int(r, 0, "attempts");
	*locked = strcmp(db_text(r, 0, "state"), "locked") == 0;
	PQclear(r);
	return 1;
}

int
store_kit_used(struct db *db, const char *kit, time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, kit);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_kit_used, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_app_status(struct db *db, const char *app, char *status, size_t statussz,
    struct problem *p)
{
	PGresult *r;
	int found;

	if ((r = db_exec_id(db, &sql_retrieval_app, app, 1, p)) == NULL)
		return -1;
	if ((found = PQntuples(r) == 1))
		db_text_copy(r, 0, "status", status, statussz);
	PQclear(r);
	return found;
}

int
store_subject_of(
    struct db *db, const char *app, struct subject_row *s, struct problem *p)
{
	PGresult *r;
	int found;

	memset(s, 0, sizeof(*s));
	if ((r = db_exec_id(db, &sql_renewal_subject, app, 1, p)) == NULL)
		return -1;
	if ((found = PQntuples(r) == 1))
		subject_row_fill(r, s);
	PQclear(r);
	return found;
}

void
store_cert_row_free(struct cert_row *row)
{
	free(row->tbs);
	free(row->der);
	row->tbs = row->der = NULL;
}

/* Fills row from a one-row result of serial, spki_sha256, state, tbs,
 * der.  1, or -1 with p set on a malformed row. */
static int
cert_row_fill(const PGresult *r, struct cert_row *row, struct problem *p)
{
	if (db_bytea(r, 0, "serial", row->serial, sizeof(row->serial)) !=
	        STORE_SERIAL_LEN ||
	    db_bytea(r, 0, "spki_sha256", row->spki, sizeof(row->spki)) != 32 ||
	    (row->tbs_len = db_bytea_dup(r, 0, "tbs", DER_MAX, &row->tbs)) <
	        0 ||
	    (row->der_len = db_bytea_dup(r, 0, "der", DER_MAX, &row->der)) <
	        0) {
		store_cert_row_free(row);
		return problem_internal(p);
	}
	db_text_copy(r, 0, "state", row->state, sizeof(row->state));
	return 1;
}

/* The one row of r (0 if none) as a cert_row. */
static int
cert_row_one(PGresult *r, struct cert_row *row, struct problem *p)
{
	int rc = 0;

	if (r == NULL)
		return -1;
	if (PQntuples(r) == 1)
		rc = cert_row_fill(r, row, p);
	PQclear(r);
	return rc;
}

/* The result r of kit_cert_checks into row and *used: 1 (a certificate),
 * 0, or -1 with p set.  r is cleared. */
static int
kit_cert_one(PGresult *r, struct cert_row *row, int *used, struct problem *p)
{
	int rc = 0;

	if (PQntuples(r) != 1)
		rc = problem_internal(p);
	else {
		*used = db_bool(r, 0, "used");
		if (db_bytea_len(r, 0, "serial") >= 0)
			rc = cert_row_fill(r, row, p);
	}
	PQclear(r);
	return rc;
}

int
store_kit_lock_cert(struct db *db, const unsigned char code_hash[32],
    const char *kit, const unsigned char spki[32], struct kit_row *k,
    struct cert_row *row, int *cert, int *used, struct problem *p)
{
	struct dbargs a1, a2;
	PGresult *r1, *r2;
	int rc;

	memset(k, 0, sizeof(*k));
	memset(row, 0, sizeof(*row));
	*cert = *used = 0;
	dbargs_init(&a1);
	dbargs_bytea(&a1, code_hash, 32);
	dbargs_init(&a2);
	dbargs_text(&a2, kit);
	dbargs_bytea(&a2, spki, 32);
	rc = db_exec_pair(
	    db, &sql_kit_by_code, &a1, &sql_kit_cert_checks, &a2, &r1, &r2, p);
	dbargs_free(&a1);
	dbargs_free(&a2);
	if (rc == -1)
		return -1;
	rc = kit_row_one(r1, k);
	if ((*cert = kit_cert_one(r2, row, used, p)) == -1)
		return -1;
	return rc;
}

int
store_renewal_of(struct db *db, const unsigned char *serial,
    struct cert_row *row, struct problem *p)
{
	memset(row, 0, sizeof(*row));
	return cert_row_one(
	    exec_bytea(db, &sql_renewal_of, serial, STORE_SERIAL_LEN, p), row,
	    p);
}

int
store_issue_checks(struct db *db, const char *app, const unsigned char spki[32],
    int *sandbox, int *used, struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	*sandbox = *used = 0;
	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_bytea(&a, spki, 32);
	if ((r = db_exec_args(db, &sql_issue_checks, &a, 1, p)) == NULL)
		return -1;
	*sandbox = db_bool(r, 0, "sandbox");
	*used = db_bool(r, 0, "used");
	PQclear(r);
	return 0;
}

int
store_cert_record(struct db *db, const struct cert_new *c, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_bytea(&a, c->serial, STORE_SERIAL_LEN);
	dbargs_text(&a, c->app);
	dbargs_text(&a, c->kit);
	dbargs_text(&a, c->subject);
	dbargs_bytea(&a, c->spki, 32);
	dbargs_bytea(&a, c->tbs, (size_t)c->tbs_len);
	dbargs_time(&a, c->not_before);
	dbargs_time(&a, c->not_after);
	dbargs_time(&a, c->now);
	if (c->crl_shard >= 0)
		dbargs_int(&a, c->crl_shard);
	else
		dbargs_text(&a, NULL);
	store_evidence_args(&a, c->ev);
	if (c->renews != NULL) {
		dbargs_bytea(&a, c->renews, STORE_SERIAL_LEN);
		rc = db_run(db, &sql_cert_record_renewal, &a, p);
	} else
		rc = db_run(db, &sql_cert_record, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_cert_issued(struct db *db, const unsigned char *serial,
    const unsigned char *der, long len, time_t now, struct cert_issued_row *row,
    struct problem *p)
{
	struct hook_cert_row *h = &row->hook;
	struct dbargs a;
	PGresult *r;
	int stored;

	memset(row, 0, sizeof(*row));
	dbargs_init(&a);
	dbargs_bytea(&a, serial, STORE_SERIAL_LEN);
	dbargs_bytea(&a, der, (size_t)len);
	dbargs_time(&a, now);
	r = db_exec_binary(db, &sql_cert_issued, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if ((stored = PQntuples(r) == 1)) {
		store_evidence_read(r, 0, &row->ev);
		db_text_copy(r, 0, "app_status", row->app_status,
		    sizeof(row->app_status));
		db_text_copy(r, 0, "id", h->app, sizeof(h->app));
		h->has_program = db_text(r, 0, "program") != NULL;
		h->subject = db_text_dup(r, 0, "subject");
		h->not_before = db_time(r, 0, "not_before");
		h->not_after = db_time(r, 0, "not_after");
		db_text_copy(
		    r, 0, "revocation_reason", h->reason, sizeof(h->reason));
		h->revoked_at = db_time(r, 0, "revoked_at");
	}
	PQclear(r);
	return stored;
}

void
store_cert_issued_free(struct cert_issued_row *row)
{
	if (row != NULL)
		store_hook_cert_free(&row->hook);
}

int
store_cert_der(struct db *db, const unsigned char *serial, unsigned char **der,
    long *len, struct problem *p)
{
	PGresult *r;
	int rc = 0;

	*der = NULL;
	*len = 0;
	if ((r = exec_bytea(db, &sql_cert_der, serial, STORE_SERIAL_LEN, p)) ==
	    NULL)
		return -1;
	if (PQntuples(r) == 1) {
		if ((*len = db_bytea_dup(r, 0, "der", DER_MAX, der)) <= 0)
			rc = problem_internal(p);
		else
			rc = 1;
	}
	PQclear(r);
	return rc;
}

int
store_renewing_lock(struct db *db, const unsigned char *serial,
    struct renewing_row *row, struct problem *p)
{
	PGresult *r;
	int rc = 0;

	memset(row, 0, sizeof(*row));
	if ((r = exec_bytea(
	         db, &sql_renewal_lock, serial, STORE_SERIAL_LEN, p)) == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		db_text_copy(
		    r, 0, "application_id", row->app, sizeof(row->app));
		db_text_copy(r, 0, "state", row->state, sizeof(row->state));
		row->not_after = db_time(r, 0, "not_after");
		if ((row->der_len =
		            db_bytea_dup(r, 0, "der", DER_MAX, &row->der)) <= 0)
			rc = problem_internal(p);
		else
			rc = 1;
	}
	PQclear(r);
	return rc;
}

void
store_renewing_row_free(struct renewing_row *row)
{
	free(row->der);
	row->der = NULL;
}

/* The one row of r (0 if none) as a reset_app_row. */
static int
reset_app_one(PGresult *r, struct reset_app_row *a)
{
	int found;

	if (r == NULL)
		return -1;
	if ((found = PQntuples(r) == 1)) {
		db_text_copy(r, 0, "id", a->id, sizeof(a->id));
		db_text_copy(r, 0, "status", a->status, sizeof(a->status));
		db_text_copy(r, 0, "policy", a->policy, sizeof(a->policy));
		a->failures = (int)db_int(r, 0, "reset_failures");
		a->letter = db_bool(r, 0, "letter");
	}
	PQclear(r);
	return found;
}

int
store_reset_app_by_kit(struct db *db, const unsigned char code_hash[32],
    struct reset_app_row *a, struct problem *p)
{
	memset(a, 0, sizeof(*a));
	return reset_app_one(
	    exec_bytea(db, &sql_reset_app_of_kit, code_hash, 32, p), a);
}

int
store_reset_app_by_id(
    struct db *db, const char *app, struct reset_app_row *a, struct problem *p)
{
	memset(a, 0, sizeof(*a));
	return reset_app_one(
	    db_exec_id(db, &sql_reset_app_of_id, app, 1, p), a);
}

int
store_reset_answers(struct db *db, const char *app,
    char (*hashes)[STORE_HASH_MAX], size_t max, size_t *n, struct problem *p)
{
	const char *h;
	PGresult *r;
	int i;

	*n = 0;
	if ((r = db_exec_id(db, &sql_reset_answer_hashes, app, 1, p)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(r) && (size_t)i < max; i++) {
		h = db_text(r, i, "answer_hash");
		snprintf(hashes[i], STORE_HASH_MAX, "%s", h != NULL ? h : "");
	}
	*n = (size_t)PQntuples(r);
	PQclear(r);
	return 0;
}

int
store_acode_use(struct db *db, const char *app, const char *purpose,
    const unsigned char code_hash[32], time_t now, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_text(&a, purpose);
	dbargs_bytea(&a, code_hash, 32);
	dbargs_time(&a, now);
	r = db_exec_binary(db, &sql_reset_code_find, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 0;
	}
	dbargs_init(&a);
	dbargs_int(&a, db_int(r, 0, "id"));
	dbargs_time(&a, now);
	rc = db_run(db, &sql_reset_code_used, &a, p);
	dbargs_free(&a);
	PQclear(r);
	return rc == -1 ? -1 : 1;
}

int
store_password_reset(struct db *db, const char *app, const char *hash,
    time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_text(&a, hash);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_reset_password_set, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_sessions_revoke(
    struct db *db, const char *app, time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_reset_sessions_revoke, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_reset_apps_by_email(struct db *db, const char *email,
    char (*ids)[STORE_ID_MAX], size_t *n, struct problem *p)
{
	const char *id;
	PGresult *r;
	int i;

	*n = 0;
	if ((r = db_exec_id(db, &sql_reset_apps_of_email, email, 1, p)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(r) && *n < STORE_RESET_APPS; i++) {
		id = db_text(r, i, "id");
		snprintf(ids[*n], STORE_ID_MAX, "%s", id != NULL ? id : "");
		(*n)++;
	}
	PQclear(r);
	return 0;
}

int
store_reset_mail_lock(struct db *db, const char *app, const char *purpose,
    struct reset_mail_row *m, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	memset(m, 0, sizeof(*m));
	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_text(&a, purpose);
	r = db_exec_binary(db, &sql_reset_mail_lock, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if ((found = PQntuples(r) == 1)) {
		db_text_copy(r, 0, "email", m->email, sizeof(m->email));
		m->verified = db_bool(r, 0, "verified");
		m->last_sent = db_time(r, 0, "last_sent");
	}
	PQclear(r);
	return found;
}
