/*
 * Which credential on a token is current: rxca keeps key pairs labelled
 * TOKDEV_KEY (the first) and TOKDEV_KEY "-N" (renewals, N >= 2), each
 * with its certificate under the same label.
 */
#ifndef RXCA_TOKCMD_LOAD_H
#define RXCA_TOKCMD_LOAD_H

#include <openssl/x509.h>

#include "ca/pkcs11.h"
#include "common/problem.h"

/* The key pairs rxca keeps on the token, with their certificates: the
 * current credential is one of them. */
struct tokcmd_scan {
	char key[P11_LABEL_MAX + 1];     /* the current pair, or "" */
	X509 *cert;                      /* its certificate */
	int older_valid;                 /* an older one is still valid */
	char pending[P11_LABEL_MAX + 1]; /* a pair without certificate */
	unsigned long next;              /* the next free generation */
};

/*
 * Every key pair of the family on t: the current credential (the newest
 * certificate valid now, else the newest) into sc.  Returns 0, or -1
 * with p set (404 when no certificate has been retrieved); sc is freed
 * with tokcmd_scan_free() either way.
 */
int tokcmd_scan(struct p11 *t, struct tokcmd_scan *sc, struct problem *p);
void tokcmd_scan_free(struct tokcmd_scan *sc);

/*
 * The current credential of t: among the key pairs labelled TOKDEV_KEY or
 * TOKDEV_KEY "-" suffix that have a certificate under the same label, the
 * one whose certificate is valid now with the latest notBefore (if none
 * is valid now, the latest).  Its label into key (unless NULL), its
 * certificate into *cert and the CA certificates stored beside it into
 * *chain (caller frees with X509_free() and sk_X509_pop_free()).  Returns
 * 0, or -1 with p set (404 when no certificate has been retrieved).
 */
int tokcmd_load(struct p11 *t, char key[P11_LABEL_MAX + 1], X509 **cert,
    STACK_OF(X509) * *chain, struct problem *p);

#endif
