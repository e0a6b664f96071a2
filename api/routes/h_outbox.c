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

#include "api/service/app.h"
#include "api/jobs/jobkinds.h"
#include "api/jobs/jobs.h"
#include "api/routes/page.h"
#include "api/routes/routes.h"
#include "api/store/store_outbox.h"
#include "api/store/tx.h"
#include "common/logger.h"
#include "common/wallclock.h"

#define OUTBOX_DEFAULT_LIMIT 50
#define OUTBOX_MAX_LIMIT     200
#define OUTBOX_ID_MAX        18 /* digits of a job id (bigint) */

static json_t *
text_or_null(const char *v)
{
	return v != NULL && v[0] != '\0' ? json_string(v) : json_null();
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
static const char *const outbox_states[] = {"dead", "queued", NULL};
static const struct page_filter outbox_filter = {
    "state", outbox_states, NULL, "dead", "dead or queued"};

void
h_ops_outbox(struct ctx *ctx)
{
	char state[16];
	struct outbox_row *rows = NULL;
	struct problem p;
	struct page pg;
	json_t *items, *o;
	size_t i, nrows = 0;

	problem_clear(&p);
	if (page_parse_filtered(ctx, outbox_params, &outbox_filter, state,
	        sizeof(state), &outbox_page, &pg, &p) == -1)
		goto fail;
	if (pg.has_after && !outbox_id_ok(pg.after)) {
		problem_field(&p, "after", "a mail id (digits)");
		goto fail;
	}
	if (store_outbox_list(ctx->db, state, pg.has_after ? pg.after : NULL,
	        pg.limit, &rows, &nrows, &p) == -1)
		goto fail;
	items = json_array();
	for (i = 0; i < nrows; i++) {
		o = json_pack("{s:s, s:s, s:o, s:s, s:I, s:o, s:o, s:o, s:o, "
		              "s:o}",
		    "id", rows[i].id, "kind", rows[i].kind, "application",
		    text_or_null(rows[i].app), "state", rows[i].state,
		    "attempts", (json_int_t)rows[i].attempts, "created_at",
		    wallclock_json(rows[i].created_at), "last_try_at",
		    wallclock_json(rows[i].updated_at), "next_try_at",
		    strcmp(rows[i].state, "queued") == 0
		        ? wallclock_json(rows[i].run_at)
		        : json_null(),
		    "expires_at", wallclock_json(rows[i].expires_at),
		    "last_error", text_or_null(rows[i].last_error));
		json_array_append_new(items, o);
	}
	page_reply(ctx, items,
	    page_full(&pg, (int)nrows) ? json_string(rows[nrows - 1].id)
	                               : NULL);
	store_outbox_free(rows, nrows);
	return;
fail:
	store_outbox_free(rows, nrows);
	reply_problem(ctx, &p, NULL);
}

/*
 * A verification mail is worth sending again only while its application
 * waits for a code and no newer code was asked for.  0, or -1 with p set
 * (409).
 */
static int
outbox_code_wanted(
    struct tx *tx, const char *jobid, const char *appid, struct problem *p)
{
	char status[32];
	time_t verify_by;
	int found, newer;

	if ((found = store_outbox_app(tx_db(tx), appid, status, sizeof(status),
	         &verify_by, p)) == -1)
		return -1;
	if (!found || strcmp(status, "email_pending") != 0 ||
	    tx->now > verify_by)
		return problem_set(p, 409, "not-pending",
		    "Not waiting for a code",
		    "The application no longer waits for its e-mail address "
		    "to be verified (%s).",
		    found ? status : "gone");
	if ((newer = store_outbox_code_superseded(
	         tx_db(tx), appid, jobid, p)) == -1)
		return -1;
	if (newer)
		return problem_set(p, 409, "superseded", "Superseded",
		    "A newer verification code was asked for since; this mail "
		    "would not be sent.");
	return 0;
}

void
h_ops_outbox_resend(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id");
	char actor[64];
	struct outbox_row job;
	struct problem p;
	struct tx tx;
	json_t *details;
	time_t deadline;
	int found, rc;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	if (!outbox_id_ok(id)) {
		problem_set(&p, 404, "not-found", "Not found", "No such mail.");
		goto fail;
	}
	snprintf(actor, sizeof(actor), "operator:%s", ctx->operator_id);
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1)
		goto fail;
	if ((found = store_outbox_lock(tx_db(&tx), id, &job, &p)) == -1)
		goto fail;
	if (!found) {
		problem_set(&p, 404, "not-found", "Not found", "No such mail.");
		goto fail;
	}
	if (strcmp(job.state, "dead") != 0) {
		problem_set(&p, 409, "not-dead", "Not dead",
		    "This mail is %s: only a dead mail is sent again.",
		    job.state);
		goto fail;
	}
	if (strcmp(job.kind, JOB_EMAIL_CODE) == 0 &&
	    outbox_code_wanted(&tx, id, job.app, &p) == -1)
		goto fail;
	deadline = jobs_mail_deadline(ctx->app->cfg, job.kind, ctx->now);
	if (store_outbox_requeue(tx_db(&tx), id, ctx->now, deadline, &p) == -1)
		goto fail;
	details = json_pack("{s:s, s:s?}", "kind", job.kind, "application",
	    job.app[0] ? job.app : NULL);
	rc = tx_audit(&tx, "outbox.resend", id, details, &p);
	json_decref(details);
	if (rc == -1 || tx_commit(&tx, &p) == -1)
		goto fail;
	log_info("dead mail queued again", "job=%s kind=%s operator=%s", id,
	    job.kind, ctx->operator_id);
	reply_json(ctx, 202,
	    json_pack("{s:s, s:s, s:s}", "id", id, "kind", job.kind, "state",
	        "queued"));
	return;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
}
