/* The storage of practices and credential links: see store_practice.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store_practice.h"

#define STMT(id, n, text) static const struct sql sql_##id = {#id, text, n}

STMT(cred_facts, 1,
    "SELECT encode(c.serial, 'hex') AS serial, a.product, pr.epcs, "
    "pr.hardware, pr.key_evidence AS evidence_required, c.key_evidence, "
    "c.state, c.not_before, c.not_after, a.dea_number IS NOT NULL AS "
    "has_dea, a.id AS app, a.program, encode(n.serial, 'hex') AS "
    "superseded_by, c.issuer = 'sandbox-issuing' AS sandbox FROM "
    "certificates c JOIN applications a ON a.id = "
    "c.application_id JOIN products pr ON pr.code = a.product LEFT JOIN "
    "certificates n ON n.renews = c.serial AND n.state <> 'signing' "
    "WHERE c.serial = decode($1, 'hex')");
/* $1 hash, $2 now. */
STMT(verify_seen, 2,
    "SELECT encode(signature_sha256, 'hex') AS sig, answer FROM "
    "partner_challenges WHERE hash = $1 AND expires_at >= $2");
/* $1 hash, $2 partner, $3 now, $4 expires, $5 signature hash, $6 answer:
 * an expired record of the hash gives way. */
STMT(verify_insert, 6,
    "INSERT INTO partner_challenges AS c (hash, partner_id, expires_at, "
    "signature_sha256, answer) VALUES ($1, $2, $4, $5, $6) ON CONFLICT "
    "(hash) DO UPDATE SET partner_id = $2, expires_at = $4, "
    "signature_sha256 = $5, answer = $6 WHERE c.expires_at < $3 "
    "RETURNING c.hash");
/* $1 application, $2 now. */
STMT(npi_shared, 2,
    "WITH me AS (SELECT id, npi, lower(given_name) AS g, "
    "lower(family_name) AS f, date_of_birth AS d FROM applications WHERE "
    "id = $1 AND npi IS NOT NULL), others AS (SELECT a.id FROM "
    "applications a, me WHERE a.npi = me.npi AND a.id <> me.id AND "
    "(lower(a.given_name) <> me.g OR lower(a.family_name) <> me.f OR "
    "a.date_of_birth <> me.d) AND EXISTS (SELECT 1 FROM certificates c "
    "WHERE c.application_id = a.id AND c.state <> 'signing')) "
    "UPDATE applications SET npi_shared_at = coalesce(npi_shared_at, $2) "
    "WHERE id IN (SELECT id FROM others) OR (id = $1 AND EXISTS (SELECT 1 "
    "FROM others)) RETURNING id");
/* $1 partner, $2 id, $3 name, $4 renewal, $5 now. */
STMT(practice_put, 5,
    "INSERT INTO practices AS p (partner_id, id, name, renewal, "
    "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT "
    "(partner_id, id) DO UPDATE SET name = $3, renewal = $4, updated_at = "
    "$5 RETURNING (p.xmax = 0) AS created");
#define PRACTICE_COLUMNS                                                       \
	"SELECT id, name, renewal, created_at, updated_at FROM practices "     \
	"WHERE partner_id = $1 AND id = $2"
STMT(practice_get, 2, PRACTICE_COLUMNS);
STMT(practice_lock, 2, PRACTICE_COLUMNS " FOR UPDATE");
STMT(prchal_insert, 10,
    "INSERT INTO practice_challenges (id, partner_id, practice_id, "
    "purpose, statement, serial, user_id, approver_serial, created_at, "
    "expires_at) VALUES ($1, $2, $3, $4, $5, decode($6, 'hex'), $7, "
    "decode($8, 'hex'), $9, $10)");
STMT(prchal_take, 3,
    "SELECT id, purpose, statement, encode(serial, 'hex') AS serial, "
    "user_id, encode(approver_serial, 'hex') AS approver_serial, "
    "created_at, expires_at, used_at FROM practice_challenges WHERE "
    "partner_id = $1 AND practice_id = $2 AND statement = $3 FOR UPDATE");
STMT(prchal_use, 2,
    "UPDATE practice_challenges SET used_at = $2 WHERE id = $1 AND "
    "used_at IS NULL RETURNING id");
/* $1 id, $2 partner, $3 practice, $4 user, $5 serial, $6 trusted, $7
 * approved, $8 how, $9 statement, $10 signature, $11 renewed_from, $12
 * now. */
