/*
 * rxca-admin's commands: the table in api/admin/main.c names each one, its
 * usage, its group (the file api/admin/<group>.c that runs it) and what it
 * needs; main() matches the words, checks the number of arguments, loads
 * the settings and runs it.  Exit status: ADMIN_OK done, ADMIN_FAIL
 * failed (or the audit chain is broken), ADMIN_USAGE bad usage.
 */
#ifndef RXCA_ADMIN_ADMIN_H
#define RXCA_ADMIN_ADMIN_H

#include <stddef.h>

#include "api/config.h"

#define ADMIN_OK    0
#define ADMIN_FAIL  1
#define ADMIN_USAGE 2

/* The actor of the audit records that rxca-admin writes. */
#define ADMIN_ACTOR "admin-cli"

#define ADMIN_NEEDS_CONFIG 0x1u /* load the RXCA_* settings first */
#define ADMIN_NEEDS_DB     0x3u /* the settings and RXCA_DATABASE_URL */

struct admin_ctx;
struct db;

struct admin_cmd {
	const char *name;    /* the words, e.g. "audit verify" */
	const char *usage;   /* its arguments, or "" */
	const char *help;    /* one line for rxca-admin help */
	const char *group;   /* api/admin/<group>.c runs it */
	unsigned needs;      /* ADMIN_NEEDS_* */
	int min_args;        /* arguments after the words */
	int max_args;        /* more is a usage error */
	const char *missing; /* said when min_args are missing, or NULL */
	int (*run)(struct admin_ctx *ax, int argc, char *argv[]);
};

/* What a command runs with. */
struct admin_ctx {
	const struct admin_cmd *cmd; /* its row of the table */
	const struct config *c;      /* settings, if it needs them */
	struct db *db;               /* from admin_db(); main() frees it */
};

/*
 * The database connection of the command (which must need it), opened on
 * first use: NULL after saying on stderr that it cannot connect.  Borrowed
 * until the command returns.
 */
struct db *admin_db(struct admin_ctx *ax);

/* Says "rxca-admin: NAME: why" (unless why is NULL) and the command's usage
 * line on stderr; returns ADMIN_USAGE. */
int admin_usage_error(const struct admin_cmd *cmd, const char *why);

/* db.c */
int admin_migrate(struct admin_ctx *, int, char *[]);
/* audit.c */
int admin_audit_verify(struct admin_ctx *, int, char *[]);
/* ca.c */
int admin_ca_init(struct admin_ctx *, int, char *[]);
int admin_ca_root_crl(struct admin_ctx *, int, char *[]);
int admin_ca_reissue(struct admin_ctx *, int, char *[]);
/* devtls.c */
int admin_tls_init(struct admin_ctx *, int, char *[]);
/* operators.c */
int admin_operator_add(struct admin_ctx *, int, char *[]);
int admin_operator_list(struct admin_ctx *, int, char *[]);
int admin_operator_disable(struct admin_ctx *, int, char *[]);
/* partners.c */
int admin_partner_add(struct admin_ctx *, int, char *[]);
int admin_partner_key(struct admin_ctx *, int, char *[]);
int admin_partner_sandbox(struct admin_ctx *, int, char *[]);
int admin_partner_key_revoke(struct admin_ctx *, int, char *[]);

#endif
