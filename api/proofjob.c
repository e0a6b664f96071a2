#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/audit.h"
#include "api/db.h"
#include "api/jobkinds.h"
#include "api/jobs.h"
#include "api/mailer.h"
#include "api/mailjob.h"
#include "api/payment.h"
#include "api/proofjob.h"
#include "api/store.h"
#include "api/store_ca.h"
#include "api/store_proofing.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/xmalloc.h"
#include "proofing/decision.h"
#include "proofing/idcheck.h"
#include "proofing/provider_http.h"

/* Extra tries of the job past RXCA_IDV_MAX_ATTEMPTS, for database faults. */
#define CHECK_SPARE_TRIES 3

#define NOTE_STARTED  "identity check started"
#define NOTE_IDV      "identity data sources answered"
#define NOTE_AVS      "card address check answered"
#define NOTE_RETRY    "a data source did not answer; trying again"
#define NOTE_GIVEN_UP "the data sources did not answer; sent to review"

int
proofjob_enqueue_check(struct app *app, struct db *db, const char *id,
    time_t now, struct problem *p)
{
	return jobs_add(db, app->cfg, JOB_IDENTITY_CHECK, id, NULL, now, p);
}

/* The application row of sql_proof_app_lock as a subject (borrowed). */
static void
subject_from(const PGresult *r, struct idcheck_subject *s)
{
	s->given_name = db_get(r, 0, 4);
	s->middle_name = db_get(r, 0, 5);
	s->family_name = db_get(r, 0, 6);
	s->date_of_birth = db_get(r, 0, 7);
	s->email = db_get(r, 0, 8);
	s->phone = db_get(r, 0, 9);
	s->line1 = db_get(r, 0, 10);
	s->line2 = db_get(r, 0, 11);
	s->city = db_get(r, 0, 12);
	s->state = db_get(r, 0, 13);
	s->postal_code = db_get(r, 0, 14);
	s->country = db_get(r, 0, 15);
	s->ssn_last4 = db_get(r, 0, 16);
	s->card_token = db_get(r, 0, 17);
}

/* One provider's answer (or failure) as an identity_checks row. */
struct answer {
	const char *provider;                /* "idv" or "avs" */
	char request_id[IDCHECK_REQUEST_ID]; /* sent */
	int ok;                              /* usable answer in outcome */
	const char *outcome;                 /* contract name, or "error" */
	int score;                           /* idv only; -1 none */
	json_t *reasons;                     /* idv reason codes (owned) */
	char error[320];                     /* why there is no answer */
};

static int
answer_record(struct db *db, const char *id, const struct answer *an,
    int attempt, time_t now, struct problem *p)
{
	struct dbargs a;
	char *reasons;
	int rc;

	reasons =
	    an->reasons != NULL ? json_dumps(an->reasons, JSON_COMPACT) : NULL;
	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, an->provider);
	dbargs_text(&a, an->request_id);
	dbargs_int(&a, attempt);
	dbargs_text(&a, an->outcome);
	if (an->score >= 0)
		dbargs_int(&a, an->score);
	else
		dbargs_text(&a, NULL);
	dbargs_text(&a, reasons != NULL ? reasons : "[]");
	dbargs_text(&a, an->ok ? NULL : an->error);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_check_insert, &a, p);
	dbargs_free(&a);
	free(reasons);
	return rc;
}

