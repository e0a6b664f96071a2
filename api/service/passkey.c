#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/config.h"
#include "api/service/app.h"
#include "api/service/passkey.h"
#include "api/store/store_passkey.h"
#include "api/store/tx.h"
#include "common/base64.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"
#include "proofing/webauthn.h"

#define PURPOSE_REGISTER "register"
#define NAME_MAX_CHARS   64   /* characters of a passkey's label */
#define CHALLENGE_CHARS  44   /* base64url of 32 bytes, with its NUL */
#define ID_CHARS_MAX     1368 /* base64url of a 1023-byte id, with NUL */

/* The authenticator roots, loaded once from RXCA_PASSKEY_ROOTS. */
static struct {
	pthread_mutex_t lock;
	X509_STORE *store; /* or NULL: none configured or not loaded */
	int loaded;        /* tried */
} roots = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The roots (borrowed: kept for the process), NULL if none are
 * configured; -1 with p set if configured but unreadable. */
static int
roots_get(const struct config *c, X509_STORE **out, struct problem *p)
{
	int rc = 0;

	*out = NULL;
	if (c->passkey_roots[0] == '\0')
		return 0;
	pthread_mutex_lock(&roots.lock);
	if (!roots.loaded) {
		roots.store = webauthn_roots_load(c->passkey_roots, p);
		roots.loaded = roots.store != NULL;
	}
	if (roots.store == NULL)
		rc = -1;
	*out = roots.store;
	pthread_mutex_unlock(&roots.lock);
	return rc;
}

int
passkey_proofed(const char *status)
{
	return strcmp(status, "approved") == 0 ||
	    strcmp(status, "kit_shipped") == 0 || strcmp(status, "issued") == 0;
}

/* What rxca expects of a ceremony of type over challenge at now: this
 * origin and RP id, user verification. */
static void
expect_of(const struct config *c, const char *type, const char *challenge,
    time_t now, struct webauthn_expect *e)
{
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->challenge = challenge;
	e->origin = c->passkey_origin;
	e->rp_id = c->passkey_rp_id;
	e->require_uv = 1;
	e->now = now;
}

/* Checks that application row a may register a passkey now. */
static int
may_register(const char *id, int found, const struct passkey_app_row *a,
    struct problem *p)
{
	if (!found)
		return problem_set(
		    p, 404, "not-found", "Not found", "No such application.");
	if (strcmp(a->policy, "none") == 0)
		return problem_set(p, 409, "passkey-not-offered",
		    "Passkeys not offered",
		    "The product of application %s does not take passkeys.",
		    id);
	if (!passkey_proofed(a->status))
		return problem_set(p, 409, "invalid-transition",
		    "Not allowed now",
		    "The application is %s: a passkey is registered after "
		    "the identity has been proofed.",
		    a->status);
	return 0;
}

