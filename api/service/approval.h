/*
 * Dual control (docs/operations.md, "Dual control"): the actions listed in
 * RXCA_DUAL_CONTROL need two operators.  The first one's request records a
 * pending approval (approval_request_tx); a different operator confirms
 * or rejects it (approval_lock_tx, then approval_decide_tx) before
 * RXCA_DUAL_CONTROL_EXPIRY has passed.  Only a confirmation lets the
 * action take effect, in the confirming unit of work.  The routes and the
 * actions themselves are in api/routes/h_approvals.c.
 */
#ifndef RXCA_APPROVAL_H
#define RXCA_APPROVAL_H

#include <time.h>

#include <jansson.h>

#include "api/store/store_approval.h"
#include "common/problem.h"

struct config;
struct db;
struct tx;

/* 1 if action (a name RXCA_DUAL_CONTROL may list) needs two operators
 * under cfg, else 0 (also for a name it may not list). */
int approval_needed(const struct config *cfg, const char *action);

/*
 * Records, in tx (its now), operator's request of action on target with
 * params (a JSON object, borrowed): a pending approval that expires
 * RXCA_DUAL_CONTROL_EXPIRY from now, audited as approval.requested.  The
 * new row into row (requested_name from name).  0, or -1 with p set; 409
 * approval-pending, with the approval that waits for the same action on
 * the same target into row, when there is one (one past its expiry no
 * longer counts).
 */
int approval_request_tx(struct tx *tx, const struct config *cfg,
    const char *action, const char *target, json_t *params,
    const char *operator_id, const char *name, struct approval_row *row,
    struct problem *p);

/*
 * Whether operator_id may decide row at now: 0, or -1 with p set: 409
 * approval-decided (confirmed or rejected already), 410
 * approval-expired, 403 same-operator (the operator asked for it).
 */
int approval_check(const struct approval_row *row, const char *operator_id,
    time_t now, struct problem *p);

/* Locks approval id in tx into row and checks it (approval_check at tx's
 * now): 0, or -1 with p set (404 if there is none). */
int approval_lock_tx(struct tx *tx, const char *id, const char *operator_id,
    struct approval_row *row, struct problem *p);

/*
 * Records on db, in a unit of work of its own at now by actor, that
 * operator_id's decision of row (confirm, else reject) was refused with
 * why (403 forbidden or same-operator, 409 approval-decided, 410
 * approval-expired): an audit record approval.refused naming the refusal.
 * The refused decision itself changed nothing (its unit of work, if any,
 * is aborted first).  0, or -1 with p set.
 */
int approval_refused(struct db *db, time_t now, const char *actor,
    const struct approval_row *row, int confirm, const char *operator_id,
    const struct problem *why, struct problem *p);

/*
 * Decides the approval row (locked by approval_lock_tx in tx) by
 * operator_id (name for row): confirmed if confirm, else rejected with
 * reason.  Audited as approval.confirmed or approval.rejected; row is
 * updated.  0, or -1 with p set.
 */
int approval_decide_tx(struct tx *tx, struct approval_row *row, int confirm,
    const char *operator_id, const char *name, const char *reason,
    struct problem *p);

#endif