/* Calls one provider; fills an (ok or error).  Never fails otherwise. */
static void
ask(struct app *app, const char *base, const char *key, const char *path,
    char *body, struct answer *an, struct idv_answer *idv, enum avs_result *avs)
{
	const struct config *c = app->cfg;
	struct provider_endpoint ep;
	struct provider_reply reply;
	struct problem q;
	int i, rc;

	problem_clear(&q);
	an->ok = 0;
	an->outcome = "error";
	an->score = -1;
	if (base[0] == '\0') {
		snprintf(an->error, sizeof(an->error), "not configured");
		return;
	}
	ep.base_url = base;
	ep.api_key = key;
	ep.ca_file = c->provider_ca_file;
	ep.connect_ms = c->provider_connect_ms;
	ep.total_ms = c->provider_timeout_ms;
	if (provider_post(&ep, path, body, an->request_id, &reply, &q) == -1) {
		snprintf(
		    an->error, sizeof(an->error), "%s: %s", q.type, q.detail);
		return;
	}
	if (idv != NULL)
		rc = idcheck_idv_parse(
		    reply.body, reply.len, an->request_id, idv, &q);
	else
		rc = idcheck_avs_parse(
		    reply.body, reply.len, an->request_id, avs, &q);
	provider_reply_free(&reply);
	if (rc == -1) {
		snprintf(
		    an->error, sizeof(an->error), "%s: %s", q.type, q.detail);
		return;
	}
	an->ok = 1;
	if (idv != NULL) {
		an->outcome = idcheck_idv_name(idv->decision);
		an->score = idv->score;
		an->reasons = json_array();
		for (i = 0; i < idv->nreasons; i++)
			json_array_append_new(
			    an->reasons, json_string(idv->reasons[i]));
	} else
		an->outcome = idcheck_avs_name(*avs);
}

/* Reads the earlier usable answers into in (from sql_check_latest). */
static int
load_answers(
    struct db *db, const char *id, struct decision_input *in, struct problem *p)
{
	PGresult *r;
	struct dbargs a;
	json_error_t err;
	json_t *reasons, *v;
	size_t k;
	int i;

	dbargs_init(&a);
	dbargs_text(&a, id);
	r = db_exec(db, &sql_check_latest, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	for (i = 0; i < PQntuples(r); i++) {
		if (strcmp(db_get(r, i, 0), "idv") == 0 &&
		    idcheck_idv_parse_name(
		        db_get(r, i, 1), &in->idv.decision) == 0) {
			in->idv_answered = 1;
			in->idv.score = (int)db_get_int(r, i, 2);
			reasons = json_loads(db_get(r, i, 3), 0, &err);
			json_array_foreach(reasons, k, v)
			{
				if (k >= IDCHECK_MAX_REASONS ||
				    !json_is_string(v))
					break;
				snprintf(in->idv.reasons[k],
				    sizeof(in->idv.reasons[k]), "%s",
				    json_string_value(v));
				in->idv.nreasons = (int)k + 1;
			}
			json_decref(reasons);
		} else if (strcmp(db_get(r, i, 0), "avs") == 0 &&
		    idcheck_avs_parse_name(db_get(r, i, 1), &in->avs) == 0)
			in->avs_answered = 1;
	}
	PQclear(r);
	return 0;
}

/*
 * Asks one provider about s; fills an (an->ok says whether it answered) and,
 * on an answer, in.  No database work: the outbound call happens before any
 * audit record takes the audit chain's lock.
 */
static void
ask_provider(struct app *app, const char *id, const struct job *job,
    const struct idcheck_subject *s, int is_idv, struct decision_input *in,
    struct answer *an)
{
	const struct config *c = app->cfg;
	char *body;

