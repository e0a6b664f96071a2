/* The commands that put a certificate on the token: `retrieve` (the key
 * pair made on the token, the certificate from the activation code) and
 * `renew`. */
#ifndef RXCA_TOKCMD_CERT_H
#define RXCA_TOKCMD_CERT_H

#include <stdio.h>

#include "token/tokcmd.h"

int tokcmd_retrieve(const struct tokcmd_opts *o);

struct tokclient;

/* What a retrieval did (tokcmd_retrieve_token()). */
struct tokcmd_retrieval {
	char key[P11_LABEL_MAX + 1]; /* the pair certified */
	X509 *leaf;                  /* its certificate (caller frees) */
	int created;                 /* 1: issued now, 0: the same again */
	int stored;                  /* 1: stored now, 0: it was there */
	int made;                    /* 1: the pair was made now */
	int resumed;                 /* 1: a pair without certificate used */
};

/*
 * The retrieval, for `retrieve` and the agent, on token t (logged in):
 * a CSR signed on the token, posted with code and password to
 * /v1/retrievals, the answer's chain checked against o's root pins, the
 * certificate stored under its pair's label (the CA certificates beside
 * it).  The pair is, in order:
 *   - one of the family (TOKDEV_KEY, TOKDEV_KEY "-N") without a
 *     certificate: the key step's, or an earlier try's that did not
 *     finish;
 *   - else the current credential's (tokcmd_load()): the server answers
 *     a rerun for its own kit with the same certificate, already here;
 *   - and when the server answers that pair is certified already (the
 *     code is another kit's: a new application on a token that holds an
 *     earlier certificate, and the server certifies a key once), a new
 *     pair TOKDEV_KEY "-N", the next free generation, which becomes the
 *     current credential with its certificate.
 * A token with no pair: with make, a new TOKDEV_KEY (the command line);
 * without, 409 key-missing (the agent's page has a step for it).  What it
 * does is said on say, unless NULL.  Returns 0 with *out filled, or -1
 * with p set.
 */
int tokcmd_retrieve_token(const struct tokcmd_opts *o, struct tokclient *c,
    struct p11 *t, const char *code, const char *password, int make, FILE *say,
    struct tokcmd_retrieval *out, struct problem *p);

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