int
passkey_options(struct app *app, struct db *db, const char *id, time_t now,
    json_t **out, struct problem *p)
{
	const struct config *c = app->cfg;
	struct passkey_app_row a;
	unsigned char sh[DIGEST_LEN];
	char challenge[CHALLENGE_CHARS], user[96], display[216];
	json_t *exclude = NULL, *ids = NULL, *v;
	struct tx tx;
	time_t expires = now + c->passkey_seconds, first;
	long long open;
	size_t i;
	int f, rc = -1;

	*out = NULL;
	if (tx_begin(&tx, db, now, id, p) == -1)
		return -1;
	/* The application's row lock counts its open challenges one request
	 * at a time. */
	if ((f = store_passkey_app(tx_db(&tx), id, 1, &a, p)) == -1 ||
	    may_register(id, f, &a, p) == -1 ||
	    store_passkey_challenges_open(
	        tx_db(&tx), id, PURPOSE_REGISTER, now, &open, &first, p) == -1)
		goto out;
	if (open >= c->passkey_open_max) {
		problem_set(p, 429, "too-many-challenges",
		    "Too many challenges",
		    "At most %d passkey registrations may be under way for an "
		    "application: finish one, or start again when one "
		    "expires.",
		    c->passkey_open_max);
		p->retry_after = first > now ? (int)(first - now) : 1;
		goto out;
	}
	if ((ids = store_passkey_cred_ids(tx_db(&tx), id, p)) == NULL)
		goto out;
	rand_token(WEBAUTHN_CHALLENGE_BYTES, challenge, sizeof(challenge));
	digest_sha256(challenge, strlen(challenge), sh);
	if (store_passkey_challenge_insert(
	        tx_db(&tx), sh, id, PURPOSE_REGISTER, now, expires, p) == -1 ||
	    tx_audit(&tx, "passkey.registration_started", id, NULL, p) == -1 ||
	    tx_commit(&tx, p) == -1)
		goto out;
	exclude = json_array();
	json_array_foreach(ids, i, v) json_array_append_new(
	    exclude, json_pack("{s:s, s:O}", "type", "public-key", "id", v));
	/* the user handle is the application id: no personal data */
	base64url_encode(
	    (const unsigned char *)id, strlen(id), user, sizeof(user));
	snprintf(
	    display, sizeof(display), "%s %s", a.given_name, a.family_name);
	*out = json_pack("{s:s, s:o, s:{s:s, s:s}, s:{s:s, s:s, s:s}, "
	                 "s:[{s:s, s:i}, {s:s, s:i}, {s:s, s:i}], s:i, s:s, "
	                 "s:{s:s, s:s}, s:o}",
	    "challenge", challenge, "expires_at", wallclock_json(expires), "rp",
	    "id", c->passkey_rp_id, "name", "rxca", "user", "id", user, "name",
	    a.email, "displayName", display, "pubKeyCredParams", "type",
	    "public-key", "alg", -7, "type", "public-key", "alg", -8, "type",
	    "public-key", "alg", -257, "timeout", c->passkey_seconds * 1000,
	    "attestation", "direct", "authenticatorSelection",
	    "userVerification", "required", "residentKey", "preferred",
	    "excludeCredentials", exclude);
	exclude = NULL;
	rc = 0;
out:
	tx_abort(&tx);
	json_decref(ids);
	json_decref(exclude);
	return rc;
}

/* Decodes base64url member field (at most max bytes decoded) into a new
 * buffer, or NULL with p set. */
static unsigned char *
decode(const char *field, const char *s, size_t max, size_t *len,
    struct problem *p)
{
	unsigned char *b;

	*len = 0;
	if (s == NULL || s[0] == '\0' || strlen(s) > max / 3 * 4 + 4 ||
	    (b = base64url_decode(s, strlen(s), len)) == NULL) {
		problem_field(
		    p, field, "expected base64url of at most %zu bytes", max);
		return NULL;
	}
	return b;
}

/* The trust a product's policy asks for: 1 if cred satisfies it. */
static int
accepted(const char *policy, const struct webauthn_cred *cred)
{
	if (strcmp(policy, "attested") == 0)
		return cred->trust == WEBAUTHN_TRUSTED;
	return strcmp(policy, "any") == 0;
}

/* Records cred as passkey pkid of application id, in one unit of work
 * with the challenge (its SHA-256 sh) taken and the audit record. */
static int
record(struct db *db, const char *id, const char *pkid, const char *name,
    const unsigned char *sh, const struct webauthn_cred *cred, time_t now,
    struct problem *p)
{
	struct passkey_app_row a;
	struct passkey_row row;
	char aaguid[33];
	json_t *details = NULL;
	struct tx tx;
	int f, rc = -1;

