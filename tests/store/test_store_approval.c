/*
 * api/store/store_approval.c against PostgreSQL: pending approvals, their
 * decision (once), and the lists by status at a time.  Every row here has
 * an id starting "tsa" and operators "opr_tsa*", apart from other suites'
 * rows.
 */
#include <stdio.h>
#include <string.h>

#include "api/store/store_approval.h"
#include "tests/store/test_store.h"

#define T0 1800000000 /* 2027-01-15 08:00:00 UTC */

static void
operators(struct db *db)
{
	store_test_sql(db,
	    "INSERT INTO operators (id, name, roles, cert_sha256, "
	    "cert_subject, cert_not_after, created_at) VALUES "
	    "('opr_tsa1', 'tsa-ann', '{fulfiller}', '\\x"
	    "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a'"
	    ", 'CN=ann', '2030-01-01T00:00:00Z', now()), "
	    "('opr_tsa2', 'tsa-bob', '{fulfiller}', '\\x"
	    "7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b'"
	    ", 'CN=bob', '2030-01-01T00:00:00Z', now())");
}

static void
test_insert_get_decide(void)
{
	struct db *db = store_test_db();
	struct approval_row row;
	struct problem p;

	operators(db);
	problem_clear(&p);
	CU_ASSERT_EQUAL(
	    store_approval_insert(db, "tsa_1", "kit.print", "kit_tsa",
	        "{\"x\": \"y\"}", "opr_tsa1", T0, T0 + 3600, &p),
	    1);
	CU_ASSERT_EQUAL(store_approval_get(db, "tsa_1", 0, &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.action, "kit.print");
	CU_ASSERT_STRING_EQUAL(row.target, "kit_tsa");
	CU_ASSERT_STRING_EQUAL(row.params, "{\"x\": \"y\"}");
	CU_ASSERT_STRING_EQUAL(row.requested_by, "opr_tsa1");
	CU_ASSERT_STRING_EQUAL(row.requested_name, "tsa-ann");
	CU_ASSERT_EQUAL(row.requested_at, T0);
	CU_ASSERT_EQUAL(row.expires_at, T0 + 3600);
	CU_ASSERT_STRING_EQUAL(row.status, "pending");
	CU_ASSERT_STRING_EQUAL(row.decided_by, "");
	CU_ASSERT_EQUAL(row.decided_at, 0);
	CU_ASSERT_EQUAL(store_approval_get(db, "tsa_none", 0, &row, &p), 0);
	/* the same id twice is a conflict */
	CU_ASSERT_EQUAL(store_approval_insert(db, "tsa_1", "kit.print",
	                    "kit_other", "{}", "opr_tsa1", T0, T0 + 3600, &p),
	    -1);
	CU_ASSERT_EQUAL(p.status, 409);
	/* an unknown action is refused by the table */
	problem_clear(&p);
	CU_ASSERT_EQUAL(store_approval_insert(db, "tsa_x", "kit.burn",
	                    "kit_tsa", "{}", "opr_tsa1", T0, T0 + 3600, &p),
	    -1);
	/* one open approval per (action, target): another waits for
	 * nothing while it is pending, and replaces it once it expired */
	problem_clear(&p);
	CU_ASSERT_EQUAL(store_approval_insert(db, "tsa_o2", "kit.print",
	                    "kit_tsa", "{}", "opr_tsa2", T0 + 5, T0 + 3600, &p),
	    0);
	CU_ASSERT_EQUAL(store_approval_get(db, "tsa_o2", 0, &row, &p), 0);
	CU_ASSERT_EQUAL(
	    store_approval_open(db, "kit.print", "kit_tsa", &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.id, "tsa_1");
	CU_ASSERT_EQUAL(
	    store_approval_open(db, "kit.print", "kit_none", &row, &p), 0);
	CU_ASSERT_EQUAL(store_approval_insert(db, "tsa_o3", "revocation",
	                    "kit_tsa", "{}", "opr_tsa2", T0 + 5, T0 + 60, &p),
	    1);
	CU_ASSERT_EQUAL(store_approval_insert(db, "tsa_o4", "revocation",
	                    "kit_tsa", "{}", "opr_tsa2", T0 + 60, T0 + 90, &p),
	    1);
	CU_ASSERT_EQUAL(
	    store_approval_open(db, "revocation", "kit_tsa", &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.id, "tsa_o4");
	CU_ASSERT_EQUAL(store_approval_get(db, "tsa_o3", 0, &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.status, "pending");
	/* gone, they stay out of test_list's lists */
	store_test_sql(db,
	    "DELETE FROM approvals WHERE id IN ('tsa_o3', "
	    "'tsa_o4')");
	/* the requester cannot decide their own (a CHECK, below the
	 * service's refusal) */
	problem_clear(&p);
	CU_ASSERT_EQUAL(store_approval_decide(db, "tsa_1", "confirmed",
	                    "opr_tsa1", NULL, T0 + 10, &p),
	    -1);
	problem_clear(&p);
	CU_ASSERT_EQUAL(store_approval_get(db, "tsa_1", 0, &row, &p), 1);
	store_test_sql(db, "BEGIN");
	/* row.id as the id: the row is cleared only once it is read */
	CU_ASSERT_EQUAL(store_approval_get(db, row.id, 1, &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.id, "tsa_1");
	CU_ASSERT_EQUAL(store_approval_decide(db, "tsa_1", "confirmed",
	                    "opr_tsa2", NULL, T0 + 10, &p),
	    1);
	store_test_sql(db, "COMMIT");
	/* decided once */
	CU_ASSERT_EQUAL(store_approval_decide(db, "tsa_1", "rejected",
	                    "opr_tsa2", "no", T0 + 20, &p),
	    0);
	CU_ASSERT_EQUAL(store_approval_get(db, "tsa_1", 0, &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.status, "confirmed");
	CU_ASSERT_STRING_EQUAL(row.decided_by, "opr_tsa2");
	CU_ASSERT_STRING_EQUAL(row.decided_name, "tsa-bob");
	CU_ASSERT_EQUAL(row.decided_at, T0 + 10);
	CU_ASSERT_STRING_EQUAL(row.reason, "");
	/* a rejection keeps its reason; one without is refused */
	CU_ASSERT_EQUAL(store_approval_insert(db, "tsa_2", "revocation", "00ff",
	                    "{}", "opr_tsa1", T0, T0 + 3600, &p),
	    1);
	CU_ASSERT_EQUAL(store_approval_decide(db, "tsa_2", "rejected",
	                    "opr_tsa2", NULL, T0 + 5, &p),
	    -1);
	problem_clear(&p);
	CU_ASSERT_EQUAL(store_approval_decide(db, "tsa_2", "rejected",
	                    "opr_tsa2", "wrong serial", T0 + 5, &p),
	    1);
	CU_ASSERT_EQUAL(store_approval_get(db, "tsa_2", 0, &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.status, "rejected");
	CU_ASSERT_STRING_EQUAL(row.reason, "wrong serial");
	db_free(db);
}

/* The ids of status at now after after, limit, joined by spaces. */
static void
ids(struct db *db, const char *status, time_t now, const char *after, int limit,
    char *out, size_t outsz)
{
	struct approval_list l;
	struct problem p;
	size_t i, len = 0;

	problem_clear(&p);
	out[0] = '\0';
	CU_ASSERT_EQUAL(
	    store_approval_list(db, status, now, after, limit, &l, &p), 0);
	for (i = 0; i < l.n; i++)
		len += (size_t)snprintf(out + len, outsz - len, "%s%s",
		    i > 0 ? " " : "", l.rows[i].id);
	store_approval_list_free(&l);
}

static void
test_list(void)
{
	struct db *db = store_test_db();
	struct problem p;
	char got[256];

	problem_clear(&p);
	/* tsa_a3 and tsa_a4 at T0 + 100 (tied: by id), tsa_a1 expires at
	 * T0 + 50 */
	CU_ASSERT_EQUAL(store_approval_insert(db, "tsa_a1", "kit.print", "k1",
	                    "{}", "opr_tsa1", T0 + 1, T0 + 50, &p),
	    1);
	CU_ASSERT_EQUAL(store_approval_insert(db, "tsa_a4", "kit.print", "k4",
	                    "{}", "opr_tsa1", T0 + 100, T0 + 1000, &p),
	    1);
	CU_ASSERT_EQUAL(store_approval_insert(db, "tsa_a3", "kit.print", "k3",
	                    "{}", "opr_tsa2", T0 + 100, T0 + 1000, &p),
	    1);
	ids(db, "pending", T0 + 10, NULL, 10, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "tsa_a1 tsa_a3 tsa_a4");
	ids(db, "pending", T0 + 50, NULL, 10, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "tsa_a3 tsa_a4");
	ids(db, "expired", T0 + 50, NULL, 10, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "tsa_a1");
	ids(db, "expired", T0 + 10, NULL, 10, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "");
	/* paging */
	ids(db, "pending", T0 + 10, NULL, 2, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "tsa_a1 tsa_a3");
	ids(db, "pending", T0 + 10, "tsa_a3", 2, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "tsa_a4");
	/* decided ones leave pending */
	CU_ASSERT_EQUAL(store_approval_decide(db, "tsa_a3", "rejected",
	                    "opr_tsa1", "no", T0 + 200, &p),
	    1);
	ids(db, "pending", T0 + 10, NULL, 10, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "tsa_a1 tsa_a4");
	ids(db, "rejected", T0 + 10, "tsa_2", 10, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "tsa_a3");
	ids(db, "confirmed", T0 + 10, NULL, 10, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "tsa_1");
	db_free(db);
}

void
test_store_add_approval(void)
{
	CU_pSuite s = CU_add_suite("store_approval", NULL, NULL);

	CU_add_test(s, "insert, get, decide once", test_insert_get_decide);
	CU_add_test(s, "lists by status at a time", test_list);
}
