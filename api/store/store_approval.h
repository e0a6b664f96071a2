/*
 * The storage of dual control (migrations/0016_approvals.sql): pending
 * actions that one operator asked for and another confirms or rejects
 * (api/service/approval.h).  Typed rows in and out; the SQL stays in
 * api/store/store_approval.c.  Every time is a parameter from the clock.
 */
#ifndef RXCA_STORE_APPROVAL_H
#define RXCA_STORE_APPROVAL_H

#include <stddef.h>
#include <time.h>

#include "common/problem.h"

#define STORE_APPROVAL_ID     32   /* bytes of an id, with its NUL */
#define STORE_APPROVAL_ACTION 24   /* bytes of an action name */
#define STORE_APPROVAL_TARGET 80   /* bytes of a target id or serial */
#define STORE_APPROVAL_PARAMS 4096 /* bytes of the parameters' JSON */
#define STORE_APPROVAL_NAME   72   /* bytes of an operator's name */
#define STORE_APPROVAL_REASON 1024 /* bytes of a rejection's reason */

struct db;

/* A row of approvals, with the operators' names. */
struct approval_row {
	char id[STORE_APPROVAL_ID];               /* apr_... */
	char action[STORE_APPROVAL_ACTION];       /* "kit.print", ... */
	char target[STORE_APPROVAL_TARGET];       /* what it acts on */
	char params[STORE_APPROVAL_PARAMS];       /* JSON object */
	char requested_by[STORE_APPROVAL_ID];     /* operator id */
	char requested_name[STORE_APPROVAL_NAME]; /* their name */
	time_t requested_at;                      /* asked at */
	time_t expires_at;                        /* no effect from then */
	char status[16];                    /* pending, confirmed, rejected */
	char decided_by[STORE_APPROVAL_ID]; /* operator id, or "" */
	char decided_name[STORE_APPROVAL_NAME]; /* their name, or "" */
	time_t decided_at;                      /* or 0 while pending */
	char reason[STORE_APPROVAL_REASON];     /* of a rejection, or "" */
};

/* Records a pending approval: id, action, target, params (a JSON object
 * as text), requested_by (an operator id) at now until expires, unless an
 * approval of (action, target) is open (pending, and not lapsed: one past
 * its expiry at now lapses first).  1 if recorded, 0 if one is open, or
 * -1 with p set (409 conflict if the id exists). */
int store_approval_insert(struct db *db, const char *id, const char *action,
    const char *target, const char *params, const char *requested_by,
    time_t now, time_t expires, struct problem *p);

/* The open approval of (action, target) into row: 1, 0 if none, or -1
 * with p set. */
int store_approval_open(struct db *db, const char *action, const char *target,
    struct approval_row *row, struct problem *p);

/* Approval id into row (id may be row->id), locked FOR UPDATE if lock
 * (inside a transaction).  1, 0 if none, or -1 with p set. */
int store_approval_get(struct db *db, const char *id, int lock,
    struct approval_row *row, struct problem *p);

/*
 * Decides pending approval id: status "confirmed" or "rejected" (with a
 * reason, else NULL) by operator by at now.  1, 0 if it is not pending
 * (nothing changed), or -1 with p set.  It does not look at the expiry:
 * the caller refuses an expired one.
 */
int store_approval_decide(struct db *db, const char *id, const char *status,
    const char *by, const char *reason, time_t now, struct problem *p);

/* A page of approvals. */
struct approval_list {
	struct approval_row *rows; /* n of them */
	size_t n;
};

/*
 * Approvals in status, oldest asked first, after approval after (NULL:
 * from the first), limit at most, into l: "pending" those still pending
 * at now (expires_at after now), "expired" those pending past their
 * expiry, "confirmed" and "rejected" as stored.  0, or -1 with p set.  The
 * caller frees l with store_approval_list_free (also after -1).
 */
int store_approval_list(struct db *db, const char *status, time_t now,
    const char *after, int limit, struct approval_list *l, struct problem *p);
void store_approval_list_free(struct approval_list *l);

#endif