	if (tx_begin(&tx, db, now, id, p) == -1)
		return -1;
	if ((f = store_passkey_app(tx_db(&tx), id, 1, &a, p)) == -1 ||
	    may_register(id, f, &a, p) == -1)
		goto out;
	if ((f = store_passkey_challenge_take(
	         tx_db(&tx), sh, id, PURPOSE_REGISTER, now, p)) != 1) {
		if (f == 0)
			problem_set(p, 400, "passkey-challenge-invalid",
			    "Unknown, used or expired challenge",
			    "This registration is unknown, used or expired: "
			    "start again.");
		goto out;
	}
	if (!accepted(a.policy, cred)) {
		problem_set(p, 422, "passkey-not-accepted",
		    "Authenticator not accepted",
		    "The product takes only passkeys whose authenticator "
		    "proves its make (attestation %s was given).",
		    webauthn_trust_name(cred->trust));
		goto out;
	}
	memset(&row, 0, sizeof(row));
	row.id = pkid;
	row.app = id;
	row.cred = cred->id;
	row.cred_len = cred->id_len;
	row.alg = cred->alg;
	row.cose = cred->cose;
	row.cose_len = cred->cose_len;
	row.pk = cred->pubkey;
	row.pk_len = cred->pubkey_len;
	row.aaguid = cred->aaguid;
	row.sign_count = cred->sign_count;
	row.backup_eligible = cred->backup_eligible;
	row.fmt = cred->fmt;
	row.attestation = webauthn_trust_name(cred->trust);
	row.issuer = cred->issuer[0] != '\0' ? cred->issuer : NULL;
	row.name = name;
	row.at = now;
	digest_hex(cred->aaguid, sizeof(cred->aaguid), aaguid);
	details = json_pack("{s:s, s:s, s:s, s:s, s:i, s:b, s:b}", "passkey",
	    pkid, "aaguid", aaguid, "format", cred->fmt, "attestation",
	    webauthn_trust_name(cred->trust), "algorithm", cred->alg, "uv",
	    cred->uv, "backup_eligible", cred->backup_eligible);
	if (store_passkey_insert(tx_db(&tx), &row, p) == -1 ||
	    tx_audit(&tx, "passkey.registered", id, details, p) == -1 ||
	    tx_commit(&tx, p) == -1)
		goto out;
	rc = 0;
out:
	tx_abort(&tx);
	json_decref(details);
	return rc;
}

int
passkey_register(struct app *app, struct db *db, const char *id,
    const char *client_data_json, const char *attestation_object,
    const char *name, time_t now, json_t **out, struct problem *p)
{
	const struct config *c = app->cfg;
	struct webauthn_expect e;
	struct webauthn_cred *cred = NULL;
	struct passkey_app_row a;
	unsigned char sh[DIGEST_LEN], *cd = NULL, *att = NULL;
	char challenge[CHALLENGE_CHARS], pkid[40];
	X509_STORE *trust;
	size_t cdlen, attlen;
	int f, rc = -1;

	*out = NULL;
	if (name != NULL && (name[0] == '\0' || strlen(name) > NAME_MAX_CHARS))
		problem_field(p, "name", "1 to %d characters", NAME_MAX_CHARS);
	cd = decode("client_data_json", client_data_json,
	    WEBAUTHN_CLIENT_DATA_MAX, &cdlen, p);
	att = decode("attestation_object", attestation_object,
	    WEBAUTHN_ATT_OBJ_MAX, &attlen, p);
	if (p->status != 0)
		goto out;
	/* who may, before any work */
	if ((f = store_passkey_app(db, id, 0, &a, p)) == -1 ||
	    may_register(id, f, &a, p) == -1)
		goto out;
	if (webauthn_client_challenge(
	        cd, cdlen, challenge, sizeof(challenge), p) == -1 ||
	    roots_get(c, &trust, p) == -1)
		goto out;
	expect_of(c, "webauthn.create", challenge, now, &e);
	cred = xcalloc(1, sizeof(*cred));
	/* the signatures are checked with no transaction open */
	if (webauthn_register(&e, cd, cdlen, att, attlen, trust, cred, p) ==
	    -1) {
		log_info("passkey registration refused", "app=%s detail=\"%s\"",
		    id, p->detail);
		goto out;
	}
	digest_sha256(challenge, strlen(challenge), sh);
	rand_id("pk_", pkid, sizeof(pkid));
	if (record(db, id, pkid, name != NULL ? name : "Passkey", sh, cred, now,
	        p) == -1)
		goto out;
	log_info("passkey registered", "app=%s passkey=%s attestation=%s", id,
	    pkid, webauthn_trust_name(cred->trust));
	{
		char credid[ID_CHARS_MAX], aaguid[33];

		base64url_encode(
		    cred->id, cred->id_len, credid, sizeof(credid));
		digest_hex(cred->aaguid, sizeof(cred->aaguid), aaguid);
		*out =
		    json_pack("{s:s, s:s, s:s, s:s, s:i, s:{s:s, s:s, s:s?}, "
		              "s:b, s:b, s:I, s:s, s:o}",
		        "id", pkid, "credential_id", credid, "name",
		        name != NULL ? name : "Passkey", "aaguid", aaguid,
		        "algorithm", cred->alg, "attestation", "format",
		        cred->fmt, "trust", webauthn_trust_name(cred->trust),
		        "issuer", cred->issuer[0] != '\0' ? cred->issuer : NULL,
		        "user_verified", cred->uv, "backup_eligible",
		        cred->backup_eligible, "sign_count",
		        (json_int_t)cred->sign_count, "status", "active",
		        "created_at", wallclock_json(now));
	}
	rc = 0;
out:
	free(cred);
	free(cd);
	free(att);
	return rc;
}

