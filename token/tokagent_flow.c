#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "ca/pkcs11.h"
#include "ca/signer.h"
#include "common/logger.h"
#include "common/xmalloc.h"
#include "token/tokagent_flow.h"
#include "token/tokclient_http.h"
#include "token/tokcmd_cert.h"
#include "token/tokcmd_load.h"
#include "token/tokcmd_test.h"
#include "token/tokcmd_token.h"
#include "token/tokdev.h"
#include "token/tokpin.h"

#define FLOW_DESC_MAX 700 /* a prompt's text, bytes */
#define FLOW_TIME_LEN 32  /* an RFC 3339 time */

/* The certificate's serial, end of validity and subject as JSON. */
static json_t *
flow_cert_json(X509 *x)
{
	char hex[TOKCMD_HEX_MAX], when[FLOW_TIME_LEN], *subject;
	struct tm tm;
	json_t *o;

	tokcmd_serial(x, hex);
	when[0] = '\0';
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if ((subject = X509_NAME_oneline(X509_get_subject_name(x), NULL, 0)) ==
	    NULL)
		abort();
	o = json_pack("{s:s, s:s, s:s}", "serial", hex, "not_after", when,
	    "subject", subject);
	OPENSSL_free(subject);
	if (o == NULL)
		abort();
	return o;
}

/* 1 if a public key labelled label is on t, 0 if not, -1 with p set. */
static int
flow_has_key(struct p11 *t, const char *label, struct problem *p)
{
	char(*labels)[P11_LABEL_MAX + 1];
	size_t n = 0, i;
	int rc = 0;

	labels = xcalloc(TOKCMD_OBJS_MAX, sizeof(*labels));
	if (p11_labels(t, P11_OBJ_PUBLIC_KEY, labels, TOKCMD_OBJS_MAX, &n, p) ==
	    -1)
		rc = -1;
	for (i = 0; rc == 0 && i < n; i++)
		if (strcmp(labels[i], label) == 0)
			rc = 1;
	free(labels);
	return rc;
}

/* GET /v1/status */
static int
flow_status(const struct tokcmd_opts *o, json_t **out, struct problem *p)
{
	char label[P11_TOKEN_LABEL_MAX + 1];
	const char *next;
	struct p11 *t;
	STACK_OF(X509) *chain = NULL;
	X509 *cert = NULL;
	int initial, key, kit;
	json_t *j;

	if (tokdev_pick(o->module, o->token, label, p) == -1) {
		if (p->status != 404)
			return -1;
		problem_clear(p);
		if ((*out = json_pack("{s:n, s:s, s:b}", "token", "next",
		         "insert", "pinentry", o->pinentry != NULL)) == NULL)
			abort();
		return 0;
	}
	if ((initial = tokdev_initial(o->module, label, p)) == -1 ||
	    (t = p11_open(o->module, label, NULL, p)) == NULL)
		return -1;
	if ((key = flow_has_key(t, TOKDEV_KEY, p)) == -1 ||
	    (kit = p11_data_exists(t, TOKDEV_KIT, p)) == -1) {
		p11_close(t);
		return -1;
	}
	/* the credential in use: the newest valid one after a renewal */
	if (tokcmd_load(t, NULL, &cert, &chain, p) == -1) {
		if (p->status != 404) {
			p11_close(t);
			return -1;
		}
		problem_clear(p);
		cert = NULL;
	}
	sk_X509_pop_free(chain, X509_free);
	p11_close(t);
	next = initial ? "passcode"
	    : !key     ? "keygen"
	    : !cert    ? "retrieve"
	               : "test";
	j = json_pack("{s:s, s:b, s:b, s:b, s:s, s:b}", "token", label,
	    "initial", initial, "kit", kit || initial, "key", key, "next", next,
	    "pinentry", o->pinentry != NULL);
	if (j == NULL)
		abort();
	json_object_set_new(j, "certificate",
	    cert != NULL ? flow_cert_json(cert) : json_null());
	X509_free(cert);
	*out = j;
	return 0;
}

/* A passcode typed at the pinentry for what the origin asks. */
static int
flow_pin(const struct tokcmd_opts *o, const char *desc, char *pin, size_t pinsz,
    struct problem *p)
{
	struct tokpin_prompt w = {TOKAGENT_PIN_TITLE, desc, "Passcode:"};

	return tokpin_getpin(o->pinentry, &w, pin, pinsz, p);
}

/* The user's yes at the pinentry. */
static int
flow_confirm(const struct tokcmd_opts *o, const char *desc, struct problem *p)
{
	struct tokpin_prompt w = {TOKAGENT_PIN_TITLE, desc, NULL};

	return tokpin_confirm(o->pinentry, &w, p);
}

/* The token, picked, and logged in with a passcode typed at the pinentry
 * for the origin's purpose (why). */
