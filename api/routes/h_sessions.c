/*
 * Applicant sessions: log-in with the account password, bearer tokens, and
 * the throttle of guessable secrets (issue 13, item 2):
 *
 *   POST /v1/sessions  {"email" | "application_id", "password"}
 *        failures count per (identifier as typed, client address): after
 *        RXCA_LOGIN_ATTEMPTS each next try waits 2, 4, 8 ... seconds (at
 *        most RXCA_LOGIN_LOCK_SECONDS), 429 with Retry-After; and per
 *        account, from every address: RXCA_LOGIN_ACCOUNT_LIMIT failures
 *        in a row lock it (403 account-locked) and mail an unlock code.
 *        An unknown account gets the same rows, answers and work (a dummy
 *        Argon2id hash).  By e-mail, only verified applications count;
 *        several: 409 choose-application with their ids.
 *   POST /v1/sessions/unlock  {"application_id", "code"}
 *        the e-mailed unlock code, once: the account is unlocked.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "api/service/app.h"
#include "api/routes/routes.h"
#include "api/jobs/jobkinds.h"
#include "api/jobs/jobs.h"
#include "api/out/mailer.h"
#include "api/service/mailjob.h"
#include "api/store/store_ops.h"
#include "api/service/throttle.h"
#include "api/store/tx.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"
#include "proofing/emailcode.h"
#include "proofing/secret.h"

#define TOKEN_BYTES 32

int
session_issue(struct ctx *ctx, const char *id, char *token, size_t tokensz,
    time_t *expires, struct problem *p)
{
	unsigned char hash[DIGEST_LEN];

	rand_token(TOKEN_BYTES, token, tokensz);
	digest_sha256(token, strlen(token), hash);
	*expires = ctx->now + ctx->app->cfg->session_max;
	return store_session_insert(ctx->db, hash, id, ctx->now, *expires, p);
}

int
session_authenticate(struct ctx *ctx, struct problem *p)
{
	unsigned char hash[DIGEST_LEN];
	const char *auth, *token;
	int found;

	auth = http_request_header(ctx->req, "Authorization");
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
		return problem_set(p, 401, "unauthenticated",
		    "Authentication failed",
		    "Send the session token as a Bearer credential.");
	token = auth + 7;
	if (strlen(token) > 128)
		return problem_set(p, 401, "unauthenticated",
		    "Authentication failed", "The token is not valid.");
	digest_sha256(token, strlen(token), hash);
	found = store_session_touch(ctx->db, hash, ctx->now,
	    ctx->now - ctx->app->cfg->session_idle, ctx->session_app,
	    sizeof(ctx->session_app), p);
	if (found == -1)
		return -1;
	if (found == 0)
		return problem_set(p, 401, "unauthenticated",
		    "Authentication failed",
		    "The session is unknown or has expired; log in again.");
	return 0;
}

/* A hash to verify against when the account does not exist, so a miss
 * costs the same time as a wrong password. */
void
session_dummy_verify(struct ctx *ctx, const char *password)
{
	static _Thread_local char dummy[256];
	static _Thread_local unsigned dummy_params[3];
	const struct secret_params *sp = &ctx->app->argon;

	if (dummy[0] == '\0' || dummy_params[0] != sp->t_cost ||
	    dummy_params[1] != sp->m_cost_kib) {
		secret_hash(
		    "rxca-dummy-password", 19, sp, dummy, sizeof(dummy));
		dummy_params[0] = sp->t_cost;
		dummy_params[1] = sp->m_cost_kib;
	}
	(void)secret_verify(dummy, password, strlen(password));
}

/* The subject of a client row: the identifier as typed, so an unknown
 * account is throttled exactly like a known one. */
static void
login_subject(const char *email, const char *appid, char *out, size_t outsz)
{
	size_t i, n;

	if (email == NULL) {
		snprintf(out, outsz, "i:%s", appid);
		return;
	}
	n = snprintf(out, outsz, "e:%s", email);
	for (i = 2; i < n && i < outsz; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] + 32);
}

int
session_throttled(struct ctx *ctx, const struct throttle *t, struct problem *p)
{
	if (t->blocked_until <= ctx->now)
		return 0;
	problem_set(p, 429, "too-many-attempts", "Too many attempts",
	    "Too many failed attempts from this address; try again later.");
	p->retry_after = (int)(t->blocked_until - ctx->now);
	return -1;
}

