#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ts.h>

#include "ca/signer.h"
#include "common/logger.h"
#include "common/wallclock.h"
#include "token/tokclient_http.h"
#include "token/tokcmd.h"
#include "token/tokcmd_load.h"
#include "token/tokcmd_sign.h"
#include "token/tokcms.h"
#include "token/tokts.h"

#define TOKCMD_PATH_MAX 4096 /* an output path */

int
tokcmd_timestamp(const struct tokcmd_opts *o, unsigned char **der,
    size_t *derlen, struct problem *p)
{
	struct tokclient *c = NULL;
	TS_REQ *req = NULL;
	unsigned char *sigv = NULL, *q = NULL, *ans = NULL, *tst = NULL;
	unsigned char *out = NULL;
	size_t sigvlen = 0, qlen = 0, anslen = 0, tstlen = 0, outlen = 0;
	long status = 0;
	time_t when = 0;
	int rc = -1;

	if (tokcms_signature_value(*der, *derlen, &sigv, &sigvlen, p) == -1 ||
	    tokts_request(sigv, sigvlen, &req, &q, &qlen, p) == -1 ||
	    (c = tokclient_new(o->tsa, o->server_ca, p)) == NULL ||
	    tokclient_raw(c, o->tsa, "application/timestamp-query", q, qlen,
	        &status, &ans, &anslen, p) == -1)
		goto out;
	if (status != 200) {
		problem_set(p, 502, "tsa-refused", "Time-stamp refused",
		    "The time-stamp authority answered HTTP %ld.", status);
		goto out;
	}
	if (tokts_accept(
	        req, ans, anslen, o->tsa_ca, &tst, &tstlen, &when, p) == -1 ||
	    tokcms_add_timestamp(
	        *der, *derlen, tst, tstlen, &out, &outlen, p) == -1)
		goto out;
	log_info("token: time-stamped", "time=%lld", (long long)when);
	OPENSSL_free(*der);
	*der = out;
	*derlen = outlen;
	rc = 0;
out:
	OPENSSL_free(tst);
	free(ans);
	OPENSSL_free(q);
	free(sigv);
	TS_REQ_free(req);
	tokclient_free(c);
	return rc;
}

int
tokcmd_sign(const struct tokcmd_opts *o)
{
	char path[TOKCMD_PATH_MAX], key[P11_LABEL_MAX + 1];
	unsigned char digest[EVP_MAX_MD_SIZE];
	const char *file = o->file;
	STACK_OF(X509) *chain = NULL;
	struct tokcmd_session sn;
	struct signer *s = NULL;
	struct problem p;
	X509 *cert = NULL;
	unsigned char *der = NULL;
	size_t dlen = 0, derlen = 0;
	FILE *f = NULL;
	int rc = TOKCMD_FAIL;

	problem_clear(&p);
	if (o->out != NULL)
		snprintf(path, sizeof(path), "%s", o->out);
	else if ((size_t)snprintf(path, sizeof(path), "%s.p7s", file) >=
	    sizeof(path)) {
		fprintf(stderr, "rxca-token: the file name is too long\n");
		return TOKCMD_USAGE;
	}
	if ((rc = tokcmd_open(o, "sign", 0, &sn, &p)) != TOKCMD_OK)
		return rc;
	rc = TOKCMD_FAIL;
	if (tokcmd_load(sn.t, key, &cert, &chain, &p) == -1 ||
	    (s = signer_from_p11(sn.t, key, &p)) == NULL ||
	    tokcms_digest_file(s, file, digest, &dlen, &p) == -1 ||
	    tokcms_sign(s, cert, chain, digest, dlen, wallclock_now(), &der,
	        &derlen, &p) == -1)
		goto report;
	tokcmd_close(&sn); /* no session is held during the network call */
	if (o->tsa != NULL && tokcmd_timestamp(o, &der, &derlen, &p) == -1)
		goto report;
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(der, 1, derlen, f) != derlen) {
		fprintf(stderr, "rxca-token: cannot write %s: %s\n", path,
		    strerror(errno));
		goto out;
	}
	log_info("token: file signed", "bytes_sig=%zu", derlen);
	printf("Signed %s: the detached CMS signature%s is in %s.\n", file,
	    o->tsa != NULL ? ", time-stamped by the TSA," : "", path);
	rc = TOKCMD_OK;
	goto out;
report:
	rc = tokcmd_report(&p);
out:
	if (f != NULL && fclose(f) != 0 && rc == TOKCMD_OK) {
		fprintf(stderr, "rxca-token: cannot write %s\n", path);
		rc = TOKCMD_FAIL;
	}
	OPENSSL_free(der);
	signer_free(s);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	tokcmd_close(&sn);
	return rc;
}

int
tokcmd_sign_challenge(const struct tokcmd_opts *o)
{
	char key[P11_LABEL_MAX + 1], hex[TOKCMD_HEX_MAX];
	const char *chal = o->file;
	STACK_OF(X509) *chain = NULL;
	struct tokcmd_session sn;
	struct signer *s = NULL;
	struct problem p;
	X509 *cert = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0, i, n = strlen(chal);
	char *sig64 = NULL, *line = NULL;
	json_t *out = NULL;
	int rc = TOKCMD_FAIL;

	problem_clear(&p);
	for (i = 0; i < n; i++)
		if ((unsigned char)chal[i] < 0x20 ||
		    (unsigned char)chal[i] > 0x7e)
			break;
	if (n == 0 || n > TOKCMD_CHALLENGE_MAX || i < n) {
		fprintf(stderr,
		    "rxca-token: the challenge is 1 to %d printable ASCII "
		    "characters, as the server or EHR gave it\n",
		    TOKCMD_CHALLENGE_MAX);
		return TOKCMD_USAGE;
	}
	if ((rc = tokcmd_open(o, "sign-challenge", 0, &sn, &p)) != TOKCMD_OK)
		return rc;
	rc = TOKCMD_FAIL;
	if (tokcmd_load(sn.t, key, &cert, &chain, &p) == -1 ||
	    (s = signer_from_p11(sn.t, key, &p)) == NULL ||
	    signer_sign(s, (const unsigned char *)chal, n, &sig, &siglen, &p) ==
	        -1)
		goto report;
	tokcmd_serial(cert, hex);
	sig64 = tokcmd_b64(sig, siglen);
	if ((out = json_pack("{s:s, s:s, s:s}", "challenge", chal, "serial",
	         hex, "signature", sig64)) == NULL ||
	    (line = json_dumps(out, JSON_COMPACT)) == NULL)
		abort();
	log_info("token: challenge signed", "bytes_sig=%zu", siglen);
	printf("%s\n", line);
	rc = TOKCMD_OK;
	goto out;
report:
	rc = tokcmd_report(&p);
out:
	free(line);
	json_decref(out);
	free(sig64);
	OPENSSL_free(sig);
	signer_free(s);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	tokcmd_close(&sn);
	return rc;
}
