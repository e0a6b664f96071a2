/* The storage of the operators' search, their application view and the
 * duplicate check: see api/store/store_search.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store_search.h"
#include "common/xmalloc.h"

#define STMT(id, n, text) static const struct sql sql_##id = {#id, text, n}

/* The to_char() format of a timestamptz AT TIME ZONE 'UTC' as RFC 3339,
 * in JSON built by SQL. */
#define RFC3339 "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'"

/* The lower-cased "given family" name of the trigram index (0015). */
#define FULL_NAME "lower(a.given_name || ' ' || a.family_name)"

/*
 * The columns of an application, with its certificates and kits.  A new
 * column of certificates an operator should see (such as evidence of the
 * key's storage) is one more pair in the jsonb_build_object of
 * certificates here; ops_view.c shows the certificates as they come.
 */
#define APP_COLUMNS                                                            \
	"a.id, a.status, a.policy, a.product, a.program, a.given_name, "       \
	"a.middle_name, a.family_name, a.email, a.phone, "                     \
	"a.date_of_birth::text AS date_of_birth, a.addr_line1, "               \
	"a.addr_line2, a.addr_city, a.addr_state, a.addr_postal_code, "        \
	"a.addr_country, a.npi, a.dea_number, a.created_at, a.updated_at, "    \
	"(SELECT coalesce(jsonb_agg(jsonb_build_object("                       \
	"'serial', encode(c.serial, 'hex'), 'state', c.state, "                \
	"'issuer', c.issuer, 'subject', c.subject, 'not_before', "             \
	"to_char(c.not_before AT TIME ZONE 'UTC', " RFC3339 "), "              \
	"'not_after', "                                                        \
	"to_char(c.not_after AT TIME ZONE 'UTC', " RFC3339 "), "               \
	"'issued_at', "                                                        \
	"to_char(c.issued_at AT TIME ZONE 'UTC', " RFC3339 "), "               \
	"'revoked_at', "                                                       \
	"to_char(c.revoked_at AT TIME ZONE 'UTC', " RFC3339 "), "              \
	"'revocation_reason', c.revocation_reason, "                           \
	"'kit', c.kit_id) ORDER BY c.recorded_at, c.serial), "                 \
	"'[]'::jsonb)::text FROM certificates c "                              \
	"WHERE c.application_id = a.id) AS certificates, "                     \
	"(SELECT coalesce(jsonb_agg(jsonb_build_object("                       \
	"'id', k.id, 'state', k.state, 'new_token', k.new_token, "             \
	"'prints', k.prints, 'printed_at', "                                   \
	"to_char(k.printed_at AT TIME ZONE 'UTC', " RFC3339 "), "              \
	"'shipped_at', "                                                       \
	"to_char(k.shipped_at AT TIME ZONE 'UTC', " RFC3339 "), "              \
	"'carrier', k.carrier, 'tracking', k.tracking, 'expires_at', "         \
	"to_char(k.expires_at AT TIME ZONE 'UTC', " RFC3339 ")) "              \
	"ORDER BY k.created_at), '[]'::jsonb)::text FROM kits k "              \
	"WHERE k.application_id = a.id) AS kits"

/*
 * One statement per kind of query, each with its own index: hits(id, rank)
 * then the page of them, best first.  $1 the key, $2 and $3 the row after
 * which the page starts (NULL: from the first), $4 the limit.
 */
#define SEARCH(hits)                                                           \
	"WITH hits AS (" hits ") SELECT " APP_COLUMNS ", h.rank "              \
	"FROM hits h JOIN applications a ON a.id = h.id "                      \
	"WHERE $3::text IS NULL OR h.rank < $2::int OR "                       \
	"(h.rank = $2::int AND a.id > $3::text) "                              \
	"ORDER BY h.rank DESC, a.id LIMIT $4"
#define EXACT "1000 AS rank"

STMT(search_application, 4,
    SEARCH("SELECT id, " EXACT " FROM applications WHERE id = $1"));
STMT(search_kit, 4,
    SEARCH("SELECT application_id AS id, " EXACT " FROM kits "
           "WHERE id = $1"));
STMT(search_serial, 4,
    SEARCH("SELECT application_id AS id, " EXACT " FROM certificates "
           "WHERE serial = decode($1, 'hex')"));
STMT(search_email, 4,
    SEARCH("SELECT id, " EXACT " FROM applications WHERE email = $1"));
STMT(search_npi, 4,
    SEARCH("SELECT id, " EXACT " FROM applications WHERE npi = $1"));
STMT(search_dea, 4,
    SEARCH("SELECT id, " EXACT " FROM applications "
           "WHERE dea_number = $1"));
STMT(search_name, 4,
    SEARCH("SELECT a.id, least(999, 1 + round(998 * "
           "word_similarity($1, " FULL_NAME ")))::int AS rank "
           "FROM applications a WHERE $1 <% " FULL_NAME));
/* For this transaction only: a name two letters off still matches. */
STMT(search_threshold, 0,
    "SELECT set_config('pg_trgm.word_similarity_threshold', '0.4', true)");

