/*
 * The storage of hardware-key evidence (issue 15): what evidence of where
 * a subscriber key is stored a product requires (products.key_evidence),
 * and the evidence recorded on a certificate (certificates.key_*).
 * Evidence kinds are the names of ca/attest.h: "none", "client-asserted",
 * "attested".
 *
 * Finders return 1 (found, row filled), 0 (none) or -1 with p set; other
 * functions 0, or -1 with p set.
 */
#ifndef RXCA_STORE_EVIDENCE_H
#define RXCA_STORE_EVIDENCE_H

#include "common/problem.h"

#define STORE_EVIDENCE_KIND_MAX 16  /* bytes of a kind, with its NUL */
#define STORE_EVIDENCE_TEXT_MAX 72  /* bytes of a serial, model, maker */
#define STORE_EVIDENCE_FW_MAX   16  /* bytes of a firmware version */
#define STORE_EVIDENCE_DEV_MAX  256 /* bytes of a device's subject */

struct db;

/* The evidence of one certificate's key; "" where a detail is unknown. */
struct evidence_row {
	char kind[STORE_EVIDENCE_KIND_MAX];   /* none, client-asserted, … */
	char serial[STORE_EVIDENCE_TEXT_MAX]; /* device or token serial */
	char firmware[STORE_EVIDENCE_FW_MAX]; /* attested: "5.4.3" */
	char device[STORE_EVIDENCE_DEV_MAX];  /* attested: device subject */
	char model[STORE_EVIDENCE_TEXT_MAX];  /* client-asserted: model */
	char manufacturer[STORE_EVIDENCE_TEXT_MAX]; /* client-asserted */
};

/* The evidence application app's product requires into kind (at least
 * STORE_EVIDENCE_KIND_MAX bytes). */
int store_evidence_required(
    struct db *db, const char *app, char *kind, struct problem *p);

/* Records ev on certificate serial (16 bytes), inside the unit of work
 * that records the certificate.  0, or -1 with p set (500 if there is no
 * such certificate). */
int store_cert_evidence_set(struct db *db, const unsigned char *serial,
    const struct evidence_row *ev, struct problem *p);

/* Adds ev's six columns (kind, serial, firmware, device, model,
 * manufacturer; "" as SQL NULL) to a, or six SQL NULLs if ev is NULL. */
struct dbargs;
void store_evidence_args(struct dbargs *a, const struct evidence_row *ev);

/* The columns key_evidence, key_serial, key_firmware, key_device,
 * key_model, key_manufacturer of row of r (a PGresult, for the store's
 * files) into ev ("" for SQL NULL). */
struct pg_result;
void store_evidence_read(
    const struct pg_result *r, int row, struct evidence_row *ev);

/* The evidence recorded on certificate serial (16 bytes). */
int store_cert_evidence(struct db *db, const unsigned char *serial,
    struct evidence_row *ev, struct problem *p);

#endif
