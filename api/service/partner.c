#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "api/service/app.h"
#include "api/jobs/jobkinds.h"
#include "api/jobs/jobs.h"
#include "api/out/mailer.h"
#include "api/service/invitation.h"
#include "api/service/mailjob.h"
#include "api/service/partner.h"
#include "api/store/store_partners.h"
#include "api/store/store_pkeys.h"
#include "api/store/tx.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define SECRET_BYTES       32
#define INVITE_LEASE_SLACK 60 /* seconds a send may pass its timeout */

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
partner_key_parse(const char *key, char id[PARTNER_KEY_ID_LEN + 1],
    unsigned char hash[32], int *sandbox)
{
	const char *s;
	size_t i, plen = strlen(PARTNER_TEST_PREFIX);

	if (key == NULL)
		return -1;
	*sandbox = strlen(key) == PARTNER_KEY_MAX &&
	    strncmp(key, PARTNER_TEST_PREFIX, plen) == 0;
	if (!*sandbox) {
		plen = strlen(PARTNER_KEY_PREFIX);
		if (strlen(key) != PARTNER_KEY_LEN ||
		    strncmp(key, PARTNER_KEY_PREFIX, plen) != 0)
			return -1;
	}
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
partner_create_tx(struct tx *tx, const char *name, const char *program,
    char *id, size_t idsz, struct problem *p)
{
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
	if (store_partner_insert(tx_db(tx), id, name, program, NULL, tx->now,
	        tx->actor, p) == -1) {
		if (p->status == 409)
			problem_set(p, 409, "conflict", "Conflict",
			    "Program %s belongs to another partner already.",
			    program);
		return -1;
	}
	details = json_pack("{s:s, s:s}", "name", name, "program", program);
	rc = tx_audit(tx, "partner.created", id, details, p);
	json_decref(details);
	return rc;
}

int
partner_create(struct db *db, const char *name, const char *program,
    const char *actor, time_t now, char *id, size_t idsz, struct problem *p)
{
	struct tx tx;

	tx_join(&tx, db, now, actor);
	return partner_create_tx(&tx, name, program, id, idsz, p);
}

int
partner_key_create_tx(
    struct tx *tx, const char *id, char *key, char *key_id, struct problem *p)
{
	char secret[PARTNER_SECRET_LEN + 2], kid[PARTNER_KEY_ID_LEN + 2];
	unsigned char hash[DIGEST_LEN];
	struct partner_row partner;
	json_t *details;
	int rc = -1, found;

	if ((found = store_partner_by_id(tx_db(tx), id, 0, &partner, p)) == -1)
		goto out;
	if (found == 0) {
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
	snprintf(key, PARTNER_KEY_MAX + 1, "%s%s_%s",
	    partner.sandbox_of[0] != '\0' ? PARTNER_TEST_PREFIX
	                                  : PARTNER_KEY_PREFIX,
	    kid, secret);
	memcpy(key_id, kid, PARTNER_KEY_ID_LEN + 1);
	digest_sha256(secret, strlen(secret), hash);
	if (store_partner_key_insert(
	        tx_db(tx), kid, id, hash, tx->now, tx->actor, p) == -1)
		goto out;
	details = json_pack("{s:s, s:s}", "key_id", kid, "kind",
	    partner.sandbox_of[0] != '\0' ? "sandbox" : "live");
	rc = tx_audit(tx, "partner.key_created", id, details, p);
	json_decref(details);
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	return rc;
}

int
partner_key_create(struct db *db, const char *id, const char *actor, time_t now,
    char *key, char *key_id, struct problem *p)
{
	struct tx tx;

	tx_join(&tx, db, now, actor);
	return partner_key_create_tx(&tx, id, key, key_id, p);
}

int
partner_key_revoke_tx(struct tx *tx, const char *id, const char *key_id,
    time_t *revoked_at, struct problem *p)
{
	json_t *details;
	int rc, found;

	if ((found = store_partner_key_revoke(tx_db(tx), id, key_id, tx->now,
	         tx->actor, revoked_at, p)) == -1)
		return -1;
	if (found == 0)
		return problem_set(p, 404, "not-found", "Not found",
		    "This partner has no such key.");
	details = json_pack(
	    "{s:s, s:b}", "key_id", key_id, "again", *revoked_at != tx->now);
	rc = tx_audit(tx, "partner.key_revoked", id, details, p);
	json_decref(details);
	return rc;
}

int
partner_key_revoke(struct db *db, const char *id, const char *key_id,
    const char *actor, time_t now, time_t *revoked_at, struct problem *p)
{
	struct tx tx;

	tx_join(&tx, db, now, actor);
	return partner_key_revoke_tx(&tx, id, key_id, revoked_at, p);
}

int
partner_job_invite(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	const char *inv = NULL, *email = NULL, *program = NULL, *given = NULL;
	json_error_t jerr;
	json_t *pl, *name = NULL, *details;
	struct problem sendp;
	char *text = NULL, token[INVITATION_TOKEN_CHARS + 1];
	char until[WALLCLOCK_MAIL_LEN];
	unsigned char hash[DIGEST_LEN];
	time_t expires;
	struct tx tx;
	int rc = -1, sent, found;

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
	/* A new token for each try: the mail of a failed try is void.  Its
	 * hash commits with the lease below, before the mail goes out. */
	invitation_token_new(token, hash);
	if ((found = store_pinvite_token(db, inv, hash, &expires, p)) != 1) {
		if (found == 0)
			problem_set(p, 500, "internal", "Internal error",
			    "The invitation of the job is gone.");
		goto out;
	}
	wallclock_mail(expires, until);
	text = xprintf("Hello%s%s,\n\n"
	               "You are invited to apply for an rxca certificate for "
	               "electronic prescribing through your EHR's program "
	               "\"%s\".\n\n"
	               "Start your application here:\n\n"
	               "  %s/apply?program=%s&invitation=%s\n\n"
	               "This link works until %s. After that, ask your EHR "
	               "for a new invitation.\n\n"
	               "If you did not expect this message, ignore it.\n",
	    given != NULL ? " " : "", given != NULL ? given : "", program,
	    app->cfg->public_url, program, token, until);
	/* No transaction is held across the send. */
	if (jobs_pause(db, job, now,
	        app->cfg->smtp_timeout + INVITE_LEASE_SLACK, p) == -1)
		goto out;
	problem_clear(&sendp);
	sent = mailer_send(app->mailer, email,
	           "Your invitation to apply for an "
	           "rxca certificate",
	           text, &sendp) == 0;
	if (jobs_resume(db, job, p) == -1)
		goto out;
	if (!sent) {
		*p = sendp;
		goto out;
	}
	atomic_fetch_add(&app->emails_sent, 1);
	tx_join(&tx, db, now, "system");
	if (store_partner_invitation_sent(tx_db(&tx), inv, now, p) == -1)
		goto out;
	details = json_pack("{s:s}", "program", program);
	rc = tx_audit(&tx, "partner.invitation_sent", inv, details, p);
	json_decref(details);
out:
	OPENSSL_cleanse(token, sizeof(token));
	if (text != NULL)
		OPENSSL_cleanse(text, strlen(text));
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
