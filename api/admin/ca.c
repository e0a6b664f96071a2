/*
 * rxca-admin ca init [--sandbox] | root-crl | reissue issuing: the CA's
 * ceremonies (production's CA, or the sandbox's test CA),
 * run by api/service/authority.c on a database connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/admin/admin.h"
#include "api/service/authority.h"
#include "common/problem.h"
#include "common/wallclock.h"

/* Runs one of the CA's steps on the command's database connection. */
static int
admin_ca_run(struct admin_ctx *ax,
    int (*step)(
        const struct config *, struct db *, time_t, FILE *, struct problem *))
{
	struct problem p;
	struct db *db;

	problem_clear(&p);
	if ((db = admin_db(ax)) == NULL)
		return ADMIN_FAIL;
	if (step(ax->c, db, wallclock_now(), stdout, &p) == -1) {
		fprintf(
		    stderr, "rxca-admin: %s: %s\n", ax->cmd->name, p.detail);
		return ADMIN_FAIL;
	}
	return ADMIN_OK;
}

int
admin_ca_init(struct admin_ctx *ax, int argc, char *argv[])
{
	struct config c;
	const struct config *was = ax->c;
	int rc, sandbox = argc > 0 && strcmp(argv[0], "--sandbox") == 0;
	int (*init)(const struct config *, struct db *, time_t, FILE *,
	    struct problem *) =
	    sandbox ? authority_init_sandbox : authority_init;

	argc -= sandbox;
	argv += sandbox;
	if (argc == 0)
		return admin_ca_run(ax, init);
	if (argc != 2 || strcmp(argv[0], "--key") != 0 ||
	    (strcmp(argv[1], "p256") != 0 && strcmp(argv[1], "p384") != 0))
		return admin_usage_error(
		    ax->cmd, "--key takes p256 or p384 (after --sandbox)");
	/* --key overrides RXCA_CA_KEY for this command. */
	c = *ax->c;
	c.ca_key = argv[1];
	ax->c = &c;
	rc = admin_ca_run(ax, init);
	ax->c = was;
	return rc;
}

int
admin_ca_root_crl(struct admin_ctx *ax, int argc, char *argv[])
{
	const char *what = ax->cmd->name;
	struct problem p;
	struct db *db;
	char *end = NULL;
	long ahead = 0;

	if (argc == 2 && strcmp(argv[0], "--ahead") == 0)
		ahead = strtol(argv[1], &end, 10);
	if (argc != 0 &&
	    (end == NULL || end == argv[1] || *end != '\0' || ahead < 0 ||
	        ahead > AUTHORITY_CRL_AHEAD)) {
		fprintf(stderr, "rxca-admin: %s: --ahead takes 0 to %d\n", what,
		    AUTHORITY_CRL_AHEAD);
		return ADMIN_USAGE;
	}
	problem_clear(&p);
	if ((db = admin_db(ax)) == NULL)
		return ADMIN_FAIL;
	if (authority_root_crl(
	        ax->c, db, wallclock_now(), (int)ahead, stdout, &p) == -1) {
		fprintf(stderr, "rxca-admin: %s: %s\n", what, p.detail);
		return ADMIN_FAIL;
	}
	return ADMIN_OK;
}

int
admin_ca_reissue(struct admin_ctx *ax, int argc, char *argv[])
{
	(void)argc;
	(void)argv;
	return admin_ca_run(ax, authority_reissue_issuing);
}