int
session_account_locked(struct problem *p)
{
	return problem_set(p, 403, "account-locked", "Account locked",
	    "Too many failed attempts: the account is locked.  The unlock "
	    "code was e-mailed to the account's verified address; send it to "
	    "POST /v1/sessions/unlock.");
}

int
session_queue_unlock(struct ctx *ctx, const char *id, struct problem *p)
{
	int live;

	if ((live = store_acode_live(ctx->db, id, "unlock", ctx->now, p)) == -1)
		return -1;
	if (live)
		return 0;
	return jobs_add(
	    ctx->db, ctx->app->cfg, JOB_EMAIL_UNLOCK, id, NULL, ctx->now, p);
}

int
session_count_failure_tx(struct ctx *ctx, struct tx *tx, struct throttle *acct,
    const char *id, struct problem *p)
{
	int locked;

	locked = throttle_fail(
	    tx_db(tx), acct, 0, 0, ctx->app->cfg->account_limit, ctx->now, p);
	if (locked == -1)
		return -1;
	if (locked && id != NULL) {
		log_warn(
		    "account locked", "app=%s failures=%d", id, acct->failures);
		if (tx_audit_as(tx, "system", "account.locked", id, NULL, p) ==
		        -1 ||
		    session_queue_unlock(ctx, id, p) == -1)
			return -1;
	}
	return 0;
}

int
session_count_failure(
    struct ctx *ctx, struct throttle *acct, const char *id, struct problem *p)
{
	struct tx tx;

	/* Inside the caller's transaction: its commit writes the record. */
	tx_join(&tx, ctx->db, ctx->now, "system");
	return session_count_failure_tx(ctx, &tx, acct, id, p);
}

static const char *const login_keys[] = {
    "email", "application_id", "password", NULL};

/* The accounts of a log-in, by e-mail (subject "e:" and the address
 * lower-cased) or id: the number found (the first is the one that logs
 * in), or -1 with p set. */
static int
login_find(struct tx *tx, const char *email, const char *subject,
    const char *appid, struct store_login_row *rows, struct problem *p)
{
	return store_login_find(tx_db(tx), email != NULL ? subject + 2 : NULL,
	    appid, rows, STORE_OPS_LOGIN_MAX, p);
}