STMT(search_app, 1,
    "SELECT " APP_COLUMNS ", "
    "(SELECT coalesce(jsonb_agg(jsonb_build_object("
    "'status', y.status, 'authorised_cents', y.authorised_cents, "
    "'captured_cents', y.captured_cents, "
    "'refunded_cents', y.refunded_cents, 'currency', y.currency, "
    "'card_last4', y.last4, 'created_at', "
    "to_char(y.created_at AT TIME ZONE 'UTC', " RFC3339 "), "
    "'events', (SELECT coalesce(jsonb_agg(jsonb_build_object("
    "'kind', e.kind, 'amount_cents', e.amount_cents, 'actor', e.actor, "
    "'reason', e.reason, 'at', "
    "to_char(e.at AT TIME ZONE 'UTC', " RFC3339 ")) ORDER BY e.id), "
    "'[]'::jsonb) FROM payment_events e "
    "WHERE e.application_id = a.id))), '[]'::jsonb)::text "
    "FROM payments y WHERE y.application_id = a.id) AS payments, "
    "(SELECT coalesce(jsonb_agg(jsonb_build_object('provider', c.provider, "
    "'attempt', c.attempt, 'outcome', c.outcome, 'score', c.score, "
    "'reasons', c.reasons, 'at', "
    "to_char(c.at AT TIME ZONE 'UTC', " RFC3339 ")) ORDER BY c.id), "
    "'[]'::jsonb)::text FROM identity_checks c "
    "WHERE c.application_id = a.id) AS identity_checks, "
    "(SELECT coalesce(jsonb_agg(jsonb_build_object('at', "
    "to_char(v.at AT TIME ZONE 'UTC', " RFC3339 "), "
    "'status', v.status, 'actor', v.actor, 'note', v.note) "
    "ORDER BY v.id), '[]'::jsonb)::text FROM application_events v "
    "WHERE v.application_id = a.id) AS timeline, "
    "(SELECT coalesce(jsonb_agg(jsonb_build_object('id', l.id, 'at', "
    "to_char(l.at AT TIME ZONE 'UTC', " RFC3339 "), "
    "'actor', l.actor, 'action', l.action, "
    "'subject', l.subject, 'details', l.details::jsonb) ORDER BY l.id, "
    "l.entry), "
    "'[]'::jsonb)::text FROM audit_log l WHERE l.subject = a.id "
    "OR l.subject IN (SELECT k.id FROM kits k WHERE k.application_id = "
    "a.id) OR l.subject IN (SELECT encode(c.serial, 'hex') FROM "
    "certificates c WHERE c.application_id = a.id)) AS audit "
    "FROM applications a WHERE a.id = $1");

/*
 * Same NPI, same DEA number, or same name and date of birth, of another
 * application under way (proofing to kit_shipped) or holding a valid
 * certificate.  One whose certificate expired or was revoked is not a
 * duplicate: its holder applies again.
 */
STMT(search_duplicates, 3,
    "SELECT o.id, o.status, concat_ws(',', "
    "CASE WHEN o.npi = me.npi THEN 'npi' END, "
    "CASE WHEN o.dea_number = me.dea_number THEN 'dea_number' END, "
    "CASE WHEN lower(o.family_name) = lower(me.family_name) AND "
    "lower(o.given_name) = lower(me.given_name) AND "
    "o.date_of_birth = me.date_of_birth THEN 'name_birth' END) "
    "AS reasons, EXISTS (SELECT 1 FROM certificates c WHERE "
    "c.application_id = o.id AND c.state = 'issued' AND "
    "c.not_after > $2) AS valid_certificate "
    "FROM applications me JOIN applications o ON o.id <> me.id AND "
    "(o.npi = me.npi OR o.dea_number = me.dea_number OR "
    "(lower(o.family_name) = lower(me.family_name) AND "
    "lower(o.given_name) = lower(me.given_name) AND "
    "o.date_of_birth = me.date_of_birth)) "
    "WHERE me.id = $1 AND (o.status IN ('proofing', 'review', 'approved', "
    "'kit_shipped') OR EXISTS (SELECT 1 FROM certificates c "
    "WHERE c.application_id = o.id AND c.state = 'issued' AND "
    "c.not_after > $2)) ORDER BY o.created_at, o.id LIMIT $3");

static const struct sql *const search_stmts[] = {
    [STORE_SEARCH_APPLICATION] = &sql_search_application,
    [STORE_SEARCH_KIT] = &sql_search_kit,
    [STORE_SEARCH_SERIAL] = &sql_search_serial,
    [STORE_SEARCH_EMAIL] = &sql_search_email,
    [STORE_SEARCH_NPI] = &sql_search_npi,
    [STORE_SEARCH_DEA] = &sql_search_dea,
    [STORE_SEARCH_NAME] = &sql_search_name,
};

