/*
 * Evidence of where a subscriber key is stored, and the check of a PIV
 * key attestation as YubiKey PIV produces it: for the key of a slot, an
 * attestation certificate (its public key the slot's key) signed by the
 * device's attestation certificate (slot f9), which chains to the
 * manufacturer's attestation root.  The device's serial and firmware
 * come from Yubico's extensions when present.  Pure: no I/O.
 */
#ifndef RXCA_ATTEST_H
#define RXCA_ATTEST_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/problem.h"

#define ATTEST_PEM_MAX      (16 * 1024)             /* one PEM certificate */
#define ATTEST_OID_FIRMWARE "1.3.6.1.4.1.41482.3.3" /* Yubico: firmware */
#define ATTEST_OID_SERIAL   "1.3.6.1.4.1.41482.3.7" /* Yubico: serial */

/* How a key's storage is known, weakest first. */
enum attest_kind {
	ATTEST_NONE = 0,            /* nothing is known */
	ATTEST_CLIENT_ASSERTED = 1, /* the client says so (rxca-token) */
	ATTEST_ATTESTED = 2         /* a verified key attestation */
};

/* What a verified attestation says. */
struct attest_result {
	char serial[24];   /* the device's serial (decimal), or "" */
	char firmware[16]; /* "5.4.3", or "" */
	char device[256];  /* the device attestation certificate's subject */
};

/* "none", "client-asserted" or "attested". */
const char *attest_kind_name(enum attest_kind k);

/* The kind named s into *k; -1 if s names none. */
int attest_kind_parse(const char *s, enum attest_kind *k);

/*
 * Checks the attestation certificate slot (PEM, at most ATTEST_PEM_MAX
 * bytes) and the device attestation certificate device (PEM): slot is
 * signed by device, device chains to one of roots, both valid at now,
 * and slot's public key is key.  Fills out.  0, or -1 with p set (422 on
 * field key_evidence.attestation or key_evidence.device, saying why:
 * not a certificate, wrong manufacturer root, expired, another key).
 */
int attest_piv_verify(const char *slot, const char *device,
    STACK_OF(X509) * roots, EVP_PKEY *key, time_t now,
    struct attest_result *out, struct problem *p);

#endif
