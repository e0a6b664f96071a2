/*
 * rxca-admin operator add | list | disable: the CA's operators, known by
 * the SHA-256 of a client certificate from the operators' CA
 * (RXCA_OPERATOR_CA), with their roles.  Adding and disabling are audited
 * in the same transaction.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "api/admin/admin.h"
#include "api/admin/files.h"
#include "api/store/store_admin.h"
#include "api/store/tx.h"
#include "ca/opcert.h"
#include "common/digest.h"
#include "common/problem.h"
#include "common/rand.h"
#include "common/wallclock.h"

#define ADMIN_OPERATOR_NAME_MAX 64 /* operators.name, [A-Za-z0-9._-] */

/* The roles an operator may hold, as in migrations/0003_proofing.sql. */
static const char *const operator_roles[] = {
    "reviewer", "fulfiller", "revoker", "auditor", "admin"};
#define NROLES (sizeof(operator_roles) / sizeof(operator_roles[0]))

/* 1 if name is 1..ADMIN_OPERATOR_NAME_MAX of [A-Za-z0-9._-]. */
static int
admin_operator_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= ADMIN_OPERATOR_NAME_MAX &&
	    strspn(name,
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	        "0123456789._-") == n;
}

/* Says that NAME is malformed; returns ADMIN_USAGE. */
static int
admin_operator_name_bad(const char *what)
{
	fprintf(stderr,
	    "rxca-admin: %s: NAME must be 1 to %d of A-Z a-z 0-9 . _ -\n", what,
	    ADMIN_OPERATOR_NAME_MAX);
	return ADMIN_USAGE;
}

/*
 * Parses the comma-separated list into a PostgreSQL array literal
 * ("{reviewer,admin}", duplicates dropped) and a JSON array.  Returns 0,
 * or -1 after naming the bad role on stderr.
 */
static int
admin_roles_parse(
    const char *list, char *lit, size_t litsz, json_t *arr, const char *what)
{
	unsigned seen = 0;
	size_t n, i, used;
	const char *p = list;

	used = (size_t)snprintf(lit, litsz, "{");
	for (;;) {
		n = strcspn(p, ",");
		for (i = 0; i < NROLES; i++)
			if (strlen(operator_roles[i]) == n &&
			    strncmp(operator_roles[i], p, n) == 0)
				break;
		if (i == NROLES) {
			fprintf(stderr,
			    "rxca-admin: %s: unknown role \"%.*s\" (roles: "
			    "reviewer, fulfiller, revoker, auditor, admin)\n",
			    what, (int)(n > 64 ? 64 : n), p);
			return -1;
		}
		if (!(seen & (1u << i))) {
			seen |= 1u << i;
			used += (size_t)snprintf(lit + used, litsz - used,
			    "%s%s", used > 1 ? "," : "", operator_roles[i]);
			json_array_append_new(
			    arr, json_string(operator_roles[i]));
		}
		p += n;
		if (*p == '\0')
			break;
		p++;
	}
	snprintf(lit + used, litsz - used, "}");
	return 0;
}

/* Refuses a name or a certificate that is registered already. */
static int
admin_operator_unique(struct db *db, const char *name,
    const unsigned char fp[32], const char *what)
{
	struct store_admin_operator op;
	struct problem p;
	int found, rc = -1;

	problem_clear(&p);
	if ((found = store_admin_operator_by_name(db, name, &op, &p)) == -1)
		goto dberr;
	if (found) {
		fprintf(stderr,
		    "rxca-admin: %s: an operator named \"%s\" exists "
		    "already (%s)\n",
		    what, name, op.id);
		goto out;
	}
	if ((found = store_admin_operator_by_cert(db, fp, &op, &p)) == -1)
		goto dberr;
	if (found) {
		fprintf(stderr,
		    "rxca-admin: %s: this certificate is registered already, "
		    "to operator \"%s\"\n",
		    what, op.name);
		goto out;
	}
	rc = 0;
	goto out;
dberr:
	fprintf(stderr, "rxca-admin: %s: %s\n", what, p.detail);
out:
	store_admin_operator_clear(&op);
	return rc;
}

