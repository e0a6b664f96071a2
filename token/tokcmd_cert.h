/* The commands that put a certificate on the token: `retrieve` (the key
 * pair made on the token, the certificate from the activation code) and
 * `renew`. */
#ifndef RXCA_TOKCMD_CERT_H
#define RXCA_TOKCMD_CERT_H

#include "token/tokcmd.h"

int tokcmd_retrieve(const struct tokcmd_opts *o);

struct tokclient;
struct signer;

/*
 * The retrieval's exchange with the server, for `retrieve` and the agent:
 * a CSR for s (the key TOKDEV_KEY on token t, logged in) signed on the
 * token, posted with code and password to /v1/retrievals, the answer's
 * chain checked against o's root pins, then the certificate and the CA
 * certificates stored on the token.  The server answers a CSR it already
 * certified with the same certificate, so a rerun after an interruption
 * finishes the same retrieval.  Returns 0 with *leaf (caller frees) and
 * *created (1: issued now, 0: the same one again), or -1 with p set.
 */
int tokcmd_fetch(const struct tokcmd_opts *o, struct tokclient *c,
    struct p11 *t, struct signer *s, const char *code, const char *password,
    X509 **leaf, int *created, struct problem *p);

/* rxca-token renew: a new key pair on the token (TOKDEV_KEY "-N", the
 * next free generation N >= 2), its CSR signed by the current key (the
 * DER, with SHA-256 for P-256), posted to
 * /v1/certificates/{serial}/renewal; the new certificate stored under the
 * new pair's label beside the old one, which makes it the current
 * credential (see tokcmd_load()).  A rerun resumes with the same key
 * (a pair of the family without a certificate) and gets the same
 * certificate; once the renewed one is current while the one it renewed
 * is still valid, a rerun has nothing to do. */
int tokcmd_renew(const struct tokcmd_opts *o);

/* What a renewal did (tokcmd_renew_token()). */
struct tokcmd_renewal {
	char old[TOKCMD_HEX_MAX]; /* the serial of the certificate renewed */
	X509 *leaf;               /* the renewed certificate (caller frees) */
	int created;              /* 1: issued now, 0: the same one again */
	int resumed;              /* 1: an earlier renewal's key was used */
	int current;              /* 1: already renewed and in use (no leaf) */
};

/*
 * The renewal itself, for `renew` and the agent (whose page renews
 * inside the window): on token t (logged in), for the current
 * credential, as tokcmd_renew() describes, logged in to the account with
 * password (and o's email or app_id, else the certificate's e-mail
 * address).  Returns 0 with *out filled (out->leaf NULL when
 * out->current), or -1 with p set.
 */
int tokcmd_renew_token(const struct tokcmd_opts *o, struct tokclient *c,
    struct p11 *t, const char *password, struct tokcmd_renewal *out,
    struct problem *p);

#endif
