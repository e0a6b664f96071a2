/* Hardware-key evidence: see api/service/evidence.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "api/config.h"
#include "api/service/evidence.h"
#include "ca/attest.h"
#include "common/logger.h"

#define TOKEN_TEXT_MAX 64 /* characters of a token's model, serial, maker */

/* The manufacturer roots of file, or NULL (logged). */
static STACK_OF(X509) * evidence_roots(const char *file)
{
	STACK_OF(X509) *roots = NULL;
	BIO *b = NULL;
	X509 *x;

	if ((b = BIO_new_file(file, "r")) == NULL) {
		log_error("cannot read RXCA_ATTEST_ROOTS", "file=\"%s\"", file);
		goto fail;
	}
	if ((roots = sk_X509_new_null()) == NULL)
		abort();
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (sk_X509_num(roots) >= EVIDENCE_ROOTS_MAX ||
		    sk_X509_push(roots, x) <= 0) {
			X509_free(x);
			log_error("RXCA_ATTEST_ROOTS: too many certificates",
			    "file=\"%s\" max=%d", file, EVIDENCE_ROOTS_MAX);
			goto fail;
		}
	ERR_clear_error();
	if (sk_X509_num(roots) == 0) {
		log_error("RXCA_ATTEST_ROOTS holds no certificate",
		    "file=\"%s\"", file);
		goto fail;
	}
	BIO_free(b);
	return roots;
fail:
	ERR_clear_error();
	sk_X509_pop_free(roots, X509_free);
	BIO_free(b);
	return NULL;
}

