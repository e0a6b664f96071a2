#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "api/app.h"
#include "api/audit.h"
#include "api/db.h"
#include "api/jobkinds.h"
#include "api/jobs.h"
#include "api/mailer.h"
#include "api/mailjob.h"
#include "api/partner.h"
#include "api/store_partner.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/xmalloc.h"

#define SECRET_BYTES 32

static int
base32_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
}

static int
base64url_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int
partner_key_parse(
    const char *key, char id[PARTNER_KEY_ID_LEN + 1], unsigned char hash[32])
{
	const char *s;
	size_t i, plen = strlen(PARTNER_KEY_PREFIX);

	if (key == NULL || strlen(key) != PARTNER_KEY_LEN ||
	    strncmp(key, PARTNER_KEY_PREFIX, plen) != 0)
		return -1;
	s = key + plen;
	for (i = 0; i < PARTNER_KEY_ID_LEN; i++)
		if (!base32_char((unsigned char)s[i]))
			return -1;
	if (s[PARTNER_KEY_ID_LEN] != '_')
		return -1;
	for (i = PARTNER_KEY_ID_LEN + 1; s[i] != '\0'; i++)
		if (!base64url_char((unsigned char)s[i]))
			return -1;
	memcpy(id, s, PARTNER_KEY_ID_LEN);
	id[PARTNER_KEY_ID_LEN] = '\0';
	digest_sha256(s + PARTNER_KEY_ID_LEN + 1, PARTNER_SECRET_LEN, hash);
	return 0;
}

