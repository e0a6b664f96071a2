#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>

#include "api/service/app.h"
#include "api/config.h"
#include "api/jobs/jobkinds.h"
#include "api/jobs/jobs.h"
#include "api/out/mailer.h"
#include "api/service/mailjob.h"
#include "api/service/oidcflow.h"
#include "api/service/payment.h"
#include "api/service/proofjob.h"
#include "api/service/sandbox.h"
#include "api/store/store_partners.h"
#include "api/store/store_jobs.h"
#include "api/store/store_search.h"
#include "api/store/tx.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/xmalloc.h"
#include "proofing/decision.h"
#include "proofing/idcheck.h"
#include "proofing/provider_http.h"

/* Extra tries of the job past RXCA_IDV_MAX_ATTEMPTS, for database faults. */
#define CHECK_SPARE_TRIES 3
/* Seconds the lease of a check (or a decision mail) may run past the
 * timeouts of its outbound calls. */
#define LEASE_SLACK 60

#define NOTE_STARTED  "identity check started"
#define NOTE_IDV      "identity data sources answered"
#define NOTE_AVS      "card address check answered"
#define NOTE_RETRY    "a data source did not answer; trying again"
#define NOTE_GIVEN_UP "the data sources did not answer; sent to review"
#define NOTE_OIDC                                                              \
	"identity to be proofed by the applicant's sign-in at the OpenID "     \
	"provider"

int
proofjob_enqueue_check(struct app *app, struct db *db, const char *id,
    time_t now, struct problem *p)
{
	return jobs_add(db, app->cfg, JOB_IDENTITY_CHECK, id, NULL, now, p);
}

/* The application row as a subject (borrowed from row). */
static void
subject_from(const struct proof_app_row *row, struct idcheck_subject *s)
{
	s->given_name = row->given_name;
	s->middle_name = row->middle_name;
	s->family_name = row->family_name;
	s->date_of_birth = row->date_of_birth;
	s->email = row->email;
	s->phone = row->phone;
	s->line1 = row->line1;
	s->line2 = row->line2;
	s->city = row->city;
	s->state = row->state;
	s->postal_code = row->postal_code;
	s->country = row->country;
	s->ssn_last4 = row->ssn_last4;
	s->card_token = row->card_token;
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
	struct check_row c;
	char *reasons;
	int rc;

	reasons =
	    an->reasons != NULL ? json_dumps(an->reasons, JSON_COMPACT) : NULL;
	c.app = id;
	c.provider = an->provider;
	c.request_id = an->request_id;
	c.attempt = attempt;
	c.outcome = an->outcome;
	c.score = an->score;
	c.reasons = reasons;
	c.error = an->ok ? NULL : an->error;
	c.at = now;
	rc = store_proof_check_insert(db, &c, p);
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

/* The earlier usable answers (rows, n of them) into in. */
static void
load_answers(
    const struct check_answer *rows, size_t n, struct decision_input *in)
{
	json_error_t err;
	json_t *reasons, *v;
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (strcmp(rows[i].provider, "idv") == 0 &&
		    idcheck_idv_parse_name(
		        rows[i].outcome, &in->idv.decision) == 0) {
			in->idv_answered = 1;
			in->idv.score = rows[i].score >= 0 ? rows[i].score : 0;
			reasons = rows[i].reasons != NULL
			    ? json_loads(rows[i].reasons, 0, &err)
			    : NULL;
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
		} else if (strcmp(rows[i].provider, "avs") == 0 &&
		    idcheck_avs_parse_name(rows[i].outcome, &in->avs) == 0)
			in->avs_answered = 1;
	}
}

/*
 * Asks one provider about s; fills an (an->ok says whether it answered) and,
 * on an answer, in.  No database work: it runs between jobs_pause and
 * jobs_resume, with no transaction open and no lock held.
 */
