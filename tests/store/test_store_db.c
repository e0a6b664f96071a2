/*
 * api/store/db.c's readers by column name, on text and on binary results of
 * the same query: the same values.
 */
#include <stdlib.h>
#include <string.h>

#include "api/store/db.h"
#include "tests/store/test_store.h"

#define DB_TYPES_SQL                                                           \
	"SELECT 'héllo'::text AS t, 'v'::varchar AS v, "                      \
	"-5000000000::int8 AS i8, -7::int4 AS i4, 300::int2 AS i2, "           \
	"true AS yes, false AS no, NULL::int4 AS nothing, "                    \
	"'\\x00ff10'::bytea AS b, "                                            \
	"'2027-01-15 08:00:00.9+00'::timestamptz AS ts, "                      \
	"'1999-12-31 23:59:59.5+00'::timestamptz AS old"

static const struct sql sql_types = {"types", DB_TYPES_SQL, 0};

static void
check_types(int binary)
{
	struct db *db = store_test_db();
	unsigned char b[8];
	struct problem p;
	PGresult *r;

	problem_clear(&p);
	r = binary ? db_exec_binary(db, &sql_types, NULL, &p)
	           : db_exec(db, &sql_types, NULL, &p);
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_EQUAL(PQfformat(r, 0), binary);
	CU_ASSERT_STRING_EQUAL(db_text(r, 0, "t"), "héllo");
	CU_ASSERT_STRING_EQUAL(db_text(r, 0, "v"), "v");
	CU_ASSERT_EQUAL(db_int(r, 0, "i8"), -5000000000LL);
	CU_ASSERT_EQUAL(db_int(r, 0, "i4"), -7);
	CU_ASSERT_EQUAL(db_int(r, 0, "i2"), 300);
	CU_ASSERT_EQUAL(db_bool(r, 0, "yes"), 1);
	CU_ASSERT_EQUAL(db_bool(r, 0, "no"), 0);
	CU_ASSERT_EQUAL(db_int(r, 0, "nothing"), 0);
	CU_ASSERT_EQUAL(db_bytea_len(r, 0, "b"), 3);
	CU_ASSERT_EQUAL(db_bytea(r, 0, "b", b, sizeof(b)), 3);
	CU_ASSERT(memcmp(b, "\x00\xff\x10", 3) == 0);
	CU_ASSERT_EQUAL(db_bytea(r, 0, "b", b, 2), -1); /* does not fit */
	CU_ASSERT_EQUAL(db_bytea_len(r, 0, "nothing"), -1);
	CU_ASSERT_EQUAL(db_time(r, 0, "ts"), 1800000000);
	CU_ASSERT_EQUAL(db_time(r, 0, "old"), 946684799);
	/* a name the query does not have reads as NULL */
	CU_ASSERT_PTR_NULL(db_text(r, 0, "missing"));
	PQclear(r);
	db_free(db);
}

static void
test_text_results(void)
{
	check_types(0);
}

static void
test_binary_results(void)
{
	check_types(1);
}

static const struct sql sql_echo = {
    "test_echo", "SELECT $1::text AS t, decode($1, 'hex') AS b", 1};
static const struct sql sql_echo_touch = {
    "test_echo_touch", "SELECT pg_notify('rxca_store_test_db', $1)", 1};

/* The shared helpers: one text argument, arguments freed, copies out. */
static void
test_helpers(void)
{
	struct db *db = store_test_db();
	unsigned char *b;
	struct problem p;
	struct dbargs a;
	PGresult *r;
	char *t;
	int binary;

	problem_clear(&p);
	for (binary = 0; binary <= 1; binary++) {
		r = db_exec_id(db, &sql_echo, "00ff10", binary, &p);
		CU_ASSERT_FATAL(r != NULL);
		CU_ASSERT_EQUAL(PQfformat(r, 0), binary);
		t = db_text_dup(r, 0, "t");
		CU_ASSERT_STRING_EQUAL(t, "00ff10");
		free(t);
		CU_ASSERT_EQUAL(db_bytea_dup(r, 0, "b", 3, &b), 3);
		CU_ASSERT(b != NULL && memcmp(b, "\x00\xff\x10", 3) == 0);
		free(b);
		/* longer than max */
		CU_ASSERT_EQUAL(db_bytea_dup(r, 0, "b", 2, &b), -1);
		CU_ASSERT_PTR_NULL(b);
		PQclear(r);
	}
	/* SQL NULL: no copy; empty bytes: refused. */
	r = db_exec_id(db, &sql_echo, NULL, 0, &p);
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_PTR_NULL(db_text_dup(r, 0, "t"));
	CU_ASSERT_EQUAL(db_bytea_dup(r, 0, "b", 3, &b), 0);
	CU_ASSERT_PTR_NULL(b);
	PQclear(r);
	r = db_exec_id(db, &sql_echo, "", 1, &p);
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_EQUAL(db_bytea_dup(r, 0, "b", 3, &b), -1);
	PQclear(r);
	/* The arguments are freed either way (ASan tells), with the
	 * statement's result or failure. */
	dbargs_init(&a);
	dbargs_text(&a, "0a");
	r = db_exec_args(db, &sql_echo, &a, 1, &p);
	CU_ASSERT_EQUAL(a.n, 0);
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_EQUAL(db_bytea_dup(r, 0, "b", 1, &b), 1);
	CU_ASSERT(b != NULL && b[0] == 0x0a);
	free(b);
	PQclear(r);
	dbargs_init(&a);
	dbargs_text(&a, "not hex");
	CU_ASSERT_PTR_NULL(db_exec_args(db, &sql_echo, &a, 0, &p));
	CU_ASSERT_EQUAL(p.status, 500);
	CU_ASSERT_EQUAL(a.n, 0);
	problem_clear(&p);
	dbargs_init(&a);
	dbargs_text(&a, "x");
	CU_ASSERT_EQUAL(db_run_args(db, &sql_echo_touch, &a, &p), 0);
	CU_ASSERT_EQUAL(a.n, 0);
	db_free(db);
}

void
test_store_add_db(void)
{
	CU_pSuite s = CU_add_suite("db", NULL, NULL);

	CU_add_test(s, "readers by name, text results", test_text_results);
	CU_add_test(s, "readers by name, binary results", test_binary_results);
	CU_add_test(s, "the helpers shared by the store files", test_helpers);
}
