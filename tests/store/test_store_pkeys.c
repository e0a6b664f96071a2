/*
 * api/store/store_pkeys.c against PostgreSQL: a partner's keys with a
 * rotation's end, the rate window (counted, then forgotten), the program
 * setting and the tokens of invitations.  Every row here has an id
 * starting "pk" and the programs "pk-*", apart from other suites' rows.
 */
#include <stdlib.h>
#include <string.h>

#include "api/store/store_partners.h"
#include "api/store/store_pkeys.h"
#include "tests/store/test_store.h"

#define T0 1800000000 /* 2027-01-15 08:00:00 UTC */

static const unsigned char hash_a[32] = {7, 7, 7};
static const unsigned char hash_b[32] = {8, 8, 8};

static void
partner(struct db *db, const char *id, const char *program)
{
	struct problem p;

	problem_clear(&p);
	CU_ASSERT_EQUAL_FATAL(store_partner_insert(db, id, "Pk EHR", program,
	                          NULL, T0, "operator:pk", &p),
	    0);
}

static void
test_pkeys_rotation(void)
{
	struct db *db = store_test_db();
	struct pkey_row *rows = NULL;
	struct problem p;
	time_t ends = 0;

	partner(db, "pk-prt-1", "pk-one");
	problem_clear(&p);
	CU_ASSERT_EQUAL(store_partner_key_insert(db, "pkkey1", "pk-prt-1",
	                    hash_a, T0, "operator:pk", &p),
	    0);
	CU_ASSERT_EQUAL(store_partner_key_insert(db, "pkkey2", "pk-prt-1",
	                    hash_b, T0 + 5, "partner:pk-prt-1", &p),
	    0);
	CU_ASSERT_EQUAL(
	    store_pkey_others_live(db, "pk-prt-1", "pkkey2", &p), 1);
	CU_ASSERT_EQUAL(store_pkey_expire(db, "pk-prt-1", "pkkey1", T0 + 100,
	                    "pkkey2", &ends, &p),
	    1);
	CU_ASSERT_EQUAL(ends, T0 + 100);
	/* A later end never lengthens an earlier one. */
	CU_ASSERT_EQUAL(store_pkey_expire(db, "pk-prt-1", "pkkey1", T0 + 500,
	                    "pkkey2", &ends, &p),
	    1);
	CU_ASSERT_EQUAL(ends, T0 + 100);
	/* A key with an end set does not stay: it is not counted. */
	CU_ASSERT_EQUAL(
	    store_pkey_others_live(db, "pk-prt-1", "pkkey2", &p), 0);
	CU_ASSERT_EQUAL(
	    store_pkey_others_live(db, "pk-prt-1", "pkkey1", &p), 1);
	/* Another partner's key, or none: 0. */
	CU_ASSERT_EQUAL(
	    store_pkey_expire(db, "pk-prt-x", "pkkey1", T0, NULL, &ends, &p),
	    0);
	CU_ASSERT_EQUAL_FATAL(store_pkey_list(db, "pk-prt-1", &rows, &p), 2);
	CU_ASSERT_STRING_EQUAL(rows[0].id, "pkkey1");
	CU_ASSERT_EQUAL(rows[0].expires_at, T0 + 100);
	CU_ASSERT_STRING_EQUAL(rows[0].replaced_by, "pkkey2");
	CU_ASSERT_STRING_EQUAL(rows[1].id, "pkkey2");
	CU_ASSERT_EQUAL(rows[1].expires_at, 0);
	CU_ASSERT_STRING_EQUAL(rows[1].created_by, "partner:pk-prt-1");
	free(rows);
	db_free(db);
}

static void
test_pkeys_rate(void)
{
	struct db *db = store_test_db();
	struct problem p;

	partner(db, "pk-prt-2", "pk-two");
	problem_clear(&p);
	CU_ASSERT_EQUAL(store_prate_hit(db, "pk-prt-2", T0, &p), 1);
	CU_ASSERT_EQUAL(store_prate_hit(db, "pk-prt-2", T0, &p), 2);
	CU_ASSERT_EQUAL(store_prate_hit(db, "pk-prt-2", T0, &p), 3);
	/* The next window starts again and forgets the last. */
	CU_ASSERT_EQUAL(store_prate_hit(db, "pk-prt-2", T0 + 60, &p), 1);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM partner_rate WHERE "
	                    "partner_id = 'pk-prt-2'"),
	    1);
	CU_ASSERT_EQUAL(store_prate_hit(db, "pk-prt-2", T0 + 60, &p), 2);
	db_free(db);
}