STMT(link_insert, 12,
    "INSERT INTO credential_links (id, partner_id, practice_id, user_id, "
    "serial, enabled, trusted, approved, approved_how, approved_at, "
    "statement, signature, renewed_from, created_at) VALUES ($1, $2, $3, "
    "$4, decode($5, 'hex'), true, $6, $7, $8, CASE WHEN $7::boolean THEN "
    "$12::timestamptz END, $9, $10, $11, $12)");
#define LINK_SELECT                                                            \
	"SELECT l.id, l.practice_id, l.user_id, encode(l.serial, 'hex') AS "   \
	"serial, l.enabled, l.trusted, l.approved, l.approved_how, "           \
	"l.approved_at, l.disabled_at, l.disabled_reason, l.created_at, "      \
	"l.statement, l.signature, l.renewed_from, l.superseded_by, a.id AS "  \
	"approval_id, a.approver_link, encode(a.approver_serial, 'hex') AS "   \
	"approver_serial, a.statement AS approval_statement, a.signature AS "  \
	"approval_signature, a.passkey_id AS approval_passkey, "               \
	"a.passkey_assertion AS approval_assertion, a.created_at AS "          \
	"approval_at "
#define LINK_JOIN    "LEFT JOIN credential_approvals a ON a.link_id = l.id "
#define LINK_COLUMNS LINK_SELECT "FROM credential_links l " LINK_JOIN
STMT(link_get, 3,
    LINK_COLUMNS "WHERE l.partner_id = $1 AND l.practice_id = $2 AND "
                 "l.id = $3");
STMT(link_lock, 3,
    LINK_COLUMNS "WHERE l.partner_id = $1 AND l.practice_id = $2 AND "
                 "l.id = $3 FOR UPDATE OF l");
STMT(link_list, 4,
    LINK_COLUMNS "WHERE l.partner_id = $1 AND l.practice_id = $2 AND "
                 "($3::text IS NULL OR (l.created_at, l.id) > (SELECT "
                 "created_at, id FROM credential_links WHERE id = $3)) "
                 "ORDER BY l.created_at, l.id LIMIT $4");
STMT(link_approved_count, 3,
    "SELECT id FROM credential_links WHERE partner_id = $1 AND "
    "practice_id = $2 AND enabled AND approved AND id IS DISTINCT FROM $3");
STMT(link_of_serial, 3,
    LINK_COLUMNS "WHERE l.partner_id = $1 AND l.practice_id = $2 AND "
                 "l.serial = decode($3, 'hex') AND l.enabled");
STMT(link_approve, 3,
    "UPDATE credential_links SET approved = true, approved_how = $2, "
    "approved_at = $3 WHERE id = $1 AND enabled AND NOT approved "
    "RETURNING id");
STMT(link_disable, 4,
    "UPDATE credential_links SET enabled = false, disabled_at = $4, "
    "disabled_reason = $2, superseded_by = $3 WHERE id = $1 AND enabled "
    "RETURNING id");
STMT(approval_record, 9,
    "INSERT INTO credential_approvals (id, link_id, approver_link, "
    "approver_serial, statement, signature, passkey_id, "
    "passkey_assertion, created_at) VALUES ($1, $2, $3, decode($4, "
    "'hex'), $5, $6, $7, $8, $9)");
STMT(links_of_cert, 1,
    LINK_SELECT ", l.partner_id AS partner, p.renewal FROM "
                "credential_links l JOIN practices p ON p.partner_id = "
                "l.partner_id AND p.id = l.practice_id " LINK_JOIN
                "WHERE l.serial = decode($1, 'hex') AND l.enabled ORDER "
                "BY l.created_at, l.id FOR UPDATE OF l");

static void
facts_fill(const PGresult *r, int i, void *arg)
{
	struct cred_facts_row *row = arg;

	db_text_copy(r, i, "serial", row->serial, sizeof(row->serial));
	db_text_copy(r, i, "product", row->product, sizeof(row->product));
	row->product_epcs = db_bool(r, i, "epcs");
	row->product_hardware = db_bool(r, i, "hardware");
	db_text_copy(r, i, "evidence_required", row->evidence_required,
	    sizeof(row->evidence_required));
	db_text_copy(
	    r, i, "key_evidence", row->key_evidence, sizeof(row->key_evidence));
	db_text_copy(r, i, "state", row->state, sizeof(row->state));
	row->not_before = db_time(r, i, "not_before");
	row->not_after = db_time(r, i, "not_after");
	row->has_dea = db_bool(r, i, "has_dea");
	db_text_copy(r, i, "app", row->app, sizeof(row->app));
	db_text_copy(r, i, "program", row->program, sizeof(row->program));
	db_text_copy(r, i, "superseded_by", row->superseded_by,
	    sizeof(row->superseded_by));
	row->sandbox = db_bool(r, i, "sandbox");
}