json_t *
passkey_list(struct db *db, const char *id, struct problem *p)
{
	return store_passkey_list(db, id, p);
}

int
passkey_revoke(struct db *db, const char *id, const char *pkid,
    const char *actor, time_t now, struct problem *p)
{
	json_t *details;
	struct tx tx;
	int f, rc = -1;

	if (tx_begin(&tx, db, now, actor, p) == -1)
		return -1;
	if ((f = store_passkey_revoke(tx_db(&tx), id, pkid, now, p)) != 1) {
		if (f == 0)
			problem_set(p, 404, "not-found", "Not found",
			    "No such active passkey.");
		goto out;
	}
	details = json_pack("{s:s}", "passkey", pkid);
	f = tx_audit(&tx, "passkey.revoked", id, details, p);
	json_decref(details);
	if (f == -1 || tx_commit(&tx, p) == -1)
		goto out;
	log_info("passkey revoked", "app=%s passkey=%s", id, pkid);
	rc = 0;
out:
	tx_abort(&tx);
	return rc;
}

int
passkey_assertion_check(struct app *app, struct db *db,
    const struct passkey_assertion *a, const char *app_id, const char *pkid,
    const char *challenge, time_t now, struct passkey_proof *out,
    struct problem *p)
{
	const struct config *c = app->cfg;
	struct webauthn_expect e;
	unsigned char *cred = NULL, *cd = NULL, *ad = NULL, *sig = NULL;
	size_t credlen, cdlen, adlen, siglen;
	uint32_t count = 0;
	int f, uv = 0, rc = -1;

