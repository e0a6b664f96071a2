/*
 * The mail outbox, for operators (api/routes/h_outbox.c): mail jobs are rows of
 * table jobs (api/jobs/jobs.h); these read and requeue them.  The SQL is in
 * api/store/store_mail.c.
 */
#ifndef RXCA_STORE_OUTBOX_H
#define RXCA_STORE_OUTBOX_H

#include <stddef.h>
#include <time.h>

#include "common/problem.h"

#define STORE_OUTBOX_ID_MAX 72 /* bytes of an application id, with NUL */

struct db;

/* A mail job as operators see it. */
struct outbox_row {
	char id[24];                   /* jobs.id */
	char kind[48];                 /* e.g. email.code */
	char app[STORE_OUTBOX_ID_MAX]; /* "" if none */
	char state[16];                /* queued, dead */
	int attempts;
	time_t created_at, updated_at, run_at, expires_at; /* 0 if NULL */
	char *last_error; /* malloc'd, or NULL */
};

/* Mail jobs in state after job id after (NULL: from the first), limit of
 * them, oldest first, into *rows (*n; free with store_outbox_free).  0,
 * or -1 with p set. */
int store_outbox_list(struct db *db, const char *state, const char *after,
    int limit, struct outbox_row **rows, size_t *n, struct problem *p);
void store_outbox_free(struct outbox_row *rows, size_t n);

/* Mail job id, locked: fills id, kind, app, state. */
int store_outbox_lock(
    struct db *db, const char *id, struct outbox_row *row, struct problem *p);

/* Application app, locked: its status (statussz bytes) and the end of its
 * e-mail verification window. */
int store_outbox_app(struct db *db, const char *app, char *status,
    size_t statussz, time_t *verify_by, struct problem *p);

/* 1 if a newer email.code job of app than job exists, 0 if not, -1. */
int store_outbox_code_superseded(
    struct db *db, const char *app, const char *job, struct problem *p);

/* Mail job id queued again at now with no tries, until deadline (0:
 * none); the job runners are woken at commit.  0, or -1 with p set. */
int store_outbox_requeue(struct db *db, const char *id, time_t now,
    time_t deadline, struct problem *p);

#endif