int
store_cred_facts(struct db *db, const char *serial, struct cred_facts_row *row,
    struct problem *p)
{
	memset(row, 0, sizeof(*row));
	return db_one_row(
	    db_exec_id(db, &sql_cred_facts, serial, 0, p), facts_fill, row);
}

struct seen {
	char *sig;
	char **answer;
};

static void
seen_fill(const PGresult *r, int i, void *arg)
{
	struct seen *s = arg;

	db_text_copy(r, i, "sig", s->sig, 65);
	*s->answer = db_text_dup(r, i, "answer");
}

int
store_verify_seen(struct db *db, const unsigned char hash[32], time_t now,
    char sig_sha_hex[65], char **answer, struct problem *p)
{
	struct seen s = {sig_sha_hex, answer};
	struct dbargs a;

	*answer = NULL;
	sig_sha_hex[0] = '\0';
	dbargs_init(&a);
	dbargs_bytea(&a, hash, 32);
	dbargs_time(&a, now);
	return db_one_row(
	    db_exec_args(db, &sql_verify_seen, &a, 0, p), seen_fill, &s);
}

int
store_verify_insert(struct db *db, const unsigned char hash[32],
    const char *partner, time_t now, time_t expires,
    const unsigned char sig_sha[32], const char *answer, struct problem *p)
{
	struct dbargs a;
	long n;

	dbargs_init(&a);
	dbargs_bytea(&a, hash, 32);
	dbargs_text(&a, partner);
	dbargs_time(&a, now);
	dbargs_time(&a, expires);
	dbargs_bytea(&a, sig_sha, 32);
	dbargs_text(&a, answer);
	if ((n = db_count(db_exec_args(db, &sql_verify_insert, &a, 0, p))) ==
	    -1)
		return -1;
	if (n == 0)
		return problem_set(p, 409, "conflict", "Conflict",
		    "The challenge was verified before.");
	return 0;
}

int
store_npi_shared_flag(
    struct db *db, const char *app, time_t now, struct problem *p)
{
	struct dbargs a;
	long n;

	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_time(&a, now);
	if ((n = db_count(db_exec_args(db, &sql_npi_shared, &a, 0, p))) == -1)
		return -1;
	return n > 0 ? (int)(n - 1) : 0;
}

int
store_practice_put(struct db *db, const char *partner, const char *id,
    const char *name, const char *renewal, time_t now, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int created;

	dbargs_init(&a);
	dbargs_text(&a, partner);
	dbargs_text(&a, id);
	dbargs_text(&a, name);
	dbargs_text(&a, renewal);
	dbargs_time(&a, now);
	if ((r = db_exec_args(db, &sql_practice_put, &a, 0, p)) == NULL)
		return -1;
	created = PQntuples(r) == 1 && db_bool(r, 0, "created");
	PQclear(r);
	return created;
}

static void
practice_fill(const PGresult *r, int i, void *arg)
{
	struct practice_row *row = arg;

	db_text_copy(r, i, "id", row->id, sizeof(row->id));
	db_text_copy(r, i, "name", row->name, sizeof(row->name));
	db_text_copy(r, i, "renewal", row->renewal, sizeof(row->renewal));
	row->created_at = db_time(r, i, "created_at");
	row->updated_at = db_time(r, i, "updated_at");
}

int
store_practice_get(struct db *db, const char *partner, const char *id, int lock,
    struct practice_row *row, struct problem *p)
{
	struct dbargs a;

	memset(row, 0, sizeof(*row));
	dbargs_init(&a);
	dbargs_text(&a, partner);
	dbargs_text(&a, id);
	return db_one_row(
	    db_exec_args(
	        db, lock ? &sql_practice_lock : &sql_practice_get, &a, 0, p),
	    practice_fill, row);
}

int
store_pchal_insert(struct db *db, const char *partner, const char *practice,
    const struct pchal_row *c, struct problem *p)
{
	struct dbargs a;
	int link = strcmp(c->purpose, "link") == 0;

	dbargs_init(&a);
	dbargs_text(&a, c->id);
	dbargs_text(&a, partner);
	dbargs_text(&a, practice);
	dbargs_text(&a, c->purpose);
	dbargs_text(&a, c->statement);
	dbargs_text(&a, c->serial);
	dbargs_text(&a, link ? c->user : NULL);
	dbargs_text(&a, link ? NULL : c->approver_serial);
	dbargs_time(&a, c->created_at);
	dbargs_time(&a, c->expires_at);
	return db_run_args(db, &sql_prchal_insert, &a, p);
}

