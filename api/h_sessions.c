/* Applicant sessions: log-in with the account password, bearer tokens. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "api/app.h"
#include "api/audit.h"
#include "api/db.h"
#include "api/routes.h"
#include "api/store.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/rand.h"
#include "proofing/secret.h"

#define TOKEN_BYTES 32

int
session_issue(struct ctx *ctx, const char *id, char *token, size_t tokensz,
    time_t *expires, struct problem *p)
{
	unsigned char hash[DIGEST_LEN];
	struct dbargs a;
	int rc;

	rand_token(TOKEN_BYTES, token, tokensz);
	digest_sha256(token, strlen(token), hash);
	*expires = ctx->now + ctx->app->cfg->session_max;
	dbargs_init(&a);
	dbargs_bytea(&a, hash, sizeof(hash));
	dbargs_text(&a, id);
	dbargs_time(&a, ctx->now);
	dbargs_time(&a, *expires);
	rc = db_run(ctx->db, &sql_session_insert, &a, p);
	dbargs_free(&a);
	return rc;
}

int
session_authenticate(struct ctx *ctx, struct problem *p)
{
	unsigned char hash[DIGEST_LEN];
	const char *auth, *token;
	struct dbargs a;
	PGresult *r;
	int rc = -1;

	auth = http_request_header(ctx->req, "Authorization");
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
		return problem_set(p, 401, "unauthenticated",
		    "Authentication required",
		    "Send the session token as a Bearer credential.");
	token = auth + 7;
	if (strlen(token) > 128)
		return problem_set(p, 401, "unauthenticated",
		    "Authentication required", "The token is not valid.");
	digest_sha256(token, strlen(token), hash);
	dbargs_init(&a);
	dbargs_bytea(&a, hash, sizeof(hash));
	dbargs_time(&a, ctx->now);
	dbargs_time(&a, ctx->now - ctx->app->cfg->session_idle);
	r = db_exec(ctx->db, &sql_session_touch, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		problem_set(p, 401, "unauthenticated",
		    "Authentication required",
		    "The session is unknown or has expired; log in again.");
		goto out;
	}
	snprintf(
	    ctx->session_app, sizeof(ctx->session_app), "%s", db_get(r, 0, 0));
	rc = 0;
out:
	PQclear(r);
	return rc;
}

/* A hash to verify against when the account does not exist, so a miss
 * costs the same time as a wrong password. */
static void
dummy_verify(struct ctx *ctx, const char *password)
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

static void
login_locked(struct ctx *ctx, time_t until)
{
	struct problem p;

	problem_clear(&p);
	problem_set(&p, 429, "too-many-attempts", "Too many attempts",
	    "Too many failed log-ins; try again later.");
	p.retry_after = until > ctx->now ? (int)(until - ctx->now) : 1;
	reply_problem(ctx, &p, NULL);
}

static const char *const login_keys[] = {
    "email", "application_id", "password", NULL};

void
h_session_create(struct ctx *ctx)
{
	const char *email = NULL, *appid = NULL, *password = NULL;
	char id[64], hashbuf[256], token[64];
	struct dbargs a;
	struct problem p;
	json_error_t jerr;
	json_t *body = NULL, *details;
	PGresult *r = NULL;
	time_t locked, expires;
	int ok;

	problem_clear(&p);
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
		problem_set(&p, 401, "unauthenticated", "Log-in failed",
		    "The account or the password is wrong.");
		goto fail;
	}
	dbargs_init(&a);
	if (email != NULL) {
		char lower[BOUND_EMAIL + 1];
		size_t i;
		for (i = 0; email[i] != '\0'; i++)
			lower[i] = (char)((email[i] >= 'A' && email[i] <= 'Z')
			        ? email[i] + 32
			        : email[i]);
		lower[i] = '\0';
		dbargs_text(&a, lower);
	} else
		dbargs_text(&a, appid);
	r = db_exec(ctx->db,
	    email != NULL ? &sql_login_by_email : &sql_login_by_id, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		goto fail;
	if (PQntuples(r) != 1) {
		dummy_verify(ctx, password);
		problem_set(&p, 401, "unauthenticated", "Log-in failed",
		    "The account or the password is wrong.");
		goto fail;
	}
	snprintf(id, sizeof(id), "%s", db_get(r, 0, 0));
	snprintf(hashbuf, sizeof(hashbuf), "%s", db_get(r, 0, 1));
	locked = db_get_time(r, 0, 2);
	PQclear(r);
	r = NULL;
	if (locked > ctx->now) {
		json_decref(body);
		login_locked(ctx, locked);
		return;
	}
	ok = secret_verify(hashbuf, password, strlen(password)) == 1;
	OPENSSL_cleanse(hashbuf, sizeof(hashbuf));
	if (db_begin(ctx->db, &p) == -1)
		goto fail;
	if (!ok) {
		dbargs_init(&a);
		dbargs_text(&a, id);
		dbargs_int(&a, ctx->app->cfg->login_attempts);
		dbargs_time(&a, ctx->now);
		dbargs_time(&a, ctx->now + ctx->app->cfg->login_lock_seconds);
		r = db_exec(ctx->db, &sql_login_fail, &a, &p);
		dbargs_free(&a);
		if (r == NULL)
			goto fail;
		locked = db_get_time(r, 0, 1);
		details = json_pack(
		    "{s:I}", "failures", (json_int_t)db_get_int(r, 0, 0));
		if (audit_append(ctx->db, ctx->now, "anonymous",
		        "session.login_failed", id, details, &p) == -1) {
			json_decref(details);
			goto fail;
		}
		json_decref(details);
		if (db_commit(ctx->db, &p) == -1)
			goto fail;
		json_decref(body);
		PQclear(r);
		if (locked > ctx->now) {
			login_locked(ctx, locked);
			return;
		}
		problem_set(&p, 401, "unauthenticated", "Log-in failed",
		    "The account or the password is wrong.");
		reply_problem(ctx, &p, NULL);
		return;
	}
	dbargs_init(&a);
	dbargs_text(&a, id);
	if (db_run(ctx->db, &sql_login_ok, &a, &p) == -1) {
		dbargs_free(&a);
		goto fail;
	}
	dbargs_free(&a);
	if (session_issue(ctx, id, token, sizeof(token), &expires, &p) == -1 ||
	    audit_append(
	        ctx->db, ctx->now, id, "session.created", id, NULL, &p) == -1 ||
	    db_commit(ctx->db, &p) == -1)
		goto fail;
	json_decref(body);
	reply_json(ctx, 201,
	    json_pack("{s:s, s:o, s:o, s:s}", "token", token, "expires_at",
	        reply_time(expires), "idle_expires_at",
	        reply_time(ctx->now + ctx->app->cfg->session_idle),
	        "application_id", id));
	OPENSSL_cleanse(token, sizeof(token));
	return;
fail:
	PQclear(r);
	db_rollback(ctx->db);
	json_decref(body);
	reply_problem(ctx, &p, NULL);
}
