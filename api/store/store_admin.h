/*
 * The SQL of rxca-admin (api/admin/): operators and the CA certificate
 * that audit verify checks the checkpoints with.  Reads return typed rows
 * (columns read by name); the statements stay in api/store/store_admin.c.
 */
#ifndef RXCA_STORE_ADMIN_H
#define RXCA_STORE_ADMIN_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <openssl/x509.h>

#include "common/problem.h"

struct db;

/*
 * Connects to url and applies the pending migrations of dir
 * (api/store/migrate.c), saying each on out.  0; -2 with libpq's first line in
 * conn_err (conn_errsz bytes) if it could not connect; -1 with p set if
 * a migration failed or is refused.
 */
int store_admin_migrate(const char *url, const char *dir, FILE *out,
    char *conn_err, size_t conn_errsz, struct problem *p);

/* A row of operators, as far as rxca-admin reads it.  Strings are owned
 * (freed by store_admin_operator_clear); NULL where the query did not
 * read them. */
struct store_admin_operator {
	char *id;              /* opr_... */
	char *name;            /* [A-Za-z0-9._-], unique */
	char *roles;           /* comma-separated role names */
	time_t cert_not_after; /* the certificate's end */
	int disabled;          /* 1 if disabled_at is set */
	time_t disabled_at;    /* when it was disabled, if disabled */
};

/* A new operators row. */
struct store_admin_operator_new {
	const char *id;    /* opr_... */
	const char *name;  /* checked by the caller */
	const char *roles; /* a text[] literal: {reviewer,admin} */
	const unsigned char *cert_sha256; /* 32 bytes */
	const char *cert_subject;         /* one line */
	time_t cert_not_after;            /* the certificate's end */
	time_t created_at;                /* the clock's now */
};

/* Frees op's strings and zeroes it; NULL-safe. */
void store_admin_operator_clear(struct store_admin_operator *op);

/* The operator named name into *op (id, disabled, disabled_at): 1, 0 if
 * none, -1 with p set. */
int store_admin_operator_by_name(struct db *db, const char *name,
    struct store_admin_operator *op, struct problem *p);

/* The operator whose certificate has SHA-256 fp into *op (name): 1, 0 if
 * none, -1 with p set. */
int store_admin_operator_by_cert(struct db *db, const unsigned char fp[32],
    struct store_admin_operator *op, struct problem *p);

/* Inserts the row: 0, or -1 with p set (409 if the name or certificate is
 * registered already). */
int store_admin_operator_insert(struct db *db,
    const struct store_admin_operator_new *op, struct problem *p);

/* Every operator by name, into *ops (*n of them; caller frees with
 * store_admin_operators_free).  0, or -1 with p set. */
int store_admin_operator_list(struct db *db, struct store_admin_operator **ops,
    size_t *n, struct problem *p);
void store_admin_operators_free(struct store_admin_operator *ops, size_t n);

/* Disables the operator named name at now unless it is disabled already:
 * 1 with *op's id set, 0 if no enabled operator has that name, -1 with p
 * set. */
int store_admin_operator_disable(struct db *db, const char *name, time_t now,
    struct store_admin_operator *op, struct problem *p);

/* The recorded CA certificate of role ("root" or "issuing") into *cert
 * (caller frees with X509_free): 1, 0 if there is none yet, -1 with p set
 * (500 if the stored bytes do not parse). */
int store_admin_ca_cert(
    struct db *db, const char *role, X509 **cert, struct problem *p);

#endif
