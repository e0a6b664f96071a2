#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "common/base64.h"
#include "common/bounds.h"
#include "common/xmalloc.h"
#include "token/tokclient_http.h"
#include "token/tokconf.h"
#include "token/tokcmd.h"
#include "token/tokdev.h"

int
tokcmd_report(const struct problem *p)
{
	int i;

	fprintf(stderr, "rxca-token: %s: %s\n",
	    p->title[0] != '\0' ? p->title : "error", p->detail);
	for (i = 0; i < p->nfields && i < BOUND_FIELD_ERRORS; i++)
		fprintf(stderr, "  %s: %s\n", p->fields[i].field,
		    p->fields[i].message);
	if (strcmp(p->type, "wrong-passcode") == 0)
		return TOKCMD_WRONG_PASSCODE;
	if (strcmp(p->type, "passcode-initial") == 0)
		return TOKCMD_INITIAL;
	if (strcmp(p->type, "token-locked") == 0)
		return TOKCMD_LOCKED;
	return TOKCMD_FAIL;
}

/* Kills the process at the named point if RXCA_TOKEN_FAULT asks. */
void
tokcmd_fault(const char *point)
{
	const char *f = getenv("RXCA_TOKEN_FAULT");

	if (f != NULL && strcmp(f, point) == 0) {
		fflush(NULL);
		raise(SIGKILL);
	}
}

char *
tokcmd_b64(const unsigned char *in, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

int
tokcmd_unb64(const char *in, unsigned char **out, size_t *outlen)
{
	size_t n = strlen(in);
	unsigned char *buf;

	*out = NULL;
	*outlen = 0;
	if (n > TOKCMD_B64_MAX)
		return -1;
	buf = xmalloc(BASE64_DECODED_MAX(n) + 1);
	if (base64_decode(in, n, buf, BASE64_DECODED_MAX(n), outlen) == -1) {
		free(buf);
		*outlen = 0;
		return -1;
	}
	*out = buf;
	return 0;
}

/* The token to use, into label; -1 after reporting. */
int
tokcmd_pick(const struct tokcmd_opts *o, char label[P11_TOKEN_LABEL_MAX + 1],
    struct problem *p)
{
	return tokdev_pick(o->module, o->token, label, p);
}

/* Refuses when the initial passcode is unchanged (before asking it). */
static int
tokcmd_not_initial(const char *module, const char *label, struct problem *p)
{
	int initial;

	if ((initial = tokdev_initial(module, label, p)) == -1)
		return -1;
	if (initial)
		return tokdev_refuse_initial(p);
	return 0;
}

void
tokcmd_serial(X509 *x, char out[TOKCMD_HEX_MAX])
{
	const ASN1_INTEGER *ai = X509_get0_serialNumber(x);
	const unsigned char *d = ASN1_STRING_get0_data(ai);
	int len = ASN1_STRING_length(ai), i;
	size_t off = 0;

	for (i = len; i < TOKCMD_SERIAL_HEX / 2; i++) {
		memcpy(out + off, "00", 2);
		off += 2;
	}
	for (i = 0; i < len && off + 3 <= TOKCMD_HEX_MAX; i++) {
		snprintf(out + off, 3, "%02x", d[i]);
		off += 2;
	}
	out[off] = '\0';
}

/* The first rfc822Name of x, or NULL; caller frees. */
char *
tokcmd_email(X509 *x)
{
	GENERAL_NAMES *gens;
	GENERAL_NAME *g;
	char *out = NULL;
	int i;

	if ((gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL)) ==
	    NULL)
		return NULL;
	for (i = 0; i < sk_GENERAL_NAME_num(gens) && out == NULL; i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type == GEN_EMAIL)
			out = xstrndup((const char *)ASN1_STRING_get0_data(
			                   g->d.rfc822Name),
			    (size_t)ASN1_STRING_length(g->d.rfc822Name));
	}
	GENERAL_NAMES_free(gens);
	return out;
}

