/* Prescription approval with a passkey: see api/service/rxapproval.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/config.h"
#include "api/jobs/jobkinds.h"
#include "api/jobs/jobs.h"
#include "api/service/app.h"
#include "api/service/mailjob.h"
#include "api/service/passkey.h"
#include "api/service/rxapproval.h"
#include "api/service/webhook.h"
#include "api/store/store_passkey.h"
#include "api/store/store_rxapproval.h"
#include "api/store/tx.h"
#include "common/base64.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"
#include "proofing/oidcclient.h"
#include "proofing/validate.h"

#define NONCE_BYTES     16
#define CHALLENGE_CHARS 44   /* base64url of 32 bytes, with its NUL */
#define CRED_CHARS      1368 /* base64url of a 1023-byte id, with NUL */
#define CANON_TAG       "rxca-approval:v1"
#define HOUR            3600
#define SWEEP_BATCH     100
#define MAIL_TRIES      5

int
rxapproval_offered(const struct app *app, struct problem *p)
{
	if (app->cfg->approval_key != NULL)
		return 0;
	return problem_set(p, 409, "approvals-not-offered",
	    "Approvals not offered",
	    "This CA does not offer approvals by passkey "
	    "(RXCA_APPROVAL_KEY is not set).");
}

/* 1 if s is 64 lower-case hex digits. */
static int
sha256_hex_ok(const char *s)
{
	size_t i;

	if (strlen(s) != 64)
		return 0;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int
rxapproval_validate(const char *credential_id, const char *summary,
    json_t *digests, struct problem *p)
{
	size_t i, j, n;
	json_t *d;

	if (credential_id == NULL || credential_id[0] == '\0' ||
	    strlen(credential_id) > CRED_CHARS - 1 ||
	    !base64url_ok(credential_id, strlen(credential_id)))
		problem_field(p, "credential_id",
		    "the passkey's credential id, base64url");
	if (summary == NULL ||
	    !validate_text(summary, STORE_RXAPPROVAL_SUMMARY_MAX))
		problem_field(p, "summary",
		    "1 to %d bytes of text without control characters",
		    STORE_RXAPPROVAL_SUMMARY_MAX);
	n = json_is_array(digests) ? json_array_size(digests) : 0;
	if (n == 0 || n > RXAPPROVAL_DIGESTS_MAX) {
		problem_field(p, "digests",
		    "an array of 1 to %d SHA-256 digests (64 lower-case hex)",
		    RXAPPROVAL_DIGESTS_MAX);
		return p->status != 0 ? -1 : 0;
	}
	json_array_foreach(digests, i, d)
	{
		if (!json_is_string(d) ||
		    !sha256_hex_ok(json_string_value(d))) {
			problem_field(p, "digests",
			    "digest %zu is not a SHA-256 digest (64 lower-case "
			    "hex)",
			    i);
			break;
		}
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(digests, j), d)) {
				problem_field(p, "digests",
				    "digest %zu is given twice", i);
				return -1;
			}
	}
	return p->status != 0 ? -1 : 0;
}

/*
 * The challenge of request row: base64url(SHA-256("rxca-approval:v1\n" id
 * "\n" digest "," digest ... "\n" nonce)), so that an assertion over it
 * approves this request and these digests only.
 */
static void
challenge_of(const char *id, json_t *digests, const char *nonce,
    char out[CHALLENGE_CHARS])
{
	unsigned char h[DIGEST_LEN];
	size_t i, len = strlen(CANON_TAG) + strlen(id) + strlen(nonce) + 3;
	char *canon;
	json_t *d;

	len += json_array_size(digests) * 65;
	canon = xmalloc(len + 1);
	snprintf(canon, len + 1, "%s\n%s\n", CANON_TAG, id);
	json_array_foreach(digests, i, d)
	{
		if (i > 0)
			strncat(canon, ",", len - strlen(canon));
		strncat(canon, json_string_value(d), len - strlen(canon));
	}
	strncat(canon, "\n", len - strlen(canon));
	strncat(canon, nonce, len - strlen(canon));
	digest_sha256(canon, strlen(canon), h);
	base64url_encode(h, sizeof(h), out, CHALLENGE_CHARS);
	free(canon);
}