static void
test_pkeys_program_and_invitation(void)
{
	struct db *db = store_test_db();
	struct pprogram_row prog;
	struct pinvite_row inv;
	struct problem p;
	time_t ends = 0;

	partner(db, "pk-prt-3", "pk-three");
	problem_clear(&p);
	/* A new partner's program is closed. */
	CU_ASSERT_EQUAL(store_pprogram_get(db, "pk-prt-3", 0, &prog, &p), 1);
	CU_ASSERT_EQUAL(prog.open, 0);
	CU_ASSERT_EQUAL(prog.updated_at, 0);
	CU_ASSERT_EQUAL(store_pprogram_set(db, "pk-prt-3", 1, T0 + 1, &p), 0);
	CU_ASSERT_EQUAL(store_pprogram_get(db, "pk-three", 1, &prog, &p), 1);
	CU_ASSERT_STRING_EQUAL(prog.partner_id, "pk-prt-3");
	CU_ASSERT_EQUAL(prog.open, 1);
	CU_ASSERT_EQUAL(prog.updated_at, T0 + 1);
	CU_ASSERT_EQUAL(store_pprogram_get(db, "pk-none", 1, &prog, &p), 0);

	CU_ASSERT_EQUAL(store_partner_invitation_insert(db, "pk-inv-1",
	                    "pk-prt-3", "a@example.org", T0, T0 + 600, &p),
	    0);
	CU_ASSERT_EQUAL(store_pinvite_by_token(db, hash_a, 0, &inv, &p), 0);
	CU_ASSERT_EQUAL(
	    store_pinvite_token(db, "pk-inv-1", hash_a, &ends, &p), 1);
	CU_ASSERT_EQUAL(ends, T0 + 600);
	/* A new try's token replaces the last. */
	CU_ASSERT_EQUAL(
	    store_pinvite_token(db, "pk-inv-1", hash_b, &ends, &p), 1);
	CU_ASSERT_EQUAL(
	    store_pinvite_token(db, "pk-none", hash_a, &ends, &p), 0);
	CU_ASSERT_EQUAL(store_pinvite_by_token(db, hash_a, 0, &inv, &p), 0);
	CU_ASSERT_EQUAL(store_pinvite_by_token(db, hash_b, 0, &inv, &p), 1);
	CU_ASSERT_STRING_EQUAL(inv.id, "pk-inv-1");
	CU_ASSERT_STRING_EQUAL(inv.program, "pk-three");
	CU_ASSERT_STRING_EQUAL(inv.email, "a@example.org");
	CU_ASSERT_STRING_EQUAL(inv.application_id, "");
	CU_ASSERT_EQUAL(inv.opened_at, 0);
	CU_ASSERT_EQUAL(inv.expires_at, T0 + 600);
	CU_ASSERT_EQUAL(store_pinvite_opened(db, "pk-inv-1", T0 + 5, &p), 1);
	CU_ASSERT_EQUAL(store_pinvite_opened(db, "pk-inv-1", T0 + 9, &p), 0);
	CU_ASSERT_EQUAL(store_pinvite_by_token(db, hash_b, 0, &inv, &p), 1);
	CU_ASSERT_EQUAL(inv.opened_at, T0 + 5);
	db_free(db);
}

void
test_store_add_pkeys(void)
{
	CU_pSuite s = CU_add_suite("store_pkeys", NULL, NULL);

	CU_add_test(s, "a rotation's end, never later", test_pkeys_rotation);
	CU_add_test(
	    s, "the rate window counted, then forgotten", test_pkeys_rate);
	CU_add_test(s, "the program setting and invitation tokens",
	    test_pkeys_program_and_invitation);
}