void
h_session_create(struct ctx *ctx)
{
	const struct config *cfg = ctx->app->cfg;
	const char *email = NULL, *appid = NULL, *password = NULL;
	char id[STORE_OPS_ID_MAX], hashbuf[STORE_OPS_HASH_MAX], token[64];
	char subject[300];
	struct store_login_row rows[STORE_OPS_LOGIN_MAX];
	struct throttle client, acct;
	struct problem p;
	struct tx tx;
	json_error_t jerr;
	json_t *body = NULL, *details, *ids = NULL;
	time_t expires;
	int ok, known, i, n, several;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	memset(rows, 0, sizeof(rows));
	id[0] = hashbuf[0] = '\0';
	if ((body = ctx_body(ctx, &p)) == NULL)
		goto fail;
	if (ctx_known_fields(body, login_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, JSON_STRICT, "{s?s, s?s, s:s}", "email",
	        &email, "application_id", &appid, "password",
	        &password) == -1) {
		problem_field(&p, "body", "%s", jerr.text);
		goto fail;
	}
	if ((email == NULL) == (appid == NULL)) {
		problem_field(&p, "email",
		    "give either email or "
		    "application_id");
		goto fail;
	}
	if (strlen(password) > 4 * BOUND_PASSWORD_MAX ||
	    (email != NULL && strlen(email) > BOUND_EMAIL) ||
	    (appid != NULL && strlen(appid) > 48)) {
		problem_set(&p, 401, "unauthenticated", "Authentication failed",
		    "The account or the password is wrong.");
		goto fail;
	}
	login_subject(email, appid, subject, sizeof(subject));
	/* First the client's row (a blocked client gets 429 and costs no
	 * hash) and the account's password hash; then Argon2id with no
	 * transaction open; then the outcome, on the rows locked anew. */
	if (tx_begin(&tx, ctx->db, ctx->now, "anonymous", &p) == -1 ||
	    throttle_lock(tx_db(&tx), "login", subject, ctx->req->client,
	        ctx->now, &client, &p) == -1 ||
	    session_throttled(ctx, &client, &p) == -1 ||
	    (n = login_find(&tx, email, subject, appid, rows, &p)) == -1 ||
	    tx_commit(&tx, &p) == -1)
		goto fail;
	if (n >= 1) {
		snprintf(id, sizeof(id), "%s", rows[0].id);
		snprintf(hashbuf, sizeof(hashbuf), "%s", rows[0].password_hash);
		ok = secret_verify(hashbuf, password, strlen(password)) == 1;
	} else {
		session_dummy_verify(ctx, password);
		ok = 0;
	}
	OPENSSL_cleanse(rows, sizeof(rows));
	/* The client's row first, then the account's: one order, no
	 * deadlock; both stay locked until the end, so parallel guesses
	 * are counted one after the other. */
	if (tx_begin(&tx, ctx->db, ctx->now, "anonymous", &p) == -1 ||
	    throttle_lock(tx_db(&tx), "login", subject, ctx->req->client,
	        ctx->now, &client, &p) == -1 ||
	    session_throttled(ctx, &client, &p) == -1 ||
	    (i = login_find(&tx, email, subject, appid, rows, &p)) == -1)
		goto fail;
	/* The account or its password changed meanwhile: the password was
	 * verified against another, so it does not log in. */
	if ((i >= 1) != (n >= 1) ||
	    (i >= 1 &&
	        (strcmp(rows[0].id, id) != 0 ||
	            strcmp(rows[0].password_hash, hashbuf) != 0)))
		ok = 0;
	OPENSSL_cleanse(hashbuf, sizeof(hashbuf));
	n = i;
	known = n >= 1;
	several = n > 1;
	if (known) {
		snprintf(id, sizeof(id), "%s", rows[0].id);
		if (several) {
			ids = json_array();
			for (i = 0; i < n; i++)
				json_array_append_new(
				    ids, json_string(rows[i].id));
		}
	}
	OPENSSL_cleanse(rows, sizeof(rows));
	if (throttle_lock(tx_db(&tx), "account", known ? id : subject, "",
	        ctx->now, &acct, &p) == -1)
		goto fail;
	if (acct.locked_at != 0) {
		/* Locked: the same answer whatever the password; the owner's
		 * right one asks for a new unlock mail if none is live. */
		if (ok) {
			if (session_queue_unlock(ctx, id, &p) == -1)
				goto fail;
		} else if (throttle_fail(tx_db(&tx), &client,
		               cfg->login_attempts, cfg->login_lock_seconds, 0,
		               ctx->now, &p) == -1)
			goto fail;
		if (tx_commit(&tx, &p) == -1)
			goto fail;
		session_account_locked(&p);
		goto reply;
	}
	if (!ok) {
		if (throttle_fail(tx_db(&tx), &client, cfg->login_attempts,
		        cfg->login_lock_seconds, 0, ctx->now, &p) == -1 ||
		    session_count_failure_tx(
		        ctx, &tx, &acct, known ? id : NULL, &p) == -1)
			goto fail;
		if (known) {
			details = json_pack("{s:I, s:I}", "failures",
			    (json_int_t)acct.failures, "client_failures",
			    (json_int_t)client.failures);
			i = tx_audit(
			    &tx, "session.login_failed", id, details, &p);
			json_decref(details);
			if (i == -1)
				goto fail;
		}
		if (tx_commit(&tx, &p) == -1)
			goto fail;
		if (acct.locked_at != 0)
			session_account_locked(&p);
		else
			problem_set(&p, 401, "unauthenticated",
			    "Authentication failed",
			    "The account or the password is wrong.");
		goto reply;
	}
	if (throttle_clear(tx_db(&tx), &client, &p) == -1 ||
	    throttle_clear(tx_db(&tx), &acct, &p) == -1)
		goto fail;
	if (several) {
		/* Several verified applications share the address: the
		 * client chooses one and logs in by its id. */
		if (tx_commit(&tx, &p) == -1)
			goto fail;
		problem_set(&p, 409, "choose-application",
		    "Several applications",
		    "Several applications use this e-mail address; log in "
		    "with one of their application_ids.");
		json_decref(body);
		reply_problem(
		    ctx, &p, json_pack("{s:o}", "application_ids", ids));
		return;
	}
	if (session_issue(ctx, id, token, sizeof(token), &expires, &p) == -1 ||
	    tx_audit_as(&tx, id, "session.created", id, NULL, &p) == -1 ||
	    tx_commit(&tx, &p) == -1)
		goto fail;
	json_decref(body);
	reply_json(ctx, 201,
	    json_pack("{s:s, s:o, s:o, s:s}", "token", token, "expires_at",
	        wallclock_json(expires), "idle_expires_at",
	        wallclock_json(ctx->now + ctx->app->cfg->session_idle),
	        "application_id", id));
	OPENSSL_cleanse(token, sizeof(token));
	return;
fail:
	tx_abort(&tx);
	OPENSSL_cleanse(hashbuf, sizeof(hashbuf));
	OPENSSL_cleanse(rows, sizeof(rows));
reply:
	json_decref(ids);
	json_decref(body);
	reply_problem(ctx, &p, NULL);
}