/* The link the prescriber opens (caller frees). */
static char *
approve_url(const struct app *app, const char *id)
{
	return xprintf("%s/approve?request=%s", app->cfg->passkey_origin, id);
}

/* Row r as the partner sees it. */
static json_t *
partner_json(const struct app *app, const struct rxapproval_row *r, time_t now)
{
	char *url = approve_url(app, r->id);
	json_t *digests = json_loads(r->digests, 0, NULL), *o;
	const char *state = r->state;

	/* expired but not yet swept: say so */
	if (strcmp(state, "pending") == 0 && now >= r->expires)
		state = "expired";
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s, "
	              "s:s, s:o}",
	    "id", r->id, "state", state, "prescriber", r->app, "passkey",
	    r->passkey, "summary", r->summary, "digests",
	    digests != NULL ? digests : json_array(), "created_at",
	    wallclock_json(r->created), "expires_at",
	    wallclock_json(r->expires), "decided_at",
	    wallclock_json(r->decided), "approval_url", url, "qr_target", url,
	    "record", r->record != NULL ? json_string(r->record) : json_null());
	free(url);
	return o;
}

/* Queues the prescriber's mail about request id. */
static int
queue_mail(struct db *db, const char *app_id, const char *id, time_t now,
    struct problem *p)
{
	json_t *o = json_pack("{s:s}", "approval", id);
	char *text = json_dumps(o, JSON_COMPACT);
	int rc;

	json_decref(o);
	rc = jobs_add(db, NULL, JOB_EMAIL_APPROVAL, app_id, text, now, p);
	free(text);
	return rc;
}

/* The 422 of a credential id that names no active passkey of the
 * partner's prescribers (another partner's is the same: unknown). */
static int
unknown_credential(struct problem *p)
{
	problem_set(p, 422, "invalid-field", "Invalid field",
	    "No passkey of a proofed prescriber of your program has this "
	    "credential id.");
	return problem_field(p, "credential_id",
	    "no active passkey of a proofed prescriber of your program");
}

int
rxapproval_request(struct app *app, struct tx *tx, const char *id,
    const char *partner, const char *program, const char *credential_id,
    const char *summary, json_t *digests, json_t **out, struct problem *p)
{
	const struct config *c = app->cfg;
	struct passkey_key_row k;
	struct passkey_app_row a;
	struct rxapproval_new n;
	struct rxapproval_row r;
	unsigned char *cred = NULL;
	char nonce[CHALLENGE_CHARS], *dtext = NULL;
	long long pending = 0, recent = 0;
	time_t now = tx->now, oldest;
	json_t *details = NULL;
	size_t credlen = 0;
	int f, rc = -1;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	if ((cred = base64url_decode(
	         credential_id, strlen(credential_id), &credlen)) == NULL ||
	    credlen == 0 || credlen > STORE_PASSKEY_ID_MAX) {
		unknown_credential(p);
		goto out;
	}
	if ((f = store_passkey_key_by_cred(
	         tx_db(tx), cred, credlen, program, &k, p)) == -1)
		goto out;
	if (f == 0) {
		unknown_credential(p);
		goto out;
	}
	/* the prescriber's row lock serialises its requests for the limits */
	if ((f = store_passkey_app(tx_db(tx), k.app, 1, &a, p)) == -1)
		goto out;
	if (f == 0 || !passkey_proofed(a.status)) {
		unknown_credential(p);
		goto out;
	}
	if (strcmp(k.status, "active") != 0) {
		problem_set(p, 409, "passkey-not-active", "Passkey not active",
		    "The prescriber's passkey is %s: it approves nothing.",
		    k.status);
		goto out;
	}
	if (store_rxapproval_counts(
	        tx_db(tx), k.app, now, now - HOUR, &pending, &recent, p) == -1)
		goto out;
	if (pending >= c->approval_pending_max) {
		problem_set(p, 429, "rate-limited", "Too many requests",
		    "The prescriber has %lld approval requests pending; wait "
		    "for one to end.",
		    pending);
		p->retry_after = c->approval_seconds;
		goto out;
	}
	if (recent >= c->approval_hourly_max) {
		if (store_rxapproval_oldest(
		        tx_db(tx), k.app, now - HOUR, &oldest, p) == -1)
			goto out;
		problem_set(p, 429, "rate-limited", "Too many requests",
		    "At most %d approval requests an hour for one prescriber.",
		    c->approval_hourly_max);
		p->retry_after =
		    oldest + HOUR > now ? (int)(oldest + HOUR - now) : 1;
		goto out;
	}
	rand_token(NONCE_BYTES, nonce, sizeof(nonce));
	dtext = json_dumps(digests, JSON_COMPACT);
	memset(&n, 0, sizeof(n));
	n.id = id;
	n.partner = partner;
	n.app = k.app;
	n.passkey = k.id;
	n.summary = summary;
	n.digests = dtext;
	n.nonce = nonce;
	n.created = now;
	n.expires = now + c->approval_seconds;
	details = json_pack("{s:s, s:s, s:s, s:O}", "approval", id, "partner",
	    partner, "passkey", k.id, "digests", digests);
	if (store_rxapproval_insert(tx_db(tx), &n, p) == -1 ||
	    tx_audit(tx, "approval.requested", k.app, details, p) == -1 ||
	    queue_mail(tx_db(tx), k.app, id, now, p) == -1 ||
	    (f = store_rxapproval_get(tx_db(tx), id, NULL, 0, &r, p)) == -1)
		goto out;
	if (f == 0) {
		problem_internal(p);
		goto out;
	}
	*out = partner_json(app, &r, now);
	rc = 0;
out:
	store_rxapproval_row_free(&r);
	json_decref(details);
	free(dtext);
	free(cred);
	return rc;
}