static void
pchal_fill(const PGresult *r, int i, void *arg)
{
	struct pchal_row *row = arg;

	db_text_copy(r, i, "id", row->id, sizeof(row->id));
	db_text_copy(r, i, "purpose", row->purpose, sizeof(row->purpose));
	db_text_copy(r, i, "statement", row->statement, sizeof(row->statement));
	db_text_copy(r, i, "serial", row->serial, sizeof(row->serial));
	db_text_copy(r, i, "user_id", row->user, sizeof(row->user));
	db_text_copy(r, i, "approver_serial", row->approver_serial,
	    sizeof(row->approver_serial));
	row->created_at = db_time(r, i, "created_at");
	row->expires_at = db_time(r, i, "expires_at");
	row->used_at = db_time(r, i, "used_at");
}

int
store_pchal_take(struct db *db, const char *partner, const char *practice,
    const char *statement, struct pchal_row *row, struct problem *p)
{
	struct dbargs a;

	memset(row, 0, sizeof(*row));
	dbargs_init(&a);
	dbargs_text(&a, partner);
	dbargs_text(&a, practice);
	dbargs_text(&a, statement);
	return db_one_row(
	    db_exec_args(db, &sql_prchal_take, &a, 0, p), pchal_fill, row);
}

int
store_pchal_use(struct db *db, const char *id, time_t now, struct problem *p)
{
	struct dbargs a;
	long n;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_time(&a, now);
	if ((n = db_count(db_exec_args(db, &sql_prchal_use, &a, 0, p))) == -1)
		return -1;
	return n > 0;
}

/* "" as SQL NULL. */
static void
text_or_null(struct dbargs *a, const char *s)
{
	dbargs_text(a, s != NULL && s[0] != '\0' ? s : NULL);
}

int
store_link_insert(struct db *db, const char *partner, const struct link_row *l,
    time_t now, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, l->id);
	dbargs_text(&a, partner);
	dbargs_text(&a, l->practice);
	dbargs_text(&a, l->user);
	dbargs_text(&a, l->serial);
	dbargs_bool(&a, l->trusted);
	dbargs_bool(&a, l->approved);
	text_or_null(&a, l->approved_how);
	text_or_null(&a, l->statement);
	text_or_null(&a, l->signature);
	text_or_null(&a, l->renewed_from);
	dbargs_time(&a, now);
	return db_run_args(db, &sql_link_insert, &a, p);
}

static void
link_fill(const PGresult *r, int i, void *arg)
{
	struct link_row *row = arg;

	memset(row, 0, sizeof(*row));
	db_text_copy(r, i, "id", row->id, sizeof(row->id));
	db_text_copy(r, i, "practice_id", row->practice, sizeof(row->practice));
	db_text_copy(r, i, "user_id", row->user, sizeof(row->user));
	db_text_copy(r, i, "serial", row->serial, sizeof(row->serial));
	row->enabled = db_bool(r, i, "enabled");
	row->trusted = db_bool(r, i, "trusted");
	row->approved = db_bool(r, i, "approved");
	db_text_copy(
	    r, i, "approved_how", row->approved_how, sizeof(row->approved_how));
	row->approved_at = db_time(r, i, "approved_at");
	row->disabled_at = db_time(r, i, "disabled_at");
	row->created_at = db_time(r, i, "created_at");
	db_text_copy(r, i, "disabled_reason", row->disabled_reason,
	    sizeof(row->disabled_reason));
	db_text_copy(r, i, "statement", row->statement, sizeof(row->statement));
	db_text_copy(r, i, "signature", row->signature, sizeof(row->signature));
	db_text_copy(
	    r, i, "renewed_from", row->renewed_from, sizeof(row->renewed_from));
	db_text_copy(r, i, "superseded_by", row->superseded_by,
	    sizeof(row->superseded_by));
	db_text_copy(
	    r, i, "approval_id", row->approval_id, sizeof(row->approval_id));
	db_text_copy(r, i, "approver_link", row->approver_link,
	    sizeof(row->approver_link));
	db_text_copy(r, i, "approver_serial", row->approver_serial,
	    sizeof(row->approver_serial));
	db_text_copy(r, i, "approval_statement", row->approval_statement,
	    sizeof(row->approval_statement));
	db_text_copy(r, i, "approval_signature", row->approval_signature,
	    sizeof(row->approval_signature));
	db_text_copy(r, i, "approval_passkey", row->approval_passkey,
	    sizeof(row->approval_passkey));
	db_text_copy(r, i, "approval_assertion", row->approval_assertion,
	    sizeof(row->approval_assertion));
	row->approval_at = db_time(r, i, "approval_at");
}