static const char *const unlock_keys[] = {"application_id", "code", NULL};

void
h_session_unlock(struct ctx *ctx)
{
	const struct config *cfg = ctx->app->cfg;
	const char *appid = NULL, *code = NULL;
	char subject[64], norm[EMAILCODE_CHARS + 1];
	unsigned char hash[DIGEST_LEN];
	struct throttle client;
	struct problem p;
	struct tx tx;
	json_error_t jerr;
	json_t *body = NULL;
	long long codeid;
	int found;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	if ((body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, unlock_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, JSON_STRICT, "{s:s, s:s}",
	        "application_id", &appid, "code", &code) == -1) {
		problem_field(
		    &p, "body", "application_id and code are required strings");
		goto fail;
	}
	if (strlen(appid) > 48) {
		problem_field(&p, "application_id", "not an application id");
		goto fail;
	}
	if (emailcode_normalize(code, norm) == -1) {
		problem_field(&p, "code",
		    "not a code: 10 letters and digits, like ABCDE-FGHJK");
		goto fail;
	}
	snprintf(subject, sizeof(subject), "i:%s", appid);
	emailcode_hash(appid, norm, hash);
	OPENSSL_cleanse(norm, sizeof(norm));
	if (tx_begin(&tx, ctx->db, ctx->now, appid, &p) == -1 ||
	    throttle_lock(tx_db(&tx), "unlock", subject, ctx->req->client,
	        ctx->now, &client, &p) == -1 ||
	    session_throttled(ctx, &client, &p) == -1)
		goto fail;
	found = store_acode_find(
	    tx_db(&tx), appid, "unlock", hash, ctx->now, &codeid, &p);
	if (found == -1)
		goto fail;
	if (found == 0) {
		if (throttle_fail(tx_db(&tx), &client, cfg->login_attempts,
		        cfg->login_lock_seconds, 0, ctx->now, &p) == -1 ||
		    tx_commit(&tx, &p) == -1)
			goto fail;
		problem_set(&p, 401, "unlock-refused", "Not accepted",
		    "The application id or the code is wrong, used or "
		    "expired.");
		goto reply;
	}
	if (store_acode_used(tx_db(&tx), codeid, ctx->now, &p) == -1 ||
	    throttle_clear(tx_db(&tx), &client, &p) == -1 ||
	    throttle_unlock(tx_db(&tx), appid, &p) == -1 ||
	    tx_audit(&tx, "account.unlocked", appid, NULL, &p) == -1 ||
	    tx_commit(&tx, &p) == -1)
		goto fail;
	log_info("account unlocked", "app=%s", appid);
	reply_json(ctx, 200,
	    json_pack(
	        "{s:s, s:s}", "application_id", appid, "status", "unlocked"));
	json_decref(body);
	return;
fail:
	tx_abort(&tx);
reply:
	json_decref(body);
	reply_problem(ctx, &p, NULL);
}

/* The mail of an account code: its text, malloc'd. */
static char *
account_mail_text(const struct app *app, int unlock, const char *id,
    const char *given, const char *code, const char *until)
{
	if (unlock)
		return xprintf(
		    "Hello %s,\n\n"
		    "Your rxca account (application %s) was locked "
		    "after too many failed log-ins or password "
		    "resets in a row.\n\n"
		    "Your unlock code is: %s\n\n"
		    "Send it with the application id to "
		    "POST %s/v1/sessions/unlock, as\n"
		    "  {\"application_id\": \"%s\", \"code\": "
		    "\"%s\"}\n"
		    "The code is valid until %s and works once.\n\n"
		    "If it was not you who tried, someone guessed at "
		    "your password: after unlocking, consider "
		    "choosing a new one.\n",
		    given, id, code, app->cfg->public_url, id, code, until);
	return xprintf("Hello %s,\n\n"
	               "Someone asked to reset the password of your "
	               "rxca application %s.\n\n"
	               "Your reset code is: %s\n\n"
	               "Choose a new password here (the code is filled "
	               "in; you type your secret answers):\n\n"
	               "  %s/reset-password?application=%s&code=%s\n\n"
	               "or send the code with the application id, your "
	               "secret answers and a new password to "
	               "POST %s/v1/password-resets.\n"
	               "The code is valid until %s and works once.\n\n"
	               "If you did not ask, ignore this message: your "
	               "password stays as it is.\n",
	    given, id, code, app->cfg->public_url, id, code,
	    app->cfg->public_url, until);
}

