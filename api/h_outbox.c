/*
 * The operators' view of outgoing mail (issue 13, item 11):
 *
 *   GET  /v1/ops/outbox?state=dead|queued&after=<id>&limit=<n>
 *        auditor or admin: mail jobs in one state (dead by default),
 *        oldest first, paged by the last id seen.  Kind, application,
 *        tries, times and the last error; never a body, address or code.
 *   POST /v1/ops/outbox/{id}/resend
 *        admin: a dead mail is tried again at once, with a new deadline;
 *        a verification mail sends a valid code (a new one if the job's
 *        code has died).  Audited as outbox.resend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/audit.h"
#include "api/db.h"
#include "api/jobkinds.h"
#include "api/jobs.h"
#include "api/page.h"
#include "api/routes.h"
#include "api/store.h"
#include "api/store_mail.h"
#include "common/logger.h"

#define OUTBOX_DEFAULT_LIMIT 50
#define OUTBOX_MAX_LIMIT     200
#define OUTBOX_ID_MAX        18 /* digits of a job id (bigint) */

static json_t *
text_or_null(const PGresult *r, int row, int col)
{
	const char *v = db_get(r, row, col);

	return v != NULL ? json_string(v) : json_null();
}

/* 1 if s is a job id: 1 to OUTBOX_ID_MAX digits. */
static int
outbox_id_ok(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= OUTBOX_ID_MAX && s[n] == '\0';
}

static const char *const outbox_params[] = {"state", "after", "limit", NULL};
static const struct page_rule outbox_page = {
    OUTBOX_DEFAULT_LIMIT, OUTBOX_MAX_LIMIT, 32, PAGE_AFTER_TEXT, NULL};