static int
not_found(struct problem *p)
{
	return problem_set(
	    p, 404, "not-found", "Not found", "No such approval request.");
}

json_t *
rxapproval_partner_get(struct app *app, struct db *db, const char *partner,
    const char *id, time_t now, struct problem *p)
{
	struct rxapproval_row r;
	json_t *o = NULL;
	int f;

	if ((f = store_rxapproval_get(db, id, partner, 0, &r, p)) == -1)
		return NULL;
	if (f == 0) {
		not_found(p);
		return NULL;
	}
	o = partner_json(app, &r, now);
	store_rxapproval_row_free(&r);
	return o;
}

json_t *
rxapproval_view(struct app *app, struct db *db, const char *id, time_t now,
    struct problem *p)
{
	const struct config *c = app->cfg;
	struct passkey_key_row k;
	struct rxapproval_row r;
	char challenge[CHALLENGE_CHARS], cred[CRED_CHARS];
	json_t *o = NULL, *digests = NULL, *options = json_null();
	const char *state;
	int f;

	if ((f = store_rxapproval_get(db, id, NULL, 0, &r, p)) == -1)
		return NULL;
	if (f == 0) {
		not_found(p);
		return NULL;
	}
	if ((f = store_passkey_key(db, r.passkey, 0, &k, p)) != 1) {
		if (f == 0)
			problem_internal(p);
		goto out;
	}
	digests = json_loads(r.digests, 0, NULL);
	state = r.state;
	if (strcmp(state, "pending") == 0 && now >= r.expires)
		state = "expired";
	if (strcmp(state, "pending") == 0) {
		challenge_of(r.id, digests, r.nonce, challenge);
		base64url_encode(
		    k.cred, (size_t)k.cred_len, cred, sizeof(cred));
		json_decref(options);
		options = json_pack("{s:s, s:s, s:[{s:s, s:s}], s:s, s:I}",
		    "challenge", challenge, "rpId", c->passkey_rp_id,
		    "allowCredentials", "type", "public-key", "id", cred,
		    "userVerification", "required", "timeout",
		    (json_int_t)(r.expires - now) * 1000);
	}
	o = json_pack("{s:s, s:s, s:s, s:O, s:o, s:o, s:o}", "id", r.id,
	    "state", state, "summary", r.summary, "digests",
	    digests != NULL ? digests : json_null(), "expires_at",
	    wallclock_json(r.expires), "decided_at", wallclock_json(r.decided),
	    "options", options);
	options = NULL;
out:
	json_decref(options);
	json_decref(digests);
	store_rxapproval_row_free(&r);
	return o;
}