	memset(an, 0, sizeof(*an));
	an->provider = is_idv ? "idv" : "avs";
	snprintf(an->request_id, sizeof(an->request_id), "%s_%s_%d",
	    an->provider, id, job->attempt);
	body = is_idv ? idcheck_idv_request(s, an->request_id)
	              : idcheck_avs_request(s, an->request_id);
	if (body == NULL) {
		snprintf(
		    an->error, sizeof(an->error), "incomplete application");
		an->outcome = "error";
		an->score = -1;
	} else if (is_idv)
		ask(app, c->idv_url, c->idv_api_key, "/v1/identity-checks",
		    body, an, &in->idv, NULL);
	else
		ask(app, c->avs_url, c->avs_api_key,
		    "/v1/address-verifications", body, an, NULL, &in->avs);
	if (body != NULL) {
		memset(body, 0, strlen(body));
		free(body);
	}
	if (is_idv)
		in->idv_answered = an->ok;
	else
		in->avs_answered = an->ok;
	if (!an->ok)
		log_warn("identity provider did not answer",
		    "app=%s provider=%s try=%d error=\"%s\"", id, an->provider,
		    job->attempt, an->error);
}

/* Records an answer: its identity_checks row, timeline note and audit
 * record.  0, or -1 with p set. */
static int
record_answer(struct db *db, const char *id, const struct job *job,
    const struct answer *an, time_t now, struct problem *p)
{
	json_t *details;
	int rc;

	rc = answer_record(db, id, an, job->attempt, now, p);
	if (rc == 0 && an->ok)
		rc = app_note(db, id, "proofing", "system",
		    strcmp(an->provider, "idv") == 0 ? NOTE_IDV : NOTE_AVS, now,
		    p);
	if (rc == 0) {
		details = json_pack("{s:s, s:s, s:i, s:s, s:O?}", "request_id",
		    an->request_id, "outcome", an->outcome, "attempt",
		    job->attempt, "error", an->ok ? "" : an->error, "reasons",
		    an->reasons);
		rc = audit_append(db, now, "system",
		    strcmp(an->provider, "idv") == 0 ? "identity.idv_checked"
		                                     : "identity.avs_checked",
		    id, details, p);
		json_decref(details);
	}
	return rc;
}

/* The retrieval kit of an approved application: printed later. */
static int
kit_create(struct app *app, struct db *db, const char *id, time_t now,
    struct problem *p)
{
	struct dbargs a;
	char kid[32];
	json_t *details;
	int rc;

	rand_id("kit_", kid, sizeof(kid));
	dbargs_init(&a);
	dbargs_text(&a, kid);
	dbargs_text(&a, id);
	dbargs_time(&a, now + (time_t)app->cfg->kit_days * 86400);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_kit_create, &a, p);
	dbargs_free(&a);
	if (rc == -1)
		return -1;
	details = json_pack("{s:s}", "application", id);
	rc = audit_append(db, now, "system", "kit.created", kid, details, p);
	json_decref(details);
	return rc;
}

int
proofjob_decide(struct app *app, struct db *db, const char *id,
    const char *from, int approve, const char *actor, const char *reason,
    json_t *codes, json_t *details, time_t now, struct problem *p)
{
	PGresult *r;
	struct dbargs a;
	char *codes_text;
	int inserted;

	codes_text = codes != NULL ? json_dumps(codes, JSON_COMPACT) : NULL;
	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, approve ? "approve" : "reject");
	dbargs_text(&a, actor);
	dbargs_text(&a, reason);
	dbargs_text(&a, codes_text != NULL ? codes_text : "[]");
	dbargs_time(&a, now);
	r = db_exec(db, &sql_decision_insert, &a, p);
	dbargs_free(&a);
	free(codes_text);
	if (r == NULL)
		return -1;
	inserted = PQntuples(r) == 1;
	PQclear(r);
	if (!inserted)
		return problem_set(p, 409, "already-decided", "Already decided",
		    "This application has already been decided.");
	if (app_move(db, id, from, approve ? "approved" : "rejected", actor,
	        reason, now, details, p) == -1)
		return -1;
	if (approve && kit_create(app, db, id, now, p) == -1)
		return -1;
	if (payment_on_outcome(app, db, id, approve, 0, now, p) == -1)
		return -1;
	return jobs_add(db, app->cfg, JOB_EMAIL_DECISION, id, NULL, now, p);
}

/* Applies the rules to in and records the outcome. */
static int
conclude(struct app *app, struct db *db, const char *id,
    const struct decision_input *in, const char *extra_note, time_t now,
    struct problem *p)
{
	struct decision d;
	json_t *details, *codes;
	int i, rc;

	decision_make(in, &d);
	codes = json_pack("[s]", d.code);
	for (i = 0; in->idv_answered && i < in->idv.nreasons; i++)
		json_array_append_new(codes, json_string(in->idv.reasons[i]));
	details = json_pack("{s:s, s:s, s:O, s:s, s:s}", "rule", d.code,
	    "verdict", decision_verdict_name(d.verdict), "codes", codes, "idv",
	    in->idv_answered ? idcheck_idv_name(in->idv.decision) : "none",
	    "avs", in->avs_answered ? idcheck_avs_name(in->avs) : "none");
	if (extra_note != NULL &&
	    app_note(db, id, "proofing", "system", extra_note, now, p) == -1) {
		rc = -1;
		goto out;
	}
	if (d.verdict == VERDICT_REVIEW)
		rc = app_move(db, id, "proofing", "review", "system", d.message,
		    now, details, p);
	else
		rc = proofjob_decide(app, db, id, "proofing",
		    d.verdict == VERDICT_APPROVE, "system", d.message, codes,
		    details, now, p);
	if (rc == 0)
		log_info("identity check decided", "app=%s verdict=%s rule=%s",
		    id, decision_verdict_name(d.verdict), d.code);
out:
	json_decref(codes);
	json_decref(details);
	return rc;
}