/* 1 if s is 1..TOKEN_TEXT_MAX printable ASCII characters. */
static int
token_text_ok(const char *s)
{
	size_t i, n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > TOKEN_TEXT_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

static int
parse_token(json_t *v, struct evidence_row *ev, struct problem *p)
{
	const char *kind = NULL, *model = NULL, *serial = NULL, *maker = NULL;
	json_error_t jerr;

	if (json_unpack_ex(v, &jerr, JSON_STRICT, "{s:s, s:{s:s, s:s, s?s}}",
	        "kind", &kind, "token", "model", &model, "serial", &serial,
	        "manufacturer", &maker) == -1)
		return problem_field(p, "key_evidence.token",
		    "required with kind client-asserted: {\"model\", "
		    "\"serial\", \"manufacturer\"?} as the token reports them "
		    "(%s)",
		    jerr.text);
	if (!token_text_ok(model) || !token_text_ok(serial) ||
	    (maker != NULL && !token_text_ok(maker)))
		return problem_field(p, "key_evidence.token",
		    "model, serial and manufacturer are 1 to %d printable "
		    "ASCII characters",
		    TOKEN_TEXT_MAX);
	snprintf(ev->model, sizeof(ev->model), "%s", model);
	snprintf(ev->serial, sizeof(ev->serial), "%s", serial);
	snprintf(ev->manufacturer, sizeof(ev->manufacturer), "%s",
	    maker != NULL ? maker : "");
	return 0;
}

static int
parse_attested(const struct config *c, json_t *v, EVP_PKEY *key, time_t now,
    struct evidence_row *ev, struct problem *p)
{
	const char *kind = NULL, *slot = NULL, *device = NULL;
	STACK_OF(X509) *roots = NULL;
	struct attest_result res;
	json_error_t jerr;
	int rc = -1;

	if (json_unpack_ex(v, &jerr, JSON_STRICT, "{s:s, s:s, s:s}", "kind",
	        &kind, "attestation", &slot, "device", &device) == -1)
		return problem_field(p, "key_evidence",
		    "kind attested takes \"attestation\" (the PEM attestation "
		    "certificate of the key's slot) and \"device\" (the PEM "
		    "device attestation certificate), nothing else (%s)",
		    jerr.text);
	if (c->attest_roots == NULL || c->attest_roots[0] == '\0')
		return problem_field(p, "key_evidence",
		    "this CA accepts no attested evidence: no manufacturer "
		    "roots are configured");
	if ((roots = evidence_roots(c->attest_roots)) == NULL)
		return problem_internal(p);
	if (attest_piv_verify(slot, device, roots, key, now, &res, p) == -1)
		goto out;
	snprintf(ev->serial, sizeof(ev->serial), "%s", res.serial);
	snprintf(ev->firmware, sizeof(ev->firmware), "%s", res.firmware);
	snprintf(ev->device, sizeof(ev->device), "%s", res.device);
	rc = 0;
out:
	sk_X509_pop_free(roots, X509_free);
	return rc;
}

int
evidence_parse(const struct config *c, json_t *v, EVP_PKEY *key, time_t now,
    struct evidence_row *ev, struct problem *p)
{
	enum attest_kind kind = ATTEST_NONE;
	json_t *k;

	memset(ev, 0, sizeof(*ev));
	if (v != NULL && !json_is_object(v))
		return problem_field(p, "key_evidence",
		    "an object: {\"kind\": \"none\", \"client-asserted\" or "
		    "\"attested\", and its detail}");
	if (v != NULL &&
	    ((k = json_object_get(v, "kind")) == NULL ||
	        attest_kind_parse(json_string_value(k), &kind) == -1))
		return problem_field(p, "key_evidence.kind",
		    "none, client-asserted or attested");
	snprintf(ev->kind, sizeof(ev->kind), "%s", attest_kind_name(kind));
	switch (kind) {
	case ATTEST_CLIENT_ASSERTED:
		return parse_token(v, ev, p);
	case ATTEST_ATTESTED:
		return parse_attested(c, v, key, now, ev, p);
	case ATTEST_NONE:
		if (v != NULL && json_object_size(v) != 1)
			return problem_field(
			    p, "key_evidence", "kind none takes no detail");
		return 0;
	}
	return problem_internal(p);
}

int
evidence_check(struct db *db, const char *app, const struct evidence_row *ev,
    struct problem *p)
{
	char need[STORE_EVIDENCE_KIND_MAX];
	int found;

	if ((found = store_evidence_required(db, app, need, p)) == -1)
		return -1;
	if (found == 0)
		return problem_internal(p);
	return evidence_meets(need, ev, p);
}

int
evidence_meets(
    const char *need, const struct evidence_row *ev, struct problem *p)
{
	enum attest_kind want, have;

	if (attest_kind_parse(need, &want) == -1 ||
	    attest_kind_parse(ev->kind, &have) == -1)
		return problem_internal(p);
	if (have >= want)
		return 0;
	if (want == ATTEST_ATTESTED)
		return problem_field(p, "key_evidence",
		    "required: this certificate's product requires attested "
		    "key evidence (a PIV key attestation of the CSR's key "
		    "from the token); %s was given",
		    ev->kind);
	return problem_field(p, "key_evidence",
	    "required: this certificate's product requires key evidence at "
	    "least client-asserted (the token's model and serial, as "
	    "rxca-token sends them) or attested; %s was given",
	    ev->kind);
}

/* Sets name to s in o if s is not "". */
static void
set_text(json_t *o, const char *name, const char *s)
{
	if (s[0] != '\0')
		json_object_set_new(o, name, json_string(s));
}

json_t *
evidence_json(const struct evidence_row *ev)
{
	json_t *o = json_pack("{s:s}", "kind", ev->kind), *tok = json_object();
	enum attest_kind kind = ATTEST_NONE;

	(void)attest_kind_parse(ev->kind, &kind);
	if (kind == ATTEST_ATTESTED) {
		set_text(o, "device_serial", ev->serial);
		set_text(o, "firmware", ev->firmware);
		set_text(o, "device", ev->device);
	} else if (kind == ATTEST_CLIENT_ASSERTED) {
		set_text(tok, "model", ev->model);
		set_text(tok, "serial", ev->serial);
		set_text(tok, "manufacturer", ev->manufacturer);
		json_object_set(o, "token", tok);
	}
	json_decref(tok);
	return o;
}

json_t *
evidence_of_cert(struct db *db, const unsigned char *serial, struct problem *p)
{
	struct evidence_row ev;
	int found;

	if ((found = store_cert_evidence(db, serial, &ev, p)) == -1)
		return NULL;
	if (found == 0)
		snprintf(ev.kind, sizeof(ev.kind), "none");
	return evidence_json(&ev);
}
