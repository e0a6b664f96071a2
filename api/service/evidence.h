/*
 * Hardware-key evidence (issue 15, docs/certificates.md "Key evidence"):
 * the optional key_evidence object of the requests that carry a CSR
 * (retrieval, renewal), checked before any unit of work, held to what the
 * application's product requires, recorded on the certificate and shown
 * in its views.
 *
 *   {"kind": "none"}
 *   {"kind": "client-asserted",
 *    "token": {"model", "serial", "manufacturer"?}}
 *   {"kind": "attested", "attestation": PEM, "device": PEM}
 *
 * attested: the PIV attestation certificate of the key's slot and the
 * device's attestation certificate, verified by attest_piv_verify against
 * the manufacturer roots of RXCA_ATTEST_ROOTS (a PEM bundle, read on each
 * use so that an operator may change it without a restart).
 */
#ifndef RXCA_EVIDENCE_H
#define RXCA_EVIDENCE_H

#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "api/store/store_evidence.h"
#include "common/problem.h"

#define EVIDENCE_ROOTS_MAX 64 /* manufacturer root certificates at most */

struct config;
struct db;

/*
 * Reads body's key_evidence (v, may be NULL: kind none) into ev and, for
 * attested evidence, verifies it for key (the CSR's) at now against the
 * roots of c->attest_roots.  No database, no unit of work.  0, or -1 with
 * p set: 422 naming key_evidence, key_evidence.token, or (with the
 * checker's reason) key_evidence.attestation / key_evidence.device; 500
 * if the configured roots cannot be read.
 */
int evidence_parse(const struct config *c, json_t *v, EVP_PKEY *key, time_t now,
    struct evidence_row *ev, struct problem *p);

/*
 * Holds ev to what application app's product requires (read outside any
 * unit of work).  0, or -1 with p set: 422 on field key_evidence saying
 * what is required.
 */
/* The same against need, the kind the product requires as read with the
 * application (products.key_evidence). */
int evidence_meets(
    const char *need, const struct evidence_row *ev, struct problem *p);
int evidence_check(struct db *db, const char *app,
    const struct evidence_row *ev, struct problem *p);

/* {"kind", and the detail there is}: a new reference. */
json_t *evidence_json(const struct evidence_row *ev);

/* The evidence of certificate serial (16 bytes) as evidence_json, or
 * {"kind": "none"} if it has none recorded; NULL with p set on failure. */
json_t *evidence_of_cert(
    struct db *db, const unsigned char *serial, struct problem *p);

#endif