static void
ask_provider(struct app *app, const char *id, const struct job *job,
    const struct idcheck_subject *s, int is_idv, int sandbox,
    struct decision_input *in, struct answer *an)
{
	const char *url, *key;
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
	} else {
		sandbox_provider(app->cfg, sandbox, is_idv, &url, &key);
		if (is_idv)
			ask(app, url, key, "/v1/identity-checks", body, an,
			    &in->idv, NULL);
		else
			ask(app, url, key, "/v1/address-verifications", body,
			    an, NULL, &in->avs);
	}
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

struct ask_arg {
	struct app *app;
	const char *id;
	const struct job *job;
	const struct idcheck_subject *s;
	int sandbox;
	struct decision_input *in;
	struct answer *an;
};

static void *
ask_avs_main(void *arg)
{
	struct ask_arg *a = arg;

	ask_provider(a->app, a->id, a->job, a->s, 0, a->sandbox, a->in, a->an);
	return NULL;
}

/*
 * Asks the providers whose answer is missing (idv, avs: NULL when not to be
 * asked), both at once when both are: a check waits for the slower provider,
 * not for the two one after the other.  The address check runs on a thread
 * of its own (ask_provider touches only its own answer and its own fields of
 * in); if that thread cannot start, the calls go one after the other, which
 * the lease (check_lease) allows for.
 */
static void
ask_both(struct app *app, const char *id, const struct job *job,
    const struct idcheck_subject *s, int sandbox, struct decision_input *in,
    struct answer *idv, struct answer *avs)
{
	struct ask_arg a = {app, id, job, s, sandbox, in, avs};
	pthread_t t;
	int threaded = 0;

	if (idv != NULL && avs != NULL)
		threaded = pthread_create(&t, NULL, ask_avs_main, &a) == 0;
	if (idv != NULL)
		ask_provider(app, id, job, s, 1, sandbox, in, idv);
	if (threaded)
		pthread_join(t, NULL);
	else if (avs != NULL)
		ask_provider(app, id, job, s, 0, sandbox, in, avs);
}

/* Records an answer: its identity_checks row, timeline note and audit
 * record.  0, or -1 with p set. */