static void
read_app(const PGresult *r, int i, struct store_search_row *q)
{
	q->id = db_text_dup(r, i, "id");
	q->status = db_text_dup(r, i, "status");
	q->policy = db_text_dup(r, i, "policy");
	q->product = db_text_dup(r, i, "product");
	q->program = db_text_dup(r, i, "program");
	q->given_name = db_text_dup(r, i, "given_name");
	q->middle_name = db_text_dup(r, i, "middle_name");
	q->family_name = db_text_dup(r, i, "family_name");
	q->email = db_text_dup(r, i, "email");
	q->phone = db_text_dup(r, i, "phone");
	q->date_of_birth = db_text_dup(r, i, "date_of_birth");
	q->addr_line1 = db_text_dup(r, i, "addr_line1");
	q->addr_line2 = db_text_dup(r, i, "addr_line2");
	q->addr_city = db_text_dup(r, i, "addr_city");
	q->addr_state = db_text_dup(r, i, "addr_state");
	q->addr_postal_code = db_text_dup(r, i, "addr_postal_code");
	q->addr_country = db_text_dup(r, i, "addr_country");
	q->npi = db_text_dup(r, i, "npi");
	q->dea_number = db_text_dup(r, i, "dea_number");
	q->created_at = db_time(r, i, "created_at");
	q->updated_at = db_time(r, i, "updated_at");
	q->certificates = db_text_dup(r, i, "certificates");
	q->kits = db_text_dup(r, i, "kits");
}

static void
free_app(struct store_search_row *q)
{
	free(q->id);
	free(q->status);
	free(q->policy);
	free(q->product);
	free(q->program);
	free(q->given_name);
	free(q->middle_name);
	free(q->family_name);
	free(q->email);
	free(q->phone);
	free(q->date_of_birth);
	free(q->addr_line1);
	free(q->addr_line2);
	free(q->addr_city);
	free(q->addr_state);
	free(q->addr_postal_code);
	free(q->addr_country);
	free(q->npi);
	free(q->dea_number);
	free(q->certificates);
	free(q->kits);
	memset(q, 0, sizeof(*q));
}

int
store_search_apps(struct db *db, enum store_search_kind kind, const char *key,
    int after_rank, const char *after_id, int limit,
    struct store_search_row **rows, size_t *n, struct problem *p)
{
	struct store_search_row *out = NULL;
	struct dbargs a;
	PGresult *r;
	int i;

	*rows = NULL;
	*n = 0;
	if ((int)kind < 0 || kind > STORE_SEARCH_NAME)
		return problem_set(p, 500, "internal", "Internal error",
		    "unknown kind of search");
	if (kind == STORE_SEARCH_NAME &&
	    db_run(db, &sql_search_threshold, NULL, p) == -1)
		return -1;
	dbargs_init(&a);
	dbargs_text(&a, key);
	dbargs_int(&a, after_rank);
	dbargs_text(&a, after_id);
	dbargs_int(&a, limit);
	r = db_exec(db, search_stmts[kind], &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) > 0)
		out = xcalloc((size_t)PQntuples(r), sizeof(*out));
	for (i = 0; i < PQntuples(r); i++) {
		read_app(r, i, &out[i]);
		out[i].rank = (int)db_int(r, i, "rank");
	}
	*rows = out;
	*n = (size_t)PQntuples(r);
	PQclear(r);
	return 0;
}

void
store_search_free(struct store_search_row *rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		free_app(&rows[i]);
	free(rows);
}

static void
app_fill(const PGresult *r, int row, void *arg)
{
	struct store_search_app_row *out = arg;

	read_app(r, row, &out->app);
	out->app.rank = STORE_SEARCH_RANK_EXACT;
	out->payments = db_text_dup(r, row, "payments");
	out->identity_checks = db_text_dup(r, row, "identity_checks");
	out->timeline = db_text_dup(r, row, "timeline");
	out->audit = db_text_dup(r, row, "audit");
}

int
store_search_app(struct db *db, const char *id,
    struct store_search_app_row *row, struct problem *p)
{
	memset(row, 0, sizeof(*row));
	return db_one_row(
	    db_exec_id(db, &sql_search_app, id, 0, p), app_fill, row);
}

void
store_search_app_free(struct store_search_app_row *row)
{
	free_app(&row->app);
	free(row->payments);
	free(row->identity_checks);
	free(row->timeline);
	free(row->audit);
	memset(row, 0, sizeof(*row));
}

int
store_search_duplicates(struct db *db, const char *id, time_t now,
    struct store_duplicate_row *rows, int max, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int i, n;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_time(&a, now);
	dbargs_int(&a, max);
	r = db_exec(db, &sql_search_duplicates, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	n = PQntuples(r);
	for (i = 0; i < n && i < max; i++) {
		memset(&rows[i], 0, sizeof(rows[i]));
		db_text_copy(r, i, "id", rows[i].application_id,
		    sizeof(rows[i].application_id));
		db_text_copy(
		    r, i, "status", rows[i].status, sizeof(rows[i].status));
		db_text_copy(
		    r, i, "reasons", rows[i].reasons, sizeof(rows[i].reasons));
		rows[i].valid_certificate = db_bool(r, i, "valid_certificate");
	}
	PQclear(r);
	return i;
}
