/*
 * rxca-token verify FILE SIG: checks a detached CMS signature made by
 * `rxca-token sign` (or anyone) against rxca's root, and says who signed,
 * when (the RFC 3161 time-stamp's time when there is one, else the
 * signing time the signer claims), and the certificate's status at that
 * time and now, asked of the certificate's OCSP responder, with its CRL
 * as the fallback.  A signature is valid when the CMS verifies for FILE,
 * the signer's certificate chains to the root at the signing time, the
 * signing-certificate-v2 attribute (if any) names that certificate, and
 * no revocation precedes the signing time; without a time-stamp the
 * claimed time proves nothing, so a revoked certificate makes any
 * signature not valid.
 */
#ifndef RXCA_TOKVERIFY_H
#define RXCA_TOKVERIFY_H

#include <time.h>

#include <openssl/x509.h>

#include "token/tokcmd.h"
#include "common/problem.h"

#define TOKVERIFY_SKEW 300 /* seconds of clock skew allowed (OCSP, CRL) */

/* What the revocation services say of one certificate. */
enum tokverify_state {
	TOKVERIFY_GOOD,    /* not revoked */
	TOKVERIFY_REVOKED, /* revoked at the time given */
	TOKVERIFY_UNKNOWN  /* no service answered usefully */
};

struct tokverify_status {
	enum tokverify_state state; /* the answer */
	time_t revoked_at;          /* TOKVERIFY_REVOKED: when */
	int reason;                 /* CRL reason code, or -1 */
	char source[512];           /* "OCSP <url>" or "CRL <url>" */
};

/*
 * The revocation status of cert issued by issuer now: its OCSP responder
 * (the answer signed by a responder that chains to roots, fresh within
 * TOKVERIFY_SKEW), else its CRL distribution point (signed by issuer, not
 * past its nextUpdate).  server_ca (may be NULL) is the CA bundle for
 * https URLs.  Never fails: UNKNOWN when neither answers.
 */
void tokverify_status(X509 *cert, X509 *issuer, X509_STORE *roots,
    STACK_OF(X509) * untrusted, const char *server_ca,
    struct tokverify_status *st);

/* The command, for o->file signed in o->sig: exit status 0 when the
 * signature is valid, 1 when not or when it cannot be checked, 2 for a
 * bad command line. */
int tokverify_cmd(const struct tokcmd_opts *o);

#endif