static int
expired(struct problem *p)
{
	return problem_set(p, 410, "approval-expired", "Approval expired",
	    "This request has expired: ask for a new one.");
}

/*
 * Request id (FOR UPDATE when lock) into r if it is still pending: 0; 1
 * if it is pending past its expiry at now; -1 with p set (404 unknown,
 * 410 approval-expired once recorded expired — the same answer as before
 * the sweep recorded it — 409 approval-decided).  The caller frees r
 * either way.
 */
static int
pending_get(struct db *db, const char *id, int lock, time_t now,
    struct rxapproval_row *r, struct problem *p)
{
	int f;

	if ((f = store_rxapproval_get(db, id, NULL, lock, r, p)) == -1)
		return -1;
	if (f == 0)
		return not_found(p);
	if (strcmp(r->state, "expired") == 0)
		return expired(p);
	if (strcmp(r->state, "pending") != 0)
		return problem_set(p, 409, "approval-decided",
		    "Approval decided", "This request is %s already.",
		    r->state);
	return now >= r->expires;
}

/* The webhook data of a request's end: the request as its partner sees
 * it (with the record once signed). */
static int
emit(struct app *app, struct tx *tx, const char *type, const char *id,
    struct problem *p)
{
	struct rxapproval_row r;
	json_t *data;
	int f;

	if ((f = store_rxapproval_get(tx_db(tx), id, NULL, 0, &r, p)) != 1)
		return f == 0 ? problem_internal(p) : -1;
	data = partner_json(app, &r, tx->now);
	f = webhook_emit(tx_db(tx), type, r.app, data, tx->now, p);
	json_decref(data);
	store_rxapproval_row_free(&r);
	return f;
}

/* Records request id, pending past its expiry, as expired (its own unit
 * of work): 1 recorded, 0 not due or not pending, -1 with p set. */
static int
expire_one(struct app *app, struct db *db, const char *id, time_t now,
    struct problem *p)
{
	struct rxapproval_row r;
	json_t *details = NULL;
	struct tx tx;
	int f, rc = -1;

	if (tx_begin(&tx, db, now, "system", p) == -1)
		return -1;
	if ((f = store_rxapproval_get(tx_db(&tx), id, NULL, 1, &r, p)) == -1)
		goto out;
	if (f == 0 || strcmp(r.state, "pending") != 0 || now < r.expires) {
		rc = 0;
		goto out;
	}
	details = json_pack("{s:s, s:s}", "approval", id, "partner", r.partner);
	if (store_rxapproval_decide(
	        tx_db(&tx), id, "expired", now, -1, 0, NULL, p) == -1 ||
	    tx_audit(&tx, "approval.expired", r.app, details, p) == -1 ||
	    emit(app, &tx, "approval.expired", id, p) == -1 ||
	    tx_commit(&tx, p) == -1)
		goto out;
	rc = 1;
out:
	tx_abort(&tx);
	json_decref(details);
	store_rxapproval_row_free(&r);
	return rc;
}

/* The signed record of request r decided (approved, denied) at now with
 * proof pr: a compact JWS (caller frees), or NULL with p set. */