	memset(out, 0, sizeof(*out));
	cred = decode("credential_id", a->credential_id, WEBAUTHN_CRED_ID_MAX,
	    &credlen, p);
	cd = decode("client_data_json", a->client_data_json,
	    WEBAUTHN_CLIENT_DATA_MAX, &cdlen, p);
	ad = decode("authenticator_data", a->authenticator_data,
	    WEBAUTHN_AUTH_DATA_MAX, &adlen, p);
	sig = decode("signature", a->signature, WEBAUTHN_SIG_MAX, &siglen, p);
	if (p->status != 0)
		goto out;
	if ((f = store_passkey_key_by_cred(
	         db, cred, credlen, NULL, &out->key, p)) == -1)
		goto out;
	if (f == 0 || strcmp(out->key.app, app_id) != 0 ||
	    (pkid != NULL && strcmp(out->key.id, pkid) != 0)) {
		problem_set(p, 422, "passkey-invalid",
		    "Passkey response refused",
		    "This passkey is not the one asked for.");
		problem_field(p, "credential_id", "not the passkey asked for");
		goto out;
	}
	if (strcmp(out->key.status, "active") != 0) {
		problem_set(p, 409, "passkey-not-active", "Passkey not active",
		    "This passkey is %s and approves nothing.",
		    out->key.status);
		goto out;
	}
	expect_of(c, "webauthn.get", challenge, now, &e);
	if (webauthn_assert(&e, cd, cdlen, ad, adlen, sig, siglen, out->key.alg,
	        out->key.pk, (size_t)out->key.pk_len, &count, &uv, p) == -1) {
		log_info("passkey assertion refused",
		    "passkey=%s detail=\"%s\"", out->key.id, p->detail);
		goto out;
	}
	out->sign_count = count;
	out->uv = uv;
	rc = 0;
out:
	free(cred);
	free(cd);
	free(ad);
	free(sig);
	return rc;
}

int
passkey_assertion_use(struct tx *tx, const struct passkey_proof *pr,
    const char *purpose, const char *subject, struct problem *p)
{
	struct passkey_key_row k;
	json_t *details;
	int f;

	if ((f = store_passkey_key(tx_db(tx), pr->key.id, 1, &k, p)) == -1)
		return -1;
	if (f == 0 || strcmp(k.status, "active") != 0)
		return problem_set(p, 409, "passkey-not-active",
		    "Passkey not active",
		    "This passkey is no longer active and approves nothing.");
	/* W3C WebAuthn 7.2 step 21: a counter that does not go up means a
	 * cloned authenticator, unless neither side keeps one */
	if ((pr->sign_count != 0 || k.sign_count != 0) &&
	    (long long)pr->sign_count <= k.sign_count)
		return 1;
	details = json_pack("{s:s, s:s, s:I, s:b}", "passkey", k.id, "purpose",
	    purpose, "sign_count", (json_int_t)pr->sign_count, "uv", pr->uv);
	f = store_passkey_used(
	        tx_db(tx), k.id, (long long)pr->sign_count, tx->now, p) == -1 ||
	    tx_audit(tx, "passkey.asserted", subject, details, p) == -1;
	json_decref(details);
	return f ? -1 : 0;
}

int
passkey_counter_regressed(struct db *db, const struct passkey_proof *pr,
    time_t now, struct problem *p)
{
	struct problem q;
	json_t *details;
	struct tx tx;

	problem_clear(&q);
	details = json_pack("{s:s, s:s, s:I}", "passkey", pr->key.id, "reason",
	    "sign_count_regressed", "sign_count", (json_int_t)pr->sign_count);
	if (tx_begin(&tx, db, now, "system", &q) == 0 &&
	    store_passkey_disable(
	        tx_db(&tx), pr->key.id, "sign_count_regressed", now, &q) == 0 &&
	    tx_audit(&tx, "passkey.disabled", pr->key.app, details, &q) == 0)
		tx_commit(&tx, &q);
	tx_abort(&tx);
	json_decref(details);
	if (q.status != 0)
		log_error("passkey not disabled", "passkey=%s error=\"%s\"",
		    pr->key.id, q.detail);
	log_warn("passkey sign counter went backwards: disabled",
	    "passkey=%s app=%s", pr->key.id, pr->key.app);
	problem_set(p, 422, "passkey-invalid", "Passkey response refused",
	    "The authenticator's signature counter went backwards: the "
	    "passkey may have been copied and is disabled.");
	return problem_field(
	    p, "authenticator_data", "signature counter went backwards");
}

int
passkey_sweep(struct db *db, time_t now, struct problem *p)
{
	return store_passkey_challenge_sweep(db, now, p);
}