int
proofjob_identity_check(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	const char *id = job->app_id;
	const char *dea;
	PGresult *r = NULL;
	struct dbargs a;
	struct idcheck_subject s;
	struct decision_input in;
	struct answer idv, avs;
	int rc = JOB_FAILED, got, last, asked_idv = 0, asked_avs = 0;

	if (id == NULL)
		return JOB_DONE;
	dbargs_init(&a);
	dbargs_text(&a, id);
	r = db_exec(db, &sql_proof_app_lock, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	if (PQntuples(r) != 1 || strcmp(db_get(r, 0, 0), "proofing") != 0) {
		rc = JOB_DONE; /* decided, withdrawn or gone */
		goto out;
	}
	memset(&in, 0, sizeof(in));
	in.policy = strcmp(db_get(r, 0, 1), "nist-800-63") == 0 ? POLICY_NIST
	                                                        : POLICY_IGC;
	in.epcs = strcmp(db_get(r, 0, 2), "t") == 0;
	dea = db_get(r, 0, 3);
	in.has_dea = dea != NULL && dea[0] != '\0';
	subject_from(r, &s);
	last = job->attempt >= app->cfg->idv_max_attempts;

	if (job->attempt == 1 &&
	    app_note(db, id, "proofing", "system", NOTE_STARTED, now, p) == -1)
		goto out;
	if (load_answers(db, id, &in, p) == -1)
		goto out;
	if (in.epcs && !in.has_dea) {
		rc = conclude(app, db, id, &in, NULL, now, p) == 0 ? JOB_DONE
		                                                   : JOB_FAILED;
		goto out;
	}
	/* Every outbound call first, then the writes. */
	asked_idv = !in.idv_answered;
	asked_avs = !in.avs_answered;
	if (asked_idv)
		ask_provider(app, id, job, &s, 1, &in, &idv);
	if (asked_avs)
		ask_provider(app, id, job, &s, 0, &in, &avs);
	got = in.idv_answered && in.avs_answered;
	if ((asked_idv && record_answer(db, id, job, &idv, now, p) == -1) ||
	    (asked_avs && record_answer(db, id, job, &avs, now, p) == -1))
		goto fail;
	/*
	 * A provider that is not configured will not answer on a later try
	 * either; one that failed may.
	 */
	if (!got && !last &&
	    ((!in.idv_answered && app->cfg->idv_url[0] != '\0') ||
	        (!in.avs_answered && app->cfg->avs_url[0] != '\0'))) {
		if (app_note(
		        db, id, "proofing", "system", NOTE_RETRY, now, p) == -1)
			goto fail;
		problem_set(p, 503, "provider-unavailable",
		    "Provider unavailable",
		    "an identity provider did not answer (try %d of %d)",
		    job->attempt, app->cfg->idv_max_attempts);
		rc = JOB_DEFERRED;
		goto out;
	}
	rc = conclude(app, db, id, &in, got ? NULL : NOTE_GIVEN_UP, now, p) == 0
	    ? JOB_DONE
	    : JOB_FAILED;
	goto out;
fail:
	rc = JOB_FAILED;
out:
	if (asked_idv)
		json_decref(idv.reasons);
	if (asked_avs)
		json_decref(avs.reasons);
	PQclear(r);
	return rc;
}

int
proofjob_decision_mail(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	PGresult *r = NULL;
	struct dbargs a;
	char *body = NULL;
	const char *decision, *reason, *email, *given;
	json_t *details;
	int approve, rc = JOB_FAILED;

	if (job->app_id == NULL)
		return JOB_DONE;
	dbargs_init(&a);
	dbargs_text(&a, job->app_id);
	r = db_exec(db, &sql_decision_for_mail, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	if (PQntuples(r) != 1) {
		rc = JOB_DONE;
		goto out;
	}
	decision = db_get(r, 0, 0);
	reason = db_get(r, 0, 1);
	email = db_get(r, 0, 2);
	given = db_get(r, 0, 3);
	approve = strcmp(decision, "approve") == 0;
	if (approve)
		body = xprintf(
		    "Hello %s,\n\n"
		    "Your identity has been verified and application %s is "
		    "approved.\n\n"
		    "A retrieval kit will be mailed to your home address: "
		    "it holds the activation code you need to retrieve your "
		    "certificate and, if you ordered a new token, the token "
		    "and its initial passcode.\n\n"
		    "You can see where your application stands at any time "
		    "with your application id and account password.\n",
		    given, job->app_id);
	else
		body = xprintf("Hello %s,\n\n"
		               "We are sorry: application %s could not be "
		               "approved.\n\n"
		               "Reason: %s\n\n"
		               "You may apply again.  No certificate will be "
		               "issued for this application.\n",
		    given, job->app_id, reason);
	if (mailer_send(app->mailer, email,
	        approve ? "Your rxca application is approved"
	                : "Your rxca application could not be approved",
	        body, p) == -1)
		goto out;
	atomic_fetch_add(&app->emails_sent, 1);
	details = json_pack("{s:s}", "decision", decision);
	rc = audit_append(db, now, "system", "email.decision_sent", job->app_id,
	         details, p) == 0
	    ? JOB_DONE
	    : JOB_FAILED;
	json_decref(details);
out:
	free(body);
	PQclear(r);
	return rc;
}

void
proofjob_sweep_lapse(struct app *app, struct db *db, time_t now)
{
	PGresult *r = NULL;
	struct dbargs a;
	struct problem p;
	int i, n;

	problem_clear(&p);
	if (db_begin(db, &p) == -1)
		return;
	dbargs_init(&a);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_sweep_lapse, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		goto fail;
	for (i = 0; i < PQntuples(r); i++) {
		dbargs_init(&a);
		dbargs_text(&a, db_get(r, i, 0));
		if (db_run(db, &sql_code_kill, &a, &p) == -1) {
			dbargs_free(&a);
			goto fail;
		}
		dbargs_free(&a);
		if (app_record(db, db_get(r, i, 0), "email_pending", "lapsed",
		        "system", "e-mail not verified within the window", now,
		        NULL, &p) == -1 ||
		    payment_on_outcome(
		        app, db, db_get(r, i, 0), 0, 1, now, &p) == -1)
			goto fail;
	}
	n = PQntuples(r);
	if (db_commit(db, &p) == -1)
		goto fail;
	PQclear(r);
	if (n > 0)
		log_info("applications lapsed", "count=%d", n);
	return;
fail:
	PQclear(r);
	db_rollback(db);
}

/* The tries of an identity check: RXCA_IDV_MAX_ATTEMPTS asks of the
 * providers and a few more for outages of our own. */
static int
check_attempts(const struct config *cfg)
{
	return cfg->idv_max_attempts + CHECK_SPARE_TRIES;
}

static const struct job_kind proof_kinds[] = {
    {.name = JOB_IDENTITY_CHECK,
        .run = proofjob_identity_check,
        .attempts = check_attempts,
        .backoff = JOB_BACKOFF_JOB},
    {.name = JOB_EMAIL_DECISION,
        .run = proofjob_decision_mail,
        .backoff = JOB_BACKOFF_MAIL,
        .life_days = mailjob_kit_days,
        .dead = mailjob_lost,
        .note = "We could not e-mail you the decision on your application; "
                "you can ask for that e-mail again."},
};

int
proofjob_jobs_register(void)
{
	if (jobs_register_all(proof_kinds,
	        sizeof(proof_kinds) / sizeof(proof_kinds[0])) == -1)
		return -1;
	return jobs_register_sweep("lapse", proofjob_sweep_lapse);
}