static struct p11 *
flow_open(const struct tokcmd_opts *o, const char *origin, const char *why,
    char label[P11_TOKEN_LABEL_MAX + 1], struct problem *p)
{
	char desc[FLOW_DESC_MAX], pin[TOKPROMPT_MAX + 1];
	struct p11 *t = NULL;
	int initial;

	if (tokdev_pick(o->module, o->token, label, p) == -1 ||
	    (initial = tokdev_initial(o->module, label, p)) == -1)
		return NULL;
	if (initial) {
		tokdev_refuse_initial(p);
		return NULL;
	}
	snprintf(desc, sizeof(desc),
	    "%s asks to %s on token \"%s\".\n\nType the token passcode.",
	    origin, why, label);
	if (flow_pin(o, desc, pin, sizeof(pin), p) == 0)
		t = tokdev_open(o->module, label, pin, 0, p);
	OPENSSL_cleanse(pin, sizeof(pin));
	return t;
}

/* POST /v1/passcode: the letter's passcode, a new one twice. */
static int
flow_passcode(const struct tokcmd_opts *o, const char *origin, json_t **out,
    struct problem *p)
{
	char label[P11_TOKEN_LABEL_MAX + 1], desc[FLOW_DESC_MAX];
	char old[TOKPROMPT_MAX + 1], new1[TOKPROMPT_MAX + 1];
	char new2[TOKPROMPT_MAX + 1];
	int initial, rc = -1;

	old[0] = new1[0] = new2[0] = '\0';
	if (tokdev_pick(o->module, o->token, label, p) == -1 ||
	    (initial = tokdev_initial(o->module, label, p)) == -1)
		return -1;
	snprintf(desc, sizeof(desc),
	    "%s asks to change the passcode of token \"%s\".\n\nType the %s.",
	    origin, label,
	    initial ? "initial passcode from the retrieval letter"
	            : "current token passcode");
	if (flow_pin(o, desc, old, sizeof(old), p) == -1)
		goto out;
	snprintf(desc, sizeof(desc),
	    "Choose the new passcode of token \"%s\" (%d characters at "
	    "least). Remember it: a forgotten passcode locks the token.",
	    label, TOKDEV_PASSCODE_MIN);
	if (flow_pin(o, desc, new1, sizeof(new1), p) == -1)
		goto out;
	snprintf(desc, sizeof(desc),
	    "Type the new passcode of token \"%s\" "
	    "again.",
	    label);
	if (flow_pin(o, desc, new2, sizeof(new2), p) == -1)
		goto out;
	if (strcmp(new1, new2) != 0) {
		problem_field(p, "new_passcode",
		    "The two new passcodes differ; nothing was changed.");
		goto out;
	}
	if (tokcmd_change_passcode(o->module, label, old, new1, p) == -1)
		goto out;
	log_info("agent: passcode changed", "origin=%s", origin);
	if ((*out = json_pack("{s:b}", "changed", 1)) == NULL)
		abort();
	rc = 0;
out:
	OPENSSL_cleanse(old, sizeof(old));
	OPENSSL_cleanse(new1, sizeof(new1));
	OPENSSL_cleanse(new2, sizeof(new2));
	return rc;
}

/* POST /v1/keygen: the pair made once; a rerun keeps it. */
static int
flow_keygen(const struct tokcmd_opts *o, const char *origin, json_t **out,
    struct problem *p)
{
	char label[P11_TOKEN_LABEL_MAX + 1];
	struct signer *s = NULL;
	EVP_PKEY *made = NULL;
	struct p11 *t;
	int rc = -1, fresh = 0;

	if ((t = flow_open(o, origin, "make the key pair for your certificate",
	         label, p)) == NULL)
		return -1;
	if ((s = signer_from_p11(t, TOKDEV_KEY, p)) == NULL) {
		if (p->status != 404)
			goto out;
		problem_clear(p);
		if ((made = p11_keygen(t, TOKDEV_KEY, P11_KEY_P256, p)) == NULL)
			goto out;
		fresh = 1;
		log_info("agent: key pair generated", "origin=%s", origin);
		tokcmd_fault("after-keygen");
	}
	if ((*out = json_pack("{s:s, s:s}", "key", fresh ? "generated" : "kept",
	         "algorithm", "EC P-256")) == NULL)
		abort();
	rc = 0;
out:
	EVP_PKEY_free(made);
	signer_free(s);
	p11_close(t);
	return rc;
}

/* A client for the configured server, or NULL with p set. */
static struct tokclient *
flow_client(const struct tokcmd_opts *o, struct problem *p)
{
	if (o->server == NULL) {
		problem_set(p, 503, "unavailable", "Service unavailable", "%s",
		    "This agent has no server configured (server in "
		    "/etc/rxca-token.conf, or --server).");
		return NULL;
	}
	return tokclient_new(o->server, o->server_ca, p);
}

/* For a signature with the token that needs the server: a client for it
 * into *c (caller frees, also on failure), the token picked, the user's
 * yes to the task (shown with the origin, the token and the server: "…
 * to <task> <server>."), then the passcode for why.  The token logged
 * in, or NULL with p set. */
