/* The store tests: each suite registers itself with test_store_add_*. */
#ifndef RXCA_TEST_STORE_H
#define RXCA_TEST_STORE_H

#include <stdio.h>

#include <CUnit/Basic.h>

#include "api/store/db.h"

/* A new connection to the test database (RXCA_TEST_DATABASE_URL). */
struct db *store_test_db(void);

/* Runs one SQL statement with no parameters and no rows wanted. */
void store_test_sql(struct db *db, const char *sql);

/* The first column of the first row of a one-row query, as a number. */
long long store_test_count(struct db *db, const char *sql);

/* Traces db's messages into trace, without timestamps (PQtrace resets
 * the flags). */
void store_test_trace(struct db *db, FILE *trace);

/* Messages of the client that ask the server to answer (Sync ends an
 * extended-protocol batch, Query is a simple one) since the last call: its
 * round trips, as libpq's trace of the connection shows them. */
long store_test_round_trips(FILE *trace);

void test_store_add_audit(void);
void test_store_add_cert(void);
void test_store_add_db(void);
void test_store_add_partner(void);
void test_store_add_ca(void);
void test_store_add_app(void);
void test_store_add_jobs(void);
void test_store_add_ops(void);
void test_store_add_money(void);
void test_store_add_evidence(void);
void test_store_add_approval(void);
void test_store_add_webhook(void);
void test_store_add_search(void);
void test_store_add_pkeys(void);

#endif