/* Inserts the operators row and its audit record, in tx. */
static int
admin_operator_insert(struct tx *tx, const char *id, const char *name,
    const char *roles_lit, json_t *roles, X509 *cert, time_t now,
    const char *what)
{
	unsigned char fp[DIGEST_LEN];
	char fphex[DIGEST_HEX_LEN], subject[OPCERT_SUBJECT_LEN];
	struct store_admin_operator_new row;
	struct problem p;
	json_t *details = NULL;
	int rc = -1;

	problem_clear(&p);
	if (opcert_fingerprint(cert, fp) == -1 ||
	    opcert_subject(cert, subject, sizeof(subject)) == -1) {
		fprintf(stderr, "rxca-admin: %s: unusable certificate\n", what);
		goto out;
	}
	digest_hex(fp, sizeof(fp), fphex);
	row.id = id;
	row.name = name;
	row.roles = roles_lit;
	row.cert_sha256 = fp;
	row.cert_subject = subject;
	row.cert_not_after = opcert_not_after(cert);
	row.created_at = now;
	details = json_pack("{s:s, s:O, s:s}", "name", name, "roles", roles,
	    "cert_sha256", fphex);
	if (store_admin_operator_insert(tx_db(tx), &row, &p) == -1 ||
	    tx_audit(tx, "operator.added", id, details, &p) == -1) {
		if (p.status == 409)
			fprintf(stderr,
			    "rxca-admin: %s: an operator with this name or "
			    "certificate exists already\n",
			    what);
		else
			fprintf(stderr, "rxca-admin: %s: %s\n", what, p.detail);
		goto out;
	}
	rc = 0;
out:
	json_decref(details);
	return rc;
}

int
admin_operator_add(struct admin_ctx *ax, int argc, char *argv[])
{
	const struct config *c = ax->c;
	const char *what = ax->cmd->name;
	const char *name, *certpath = NULL, *outdir = ".";
	char roles_lit[128], id[32], hex[17], crtf[PATH_MAX], keyf[PATH_MAX];
	unsigned char raw[8], fp[DIGEST_LEN];
	EVP_PKEY *ca_key = NULL, *key = NULL;
	X509 *ca = NULL, *cert = NULL;
	json_t *roles = NULL;
	struct problem p;
	struct db *db = NULL;
	struct tx tx;
	time_t now = wallclock_now();
	long v;
	int rc = ADMIN_FAIL, wrote = 0, e;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	if ((argc >= 3 && strcmp(argv[2], "--out") == 0) != (argc == 4))
		return admin_usage_error(ax->cmd, NULL);
	name = argv[0];
	if (!admin_operator_name_ok(name))
		return admin_operator_name_bad(what);
	roles = json_array();
	if (admin_roles_parse(
	        argv[1], roles_lit, sizeof(roles_lit), roles, what) == -1) {
		rc = ADMIN_USAGE;
		goto out;
	}
	if (argc == 3)
		certpath = argv[2];
	else if (argc == 4)
		outdir = argv[3];
	if (c->operator_ca[0] == '\0') {
		fprintf(stderr,
		    "rxca-admin: %s: RXCA_OPERATOR_CA is not set (see "
		    "rxca-admin tls init)\n",
		    what);
		goto out;
	}
	if ((ca = admin_read_cert(what, "RXCA_OPERATOR_CA", c->operator_ca)) ==
	    NULL)
		goto out;
	if (certpath != NULL) {
		if ((cert = admin_read_cert(what, "", certpath)) == NULL)
			goto out;
		if ((v = opcert_verify(cert, ca, now, OPCERT_USE_CLIENT)) !=
		    X509_V_OK) {
			fprintf(stderr,
			    "rxca-admin: %s: %s is not accepted: it does not "
			    "verify against RXCA_OPERATOR_CA: %s\n",
			    what, certpath, X509_verify_cert_error_string(v));
			goto out;
		}
	} else {
		if (c->operator_ca_key[0] == '\0') {
			fprintf(stderr,
			    "rxca-admin: %s: RXCA_OPERATOR_CA_KEY is not set: "
			    "it is needed to issue a certificate (or give "
			    "CERT.pem)\n",
			    what);
			goto out;
		}
		if ((ca_key = admin_read_key(what, "RXCA_OPERATOR_CA_KEY",
		         c->operator_ca_key)) == NULL)
			goto out;
		if (admin_path(
		        what, crtf, sizeof(crtf), outdir, name, ".crt") == -1 ||
		    admin_path(
		        what, keyf, sizeof(keyf), outdir, name, ".key") == -1)
			goto out;
		if ((e = admin_exists(what, crtf)) != 0 ||
		    (e = admin_exists(what, keyf)) != 0) {
			if (e == 1)
				fprintf(stderr,
				    "rxca-admin: %s: %s or %s exists already: "
				    "nothing is overwritten\n",
				    what, crtf, keyf);
			goto out;
		}
		if ((cert = opcert_client_new(ca, ca_key, name, now, &key)) ==
		    NULL) {
			fprintf(stderr,
			    "rxca-admin: %s: cannot issue the certificate "
			    "(does RXCA_OPERATOR_CA_KEY belong to "
			    "RXCA_OPERATOR_CA?)\n",
			    what);
			goto out;
		}
	}
	if (opcert_fingerprint(cert, fp) == -1)
		goto out;
	if ((db = admin_db(ax)) == NULL ||
	    admin_operator_unique(db, name, fp, what) == -1)
		goto out;
	rand_fill(raw, sizeof(raw));
	digest_hex(raw, sizeof(raw), hex);
	snprintf(id, sizeof(id), "opr_%s", hex);
	if (tx_begin(&tx, db, now, ADMIN_ACTOR, &p) == -1) {
		fprintf(stderr, "rxca-admin: %s: %s\n", what, p.detail);
		goto out;
	}
	if (admin_operator_insert(
	        &tx, id, name, roles_lit, roles, cert, now, what) == -1)
		goto rollback;
	if (certpath == NULL) {
		if (admin_mkdir(what, outdir) == -1 ||
		    admin_write_key(what, keyf, key) == -1)
			goto rollback;
		wrote = 1;
		if (admin_write_cert(what, crtf, cert) == -1)
			goto rollback;
		wrote = 2;
	}
	if (tx_commit(&tx, &p) == -1) {
		fprintf(stderr, "rxca-admin: %s: %s\n", what, p.detail);
		goto rollback;
	}
	if (certpath == NULL)
		fprintf(stderr, "rxca-admin: wrote %s and %s\n", crtf, keyf);
	printf("%s\n", id);
	rc = ADMIN_OK;
	goto out;
rollback:
	tx_abort(&tx);
	if (wrote >= 1)
		(void)unlink(keyf);
	if (wrote >= 2)
		(void)unlink(crtf);
out:
	json_decref(roles);
	X509_free(ca);
	X509_free(cert);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(key);
	return rc;
}