static struct p11 *
flow_sign_open(const struct tokcmd_opts *o, const struct tokagent_req *r,
    const char *task, const char *why, struct tokclient **c, struct problem *p)
{
	char label[P11_TOKEN_LABEL_MAX + 1], desc[FLOW_DESC_MAX];

	if ((*c = flow_client(o, p)) == NULL ||
	    tokdev_pick(o->module, o->token, label, p) == -1)
		return NULL;
	snprintf(desc, sizeof(desc),
	    "%s asks the token \"%s\" to %s %s.\n\nSign it?", r->origin, label,
	    task, o->server);
	if (flow_confirm(o, desc, p) == -1)
		return NULL;
	return flow_open(o, r->origin, why, label, p);
}

/* POST /v1/retrieve: confirmed, the CSR signed, sent, the answer stored
 * (tokcmd_retrieve_token(): a new pair when the token's are certified
 * already and the code is a new application's). */
static int
flow_retrieve(const struct tokcmd_opts *o, const struct tokagent_req *r,
    json_t **out, struct problem *p)
{
	struct tokcmd_retrieval rv = {0};
	struct tokclient *c = NULL;
	struct p11 *t = NULL;
	int rc = -1;

	if ((t = flow_sign_open(o, r,
	         "sign the request for your certificate, to be sent to",
	         "sign the request for your certificate", &c, p)) == NULL ||
	    tokcmd_retrieve_token(
	        o, c, t, r->code, r->password, 0, NULL, &rv, p) == -1)
		goto out;
	log_info("agent: certificate on the token",
	    "origin=%s key=%s created=%d stored=%d made=%d", r->origin, rv.key,
	    rv.created, rv.stored, rv.made);
	*out = flow_cert_json(rv.leaf);
	json_object_set_new(*out, "created", json_boolean(rv.created));
	rc = 0;
out:
	X509_free(rv.leaf);
	p11_close(t);
	tokclient_free(c);
	return rc;
}

/* POST /v1/test: confirmed, the server's challenge signed and checked. */
static int
flow_test(const struct tokcmd_opts *o, const struct tokagent_req *r,
    json_t **out, struct problem *p)
{
	char hex[TOKCMD_HEX_MAX];
	struct tokclient *c = NULL;
	struct p11 *t = NULL;
	int rc = -1;

	if ((t = flow_sign_open(o, r,
	         "sign with your certificate's key a test challenge of",
	         "test your certificate", &c, p)) == NULL ||
	    tokcmd_test_token(c, t, NULL, NULL, r->password, hex, p) == -1)
		goto out;
	log_info("agent: test passed", "origin=%s", r->origin);
	if ((*out = json_pack("{s:b, s:s}", "passed", 1, "serial", hex)) ==
	    NULL)
		abort();
	rc = 0;
out:
	p11_close(t);
	tokclient_free(c);
	return rc;
}

/* POST /v1/renew: confirmed, renewed on the token, stored. */
static int
flow_renew(const struct tokcmd_opts *o, const struct tokagent_req *r,
    json_t **out, struct problem *p)
{
	struct tokcmd_renewal rn = {0};
	struct tokclient *c = NULL;
	struct p11 *t = NULL;
	int rc = -1;

	if ((t = flow_sign_open(o, r,
	         "make a new key pair and sign the request to renew your "
	         "certificate, to be sent to",
	         "renew your certificate", &c, p)) == NULL ||
	    tokcmd_renew_token(o, c, t, r->password, &rn, p) == -1)
		goto out;
	if (rn.current) {
		problem_set(p, 409, "already-renewed", "Already renewed",
		    "The certificate on this token was renewed already; the "
		    "renewed one is in use.");
		goto out;
	}
	log_info("agent: certificate renewed", "origin=%s created=%d",
	    r->origin, rn.created);
	*out = flow_cert_json(rn.leaf);
	json_object_set_new(*out, "renews", json_string(rn.old));
	json_object_set_new(*out, "created", json_boolean(rn.created));
	rc = 0;
out:
	X509_free(rn.leaf);
	p11_close(t);
	tokclient_free(c);
	return rc;
}

int
tokagent_flow(const struct tokcmd_opts *o, const struct tokagent_req *r,
    json_t **out, struct problem *p)
{
	*out = NULL;
	if (r->op != TOKAGENT_STATUS && o->pinentry == NULL)
		return problem_set(p, 503, "pinentry-failed",
		    "Prompt unavailable", "%s",
		    "This agent has no pinentry program to ask for the "
		    "passcode (pinentry in /etc/rxca-token.conf, or "
		    "--pinentry).");
	switch (r->op) {
	case TOKAGENT_STATUS:
		return flow_status(o, out, p);
	case TOKAGENT_PASSCODE:
		return flow_passcode(o, r->origin, out, p);
	case TOKAGENT_KEYGEN:
		return flow_keygen(o, r->origin, out, p);
	case TOKAGENT_RETRIEVE:
		return flow_retrieve(o, r, out, p);
	case TOKAGENT_TEST:
		return flow_test(o, r, out, p);
	case TOKAGENT_RENEW:
		return flow_renew(o, r, out, p);
	default:
		return problem_internal(p);
	}
}
