/*
 * The storage code against a real PostgreSQL.  Run by
 * tests/integration/test_store.py, which makes a fresh migrated database
 * and passes it in RXCA_TEST_DATABASE_URL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "tests/store/test_store.h"

struct db *
store_test_db(void)
{
	const char *url = getenv("RXCA_TEST_DATABASE_URL");
	struct problem p;
	struct db *db;

	CU_ASSERT_FATAL(url != NULL);
	db = db_open(url);
	problem_clear(&p);
	CU_ASSERT_FATAL(db_ensure(db, &p) == 0);
	return db;
}

void
store_test_sql(struct db *db, const char *sql)
{
	PGresult *r =
	    PQexecParams(db_conn(db), sql, 0, NULL, NULL, NULL, NULL, 0);

	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK)
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(db_conn(db)));
	CU_ASSERT(PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK);
	PQclear(r);
}

long long
store_test_count(struct db *db, const char *sql)
{
	PGresult *r =
	    PQexecParams(db_conn(db), sql, 0, NULL, NULL, NULL, NULL, 0);
	long long n = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	else
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(db_conn(db)));
	PQclear(r);
	return n;
}

long
store_test_round_trips(FILE *trace)
{
	char line[512];
	long n = 0;

	fflush(trace);
	rewind(trace);
	while (fgets(line, sizeof(line), trace) != NULL)
		if (strncmp(line, "F\t", 2) == 0 &&
		    (strstr(line, "\tSync") != NULL ||
		        strstr(line, "\tQuery\t") != NULL))
			n++;
	rewind(trace);
	if (ftruncate(fileno(trace), 0) != 0)
		n = -1;
	return n;
}

void
store_test_trace(struct db *db, FILE *trace)
{
	PQtrace(db_conn(db), trace);
	PQsetTraceFlags(db_conn(db), PQTRACE_SUPPRESS_TIMESTAMPS);
}

int
main(void)
{
	unsigned int failed;

	if (getenv("RXCA_TEST_DATABASE_URL") == NULL) {
		fprintf(stderr,
		    "RXCA_TEST_DATABASE_URL is not set: run "
		    "tests/integration/test_store.py\n");
		return 2;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	test_store_add_audit();
	test_store_add_db();
	test_store_add_partner();
	test_store_add_ca();
	test_store_add_app();
	test_store_add_jobs();
	test_store_add_cert();
	test_store_add_ops();
	test_store_add_money();
	test_store_add_evidence();
	test_store_add_approval();
	test_store_add_webhook();
	test_store_add_pkeys();
	test_store_add_search();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
