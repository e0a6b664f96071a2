/*
 * rxca-admin partner add | sandbox | key | key revoke: partners (EHR
 * vendors), their sandboxes and their API keys, through the service of
 * api/service/partner.c, each in a transaction of its own.
 */
#include <stdio.h>
#include <string.h>

#include "api/admin/admin.h"
#include "api/service/partner.h"
#include "api/service/sandbox.h"
#include "api/store/store_partners.h"
#include "api/store/tx.h"
#include "common/problem.h"
#include "common/wallclock.h"

/* Commits tx after rc 0, else rolls it back and says p's detail (and its
 * first field). */
static int
admin_partner_done(struct tx *tx, const char *what, int rc, struct problem *p)
{
	if (rc == 0 && tx_commit(tx, p) == 0)
		return ADMIN_OK;
	tx_abort(tx);
	fprintf(stderr, "rxca-admin: %s: %s", what, p->detail);
	if (p->nfields > 0)
		fprintf(stderr, " (%s: %s)", p->fields[0].field,
		    p->fields[0].message);
	fprintf(stderr, "\n");
	return ADMIN_FAIL;
}

int
admin_partner_add(struct admin_ctx *ax, int argc, char *argv[])
{
	struct problem p;
	struct db *db;
	struct tx tx;
	time_t now;
	char id[32];
	int rc;

	(void)argc;
	if ((db = admin_db(ax)) == NULL)
		return ADMIN_FAIL;
	problem_clear(&p);
	now = wallclock_now();
	rc = tx_begin(&tx, db, now, ADMIN_ACTOR, &p) == 0
	    ? partner_create(tx_db(&tx), argv[0], argv[1], ADMIN_ACTOR, now, id,
	          sizeof(id), &p)
	    : -1;
	if ((rc = admin_partner_done(&tx, ax->cmd->name, rc, &p)) == ADMIN_OK)
		printf("%s\n", id);
	return rc;
}

int
admin_partner_sandbox(struct admin_ctx *ax, int argc, char *argv[])
{
	struct partner_row sb;
	struct problem p;
	struct db *db;
	struct tx tx;
	int rc, created;

	if ((db = admin_db(ax)) == NULL)
		return ADMIN_FAIL;
	problem_clear(&p);
	rc = tx_begin(&tx, db, wallclock_now(), ADMIN_ACTOR, &p) == 0
	    ? sandbox_partner_tx(
	          &tx, argv[0], argc > 1 ? argv[1] : NULL, &sb, &created, &p)
	    : -1;
	if ((rc = admin_partner_done(&tx, ax->cmd->name, rc, &p)) == ADMIN_OK)
		printf("%s %s\n", sb.id, sb.program);
	return rc;
}

int
admin_partner_key(struct admin_ctx *ax, int argc, char *argv[])
{
	char key[PARTNER_KEY_MAX + 1], kid[PARTNER_KEY_ID_LEN + 1];
	struct problem p;
	struct db *db;
	struct tx tx;
	time_t now;
	int rc;

	(void)argc;
	if ((db = admin_db(ax)) == NULL)
		return ADMIN_FAIL;
	problem_clear(&p);
	now = wallclock_now();
	rc = tx_begin(&tx, db, now, ADMIN_ACTOR, &p) == 0
	    ? partner_key_create(
	          tx_db(&tx), argv[0], ADMIN_ACTOR, now, key, kid, &p)
	    : -1;
	if ((rc = admin_partner_done(&tx, ax->cmd->name, rc, &p)) == ADMIN_OK)
		printf("%s\n", key);
	memset(key, 0, sizeof(key));
	return rc;
}

int
admin_partner_key_revoke(struct admin_ctx *ax, int argc, char *argv[])
{
	struct problem p;
	struct db *db;
	struct tx tx;
	time_t now, at = 0;
	int rc;

	(void)argc;
	if ((db = admin_db(ax)) == NULL)
		return ADMIN_FAIL;
	problem_clear(&p);
	now = wallclock_now();
	rc = tx_begin(&tx, db, now, ADMIN_ACTOR, &p) == 0
	    ? partner_key_revoke(
	          tx_db(&tx), argv[0], argv[1], ADMIN_ACTOR, now, &at, &p)
	    : -1;
	return admin_partner_done(&tx, ax->cmd->name, rc, &p);
}
