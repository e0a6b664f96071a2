/*
 * A database connection's life, for the layers that hold one without
 * running statements (the server's workers, rxca-admin): no libpq here.
 * The statements and their results are api/store/db.h's, inside the store.
 */
#ifndef RXCA_DBCONN_H
#define RXCA_DBCONN_H

#include "common/problem.h"

struct db;

/* Connects to url (a libpq conninfo or URI).  Never NULL: a connection that
 * fails now is retried by db_ensure().  Caller frees with db_free(). */
struct db *db_open(const char *url);
void db_free(struct db *db);

/* 0 if the connection is up (resetting it if it was lost), else -1 and p
 * says 503. */
int db_ensure(struct db *db, struct problem *p);

#endif
