#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/xmalloc.h"
#include "proofing/idcheck.h"
#include "proofing/price.h"
#include "proofing/provider_payment.h"

static const char *const paths[] = {
    "/v1/authorisations", "/v1/captures", "/v1/voids", "/v1/refunds"};
static const char *const done_status[] = {
    "authorised", "captured", "voided", "refunded"};
static const char *const names[] = {"authorise", "capture", "void", "refund"};

const char *
provider_payment_op_name(enum payment_op op)
{
	return names[op];
}

static int
garbage(struct problem *p, const char *why)
{
	return problem_set(p, 502, "provider-garbage",
	    "Provider answer refused", "payment provider: %s", why);
}

/* 1 if s is 1..max characters of [A-Za-z0-9_-]. */
static int
id_ok(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		        (s[i] >= 'A' && s[i] <= 'Z') ||
		        (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		        s[i] == '-'))
			return 0;
	return 1;
}

static int
digits4(const char *s)
{
	int i;

	if (strlen(s) != 4)
		return 0;
	for (i = 0; i < 4; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
provider_payment_parse(enum payment_op op, const char *body, size_t len,
    long amount_cents, struct payment_answer *out, struct problem *p)
{
	json_t *j = NULL, *decline = NULL;
	json_error_t err;
	const char *id, *status, *currency = NULL, *last4 = NULL;
	json_int_t amount;
	int rc = -1, rj;

	memset(out, 0, sizeof(*out));
	if (body == NULL || len > IDCHECK_MAX_ANSWER) {
		garbage(p, "no answer, or an answer too large");
		goto out;
	}
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL || !json_is_object(j)) {
		garbage(p, "the answer is not a JSON object");
		goto out;
	}
	if (op == PAYMENT_AUTHORISE)
		rj = json_unpack_ex(j, &err, JSON_STRICT,
		    "{s:s, s:s, s:I, s:s, s:s, s:o}", "id", &id, "status",
		    &status, "amount_cents", &amount, "currency", &currency,
		    "last4", &last4, "decline_code", &decline);
	else
		rj = json_unpack_ex(j, &err, JSON_STRICT, "{s:s, s:s, s:I}",
		    "id", &id, "status", &status, "amount_cents", &amount);
	if (rj == -1) {
		garbage(p, err.text);
		goto out;
	}
	if (!id_ok(id, PAYMENT_ID_LEN)) {
		garbage(p, "id: 1 to 64 of [A-Za-z0-9_-]");
		goto out;
	}
	if (amount < 0 || amount > PRICE_CEILING ||
	    (op != PAYMENT_VOID && amount != amount_cents)) {
		garbage(p, "amount_cents is not the amount asked");
		goto out;
	}
	if (strcmp(status, done_status[op]) == 0)
		out->approved = 1;
	else if (op != PAYMENT_AUTHORISE || strcmp(status, "declined") != 0) {
		garbage(p, "unexpected status");
		goto out;
	}
	if (op == PAYMENT_AUTHORISE) {
		if (strcmp(currency, "USD") != 0) {
			garbage(p, "currency is not USD");
			goto out;
		}
		if (!digits4(last4)) {
			garbage(p, "last4: four digits");
			goto out;
		}
		if (json_is_string(decline)) {
			if (!id_ok(
			        json_string_value(decline), PAYMENT_CODE_LEN)) {
				garbage(p,
				    "decline_code: 1 to 48 of "
				    "[A-Za-z0-9_-]");
				goto out;
			}
			memcpy(out->decline, json_string_value(decline),
			    strlen(json_string_value(decline)) + 1);
		} else if (!json_is_null(decline)) {
			garbage(p, "decline_code: a string or null");
			goto out;
		}
		if (!out->approved && out->decline[0] == '\0')
			memcpy(out->decline, "declined", sizeof("declined"));
		memcpy(out->last4, last4, 5);
	}
	memcpy(out->id, id, strlen(id) + 1);
	out->amount_cents = (long)amount;
	rc = 0;
out:
	if (rc == -1)
		memset(out, 0, sizeof(*out));
	json_decref(j);
	return rc;
}

int
provider_payment_call(const struct provider_endpoint *ep, enum payment_op op,
    const char *key, const char *arg, const char *ref, long amount_cents,
    struct payment_answer *out, struct problem *p)
{
	struct provider_reply reply;
	json_t *req;
	char *body = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&reply, 0, sizeof(reply));
	if (op == PAYMENT_AUTHORISE)
		req = json_pack("{s:I, s:s, s:s, s:s}", "amount_cents",
		    (json_int_t)amount_cents, "currency", "USD", "card_token",
		    arg, "reference", ref);
	else if (op == PAYMENT_VOID)
		req = json_pack("{s:s}", "authorisation", arg);
	else
		req = json_pack("{s:s, s:I}", "authorisation", arg,
		    "amount_cents", (json_int_t)amount_cents);
	if (req == NULL || (body = json_dumps(req, JSON_COMPACT)) == NULL) {
		problem_internal(p);
		goto out;
	}
	if (provider_post(ep, paths[op], body, key, &reply, p) == -1)
		goto out;
	rc = provider_payment_parse(
	    op, reply.body, reply.len, amount_cents, out, p);
out:
	provider_reply_free(&reply);
	if (body != NULL) {
		memset(body, 0, strlen(body)); /* it may hold a card token */
		free(body);
	}
	json_decref(req);
	return rc;
}