int
account_job_mail(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	const char *id = job->app_id;
	int unlock = strcmp(job->kind, "email.unlock") == 0;
	const char *purpose = unlock ? "unlock" : "reset";
	char code[EMAILCODE_CHARS + 2], norm[EMAILCODE_CHARS + 1];
	char until[WALLCLOCK_RFC3339_LEN], *text = NULL;
	unsigned char hash[DIGEST_LEN];
	time_t expires = now + app->cfg->account_code_seconds;
	struct store_acode_app_row to;
	struct throttle acct;
	struct problem sendp;
	struct tx tx;
	int found, sent, rc = JOB_FAILED;

	memset(code, 0, sizeof(code));
	memset(norm, 0, sizeof(norm));
	tx_join(&tx, db, now, "system");
	if ((found = store_acode_app(db, id, &to, p)) == -1)
		goto out;
	rc = JOB_DONE;
	/* Nothing to send: gone, or for a reset code an unverified address,
	 * not the igc policy or a printed kit letter (its activation code
	 * resets). */
	if (found == 0 ||
	    (!unlock &&
	        (!to.email_verified || strcmp(to.policy, "igc") != 0 ||
	            to.has_letter)))
		goto out;
	if (unlock) {
		/* Unlocked meanwhile: nothing to send. */
		if ((rc = throttle_lock(
		         db, "account", id, "", now, &acct, p)) == -1)
			goto out;
		if (acct.locked_at == 0)
			goto out;
	}
	rc = JOB_FAILED;
	if (store_acode_kill(db, id, purpose, now, p) == -1)
		goto out;
	emailcode_new(code);
	if (emailcode_normalize(code, norm) == -1) {
		problem_internal(p);
		goto out;
	}
	emailcode_hash(id, norm, hash);
	if (store_acode_insert(db, id, purpose, hash, now, expires, p) == -1)
		goto out;
	wallclock_format(expires, until, sizeof(until));
	text = account_mail_text(app, unlock, id, to.given_name, code, until);
	/* The code commits before the mail goes, with no transaction open
	 * across the call (api/jobs/jobs.h). */
	tx_abort(&tx);
	if (jobs_pause(db, job, now, mailer_lease(app->cfg), p) == -1)
		goto out;
	problem_clear(&sendp);
	sent = mailer_send(app->mailer, to.email,
	           unlock ? "Your rxca account is locked"
	                  : "Your rxca password reset code",
	           text, &sendp) == 0;
	if (jobs_resume(db, job, p) == -1)
		goto out;
	tx_join(&tx, db, now, "system");
	if (!sent) {
		/* This code never left: it ends, and the next try makes
		 * another (as when the whole try was undone). */
		if (store_acode_kill(db, id, purpose, now, p) == -1)
			goto out;
		*p = sendp;
		rc = JOB_DEFERRED;
		goto out;
	}
	atomic_fetch_add(&app->emails_sent, 1);
	if (tx_audit(&tx,
	        unlock ? "email.unlock_sent" : "email.reset_code_sent", id,
	        NULL, p) == -1)
		goto out;
	rc = JOB_DONE;
out:
	tx_abort(&tx);
	if (text != NULL) {
		OPENSSL_cleanse(text, strlen(text));
		free(text);
	}
	OPENSSL_cleanse(code, sizeof(code));
	OPENSSL_cleanse(norm, sizeof(norm));
	return rc;
}

static const struct job_kind account_kinds[] = {
    {.name = JOB_EMAIL_UNLOCK,
        .run = account_job_mail,
        .backoff = JOB_BACKOFF_MAIL,
        .life_days = mailjob_keep_days,
        .dead = mailjob_lost},
    {.name = JOB_EMAIL_RESET_CODE,
        .run = account_job_mail,
        .backoff = JOB_BACKOFF_MAIL,
        .life_days = mailjob_keep_days,
        .dead = mailjob_lost},
};

int
account_jobs_register(void)
{
	return jobs_register_all(
	    account_kinds, sizeof(account_kinds) / sizeof(account_kinds[0]));
}
