/* The unit of work: see api/store/tx.h. */
#include <stdio.h>
#include <string.h>

#include "api/store/audit.h"
#include "api/store/db.h"
#include "api/store/tx.h"
#include "common/logger.h"

int
tx_begin(struct tx *tx, struct db *db, time_t now, const char *actor,
    struct problem *p)
{
	memset(tx, 0, sizeof(*tx));
	tx->db = db;
	tx->now = now;
	if (actor == NULL || strlen(actor) >= sizeof(tx->actor)) {
		log_error("a unit of work without a usable actor", NULL);
		return problem_internal(p);
	}
	snprintf(tx->actor, sizeof(tx->actor), "%s", actor);
	if (db_begin(db, p) == -1)
		return -1;
	tx->open = 1;
	return 0;
}

void
tx_join(struct tx *tx, struct db *db, time_t now, const char *actor)
{
	memset(tx, 0, sizeof(*tx));
	tx->db = db;
	tx->now = now;
	snprintf(tx->actor, sizeof(tx->actor), "%s",
	    actor != NULL ? actor : "system");
	tx->open = 1;
	tx->joined = 1;
}

struct db *
tx_db(const struct tx *tx)
{
	return tx->db;
}

int
tx_audit_as(struct tx *tx, const char *actor, const char *action,
    const char *subject, json_t *details, struct problem *p)
{
	if (!tx->open) {
		log_error("audit record outside a unit of work", "action=%s",
		    action != NULL ? action : "");
		return problem_internal(p);
	}
	return audit_append(
	    tx->db, tx->now, actor, action, subject, details, p);
}

int
tx_audit(struct tx *tx, const char *action, const char *subject,
    json_t *details, struct problem *p)
{
	return tx_audit_as(tx, tx->actor, action, subject, details, p);
}

int
tx_savepoint(struct tx *tx, struct problem *p)
{
	return db_savepoint(tx->db, p);
}

int
tx_rollback_savepoint(struct tx *tx, struct problem *p)
{
	return db_rollback_savepoint(tx->db, p);
}

void
tx_batch(struct tx *tx)
{
	db_batch(tx->db);
}

int
tx_flush(struct tx *tx, struct problem *p)
{
	return db_flush(tx->db, p);
}

int
tx_commit(struct tx *tx, struct problem *p)
{
	if (!tx->open) {
		log_error("commit of a unit of work that is not open", NULL);
		return problem_internal(p);
	}
	if (tx->joined) {
		log_error("commit of a joined unit of work", NULL);
		return problem_internal(p);
	}
	tx->open = 0;
	return db_commit(tx->db, p);
}

int
tx_commit_unflushed(struct tx *tx, struct problem *p)
{
	if (tx->open && !tx->joined)
		db_commit_unflushed(tx->db);
	return tx_commit(tx, p);
}

void
tx_abort(struct tx *tx)
{
	if (tx == NULL || !tx->open)
		return;
	tx->open = 0;
	if (!tx->joined)
		db_rollback(tx->db);
}