void
h_ops_outbox(struct ctx *ctx)
{
	char state[16];
	PGresult *r = NULL;
	struct problem p;
	struct dbargs a;
	struct page pg;
	json_t *items, *o;
	int i, n;

	problem_clear(&p);
	if (ctx_known_query(ctx, outbox_params, &p) == -1)
		goto fail;
	if ((n = ctx_query(ctx, "state", state, sizeof(state), &p)) == -1)
		goto fail;
	if (n == 0)
		snprintf(state, sizeof(state), "dead");
	if (strcmp(state, "dead") != 0 && strcmp(state, "queued") != 0) {
		problem_field(&p, "state", "dead or queued");
		goto fail;
	}
	if (page_parse(ctx, &outbox_page, &pg, &p) == -1)
		goto fail;
	if (pg.has_after && !outbox_id_ok(pg.after)) {
		problem_field(&p, "after", "a mail id (digits)");
		goto fail;
	}
	dbargs_init(&a);
	dbargs_text(&a, state);
	dbargs_text(&a, pg.has_after ? pg.after : NULL);
	dbargs_int(&a, pg.limit);
	r = db_exec(ctx->db, &sql_outbox_list, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		goto fail;
	items = json_array();
	for (i = 0; i < PQntuples(r); i++) {
		o = json_pack("{s:s, s:s, s:o, s:s, s:I, s:o, s:o, s:o, s:o, "
		              "s:o}",
		    "id", db_get(r, i, 0), "kind", db_get(r, i, 1),
		    "application", text_or_null(r, i, 2), "state",
		    db_get(r, i, 3), "attempts",
		    (json_int_t)db_get_int(r, i, 4), "created_at",
		    reply_time(db_get_time(r, i, 5)), "last_try_at",
		    reply_time(db_get_time(r, i, 6)), "next_try_at",
		    strcmp(db_get(r, i, 3), "queued") == 0
		        ? reply_time(db_get_time(r, i, 7))
		        : json_null(),
		    "expires_at", reply_time(db_get_time(r, i, 8)),
		    "last_error", text_or_null(r, i, 9));
		json_array_append_new(items, o);
	}
	page_reply(ctx, items,
	    page_full(&pg, PQntuples(r))
	        ? json_string(db_get(r, PQntuples(r) - 1, 0))
	        : NULL);
	PQclear(r);
	return;
fail:
	PQclear(r);
	reply_problem(ctx, &p, NULL);
}

/*
 * A verification mail is worth sending again only while its application
 * waits for a code and no newer code was asked for.  0, or -1 with p set
 * (409).
 */
static int
outbox_code_wanted(
    struct ctx *ctx, const char *jobid, const char *appid, struct problem *p)
{
	PGresult *r = NULL;
	struct dbargs a;
	int rc = -1;

	dbargs_init(&a);
	dbargs_text(&a, appid);
	r = db_exec(ctx->db, &sql_app_for_mail, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	if (PQntuples(r) != 1 ||
	    strcmp(db_get(r, 0, 0), "email_pending") != 0 ||
	    ctx->now > db_get_time(r, 0, 3)) {
		problem_set(p, 409, "not-pending", "Not waiting for a code",
		    "The application no longer waits for its e-mail address "
		    "to be verified (%s).",
		    PQntuples(r) == 1 ? db_get(r, 0, 0) : "gone");
		goto out;
	}
	PQclear(r);
	dbargs_init(&a);
	dbargs_text(&a, appid);
	dbargs_text(&a, jobid);
	r = db_exec(ctx->db, &sql_mail_code_superseded, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	if (PQntuples(r) > 0) {
		problem_set(p, 409, "superseded", "Superseded",
		    "A newer verification code was asked for since; this mail "
		    "would not be sent.");
		goto out;
	}
	rc = 0;
out:
	PQclear(r);
	return rc;
}

void
h_ops_outbox_resend(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id");
	char kind[64], appid[64], actor[64];
	PGresult *r = NULL;
	struct problem p;
	struct dbargs a;
	json_t *details;
	time_t deadline;
	int rc;

	problem_clear(&p);
	if (!outbox_id_ok(id)) {
		problem_set(&p, 404, "not-found", "Not found", "No such mail.");
		goto reply;
	}
	if (db_begin(ctx->db, &p) == -1)
		goto reply;
	dbargs_init(&a);
	dbargs_text(&a, id);
	r = db_exec(ctx->db, &sql_outbox_lock, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		goto fail;
	if (PQntuples(r) != 1) {
		problem_set(&p, 404, "not-found", "Not found", "No such mail.");
		goto fail;
	}
	if (strcmp(db_get(r, 0, 2), "dead") != 0) {
		problem_set(&p, 409, "not-dead", "Not dead",
		    "This mail is %s: only a dead mail is sent again.",
		    db_get(r, 0, 2));
		goto fail;
	}
	snprintf(kind, sizeof(kind), "%s", db_get(r, 0, 0));
	snprintf(appid, sizeof(appid), "%s",
	    db_get(r, 0, 1) != NULL ? db_get(r, 0, 1) : "");
	PQclear(r);
	r = NULL;
	if (strcmp(kind, JOB_EMAIL_CODE) == 0 &&
	    outbox_code_wanted(ctx, id, appid, &p) == -1)
		goto fail;
	deadline = jobs_mail_deadline(ctx->app->cfg, kind, ctx->now);
	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_time(&a, ctx->now);
	if (deadline != 0)
		dbargs_time(&a, deadline);
	else
		dbargs_text(&a, NULL);
	rc = db_run(ctx->db, &sql_outbox_requeue, &a, &p);
	dbargs_free(&a);
	if (rc == -1)
		goto fail;
	snprintf(actor, sizeof(actor), "operator:%s", ctx->operator_id);
	details = json_pack("{s:s, s:s?}", "kind", kind, "application",
	    appid[0] ? appid : NULL);
	rc = audit_append(
	    ctx->db, ctx->now, actor, "outbox.resend", id, details, &p);
	json_decref(details);
	if (rc == -1 || db_run(ctx->db, &sql_outbox_notify, NULL, &p) == -1 ||
	    db_commit(ctx->db, &p) == -1)
		goto fail;
	log_info("dead mail queued again", "job=%s kind=%s operator=%s", id,
	    kind, ctx->operator_id);
	reply_json(ctx, 202,
	    json_pack(
	        "{s:s, s:s, s:s}", "id", id, "kind", kind, "state", "queued"));
	return;
fail:
	PQclear(r);
	db_rollback(ctx->db);
reply:
	reply_problem(ctx, &p, NULL);
}