int
partner_program_valid(const char *s)
{
	size_t i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > PARTNER_PROGRAM_MAX ||
	    s[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		        (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

static int
name_valid(const char *s)
{
	size_t i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > PARTNER_NAME_MAX ||
	    strspn(s, " ") == n)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

int
partner_create(struct db *db, const char *name, const char *program,
    const char *actor, time_t now, char *id, size_t idsz, struct problem *p)
{
	struct dbargs a;
	json_t *details;
	int rc;

	if (!name_valid(name))
		problem_field(p, "name", "1 to %d characters of one line",
		    PARTNER_NAME_MAX);
	if (!partner_program_valid(program))
		problem_field(p, "program",
		    "1 to %d lower-case letters, digits or hyphens",
		    PARTNER_PROGRAM_MAX);
	if (p->status != 0)
		return -1;
	rand_id("prt_", id, idsz);
	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, name);
	dbargs_text(&a, program);
	dbargs_time(&a, now);
	dbargs_text(&a, actor);
	rc = db_run(db, &sql_partner_insert, &a, p);
	dbargs_free(&a);
	if (rc == -1) {
		if (p->status == 409)
			problem_set(p, 409, "conflict", "Conflict",
			    "Program %s belongs to another partner already.",
			    program);
		return -1;
	}
	details = json_pack("{s:s, s:s}", "name", name, "program", program);
	rc = audit_append(db, now, actor, "partner.created", id, details, p);
	json_decref(details);
	return rc;
}

int
partner_key_create(struct db *db, const char *id, const char *actor, time_t now,
    char *key, char *key_id, struct problem *p)
{
	char secret[PARTNER_SECRET_LEN + 2], kid[PARTNER_KEY_ID_LEN + 2];
	unsigned char hash[DIGEST_LEN];
	PGresult *r = NULL;
	struct dbargs a;
	json_t *details;
	int rc = -1;

	dbargs_init(&a);
	dbargs_text(&a, id);
	r = db_exec(db, &sql_partner_get, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	if (PQntuples(r) != 1) {
		problem_set(
		    p, 404, "not-found", "Not found", "No such partner.");
		goto out;
	}
	/* rand_id with an empty prefix: 24 base32 characters. */
	rand_id("", kid, sizeof(kid));
	rand_token(SECRET_BYTES, secret, sizeof(secret));
	if (strlen(kid) != PARTNER_KEY_ID_LEN ||
	    strlen(secret) != PARTNER_SECRET_LEN) {
		problem_internal(p);
		goto out;
	}
	memcpy(key, PARTNER_KEY_PREFIX, 4);
	memcpy(key + 4, kid, PARTNER_KEY_ID_LEN);
	key[4 + PARTNER_KEY_ID_LEN] = '_';
	memcpy(key + 5 + PARTNER_KEY_ID_LEN, secret, PARTNER_SECRET_LEN + 1);
	memcpy(key_id, kid, PARTNER_KEY_ID_LEN + 1);
	digest_sha256(secret, strlen(secret), hash);
	dbargs_init(&a);
	dbargs_text(&a, kid);
	dbargs_text(&a, id);
	dbargs_bytea(&a, hash, sizeof(hash));
	dbargs_time(&a, now);
	dbargs_text(&a, actor);
	rc = db_run(db, &sql_pkey_insert, &a, p);
	dbargs_free(&a);
	if (rc == -1)
		goto out;
	details = json_pack("{s:s}", "key_id", kid);
	rc =
	    audit_append(db, now, actor, "partner.key_created", id, details, p);
	json_decref(details);
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	PQclear(r);
	return rc;
}

int
partner_key_revoke(struct db *db, const char *id, const char *key_id,
    const char *actor, time_t now, time_t *revoked_at, struct problem *p)
{
	PGresult *r = NULL;
	struct dbargs a;
	json_t *details;
	int rc = -1;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, key_id);
	dbargs_time(&a, now);
	dbargs_text(&a, actor);
	r = db_exec(db, &sql_pkey_revoke, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	if (PQntuples(r) != 1) {
		problem_set(p, 404, "not-found", "Not found",
		    "This partner has no such key.");
		goto out;
	}
	*revoked_at = db_get_time(r, 0, 0);
	details = json_pack(
	    "{s:s, s:b}", "key_id", key_id, "again", *revoked_at != now);
	rc =
	    audit_append(db, now, actor, "partner.key_revoked", id, details, p);
	json_decref(details);
out:
	PQclear(r);
	return rc;
}

/* Audits a refusal of an existing key (its own transaction) and sets p. */
static int
refuse(struct ctx *ctx, const char *why, const char *partner,
    const char *key_id, struct problem *p)
{
	struct problem q;
	json_t *details;

	log_warn("partner refused", "reason=%s key=%s route=%s peer=%s", why,
	    key_id != NULL ? key_id : "-", ctx->match.route->name,
	    ctx->req->peer);
	if (partner != NULL) {
		details = json_pack("{s:s, s:s, s:s, s:s}", "reason", why,
		    "key_id", key_id, "route", ctx->match.route->name, "peer",
		    ctx->req->peer);
		problem_clear(&q);
		if (db_begin(ctx->db, &q) == 0 &&
		    audit_append(ctx->db, ctx->now, "anonymous",
		        "partner.refused", partner, details, &q) == 0 &&
		    db_commit(ctx->db, &q) == 0)
			;
		else
			db_rollback(ctx->db);
		json_decref(details);
	}
	return problem_set(p, 401, "unauthenticated", "Authentication failed",
	    "Send a valid, unrevoked partner API key as a Bearer credential.");
}

int
partner_authenticate(struct ctx *ctx, struct problem *p)
{
	char kid[PARTNER_KEY_ID_LEN + 1];
	unsigned char hash[DIGEST_LEN], stored[DIGEST_LEN];
	const char *auth;
	PGresult *r = NULL;
	struct dbargs a;
	int rc = -1;

	ctx->partner_id[0] = ctx->partner_program[0] = '\0';
	auth = http_request_header(ctx->req, "Authorization");
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
		return problem_set(p, 401, "unauthenticated",
		    "Authentication failed",
		    "Send the partner API key as a Bearer credential.");
	if (partner_key_parse(auth + 7, kid, hash) == -1)
		return refuse(ctx, "malformed-key", NULL, NULL, p);
	dbargs_init(&a);
	dbargs_text(&a, kid);
	r = db_exec(ctx->db, &sql_pkey_auth, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	if (PQntuples(r) != 1) {
		rc = refuse(ctx, "unknown-key", NULL, kid, p);
		goto out;
	}
	if (db_get_bytea(r, 0, 0, stored, sizeof(stored)) != DIGEST_LEN ||
	    CRYPTO_memcmp(stored, hash, DIGEST_LEN) != 0) {
		rc = refuse(ctx, "wrong-secret", db_get(r, 0, 2), kid, p);
		goto out;
	}
	if (db_get(r, 0, 1) != NULL) {
		rc = refuse(ctx, "key-revoked", db_get(r, 0, 2), kid, p);
		goto out;
	}
	snprintf(
	    ctx->partner_id, sizeof(ctx->partner_id), "%s", db_get(r, 0, 2));
	snprintf(ctx->partner_program, sizeof(ctx->partner_program), "%s",
	    db_get(r, 0, 3));
	rc = 0;
out:
	PQclear(r);
	return rc;
}

int
partner_job_invite(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	const char *inv = NULL, *email = NULL, *program = NULL, *given = NULL;
	json_error_t jerr;
	json_t *pl, *name = NULL, *details;
	struct dbargs a;
	char *text = NULL;
	int rc = -1;

	/* given_name is absent, null or a string: the API lets it be. */
	pl = json_loads(job->payload, 0, &jerr);
	if (pl == NULL ||
	    json_unpack(pl, "{s:s, s:s, s:s, s?o}", "invitation", &inv, "email",
	        &email, "program", &program, "given_name", &name) == -1 ||
	    (name != NULL && !json_is_null(name) && !json_is_string(name))) {
		log_error(
		    "invitation job without its fields", "job=%s", job->id);
		/* Tried again, then dead: the partner sees it failed. */
		problem_set(p, 500, "internal", "Internal error",
		    "The invitation job lacks its fields.");
		goto out;
	}
	if (json_is_string(name))
		given = json_string_value(name);
	text =
	    xprintf("Hello%s%s,\n\n"
	            "You are invited to apply for an rxca certificate for "
	            "electronic prescribing through your EHR's program "
	            "\"%s\".\n\n"
	            "Start your application here:\n\n  %s/apply?program=%s\n\n"
	            "If you did not expect this message, ignore it.\n",
	        given != NULL ? " " : "", given != NULL ? given : "", program,
	        app->cfg->public_url, program);
	if (mailer_send(app->mailer, email,
	        "Your invitation to apply for an "
	        "rxca certificate",
	        text, p) == -1)
		goto out;
	atomic_fetch_add(&app->emails_sent, 1);
	dbargs_init(&a);
	dbargs_text(&a, inv);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_pinv_sent, &a, p);
	dbargs_free(&a);
	if (rc == -1)
		goto out;
	details = json_pack("{s:s}", "program", program);
	rc = audit_append(
	    db, now, "system", "partner.invitation_sent", inv, details, p);
	json_decref(details);
out:
	free(text);
	json_decref(pl);
	return rc;
}

static const struct job_kind partner_kinds[] = {
    {.name = JOB_EMAIL_INVITATION,
        .run = partner_job_invite,
        .backoff = JOB_BACKOFF_MAIL,
        .life_days = mailjob_keep_days,
        .dead = mailjob_lost},
};

int
partner_jobs_register(void)
{
	return jobs_register_all(
	    partner_kinds, sizeof(partner_kinds) / sizeof(partner_kinds[0]));
}
