#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <openssl/crypto.h>

#include "ca/signer.h"
#include "common/bounds.h"
#include "common/xmalloc.h"
#include "token/tokclient_http.h"
#include "token/tokcmd.h"
#include "token/tokcmd_load.h"
#include "token/tokcmd_test.h"

/* Asks the server for a challenge, signs it on the token, sends it. */
static int
tokcmd_challenge(struct tokclient *c, const char *bearer, const char *serial,
    struct signer *s, struct problem *p)
{
	json_t *reply = NULL, *ans = NULL, *body = NULL;
	unsigned char *nonce = NULL, *sig = NULL;
	size_t nlen = 0, siglen = 0;
	const char *id, *b64;
	char *path = NULL, *sig64 = NULL;
	long status = 0;
	int rc = -1;

	path = xprintf("/v1/certificates/%s/challenges", serial);
	if (tokclient_json(c, "POST", path, bearer, NULL, &status, &reply, p) ==
	    -1)
		goto out;
	if (status != 201 && status != 200) {
		tokcmd_server_refused(status, reply, p);
		goto out;
	}
	id = json_string_value(json_object_get(reply, "id"));
	b64 = json_string_value(json_object_get(reply, "nonce"));
	if (id == NULL || b64 == NULL ||
	    tokcmd_unb64(b64, &nonce, &nlen) == -1 ||
	    strlen(id) > BOUND_SHORT) {
		problem_set(p, 502, "bad-answer", "Unexpected answer",
		    "The server's challenge is not usable.");
		goto out;
	}
	if (signer_sign(s, nonce, nlen, &sig, &siglen, p) == -1)
		goto out;
	sig64 = tokcmd_b64(sig, siglen);
	free(path);
	path = xprintf("/v1/certificates/%s/challenges/%s", serial, id);
	if ((body = json_pack("{s:s}", "signature", sig64)) == NULL)
		abort();
	if (tokclient_json(c, "POST", path, bearer, body, &status, &ans, p) ==
	    -1)
		goto out;
	if (status != 200 || !json_is_true(json_object_get(ans, "valid"))) {
		tokcmd_server_refused(status, ans, p);
		goto out;
	}
	rc = 0;
out:
	json_decref(reply);
	json_decref(ans);
	json_decref(body);
	free(nonce);
	OPENSSL_free(sig);
	free(sig64);
	free(path);
	return rc;
}

int
tokcmd_test_token(struct tokclient *c, struct p11 *t, const char *email,
    const char *app_id, const char *password, char serial[TOKCMD_HEX_MAX],
    struct problem *p)
{
	char key[P11_LABEL_MAX + 1];
	STACK_OF(X509) *chain = NULL;
	struct signer *s = NULL;
	X509 *cert = NULL;
	char *mail = NULL, *bearer = NULL;
	int rc = -1;

	if (tokcmd_load(t, key, &cert, &chain, p) == -1 ||
	    (s = signer_from_p11(t, key, p)) == NULL)
		goto out;
	tokcmd_serial(cert, serial);
	mail = email != NULL ? xstrdup(email) : tokcmd_email(cert);
	if (mail == NULL && app_id == NULL) {
		problem_field(p, "email",
		    "The certificate names no e-mail "
		    "address: give --email or "
		    "--application-id.");
		goto out;
	}
	if ((bearer = tokcmd_login(c, mail, app_id, password, p)) == NULL ||
	    tokcmd_challenge(c, bearer, serial, s, p) == -1)
		goto out;
	rc = 0;
out:
	free(mail);
	free(bearer);
	signer_free(s);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	return rc;
}

int
tokcmd_test(const struct tokcmd_opts *o)
{
	char hex[TOKCMD_HEX_MAX];
	struct tokcmd_session sn;
	struct problem p;
	int rc = TOKCMD_FAIL;

	problem_clear(&p);
	if ((rc = tokcmd_open(o, "test",
	         TOKCMD_OPEN_SERVER | TOKCMD_OPEN_PASSWORD, &sn, &p)) !=
	    TOKCMD_OK)
		return rc;
	if (tokcmd_test_token(
	        sn.c, sn.t, o->email, o->app_id, sn.password, hex, &p) == -1)
		rc = tokcmd_report(&p);
	else {
		printf("Test passed: the token signed the server's challenge "
		       "with the key of certificate %s, and the server checked "
		       "the signature.\n",
		    hex);
		rc = TOKCMD_OK;
	}
	tokcmd_close(&sn);
	return rc;
}