static char *
record_sign(struct app *app, struct db *db, const struct rxapproval_row *r,
    const char *state, const struct passkey_proof *pr, const char *challenge,
    time_t now, struct problem *p)
{
	const struct config *c = app->cfg;
	struct rxapproval_who w;
	char aaguid[33], cred[CRED_CHARS], name[216];
	json_t *claims, *digests;
	char *jws;
	int f;

	if ((f = store_rxapproval_who(db, r->app, &w, p)) != 1) {
		if (f == 0)
			problem_internal(p);
		return NULL;
	}
	digests = json_loads(r->digests, 0, NULL);
	digest_hex(pr->key.aaguid, sizeof(pr->key.aaguid), aaguid);
	base64url_encode(
	    pr->key.cred, (size_t)pr->key.cred_len, cred, sizeof(cred));
	snprintf(name, sizeof(name), "%s %s", w.given_name, w.family_name);
	claims = json_pack("{s:s, s:s, s:I, s:s, s:s, s:o, s:s, s:s, s:o, "
	                   "s:s, s:{s:s, s:s, s:s, s:s, s:s?, s:s?}, "
	                   "s:{s:s, s:s, s:s, s:I}, s:b, s:{s:s, s:s?}, "
	                   "s:{s:s, s:s}}",
	    "iss", c->public_url, "jti", r->id, "iat", (json_int_t)now,
	    "request_id", r->id, "decision", state, "decided_at",
	    wallclock_json(now), "partner", r->partner, "summary", r->summary,
	    "digests", digests != NULL ? digests : json_array(), "digest_alg",
	    "SHA-256", "prescriber", "application", r->app, "name", name,
	    "given_name", w.given_name, "family_name", w.family_name, "npi",
	    w.npi[0] != '\0' ? w.npi : NULL, "dea",
	    w.dea[0] != '\0' ? w.dea : NULL, "authenticator", "passkey",
	    pr->key.id, "aaguid", aaguid, "credential_id", cred, "sign_count",
	    (json_int_t)pr->sign_count, "user_verified", pr->uv, "assurance",
	    "source", w.source, "acr", w.acr[0] != '\0' ? w.acr : NULL,
	    "challenge", "value", challenge, "nonce", r->nonce);
	jws = oidcclient_sign(c->approval_key, RXAPPROVAL_JWS_TYP, claims, p);
	json_decref(claims);
	return jws;
}

/* The decision's unit of work; 1 if the counter went back (tx rolled
 * back), 0 done, -1 with p set. */
static int
decide_tx(struct app *app, struct db *db, const char *id, const char *state,
    const struct passkey_proof *pr, const char *record, time_t now,
    struct problem *p)
{
	struct rxapproval_row r;
	json_t *details = NULL;
	char action[32];
	struct tx tx;
	int f, rc = -1;

	memset(&r, 0, sizeof(r));
	if (tx_begin(&tx, db, now, pr->key.app, p) == -1)
		return -1;
	if ((f = pending_get(tx_db(&tx), id, 1, now, &r, p)) != 0) {
		if (f == 1)
			expired(p);
		goto out;
	}
	if ((f = passkey_assertion_use(&tx, pr, "approval", r.app, p)) != 0) {
		rc = f;
		goto out;
	}
	/* the audit action and the webhook event have one name */
	snprintf(action, sizeof(action), "approval.%s", state);
	details = json_pack("{s:s, s:s, s:s, s:I, s:b}", "approval", id,
	    "partner", r.partner, "passkey", pr->key.id, "sign_count",
	    (json_int_t)pr->sign_count, "uv", pr->uv);
	if (store_rxapproval_decide(tx_db(&tx), id, state, now,
	        (long long)pr->sign_count, pr->uv, record, p) == -1 ||
	    tx_audit(&tx, action, r.app, details, p) == -1 ||
	    emit(app, &tx, action, id, p) == -1 || tx_commit(&tx, p) == -1)
		goto out;
	rc = 0;
out:
	tx_abort(&tx);
	json_decref(details);
	store_rxapproval_row_free(&r);
	return rc;
}

int
rxapproval_decide(struct app *app, struct db *db, const char *id,
    const char *decision, const struct passkey_assertion *a, time_t now,
    json_t **out, struct problem *p)
{
	struct rxapproval_row r;
	struct passkey_proof pr;
	char challenge[CHALLENGE_CHARS], *record = NULL;
	const char *state;
	json_t *digests = NULL;
	int f, rc = -1;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	if (decision == NULL ||
	    (strcmp(decision, "approve") != 0 &&
	        strcmp(decision, "deny") != 0)) {
		problem_field(p, "decision", "\"approve\" or \"deny\"");
		return -1;
	}
	state = strcmp(decision, "approve") == 0 ? "approved" : "denied";
	if ((f = pending_get(db, id, 0, now, &r, p)) != 0) {
		if (f == 1 && expire_one(app, db, id, now, p) != -1)
			expired(p);
		goto out;
	}
	digests = json_loads(r.digests, 0, NULL);
	challenge_of(r.id, digests, r.nonce, challenge);
	/* the signatures are checked and the record signed with no
	 * transaction open */
	if (passkey_assertion_check(
	        app, db, a, r.app, r.passkey, challenge, now, &pr, p) == -1 ||
	    (record = record_sign(
	         app, db, &r, state, &pr, challenge, now, p)) == NULL)
		goto out;
	if ((f = decide_tx(app, db, id, state, &pr, record, now, p)) == 1)
		f = passkey_counter_regressed(db, &pr, now, p);
	if (f == -1)
		goto out;
	log_info("approval decided", "approval=%s state=%s passkey=%s", id,
	    state, pr.key.id);
	*out = json_pack("{s:s, s:s, s:o}", "id", id, "state", state,
	    "decided_at", wallclock_json(now));
	rc = 0;
out:
	json_decref(digests);
	free(record);
	store_rxapproval_row_free(&r);
	return rc;
}

