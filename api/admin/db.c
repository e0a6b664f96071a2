/*
 * rxca-admin migrate: applies the pending migrations of
 * RXCA_MIGRATIONS_DIR on a connection of its own, which needs no migrated
 * schema.
 */
#include <stdio.h>

#include "api/admin/admin.h"
#include "api/store/store_admin.h"
#include "common/problem.h"

int
admin_migrate(struct admin_ctx *ax, int argc, char *argv[])
{
	struct problem p;
	char line[256];
	int rc;

	(void)argc;
	(void)argv;
	problem_clear(&p);
	if ((rc = store_admin_migrate(ax->c->database_url,
	         ax->c->migrations_dir, stdout, line, sizeof(line), &p)) == 0)
		return ADMIN_OK;
	if (rc == -2)
		fprintf(stderr,
		    "rxca-admin: migrate: cannot connect to the "
		    "database (RXCA_DATABASE_URL): %s\n",
		    line);
	else
		fprintf(stderr, "rxca-admin: migrate: %s\n", p.detail);
	return ADMIN_FAIL;
}
