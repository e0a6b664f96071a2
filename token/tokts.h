/*
 * RFC 3161 time-stamps over a CMS signature value: the signature
 * time-stamp of CAdES (ETSI EN 319 122-1 5.3), which proves that the
 * signature existed at the TSA's time.  The request rxca-token sends to a
 * TSA, the TSA's reply checked against that request, and later a stored
 * token checked by `rxca-token verify`.  No network here: the caller
 * carries the bytes (tokclient_http.h).
 */
#ifndef RXCA_TOKTS_H
#define RXCA_TOKTS_H

#include <stddef.h>
#include <time.h>

#include <openssl/ts.h>

#include "common/problem.h"

#define TOKTS_NONCE_LEN 8   /* bytes of the request's nonce */
#define TOKTS_NAME_MAX  256 /* a printed TSA name */

/*
 * A request for a time-stamp of the SHA-256 of sigv (len bytes) with a
 * fresh nonce, asking for the TSA's certificate: into *req (caller frees
 * with TS_REQ_free()) and its DER into *der (caller frees with
 * OPENSSL_free()) and *derlen.  0, or -1 with p set.
 */
int tokts_request(const unsigned char *sigv, size_t len, TS_REQ **req,
    unsigned char **der, size_t *derlen, struct problem *p);

/*
 * Checks the TSA's reply (len bytes of a TimeStampResp) to req: granted,
 * for req's imprint and nonce, and, when tsa_ca (a PEM bundle) is not
 * NULL, signed by a time-stamping certificate that chains to it.  The
 * TimeStampToken's DER into *tst (caller frees with OPENSSL_free()) and
 * *tstlen, its time into *when.  0, or -1 with p set (502 tsa-refused).
 */
int tokts_accept(TS_REQ *req, const unsigned char *resp, size_t len,
    const char *tsa_ca, unsigned char **tst, size_t *tstlen, time_t *when,
    struct problem *p);

/*
 * Checks a TimeStampToken (len bytes of DER) over sigv (sigvlen bytes):
 * its imprint, and its signature by a time-stamping certificate that
 * chains to tsa_ca (a PEM bundle), or to the system's CA store when
 * tsa_ca is NULL.  Its time into *when, the TSA certificate's subject
 * into name.  0, or -1 with p set (422 on field timestamp).
 */
int tokts_verify(const unsigned char *tst, size_t len,
    const unsigned char *sigv, size_t sigvlen, const char *tsa_ca, time_t *when,
    char name[TOKTS_NAME_MAX], struct problem *p);

#endif