int
store_link_get(struct db *db, const char *partner, const char *practice,
    const char *id, int lock, struct link_row *row, struct problem *p)
{
	struct dbargs a;

	/* id may be row->id: copied into the arguments before the reset. */
	dbargs_init(&a);
	dbargs_text(&a, partner);
	dbargs_text(&a, practice);
	dbargs_text(&a, id);
	memset(row, 0, sizeof(*row));
	return db_one_row(
	    db_exec_args(db, lock ? &sql_link_lock : &sql_link_get, &a, 0, p),
	    link_fill, row);
}

int
store_link_list(struct db *db, const char *partner, const char *practice,
    const char *after, long limit, struct link_row **rows, int *n,
    struct problem *p)
{
	struct dbargs a;
	long got;

	dbargs_init(&a);
	dbargs_text(&a, partner);
	dbargs_text(&a, practice);
	dbargs_text(&a, after);
	dbargs_int(&a, limit);
	got = db_rows(db_exec_args(db, &sql_link_list, &a, 0, p),
	    sizeof(**rows), link_fill, (void **)rows);
	*n = got > 0 ? (int)got : 0;
	return got == -1 ? -1 : 0;
}

int
store_link_approved_count(struct db *db, const char *partner,
    const char *practice, const char *except, long long *n, struct problem *p)
{
	struct dbargs a;
	long got;

	dbargs_init(&a);
	dbargs_text(&a, partner);
	dbargs_text(&a, practice);
	dbargs_text(&a, except);
	if ((got = db_count(
	         db_exec_args(db, &sql_link_approved_count, &a, 0, p))) == -1)
		return -1;
	*n = got;
	return 0;
}

int
store_link_of_serial(struct db *db, const char *partner, const char *practice,
    const char *serial, struct link_row *row, struct problem *p)
{
	struct dbargs a;

	memset(row, 0, sizeof(*row));
	dbargs_init(&a);
	dbargs_text(&a, partner);
	dbargs_text(&a, practice);
	dbargs_text(&a, serial);
	return db_one_row(
	    db_exec_args(db, &sql_link_of_serial, &a, 0, p), link_fill, row);
}

int
store_link_approve(struct db *db, const char *id, const char *how, time_t now,
    struct problem *p)
{
	struct dbargs a;
	long n;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, how);
	dbargs_time(&a, now);
	if ((n = db_count(db_exec_args(db, &sql_link_approve, &a, 0, p))) == -1)
		return -1;
	return n > 0;
}

int
store_link_disable(struct db *db, const char *id, const char *reason,
    const char *superseded_by, time_t now, struct problem *p)
{
	struct dbargs a;
	long n;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, reason);
	dbargs_text(&a, superseded_by);
	dbargs_time(&a, now);
	if ((n = db_count(db_exec_args(db, &sql_link_disable, &a, 0, p))) == -1)
		return -1;
	return n > 0;
}

int
store_approval_record(struct db *db, const char *id, const char *link,
    const char *approver_link, const char *approver_serial,
    const char *statement, const char *signature, const char *passkey,
    const char *assertion, time_t now, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, link);
	dbargs_text(&a, approver_link);
	dbargs_text(&a, approver_serial);
	dbargs_text(&a, statement);
	dbargs_text(&a, signature);
	dbargs_text(&a, passkey);
	dbargs_text(&a, assertion);
	dbargs_time(&a, now);
	return db_run_args(db, &sql_approval_record, &a, p);
}

static void
relink_fill(const PGresult *r, int i, void *arg)
{
	struct relink_row *row = arg;

	link_fill(r, i, &row->link);
	db_text_copy(r, i, "partner", row->partner, sizeof(row->partner));
	db_text_copy(r, i, "renewal", row->renewal, sizeof(row->renewal));
}

int
store_links_of_cert(struct db *db, const char *serial, struct relink_row **rows,
    int *n, struct problem *p)
{
	long got;

	got = db_rows(db_exec_id(db, &sql_links_of_cert, serial, 0, p),
	    sizeof(**rows), relink_fill, (void **)rows);
	*n = got > 0 ? (int)got : 0;
	return got == -1 ? -1 : 0;
}