static int
record_answer(struct tx *tx, const char *id, const struct job *job,
    const struct answer *an, struct problem *p)
{
	json_t *details;
	int rc;

	rc = answer_record(tx_db(tx), id, an, job->attempt, tx->now, p);
	if (rc == 0 && an->ok)
		rc = app_note(tx_db(tx), id, "proofing", "system",
		    strcmp(an->provider, "idv") == 0 ? NOTE_IDV : NOTE_AVS,
		    tx->now, p);
	if (rc == 0) {
		details = json_pack("{s:s, s:s, s:i, s:s, s:O?}", "request_id",
		    an->request_id, "outcome", an->outcome, "attempt",
		    job->attempt, "error", an->ok ? "" : an->error, "reasons",
		    an->reasons);
		rc = tx_audit(tx,
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
	struct tx tx;
	char kid[32];
	json_t *details;
	int rc;

	rand_id("kit_", kid, sizeof(kid));
	if (store_proof_kit_insert(db, kid, id,
	        now + (time_t)app->cfg->kit_days * 86400, now, p) == -1)
		return -1;
	tx_join(&tx, db, now, "system");
	details = json_pack("{s:s}", "application", id);
	rc = tx_audit(&tx, "kit.created", kid, details, p);
	json_decref(details);
	tx_abort(&tx);
	return rc;
}

int
proofjob_decide(struct app *app, struct db *db, const char *id,
    const char *from, int approve, const char *actor, const char *reason,
    json_t *codes, json_t *details, time_t now, struct problem *p)
{
	char *codes_text;
	int inserted;

	codes_text = codes != NULL ? json_dumps(codes, JSON_COMPACT) : NULL;
	inserted = store_proof_decision_insert(db, id,
	    approve ? "approve" : "reject", actor, reason, codes_text, now, p);
	free(codes_text);
	if (inserted == -1)
		return -1;
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

/*
 * Rule 10 of proofing/decision.h: an approval of a person with another
 * application under way or a valid certificate, becomes a review;
 * the duplicates, with their reasons, into *dups (a new reference, NULL if
 * none).  0, or -1 with p set.
 */
static int
check_duplicates(struct db *db, const char *id, time_t now, struct decision *d,
    json_t **dups, struct problem *p)
{
	struct store_duplicate_row rows[STORE_SEARCH_DUPS_MAX];
	int i, n;

	*dups = NULL;
	if (d->verdict != VERDICT_APPROVE)
		return 0;
	if ((n = store_search_duplicates(
	         db, id, now, rows, STORE_SEARCH_DUPS_MAX, p)) == -1)
		return -1;
	if (n == 0)
		return 0;
	decision_duplicate(d);
	*dups = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(*dups,
		    json_pack("{s:s, s:s, s:s, s:b}", "application",
		        rows[i].application_id, "status", rows[i].status,
		        "reasons", rows[i].reasons, "valid_certificate",
		        rows[i].valid_certificate));
	return 0;
}

int
proofjob_conclude(struct app *app, struct db *db, const char *id,
    const struct decision_input *in, const char *extra_note, time_t now,
    struct decision *made, struct problem *p)
{
	struct decision d;
	json_t *details, *codes, *dups;
	int i, rc;

	decision_make(in, &d);
	if (check_duplicates(db, id, now, &d, &dups, p) == -1)
		return -1;
	codes = json_pack("[s]", d.code);
	for (i = 0; in->idv_answered && i < in->idv.nreasons; i++)
		json_array_append_new(codes, json_string(in->idv.reasons[i]));
	details = json_pack("{s:s, s:s, s:O, s:s, s:s}", "rule", d.code,
	    "verdict", decision_verdict_name(d.verdict), "codes", codes, "idv",
	    in->idv_answered ? idcheck_idv_name(in->idv.decision) : "none",
	    "avs", in->avs_answered ? idcheck_avs_name(in->avs) : "none");
	if (dups != NULL)
		json_object_set_new(details, "duplicates", dups);
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
	if (rc == 0 && made != NULL)
		*made = d;
	if (rc == 0)
		log_info("identity check decided", "app=%s verdict=%s rule=%s",
		    id, decision_verdict_name(d.verdict), d.code);
out:
	json_decref(codes);
	json_decref(details);
	return rc;
}

/*
 * The lease of a check while it asks the providers with no transaction
 * open: both calls one after the other (as when the second thread cannot
 * start: ask_both), each within its total timeout, and some slack.
 */
static int
check_lease(const struct config *cfg)
{
	return 2 * ((cfg->provider_timeout_ms + 999) / 1000) + LEASE_SLACK;
}

/*
 * Locks application id and fills row, and with answers, *answers and *n
 * with the earlier usable answers (store_proof_app_open): 1 if it is in
 * proofing, 0 if not (decided, withdrawn or gone: nothing to do), or -1
 * with p set.
 */
static int
lock_proofing(struct db *db, const char *id, struct proof_app_row *row,
    struct check_answer **answers, size_t *n, struct problem *p)
{
	int f;

	store_proof_app_free(row);
	f = answers != NULL ? store_proof_app_open(db, id, row, answers, n, p)
	                    : store_proof_app_lock(db, id, row, p);
	if (f != 1)
		return f;
	return strcmp(row->status, "proofing") == 0;
}

/*
 * The identity check.  The providers are asked with no transaction open
 * and no lock held (jobs_pause; docs/architecture.md, "Outbound calls"): the
 * job's row keeps a lease meanwhile, so no other runner takes it, and a crash
 * during the calls leaves it to be tried again once the lease ends.
 * After the calls the application is locked and read again: one that
 * left proofing meanwhile (withdrawn, decided) gets nothing written.
 */
int
proofjob_identity_check(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	const char *id = job->app_id;
	struct tx tx;
	struct proof_app_row row;
	struct idcheck_subject s;
	struct decision_input in;
	struct answer idv, avs;
	struct check_answer *answers = NULL;
	size_t nanswers = 0;
	int f, rc = JOB_FAILED, got, last, asked_idv = 0, asked_avs = 0;
	int retry_idv;
	const char *url, *key;

	if (id == NULL)
		return JOB_DONE;
	memset(&row, 0, sizeof(row));
	memset(&idv, 0, sizeof(idv));
	memset(&avs, 0, sizeof(avs));
	tx_join(&tx, db, now, "system");
	/* The application locked, with its earlier answers (one round
	 * trip). */
	if ((f = lock_proofing(db, id, &row, &answers, &nanswers, p)) != 1) {
		rc = f == 0 ? JOB_DONE : JOB_FAILED;
		goto out;
	}
	/* A sandbox application (row.sandbox): the reference providers,
	 * never the OpenID provider or production's (api/service/sandbox.h).
	 * Proofed through the OpenID provider: its callback decides. */
	if (!row.sandbox && (f = oidcflow_owns(app, db, id, p)) != 0) {
		rc = f == 1 &&
		        (job->attempt > 1 ||
		            app_note(db, id, "proofing", "system", NOTE_OIDC,
		                now, p) == 0)
		    ? JOB_DONE
		    : JOB_FAILED;
		goto out;
	}
	memset(&in, 0, sizeof(in));
	in.policy = row.nist ? POLICY_NIST : POLICY_IGC;
	in.epcs = row.epcs;
	in.has_dea = row.has_dea;
	subject_from(&row, &s);
	last = job->attempt >= app->cfg->idv_max_attempts;

	load_answers(answers, nanswers, &in);
	if (in.epcs && !in.has_dea) {
		if (job->attempt == 1 &&
		    app_note(db, id, "proofing", "system", NOTE_STARTED, now,
		        p) == -1)
			goto out;
		rc =
		    proofjob_conclude(app, db, id, &in, NULL, now, NULL, p) == 0
		    ? JOB_DONE
		    : JOB_FAILED;
		goto out;
	}
	/* The outbound calls, with no transaction open and no lock held. */
	asked_idv = !in.idv_answered;
	asked_avs = !in.avs_answered;
	/* Nothing is written yet: the lease need not wait for the disk. */
	if (jobs_pause_unwritten(db, job, now, check_lease(app->cfg), p) == -1)
		goto out;
	ask_both(app, id, job, &s, row.sandbox, &in, asked_idv ? &idv : NULL,
	    asked_avs ? &avs : NULL);
	if (jobs_resume(db, job, p) == -1)
		goto out; /* taken, or the database went away: dropped */
	if ((f = lock_proofing(db, id, &row, NULL, NULL, p)) != 1) {
		rc = f == 0 ? JOB_DONE : JOB_FAILED;
		if (f == 0)
			log_info("identity check dropped: application left "
			         "proofing during the calls",
			    "app=%s status=%s", id, row.status);
		goto out;
	}
	/*
	 * From here every failure fails the job alike (its savepoint is
	 * rolled back): the writes that answer nothing are queued and sent
	 * with the next read or the runner's flush, not one round trip
	 * each.
	 */
	tx_batch(&tx);
	got = in.idv_answered && in.avs_answered;
	if (job->attempt == 1 &&
	    app_note(db, id, "proofing", "system", NOTE_STARTED, now, p) == -1)
		goto out;
	if ((asked_idv && record_answer(&tx, id, job, &idv, p) == -1) ||
	    (asked_avs && record_answer(&tx, id, job, &avs, p) == -1))
		goto out;
	/*
	 * A provider that is not configured will not answer on a later try
	 * either; one that failed may.
	 */
	sandbox_provider(app->cfg, row.sandbox, 1, &url, &key);
	retry_idv = url[0] != '\0';
	sandbox_provider(app->cfg, row.sandbox, 0, &url, &key);
	if (!got && !last &&
	    ((!in.idv_answered && retry_idv) ||
	        (!in.avs_answered && url[0] != '\0'))) {
		if (app_note(
		        db, id, "proofing", "system", NOTE_RETRY, now, p) == -1)
			goto out;
		problem_set(p, 503, "provider-unavailable",
		    "Provider unavailable",
		    "an identity provider did not answer (try %d of %d)",
		    job->attempt, app->cfg->idv_max_attempts);
		rc = JOB_DEFERRED;
		goto out;
	}
	rc = proofjob_conclude(app, db, id, &in, got ? NULL : NOTE_GIVEN_UP,
	         now, NULL, p) == 0
	    ? JOB_DONE
	    : JOB_FAILED;
out:
	tx_abort(&tx);
	store_proof_check_latest_free(answers, nanswers);
	json_decref(idv.reasons);
	json_decref(avs.reasons);
	store_proof_app_free(&row);
	return rc;
}

/*
 * The decision mail.  The send happens with no transaction open
 * (jobs_pause); a send that fails undoes nothing but the try.
 */
int
proofjob_decision_mail(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	struct tx tx;
	struct decision_mail_row row;
	struct problem sendp;
	char *body = NULL;
	json_t *details;
	int approve, f, rc = JOB_FAILED;

	if (job->app_id == NULL)
		return JOB_DONE;
	tx_join(&tx, db, now, "system");
	if ((f = store_proof_decision_mail(db, job->app_id, &row, p)) != 1) {
		rc = f == 0 ? JOB_DONE : JOB_FAILED;
		goto out;
	}
	approve = strcmp(row.decision, "approve") == 0;
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
		    row.given, job->app_id);
	else
		body = xprintf("Hello %s,\n\n"
		               "We are sorry: application %s could not be "
		               "approved.\n\n"
		               "Reason: %s\n\n"
		               "You may apply again.  No certificate will be "
		               "issued for this application.\n",
		    row.given, job->app_id,
		    row.reason != NULL ? row.reason : "(null)");
	/* Read only so far: the lease need not wait for the disk. */
	if (jobs_pause_unwritten(
	        db, job, now, app->cfg->smtp_timeout + LEASE_SLACK, p) == -1)
		goto out;
	problem_clear(&sendp);
	f = mailer_send(app->mailer, row.email,
	    approve ? "Your rxca application is approved"
	            : "Your rxca application could not be approved",
	    body, &sendp);
	if (jobs_resume(db, job, p) == -1)
		goto out;
	if (f == -1) {
		*p = sendp;
		goto out;
	}
	atomic_fetch_add(&app->emails_sent, 1);
	details = json_pack("{s:s}", "decision", row.decision);
	rc = tx_audit(&tx, "email.decision_sent", job->app_id, details, p) == 0
	    ? JOB_DONE
	    : JOB_FAILED;
	json_decref(details);
out:
	tx_abort(&tx);
	free(body);
	store_proof_decision_mail_free(&row);
	return rc;
}

void
proofjob_sweep_lapse(struct app *app, struct db *db, time_t now)
{
	char(*ids)[STORE_JOBS_ID_MAX] = NULL;
	struct tx tx;
	struct problem p;
	size_t i, n = 0;

	problem_clear(&p);
	if (tx_begin(&tx, db, now, "system", &p) == -1)
		return;
	if (store_proof_lapse_due(tx_db(&tx), now, &ids, &n, &p) == -1)
		goto fail;
	for (i = 0; i < n; i++)
		if (store_email_codes_end(tx_db(&tx), ids[i], &p) == -1 ||
		    app_record(tx_db(&tx), ids[i], "email_pending", "lapsed",
		        "system", "e-mail not verified within the window", now,
		        NULL, &p) == -1 ||
		    payment_on_outcome(
		        app, tx_db(&tx), ids[i], 0, 1, now, &p) == -1)
			goto fail;
	if (tx_commit(&tx, &p) == -1)
		goto fail;
	store_lapse_ids_free(ids);
	if (n > 0)
		log_info("applications lapsed", "count=%zu", n);
	return;
fail:
	store_lapse_ids_free(ids);
	tx_abort(&tx);
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
