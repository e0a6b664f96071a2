/*
 * rxca-admin audit verify: sequences the audit records still pending (as
 * a node's sequencer would, api/store/audit.h), recomputes the audit
 * log's hash chain, then checks the signed checkpoints against the
 * issuing CA's certificate.
 */
#include <stdio.h>

#include <openssl/x509.h>

#include "api/admin/admin.h"
#include "api/store/audit.h"
#include "api/service/pki.h"
#include "api/store/store_admin.h"
#include "common/problem.h"

/* The signed checkpoints against the issuing CA's certificate: 0 good (or
 * none yet), 1 a bad one (printed), -1 on a database error. */
static int
verify_checkpoints(struct db *db, struct problem *p)
{
	X509 *issuing = NULL;
	long long good = 0, bad = 0;
	int v;

	if ((v = store_admin_ca_cert(db, "issuing", &issuing, p)) == -1)
		return -1;
	if (v == 0) {
		printf("no CA yet: no checkpoints to check\n");
		return 0;
	}
	v = pki_checkpoints_verify(db, issuing, &good, &bad, p);
	X509_free(issuing);
	if (v == 1)
		printf("audit checkpoint %lld does not match the chain or its "
		       "signature\n",
		    bad);
	else if (v == 0)
		printf("audit checkpoints intact: %lld signed checkpoints\n",
		    good);
	return v;
}

int
admin_audit_verify(struct admin_ctx *ax, int argc, char *argv[])
{
	const char *what = ax->cmd->name;
	struct problem p;
	struct db *db;
	long long checked = 0, bad = 0, sequenced = 0;
	int v;

	(void)argc;
	(void)argv;
	problem_clear(&p);
	if ((db = admin_db(ax)) == NULL)
		return ADMIN_FAIL;
	if (audit_sequence_all(db, &sequenced, &p) == -1) {
		fprintf(stderr, "rxca-admin: %s: %s\n", what, p.detail);
		return ADMIN_FAIL;
	}
	if (sequenced > 0)
		printf(
		    "audit records sequenced: %lld were pending\n", sequenced);
	if ((v = audit_verify(db, &checked, &bad, &p)) == -1) {
		fprintf(stderr, "rxca-admin: %s: %s\n", what, p.detail);
		return ADMIN_FAIL;
	}
	if (v == 1) {
		printf("audit chain broken at record %lld\n", bad);
		return ADMIN_FAIL;
	}
	printf("audit chain intact: %lld records\n", checked);
	if ((v = verify_checkpoints(db, &p)) == -1) {
		fprintf(stderr, "rxca-admin: %s: %s\n", what, p.detail);
		return ADMIN_FAIL;
	}
	return v == 1 ? ADMIN_FAIL : ADMIN_OK;
}