int
admin_operator_list(struct admin_ctx *ax, int argc, char *argv[])
{
	char na[WALLCLOCK_RFC3339_LEN], dis[WALLCLOCK_RFC3339_LEN];
	struct store_admin_operator *ops = NULL;
	struct problem p;
	struct db *db;
	size_t i, n = 0;
	int w = 4, rc = ADMIN_FAIL;

	(void)argc;
	(void)argv;
	problem_clear(&p);
	if ((db = admin_db(ax)) == NULL)
		return ADMIN_FAIL;
	if (store_admin_operator_list(db, &ops, &n, &p) == -1) {
		fprintf(
		    stderr, "rxca-admin: %s: %s\n", ax->cmd->name, p.detail);
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((int)strlen(ops[i].name) > w)
			w = (int)strlen(ops[i].name);
	printf("%-*s  %-20s  %-20s  %-20s  %s\n", w, "NAME", "ID", "NOT_AFTER",
	    "DISABLED", "ROLES");
	for (i = 0; i < n; i++) {
		wallclock_format(ops[i].cert_not_after, na, sizeof(na));
		if (ops[i].disabled)
			wallclock_format(ops[i].disabled_at, dis, sizeof(dis));
		else
			snprintf(dis, sizeof(dis), "-");
		printf("%-*s  %-20s  %-20s  %-20s  %s\n", w, ops[i].name,
		    ops[i].id, na, dis, ops[i].roles);
	}
	rc = ADMIN_OK;
out:
	store_admin_operators_free(ops, n);
	return rc;
}

int
admin_operator_disable(struct admin_ctx *ax, int argc, char *argv[])
{
	const char *what = ax->cmd->name;
	char since[WALLCLOCK_RFC3339_LEN];
	struct store_admin_operator op;
	struct problem p;
	struct db *db = NULL;
	struct tx tx;
	json_t *details = NULL;
	time_t now = wallclock_now();
	int found, rc = ADMIN_FAIL;

	(void)argc;
	memset(&op, 0, sizeof(op));
	memset(&tx, 0, sizeof(tx));
	problem_clear(&p);
	if (!admin_operator_name_ok(argv[0]))
		return admin_operator_name_bad(what);
	if ((db = admin_db(ax)) == NULL)
		goto out;
	if (tx_begin(&tx, db, now, ADMIN_ACTOR, &p) == -1)
		goto dberr;
	if ((found = store_admin_operator_disable(
	         tx_db(&tx), argv[0], now, &op, &p)) == -1)
		goto dberr;
	if (!found) {
		if ((found = store_admin_operator_by_name(
		         tx_db(&tx), argv[0], &op, &p)) == -1)
			goto dberr;
		tx_abort(&tx);
		if (!found) {
			fprintf(stderr,
			    "rxca-admin: %s: no operator is named \"%s\"\n",
			    what, argv[0]);
			goto out;
		}
		wallclock_format(op.disabled_at, since, sizeof(since));
		printf("%s was disabled already, at %s\n", argv[0], since);
		rc = ADMIN_OK;
		goto out;
	}
	details = json_pack("{s:s}", "name", argv[0]);
	if (tx_audit(&tx, "operator.disabled", op.id, details, &p) == -1 ||
	    tx_commit(&tx, &p) == -1)
		goto dberr;
	printf("%s (%s) disabled\n", argv[0], op.id);
	rc = ADMIN_OK;
	goto out;
dberr:
	fprintf(stderr, "rxca-admin: %s: %s\n", what, p.detail);
	tx_abort(&tx);
out:
	json_decref(details);
	store_admin_operator_clear(&op);
	return rc;
}