json_t *
rxapproval_jwks(const struct app *app)
{
	json_t *keys = json_array();
	int i;

	if (app->cfg->approval_key != NULL)
		json_array_append_new(
		    keys, oidcclient_key_public(app->cfg->approval_key));
	for (i = 0; i < app->cfg->approval_nretired; i++)
		json_array_append_new(
		    keys, oidcclient_key_public(app->cfg->approval_retired[i]));
	return json_pack("{s:o}", "keys", keys);
}

long
rxapproval_sweep(struct app *app, struct db *db, time_t now)
{
	char(*ids)[RXAPPROVAL_ID_LEN] = xcalloc(SWEEP_BATCH, sizeof(*ids));
	struct problem p;
	long n, i, done = 0;

	problem_clear(&p);
	if ((n = store_rxapproval_due(db, now, ids, SWEEP_BATCH, &p)) == -1)
		done = -1;
	for (i = 0; i < n; i++) {
		problem_clear(&p);
		if (expire_one(app, db, ids[i], now, &p) == 1)
			done++;
		else if (p.status != 0)
			log_error("approval not expired",
			    "approval=%s error=\"%s\"", ids[i], p.detail);
	}
	free(ids);
	return done;
}

/* The job "email.approval": the link to the request, to the prescriber.
 * No summary (it may name a patient): the page shows it. */
static int
approval_mail(struct app *app, struct db *db, const struct job *job, time_t now,
    struct problem *p)
{
	struct rxapproval_row r;
	struct rxapproval_who w;
	const char *id = NULL;
	char *url = NULL, *body = NULL, until[WALLCLOCK_MAIL_LEN];
	json_t *pl;
	int f, rc = JOB_FAILED;

	memset(&r, 0, sizeof(r));
	if ((pl = json_loads(job->payload, 0, NULL)) == NULL ||
	    json_unpack(pl, "{s:s}", "approval", &id) == -1) {
		problem_internal(p);
		goto out;
	}
	if ((f = store_rxapproval_get(db, id, NULL, 0, &r, p)) == -1 ||
	    (f == 1 && store_rxapproval_who(db, r.app, &w, p) == -1))
		goto out;
	if (f == 0 || strcmp(r.state, "pending") != 0 || now >= r.expires) {
		rc = JOB_DONE; /* decided or gone: nothing to ask */
		goto out;
	}
	wallclock_mail(r.expires, until);
	url = approve_url(app, r.id);
	body = xprintf("Hello %s,\n\n"
	               "Your e-prescribing system asks you to approve a "
	               "prescription with your passkey. Open this link on the "
	               "device that holds it:\n\n%s\n\n"
	               "The request ends at %s. If you did not expect it, deny "
	               "it on that page.\n",
	    w.given_name, url, until);
	if (mailjob_send(app, db, job, now, w.email,
	        "Approve a prescription with your passkey", body, p) == -1)
		goto out;
	rc = JOB_DONE;
out:
	json_decref(pl);
	free(url);
	free(body);
	store_rxapproval_row_free(&r);
	return rc;
}

static const struct job_kind kinds[] = {
    {.name = JOB_EMAIL_APPROVAL,
        .run = approval_mail,
        .max_attempts = MAIL_TRIES,
        .backoff = JOB_BACKOFF_MAIL,
        .life_days = mailjob_keep_days,
        .dead = mailjob_lost},
};

int
rxapproval_jobs_register(void)
{
	return jobs_register_all(kinds, sizeof(kinds) / sizeof(kinds[0]));
}