void
tokcmd_print_name(const char *what, const X509_NAME *name)
{
	BIO *b = BIO_new_fp(stdout, BIO_NOCLOSE);

	printf("%s", what);
	fflush(stdout);
	if (b != NULL) {
		X509_NAME_print_ex(
		    b, name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
		BIO_free(b);
	}
	printf("\n");
}

void
tokcmd_print_time(const char *what, const ASN1_TIME *t)
{
	BIO *b = BIO_new_fp(stdout, BIO_NOCLOSE);

	printf("%s", what);
	fflush(stdout);
	if (b != NULL) {
		ASN1_TIME_print(b, t);
		BIO_free(b);
	}
	printf("\n");
}

/* Prints the answer of the server that refused. */
int
tokcmd_server_refused(long status, json_t *reply, struct problem *p)
{
	const char *title = NULL, *detail = NULL;
	json_t *left;

	if (reply != NULL) {
		title = json_string_value(json_object_get(reply, "title"));
		detail = json_string_value(json_object_get(reply, "detail"));
	}
	problem_set(p, (int)status, "server-refused",
	    title != NULL ? "The server refused" : "Unexpected answer",
	    "%s%s%s (HTTP %ld)", title != NULL ? title : "",
	    detail != NULL ? ": " : "", detail != NULL ? detail : "", status);
	if (reply != NULL &&
	    (left = json_object_get(reply, "attempts_left")) != NULL &&
	    json_is_integer(left))
		problem_field(p, "attempts_left", "%lld tries left",
		    (long long)json_integer_value(left));
	return -1;
}

/* A session token for the account: by application id or e-mail. */
char *
tokcmd_login(struct tokclient *c, const char *email, const char *app_id,
    const char *password, struct problem *p)
{
	json_t *body, *reply = NULL;
	const char *tok;
	char *out = NULL;
	long status = 0;

	if (app_id != NULL)
		body = json_pack("{s:s, s:s}", "application_id", app_id,
		    "password", password);
	else
		body = json_pack(
		    "{s:s, s:s}", "email", email, "password", password);
	if (body == NULL)
		abort();
	if (tokclient_json(c, "POST", "/v1/sessions", NULL, body, &status,
	        &reply, p) == -1)
		goto out;
	if (status != 200 && status != 201) {
		tokcmd_server_refused(status, reply, p);
		goto out;
	}
	if ((tok = json_string_value(json_object_get(reply, "token"))) ==
	    NULL) {
		problem_set(p, 502, "bad-answer", "Unexpected answer",
		    "The server's log-in answer has no token.");
		goto out;
	}
	out = xstrdup(tok);
out:
	json_decref(body);
	json_decref(reply);
	return out;
}

int
tokcmd_open(const struct tokcmd_opts *o, const char *cmd, int what,
    struct tokcmd_session *sn, struct problem *p)
{
	memset(sn, 0, sizeof(*sn));
	if ((what & TOKCMD_OPEN_SERVER) && o->server == NULL) {
		fprintf(stderr,
		    "rxca-token: %s needs --server URL (or server = URL in "
		    "%s)\n",
		    cmd, o->config != NULL ? o->config : TOKCONF_PATH_DEFAULT);
		return TOKCMD_USAGE;
	}
	if (((what & TOKCMD_OPEN_SERVER) &&
	        (sn->c = tokclient_new(o->server, o->server_ca, p)) == NULL) ||
	    tokcmd_pick(o, sn->label, p) == -1 ||
	    tokcmd_not_initial(o->module, sn->label, p) == -1) {
		tokcmd_close(sn);
		return tokcmd_report(p);
	}
	if (tokprompt_secret("token passcode", o->passcode_fd, sn->passcode,
	        sizeof(sn->passcode)) == -1 ||
	    ((what & TOKCMD_OPEN_CODE) &&
	        tokprompt_secret("activation code (from the retrieval letter)",
	            o->code_fd, sn->code, sizeof(sn->code)) == -1) ||
	    ((what & TOKCMD_OPEN_PASSWORD) &&
	        tokprompt_secret("account password", o->password_fd,
	            sn->password, sizeof(sn->password)) == -1)) {
		tokcmd_close(sn);
		return TOKCMD_FAIL;
	}
	if ((sn->t = tokdev_open(o->module, sn->label, sn->passcode, 0, p)) ==
	    NULL) {
		tokcmd_close(sn);
		return tokcmd_report(p);
	}
	return TOKCMD_OK;
}

void
tokcmd_close(struct tokcmd_session *sn)
{
	OPENSSL_cleanse(sn->passcode, sizeof(sn->passcode));
	OPENSSL_cleanse(sn->code, sizeof(sn->code));
	OPENSSL_cleanse(sn->password, sizeof(sn->password));
	p11_close(sn->t);
	sn->t = NULL;
	tokclient_free(sn->c);
	sn->c = NULL;
}
