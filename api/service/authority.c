#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "api/service/authority.h"
#include "api/service/crlstore.h"
#include "api/jobs/jobkinds.h"
#include "api/jobs/jobs.h"
#include "api/store/store_pki.h"
#include "api/store/tx.h"
#include "ca/crl.h"
#include "ca/hierarchy.h"
#include "ca/keyfile.h"
#include "ca/pkcs11.h"
#include "ca/signer.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/xmalloc.h"

#define PASS_MIN   12  /* characters of a CA key passphrase */
#define SECRET_MAX 256 /* bytes of a passphrase or PIN file */

struct authority *
authority_new(void)
{
	struct authority *a = xcalloc(1, sizeof(*a));

	pthread_mutex_init(&a->lock, NULL);
	return a;
}

struct authority *
authority_new_sandbox(void)
{
	struct authority *a = authority_new();

	a->sandbox = 1;
	return a;
}

const char *
authority_issuer(const struct authority *a)
{
	return a->sandbox ? AUTHORITY_SANDBOX "issuing" : "issuing";
}

/* The name a CA certificate of the world is recorded under: base ("root",
 * "issuing", "ocsp"), with AUTHORITY_SANDBOX before it for the sandbox. */
static const char *
world_name(int sandbox, const char *base)
{
	if (!sandbox)
		return base;
	if (strcmp(base, "root") == 0)
		return AUTHORITY_SANDBOX "root";
	return strcmp(base, "issuing") == 0 ? AUTHORITY_SANDBOX "issuing"
	                                    : AUTHORITY_SANDBOX "ocsp";
}

void
authority_free(struct authority *a)
{
	int i;

	if (a == NULL)
		return;
	signer_free(a->signer);
	signer_free(a->ocsp_signer);
	X509_free(a->ocsp);
	for (i = 0; i < a->nretired; i++) {
		signer_free(a->retired[i]);
		X509_free(a->retired_cert[i]);
	}
	p11_close(a->token);
	X509_free(a->root);
	X509_free(a->issuing);
	free(a->root_pem);
	free(a->issuing_pem);
	for (i = 0; i < 3; i++)
		free(a->urls[i]);
	for (i = 0; i < a->nshards; i++)
		free(a->shard_urls[i]);
	free(a->shard_urls);
	for (i = 0; i < 4; i++)
		free(a->oid_text[i]);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

char *
authority_secret(const char *value, const char *file)
{
	char buf[SECRET_MAX + 2], *out;
	FILE *f;
	size_t n;

	if (file != NULL && file[0] != '\0') {
		if ((f = fopen(file, "r")) == NULL) {
			log_error("cannot read a secret file",
			    "file=%s error=%s", file, strerror(errno));
			return NULL;
		}
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		buf[strcspn(buf, "\r\n")] = '\0';
		if (n > SECRET_MAX || buf[0] == '\0') {
			OPENSSL_cleanse(buf, sizeof(buf));
			log_error("a secret file is empty or too long",
			    "file=%s", file);
			return NULL;
		}
		out = xstrdup(buf);
		OPENSSL_cleanse(buf, sizeof(buf));
		return out;
	}
	if (value != NULL && value[0] != '\0')
		return xstrdup(value);
	return NULL;
}

static void
secret_free(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

static char *
cert_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out;
	long n;

	if (b == NULL || PEM_write_bio_X509(b, x) != 1) {
		BIO_free(b);
		return NULL;
	}
	n = BIO_get_mem_data(b, &data);
	out = xmalloc((size_t)n + 1);
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	BIO_free(b);
	return out;
}

/* Splits list (comma-separated) into at most AUTHORITY_MAX_OIDS pointers
 * into *copy; returns how many. */
static size_t
split_oids(const char *list, char **copy, const char **out)
{
	char *s, *comma;
	size_t n = 0;

	*copy = s = xstrdup(list);
	while (s != NULL && *s != '\0' && n < AUTHORITY_MAX_OIDS) {
		out[n++] = s;
		if ((comma = strchr(s, ',')) == NULL)
			break;
		*comma = '\0';
		s = comma + 1;
	}
	return n;
}

/* The subscribers' profile from configuration; the sandbox's test CA
 * has its own URLs (under RXCA_PKI_URL/sandbox), O =
 * AUTHORITY_SANDBOX_ORG, its test policy in place of the products' and
 * no CRL shards. */
static void
profile_from_config(struct authority *a, const struct config *c)
{
	struct profile_config *pc = &a->profile;
	const char *world = a->sandbox ? "/sandbox" : "";

	a->urls[0] = xprintf("%s%s/ocsp", c->pki_url, world);
	a->urls[1] = xprintf("%s%s/pki/issuing.cer", c->pki_url, world);
	a->urls[2] = xprintf("%s%s/pki/issuing.crl", c->pki_url, world);
	memset(pc, 0, sizeof(*pc));
	pc->country = c->cert_country;
	pc->organization = c->cert_organization;
	pc->ocsp_url = a->urls[0];
	pc->ca_issuers_url = a->urls[1];
	pc->crl_url = a->urls[2];
	pc->npolicy_hw =
	    split_oids(c->cert_policies_hw, &a->oid_text[0], a->pol_hw);
	pc->policy_oids_hw = a->pol_hw;
	pc->npolicy_sw =
	    split_oids(c->cert_policies_sw, &a->oid_text[1], a->pol_sw);
	pc->policy_oids_sw = a->pol_sw;
	pc->neku_hw = split_oids(c->cert_eku_hw, &a->oid_text[2], a->eku_hw);
	pc->eku_oids_hw = a->eku_hw;
	pc->neku_sw = split_oids(c->cert_eku_sw, &a->oid_text[3], a->eku_sw);
	pc->eku_oids_sw = a->eku_sw;
	pc->validity_days = c->cert_validity_days;
	if (a->sandbox) {
		static const char *const test[] = {AUTHORITY_SANDBOX_POLICY};
		pc->organization = AUTHORITY_SANDBOX_ORG;
		pc->policy_oids_hw = pc->policy_oids_sw = test;
		pc->npolicy_hw = pc->npolicy_sw = 1;
	}
	a->nshards = a->sandbox ? 0 : c->crl_shards;
	a->shard_urls = xcalloc((size_t)a->nshards + 1, sizeof(char *));
	for (int k = 0; k < a->nshards; k++)
		a->shard_urls[k] = crlstore_shard_url(c, k);
}

int
authority_crl_shard(
    const struct authority *a, const unsigned char serial[PROFILE_SERIAL_LEN])
{
	unsigned long v;

	if (a->nshards == 0)
		return -1;
	/* The serial is random: its bytes after the first spread evenly. */
	v = ((unsigned long)serial[1] << 24) |
	    ((unsigned long)serial[2] << 16) | ((unsigned long)serial[3] << 8) |
	    serial[4];
	return (int)(v % (unsigned long)a->nshards);
}

/* The data of the CA certificates' profiles, from configuration. */
struct ca_profiles {
	char *root_cer, *root_crl;               /* caIssuers and CDP */
	char *oid_text[2];                       /* copies of the lists */
	const char *pol[2 * AUTHORITY_MAX_OIDS]; /* the products' policies */
	size_t npol;                             /* entries in pol */
	struct hierarchy_profile root, issuing, ocsp; /* the three kinds */
};

/* Appends the OIDs of list to cp->pol, skipping those already there. */
static void
ca_profiles_add(struct ca_profiles *cp, const char *list, int which)
{
	const char *oids[AUTHORITY_MAX_OIDS];
	size_t i, j, n = split_oids(list, &cp->oid_text[which], oids);

	for (i = 0; i < n; i++) {
		for (j = 0; j < cp->npol; j++)
			if (strcmp(cp->pol[j], oids[i]) == 0)
				break;
		if (j == cp->npol)
			cp->pol[cp->npol++] = oids[i];
	}
}

/*
 * The profiles of the root, the issuing CA and the OCSP signer: one name
 * base with the subscribers' (C, O); the issuing CA asserts every
 * product's policy (or anyPolicy, RXCA_ISSUING_ANY_POLICY) and points to
 * the root's certificate (AIA caIssuers) and CRL (CDP); the OCSP signer
 * asserts the products' policies; the root carries the configured
 * policyConstraints.  The sandbox's test CA (sandbox 1): O =
 * AUTHORITY_SANDBOX_ORG, "Sandbox" names, AUTHORITY_SANDBOX_POLICY in
 * place of the products' policies, its root's certificate under
 * RXCA_PKI_URL/sandbox and no root CRL.  Free with ca_profiles_free().
 */
static void
ca_profiles_init(struct ca_profiles *cp, const struct config *c, int sandbox)
{
	static const char *const any[] = {HIERARCHY_ANY_POLICY};
	struct hierarchy_profile base;

	memset(cp, 0, sizeof(*cp));
	cp->root_cer =
	    xprintf("%s%s/pki/root.cer", c->pki_url, sandbox ? "/sandbox" : "");
	cp->root_crl = sandbox ? NULL : xprintf("%s/pki/root.crl", c->pki_url);
	ca_profiles_add(
	    cp, sandbox ? AUTHORITY_SANDBOX_POLICY : c->cert_policies_hw, 0);
	if (!sandbox)
		ca_profiles_add(cp, c->cert_policies_sw, 1);
	memset(&base, 0, sizeof(base));
	base.country = c->cert_country;
	base.org = c->cert_organization;
	base.require_explicit = base.inhibit_mapping = -1;
	cp->root = cp->issuing = cp->ocsp = base;
	cp->root.cn = "rxca Root CA";
	cp->root.days = c->root_days;
	cp->root.require_explicit = c->root_require_explicit;
	cp->root.inhibit_mapping = c->root_inhibit_mapping;
	cp->issuing.cn = "rxca Issuing CA";
	cp->issuing.days = c->issuing_days;
	cp->issuing.policies = c->issuing_any_policy ? any : cp->pol;
	cp->issuing.npolicies = c->issuing_any_policy ? 1 : cp->npol;
	cp->issuing.ca_issuers_url = cp->root_cer;
	cp->issuing.crl_url = cp->root_crl;
	cp->ocsp.cn = HIERARCHY_OCSP_CN;
	cp->ocsp.days = c->ocsp_signer_days;
	cp->ocsp.policies = cp->pol;
	cp->ocsp.npolicies = cp->npol;
	if (sandbox) {
		cp->root.org = cp->issuing.org = cp->ocsp.org =
		    AUTHORITY_SANDBOX_ORG;
		cp->root.cn = "rxca Sandbox Root CA";
		cp->issuing.cn = "rxca Sandbox Issuing CA";
		cp->root.require_explicit = cp->root.inhibit_mapping = -1;
		cp->issuing.policies = cp->pol;
		cp->issuing.npolicies = cp->npol;
	}
}

static void
ca_profiles_free(struct ca_profiles *cp)
{
	free(cp->root_cer);
	free(cp->root_crl);
	free(cp->oid_text[0]);
	free(cp->oid_text[1]);
}

/* Opens the key that key_ref names. */
static struct signer *
open_key(struct authority *a, const struct config *c, const char *key_ref,
    struct problem *p)
{
	struct signer *s = NULL;
	EVP_PKEY *key = NULL;
	char *secret = NULL, *path = NULL;
	const char *slash;

	if (strncmp(key_ref, "file:", 5) == 0) {
		if ((secret = authority_secret(
		         c->ca_passphrase, c->ca_passphrase_file)) == NULL) {
			log_error(
			    "the CA key needs RXCA_CA_PASSPHRASE_FILE", NULL);
			problem_internal(p);
			goto out;
		}
		path = xprintf("%s/%s", c->ca_dir, key_ref + 5);
		if ((key = keyfile_read(path, secret, p)) == NULL) {
			log_error("cannot open the CA key", "file=%s", path);
			goto out;
		}
		s = signer_from_key(key);
	} else if (strncmp(key_ref, "pkcs11:", 7) == 0 &&
	    (slash = strchr(key_ref + 7, '/')) != NULL) {
		if (c->pkcs11_module[0] == '\0' ||
		    strncmp(c->pkcs11_token, key_ref + 7,
		        (size_t)(slash - key_ref - 7)) != 0) {
			log_error("the CA key is on a PKCS#11 token: set "
			          "RXCA_PKCS11_MODULE and RXCA_PKCS11_TOKEN",
			    "key=%s", key_ref);
			problem_internal(p);
			goto out;
		}
		secret = authority_secret(c->pkcs11_pin, c->pkcs11_pin_file);
		if (a->token == NULL &&
		    (a->token = p11_open(
		         c->pkcs11_module, c->pkcs11_token, secret, p)) == NULL)
			goto out;
		s = signer_from_p11(a->token, slash + 1, p);
	} else {
		log_error("unknown CA key reference", "key=%s", key_ref);
		problem_internal(p);
	}
out:
	EVP_PKEY_free(key);
	secret_free(secret);
	free(path);
	return s;
}

/* The certificate of a recorded row, or NULL. */
static X509 *
der_cert(const struct ca_cert_row *row)
{
	const unsigned char *q = row->der;

	if (row->der == NULL || row->der_len <= 0)
		return NULL;
	return d2i_X509(NULL, &q, row->der_len);
}

int
authority_load(struct authority *a, const struct config *c, struct db *db,
    struct problem *p)
{
	struct ca_cert_row *rows = NULL;
	const char *issuing_ref = NULL, *ocsp_ref = NULL;
	size_t i, n = 0;
	int rc = -1;

	pthread_mutex_lock(&a->lock);
	if (a->loaded) {
		rc = 0;
		goto out;
	}
	if (store_ca_list(db, 0, &rows, &n, p) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		if (strcmp(rows[i].name, world_name(a->sandbox, "root")) == 0 &&
		    a->root == NULL)
			a->root = der_cert(&rows[i]);
		else if (strcmp(rows[i].name,
		             world_name(a->sandbox, "issuing")) == 0 &&
		    a->issuing == NULL) {
			a->issuing = der_cert(&rows[i]);
			issuing_ref = rows[i].key_ref;
		} else if (strcmp(rows[i].name,
		               world_name(a->sandbox, "ocsp")) == 0 &&
		    a->ocsp == NULL) {
			a->ocsp = der_cert(&rows[i]);
			ocsp_ref = rows[i].key_ref;
		}
	}
	if (a->root == NULL || a->issuing == NULL || issuing_ref == NULL ||
	    a->ocsp == NULL || ocsp_ref == NULL) {
		if (a->sandbox)
			problem_set(p, 503, "sandbox-ca-unavailable",
			    "Sandbox CA unavailable",
			    "The sandbox's test CA has not been initialised "
			    "yet (rxca-admin ca init --sandbox).");
		else
			problem_set(p, 503, "ca-not-initialised",
			    "CA not initialised",
			    "The certificate authority has not been "
			    "initialised yet.");
		p->retry_after = 60;
		goto out;
	}
	if ((a->signer = open_key(a, c, issuing_ref, p)) == NULL ||
	    (a->ocsp_signer = open_key(a, c, ocsp_ref, p)) == NULL) {
		/* The reason is the operator's to read, not the client's. */
		log_error(
		    "the CA keys cannot be opened", "detail=\"%s\"", p->detail);
		problem_clear(p);
		problem_set(p, 503, "ca-unavailable", "CA unavailable",
		    "The certificate authority is not available; try later.");
		p->retry_after = 30;
		goto out;
	}
	if (EVP_PKEY_eq(X509_get0_pubkey(a->ocsp),
	        signer_pubkey(a->ocsp_signer)) != 1) {
		log_error(
		    "the OCSP signer key does not match its certificate", NULL);
		problem_internal(p);
		goto out;
	}
	if (EVP_PKEY_eq(
	        X509_get0_pubkey(a->issuing), signer_pubkey(a->signer)) != 1) {
		log_error(
		    "the issuing CA key does not match its certificate", NULL);
		problem_internal(p);
		goto out;
	}
	if (ocsp_issuer_id_make(a->issuing, &a->issuing_id) == -1) {
		problem_internal(p);
		goto out;
	}
	a->root_pem = cert_pem(a->root);
	a->issuing_pem = cert_pem(a->issuing);
	profile_from_config(a, c);
	a->loaded = 1;
	log_info("certificate authority loaded", "key=%s sandbox=%d",
	    issuing_ref, a->sandbox);
	rc = 0;
out:
	if (rc == -1 && !a->loaded) {
		signer_free(a->signer);
		signer_free(a->ocsp_signer);
		a->signer = a->ocsp_signer = NULL;
		X509_free(a->root);
		X509_free(a->issuing);
		X509_free(a->ocsp);
		a->root = a->issuing = a->ocsp = NULL;
	}
	pthread_mutex_unlock(&a->lock);
	store_ca_cert_rows_free(rows, n);
	return rc;
}

/* Writes x as PEM to dir/name, replacing it atomically. */
static int
write_pem(const char *dir, const char *name, X509 *x, struct problem *p)
{
	char *path = xprintf("%s/%s", dir, name);
	char *tmp = xprintf("%s.tmp", path);
	FILE *f = NULL;
	int fd, rc = -1;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1 ||
	    (f = fdopen(fd, "w")) == NULL) {
		if (fd != -1)
			close(fd);
		goto out;
	}
	if (PEM_write_X509(f, x) != 1 || fflush(f) != 0 || fsync(fd) != 0)
		goto out;
	if (fclose(f) != 0) {
		f = NULL;
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) == 0)
		rc = 0;
out:
	if (f != NULL)
		fclose(f);
	if (rc == -1) {
		unlink(tmp);
		problem_set(p, 500, "internal", "Internal error",
		    "cannot write %s", path);
	}
	free(tmp);
	free(path);
	return rc;
}

struct made {
	const char *name;      /* root, issuing, ocsp */
	char key_ref[128];     /* file:... or pkcs11:.../... */
	char key_path[1024];   /* file written, to remove on failure */
	struct signer *signer; /* its key */
	X509 *cert;            /* its certificate */
};

/* A new key for m, in a file or on the token: P-384 for the root, the
 * curve of RXCA_CA_KEY for the issuing CA and the OCSP signer. */
static int
make_key(const struct config *c, struct p11 *tok, const char *pass,
    struct made *m, struct problem *p)
{
	enum p11_key_type type = strcmp(m->name, "root") != 0 &&
	        strcmp(m->name, AUTHORITY_SANDBOX "root") != 0 &&
	        strcmp(c->ca_key, "p256") == 0
	    ? P11_KEY_P256
	    : P11_KEY_P384;
	EVP_PKEY *key;
	char label[64];

	if (tok != NULL) {
		snprintf(label, sizeof(label), "rxca-%s", m->name);
		if ((key = p11_keygen(tok, label, type, p)) == NULL)
			return -1;
		EVP_PKEY_free(key);
		snprintf(m->key_ref, sizeof(m->key_ref), "pkcs11:%s/%s",
		    c->pkcs11_token, label);
		m->signer = signer_from_p11(tok, label, p);
		return m->signer != NULL ? 0 : -1;
	}
	if ((key = keyfile_generate(type, p)) == NULL)
		return -1;
	snprintf(
	    m->key_path, sizeof(m->key_path), "%s/%s.key", c->ca_dir, m->name);
	if (keyfile_write(m->key_path, key, pass, p) == -1) {
		m->key_path[0] = '\0';
		EVP_PKEY_free(key);
		return -1;
	}
	snprintf(m->key_ref, sizeof(m->key_ref), "file:%s.key", m->name);
	m->signer = signer_from_key(key);
	EVP_PKEY_free(key);
	return 0;
}

/* The serialNumber of x into out: its length, or -1. */
static int
serial_bytes(X509 *x, unsigned char *out, int outsz)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	int n = -1;

	if (bn != NULL && BN_num_bytes(bn) <= outsz)
		n = BN_bn2bin(bn, out);
	BN_free(bn);
	return n;
}

static time_t
not_after_of(X509 *x)
{
	time_t t = 0;

	return profile_time(X509_get0_notAfter(x), &t) == 0 ? t : 0;
}

static time_t
not_before_of(X509 *x)
{
	time_t t = 0;

	return profile_time(X509_get0_notBefore(x), &t) == 0 ? t : 0;
}

/* Records x as the CA certificate name (key key_ref, NULL to keep it):
 * inserted, or in place of the one recorded (kept in
 * ca_certificates_replaced), or of the OCSP signer with serial old. */
enum record_how { RECORD_NEW, RECORD_REPLACE, RECORD_OCSP_SWAP };

static int
record_cert(struct db *db, enum record_how how, const char *name, X509 *x,
    const char *key_ref, const unsigned char *old, size_t old_len, time_t now,
    struct problem *p)
{
	struct ca_cert_new c;
	unsigned char serial[64], *der = NULL;
	char subject[512];
	int n, sl, rc = -1;

	if ((sl = serial_bytes(x, serial, sizeof(serial))) <= 0 ||
	    (n = i2d_X509(x, &der)) <= 0)
		return problem_internal(p);
	X509_NAME_oneline(X509_get_subject_name(x), subject, sizeof(subject));
	c.name = name;
	c.serial = serial;
	c.serial_len = (size_t)sl;
	c.subject = subject;
	c.der = der;
	c.der_len = (size_t)n;
	c.key_ref = key_ref;
	c.not_before = not_before_of(x);
	c.not_after = not_after_of(x);
	switch (how) {
	case RECORD_NEW:
		rc = store_ca_insert(db, &c, now, p);
		break;
	case RECORD_REPLACE:
		rc = store_ca_replace(db, &c, now, p);
		break;
	case RECORD_OCSP_SWAP:
		rc = store_ca_ocsp_swap(db, old, old_len, &c, p);
		break;
	}
	OPENSSL_free(der);
	return rc;
}

static int
record(struct db *db, const struct made *m, time_t now, struct problem *p)
{
	return record_cert(
	    db, RECORD_NEW, m->name, m->cert, m->key_ref, NULL, 0, now, p);
}

/*
 * A CRL of the root CA (it revokes nothing: the issuing CA is the only CA
 * it certifies), signed by the root key, valid from `from` for days,
 * into s (no database: before the unit of work that stores it).
 */
static int
root_crl_sign(struct signer *root_signer, X509 *root, long long number,
    time_t from, int days, struct crlstore_crl *c, struct crlstore_signed *s,
    struct problem *p)
{
	memset(c, 0, sizeof(*c));
	c->issuer = root;
	c->signer = root_signer;
	c->number = number;
	c->this_update = from;
	c->next_update = from + (time_t)days * 86400;
	return crlstore_sign(c, s, p);
}

/* Whether the CA of the world is recorded: 1 with p set (409), 0 if
 * not, -1. */
static int
ca_exists(struct db *db, int sandbox, struct problem *p)
{
	long long n;

	if (store_ca_count(db, sandbox, &n, p) == -1)
		return -1;
	if (n == 0)
		return 0;
	problem_set(p, 409, "ca-exists", "CA exists",
	    "The certificate authority is already initialised.");
	return 1;
}

/* authority_init and authority_init_sandbox: the CA of the world. */
static int
init_world(const struct config *c, struct db *db, time_t now, int sandbox,
    FILE *out, struct problem *p)
{
	struct made m[3] = {{world_name(sandbox, "root"), "", "", NULL, NULL},
	    {world_name(sandbox, "issuing"), "", "", NULL, NULL},
	    {world_name(sandbox, "ocsp"), "", "", NULL, NULL}};
	struct p11 *tok = NULL;
	unsigned char serial[PROFILE_SERIAL_LEN];
	char *pass = NULL, *pin = NULL;
	struct ca_profiles cp;
	struct crlstore_crl crl;
	struct crlstore_signed crls;
	struct tx tx;
	json_t *details;
	int i, rc = -1;

	memset(&cp, 0, sizeof(cp));
	memset(&crls, 0, sizeof(crls));
	memset(&tx, 0, sizeof(tx));

	/* Made and signed before the unit of work, which looks again. */
	if (ca_exists(db, sandbox, p) != 0)
		goto out;
	if (c->pkcs11_module[0] != '\0') {
		pin = authority_secret(c->pkcs11_pin, c->pkcs11_pin_file);
		if ((tok = p11_open(
		         c->pkcs11_module, c->pkcs11_token, pin, p)) == NULL)
			goto out;
	} else {
		pass =
		    authority_secret(c->ca_passphrase, c->ca_passphrase_file);
		if (pass == NULL || strlen(pass) < PASS_MIN) {
			problem_set(p, 422, "invalid-field", "Invalid field",
			    "RXCA_CA_PASSPHRASE_FILE must hold a passphrase "
			    "of at least %d characters.",
			    PASS_MIN);
			goto out;
		}
		if (mkdir(c->ca_dir, 0700) == -1 && errno != EEXIST) {
			problem_set(p, 500, "internal", "Internal error",
			    "cannot create %s: %s", c->ca_dir, strerror(errno));
			goto out;
		}
	}
	for (i = 0; i < 3; i++)
		if (make_key(c, tok, pass, &m[i], p) == -1)
			goto out;
	ca_profiles_init(&cp, c, sandbox);
	profile_serial_new(serial);
	m[0].cert = hierarchy_build(HIERARCHY_ROOT, signer_pubkey(m[0].signer),
	    NULL, &cp.root, now, serial, p);
	if (m[0].cert == NULL ||
	    signer_sign_x509(m[0].signer, m[0].cert, p) == -1)
		goto out;
	profile_serial_new(serial);
	m[1].cert = hierarchy_build(HIERARCHY_ISSUING,
	    signer_pubkey(m[1].signer), m[0].cert, &cp.issuing, now, serial, p);
	if (m[1].cert == NULL ||
	    signer_sign_x509(m[0].signer, m[1].cert, p) == -1)
		goto out;
	profile_serial_new(serial);
	m[2].cert = hierarchy_build(HIERARCHY_OCSP, signer_pubkey(m[2].signer),
	    m[1].cert, &cp.ocsp, now, serial, p);
	if (m[2].cert == NULL ||
	    signer_sign_x509(m[1].signer, m[2].cert, p) == -1)
		goto out;
	/* The sandbox's issuing CA names no CRL of its root. */
	if (!sandbox &&
	    root_crl_sign(m[0].signer, m[0].cert, 1, now, c->root_crl_days,
	        &crl, &crls, p) == -1)
		goto out;
	if (tx_begin(&tx, db, now, "admin-cli", p) == -1 ||
	    ca_exists(db, sandbox, p) != 0)
		goto out;
	for (i = 0; i < 3; i++)
		if (record(db, &m[i], now, p) == -1)
			goto out;
	if (!sandbox &&
	    crlstore_put(db, STORE_CRL_ROOT, &crl, &crls, now, p) == -1)
		goto out;
	/* The issuing CA's first CRL, as soon as a server runs.  rxca-admin
	 * registers no job kinds, so the tries of crl.refresh (pki.c) are
	 * named here. */
	if (jobs_enqueue_once(db, JOB_CRL_REFRESH, 10, p) == -1)
		goto out;
	details = json_pack("{s:s, s:s, s:s, s:b}", "root", m[0].key_ref,
	    "issuing", m[1].key_ref, "ocsp", m[2].key_ref, "sandbox", sandbox);
	rc = tx_audit(&tx, "ca.initialised", m[1].name, details, p);
	json_decref(details);
	if (rc == -1)
		goto out;
	rc = -1;
	if (tok == NULL || mkdir(c->ca_dir, 0700) == 0 || errno == EEXIST) {
		for (i = 0; i < 3; i++) {
			char name[32];
			snprintf(name, sizeof(name), "%s.crt", m[i].name);
			if (write_pem(c->ca_dir, name, m[i].cert, p) == -1)
				goto out;
		}
	}
	if (tx_commit(&tx, p) == -1)
		goto out;
	for (i = 0; i < 3; i++)
		fprintf(out, "%-8s created, key %s\n", m[i].name, m[i].key_ref);
	fprintf(out, "certificates in %s/%s{root,issuing,ocsp}.crt\n",
	    c->ca_dir, sandbox ? AUTHORITY_SANDBOX : "");
	rc = 0;
out:
	tx_abort(&tx);
	if (rc == -1) {
		for (i = 0; i < 3; i++)
			if (m[i].key_path[0] != '\0')
				unlink(m[i].key_path);
	}
	for (i = 0; i < 3; i++) {
		signer_free(m[i].signer);
		X509_free(m[i].cert);
	}
	crlstore_signed_free(&crls);
	p11_close(tok);
	secret_free(pass);
	secret_free(pin);
	ca_profiles_free(&cp);
	return rc;
}

int
authority_init(const struct config *c, struct db *db, time_t now, FILE *out,
    struct problem *p)
{
	return init_world(c, db, now, 0, out, p);
}

int
authority_init_sandbox(const struct config *c, struct db *db, time_t now,
    FILE *out, struct problem *p)
{
	return init_world(c, db, now, 1, out, p);
}

void
authority_ocsp_signer(struct authority *a, X509 **cert, struct signer **signer)
{
	pthread_mutex_lock(&a->lock);
	*cert = a->ocsp;
	*signer = a->ocsp_signer;
	pthread_mutex_unlock(&a->lock);
}

/* Puts cert and signer in place of the current OCSP signer. */
static void
ocsp_swap(struct authority *a, X509 *cert, struct signer *s)
{
	pthread_mutex_lock(&a->lock);
	if (a->nretired < AUTHORITY_RETIRED) {
		a->retired_cert[a->nretired] = a->ocsp;
		a->retired[a->nretired++] = a->ocsp_signer;
	} else {
		/* Beyond the bound: a reader may hold the oldest; keep it. */
		a->retired_cert[AUTHORITY_RETIRED - 1] = a->ocsp;
		a->retired[AUTHORITY_RETIRED - 1] = a->ocsp_signer;
	}
	a->ocsp = cert;
	a->ocsp_signer = s;
	pthread_mutex_unlock(&a->lock);
}

int
authority_ocsp_renew(struct authority *a, const struct config *c, struct db *db,
    time_t now, struct problem *p)
{
	struct ca_cert_row row;
	struct made m = {"ocsp", "", "", NULL, NULL};
	struct ca_profiles cp;
	struct signer *s = NULL;
	X509 *cur, *fresh = NULL;
	struct signer *cursig;
	unsigned char old_serial[32], new_serial[PROFILE_SERIAL_LEN];
	char *pass = NULL, name[40];
	struct tx tx;
	json_t *details;
	int found, oldn, rc = -1;

	memset(&tx, 0, sizeof(tx));
	authority_ocsp_signer(a, &cur, &cursig);
	if (cur == NULL)
		return 0;
	if ((found = store_ca_ocsp(db, &row, p)) != 1)
		return found;
	fresh = der_cert(&row);
	if (fresh != NULL && X509_cmp(fresh, cur) != 0) {
		/* Another node renewed it: use the recorded one. */
		if ((s = open_key(a, c, row.key_ref, p)) == NULL)
			goto out;
		ocsp_swap(a, fresh, s);
		fresh = NULL;
		s = NULL;
		log_info("OCSP signer reloaded", "key=%s", row.key_ref);
		rc = 1;
		goto out;
	}
	if (not_after_of(cur) - now > AUTHORITY_OCSP_RENEW) {
		rc = 0;
		goto out;
	}
	/* A new key where the old one is. */
	snprintf(name, sizeof(name), "ocsp-%lld", (long long)now);
	m.name = name;
	if (strncmp(row.key_ref, "file:", 5) == 0) {
		pass =
		    authority_secret(c->ca_passphrase, c->ca_passphrase_file);
		if (pass == NULL) {
			problem_internal(p);
			goto out;
		}
		if (make_key(c, NULL, pass, &m, p) == -1)
			goto out;
	} else if (make_key(c, a->token, NULL, &m, p) == -1)
		goto out;
	profile_serial_new(new_serial);
	X509_free(fresh);
	ca_profiles_init(&cp, c, 0);
	fresh = hierarchy_build(HIERARCHY_OCSP, signer_pubkey(m.signer),
	    a->issuing, &cp.ocsp, now, new_serial, p);
	ca_profiles_free(&cp);
	if (fresh == NULL || signer_sign_x509(a->signer, fresh, p) == -1)
		goto out;
	if ((oldn = serial_bytes(cur, old_serial, sizeof(old_serial))) <= 0) {
		problem_internal(p);
		goto out;
	}
	if (tx_begin(&tx, db, now, "system", p) == -1 ||
	    (found = record_cert(db, RECORD_OCSP_SWAP, "ocsp", fresh, m.key_ref,
	         old_serial, (size_t)oldn, now, p)) == -1)
		goto out;
	if (found == 0) {
		/* Another node was first: its signer is loaded next sweep. */
		rc = 0;
		goto out;
	}
	details = json_pack("{s:s}", "key", m.key_ref);
	found = tx_audit(&tx, "ca.ocsp_renewed", "ocsp", details, p);
	json_decref(details);
	if (found == -1 || tx_commit(&tx, p) == -1)
		goto out;
	ocsp_swap(a, fresh, m.signer);
	fresh = NULL;
	m.signer = NULL;
	m.key_path[0] = '\0'; /* recorded: keep the file */
	log_info("OCSP signer renewed", "key=%s", m.key_ref);
	rc = 1;
out:
	tx_abort(&tx);
	if (m.key_path[0] != '\0' && rc != 1)
		unlink(m.key_path);
	signer_free(m.signer);
	signer_free(s);
	X509_free(fresh);
	if (pass != NULL) {
		OPENSSL_cleanse(pass, strlen(pass));
		free(pass);
	}
	store_ca_cert_row_free(&row);
	return rc;
}

/* The root's certificate and the greatest number of its CRLs: 0, or -1
 * with p set (409 before `ca init`). */
static int
root_of(struct db *db, struct ca_cert_row *row, long long *number,
    struct problem *p)
{
	int found;

	if ((found = store_ca_root(db, row, number, p)) == -1)
		return -1;
	if (found == 0)
		return problem_set(p, 409, "ca-not-initialised",
		    "CA not initialised", "Run rxca-admin ca init first.");
	return 0;
}

int
authority_root_crl(const struct config *c, struct db *db, time_t now, int ahead,
    FILE *out, struct problem *p)
{
	struct authority *a = authority_new();
	struct signer *s = NULL;
	struct ca_cert_row row, again;
	struct crlstore_crl crl[AUTHORITY_CRL_AHEAD + 1];
	struct crlstore_signed signed_crl[AUTHORITY_CRL_AHEAD + 1];
	struct tx tx;
	X509 *root = NULL;
	json_t *details = NULL;
	long long number, check;
	time_t step =
	    (time_t)(c->root_crl_days - c->root_crl_remind_days) * 86400;
	int k, rc = -1;

	memset(&row, 0, sizeof(row));
	memset(&again, 0, sizeof(again));
	memset(signed_crl, 0, sizeof(signed_crl));
	memset(&tx, 0, sizeof(tx));
	if (ahead < 0 || ahead > AUTHORITY_CRL_AHEAD) {
		problem_field(p, "ahead", "0 to %d CRLs", AUTHORITY_CRL_AHEAD);
		goto out;
	}
	if (step < 86400)
		step = 86400;
	/* Signed before the unit of work, which checks that no other CRL
	 * of the root was signed meanwhile. */
	if (root_of(db, &row, &number, p) == -1)
		goto out;
	number++;
	if ((root = der_cert(&row)) == NULL) {
		problem_internal(p);
		goto out;
	}
	if ((s = open_key(a, c, row.key_ref, p)) == NULL)
		goto out;
	for (k = 0; k <= ahead; k++)
		if (root_crl_sign(s, root, number + k, now + k * step,
		        c->root_crl_days, &crl[k], &signed_crl[k], p) == -1)
			goto out;
	if (tx_begin(&tx, db, now, "admin-cli", p) == -1 ||
	    root_of(db, &again, &check, p) == -1)
		goto out;
	if (check + 1 != number) {
		problem_set(p, 409, "conflict", "Conflict",
		    "Another root CRL was signed meanwhile; run it again.");
		goto out;
	}
	/* A new batch replaces what a former one left unpublished. */
	if (store_crl_ahead_clear(db, p) == -1)
		goto out;
	for (k = 0; k <= ahead; k++)
		if (crlstore_put(db,
		        k > 0 ? STORE_CRL_ROOT_AHEAD : STORE_CRL_ROOT, &crl[k],
		        &signed_crl[k], now, p) == -1)
			goto out;
	details = json_pack("{s:I, s:i, s:i}", "number", (json_int_t)number,
	    "ahead", ahead, "days", c->root_crl_days);
	if (tx_audit(&tx, "ca.root_crl", "root", details, p) == -1 ||
	    tx_commit(&tx, p) == -1)
		goto out;
	fprintf(out, "root CRL number %lld, valid %d days\n", number,
	    c->root_crl_days);
	for (k = 1; k <= ahead; k++)
		fprintf(out,
		    "root CRL number %lld signed ahead, published in %lld "
		    "days\n",
		    number + k, (long long)(k * step / 86400));
	rc = 0;
out:
	tx_abort(&tx);
	for (k = 0; k <= AUTHORITY_CRL_AHEAD; k++)
		crlstore_signed_free(&signed_crl[k]);
	json_decref(details);
	signer_free(s);
	X509_free(root);
	store_ca_cert_row_free(&row);
	store_ca_cert_row_free(&again);
	authority_free(a);
	return rc;
}

/* Whether rows hold the certificate name with exactly der (len bytes). */
static int
still_recorded(const struct ca_cert_row *rows, size_t n, const char *name,
    const struct ca_cert_row *was)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(rows[i].name, name) == 0)
			return rows[i].der_len == was->der_len &&
			    memcmp(rows[i].der, was->der,
			        (size_t)was->der_len) == 0;
	return 0;
}

int
authority_reissue_issuing(const struct config *c, struct db *db, time_t now,
    FILE *out, struct problem *p)
{
	struct authority *a = authority_new();
	struct signer *root_signer = NULL, *issuing_signer = NULL;
	struct ca_profiles cp;
	struct ca_cert_row *rows = NULL, *locked = NULL;
	const struct ca_cert_row *root_row = NULL, *issuing_row = NULL,
	                         *ocsp_row = NULL;
	unsigned char serial[PROFILE_SERIAL_LEN];
	X509 *root = NULL, *old = NULL, *old_ocsp = NULL, *fresh = NULL,
	     *ocsp = NULL;
	size_t i, n = 0, nlocked = 0;
	struct tx tx;
	json_t *details = NULL;
	int rc = -1;

	memset(&tx, 0, sizeof(tx));
	ca_profiles_init(&cp, c, 0);
	/* Signed before the unit of work, which locks the rows and checks
	 * that they are still what was signed over. */
	if (store_ca_list(db, 0, &rows, &n, p) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		if (strcmp(rows[i].name, "root") == 0)
			root_row = &rows[i];
		else if (strcmp(rows[i].name, "issuing") == 0)
			issuing_row = &rows[i];
		else if (strcmp(rows[i].name, "ocsp") == 0)
			ocsp_row = &rows[i];
	}
	if (root_row != NULL)
		root = der_cert(root_row);
	if (issuing_row != NULL)
		old = der_cert(issuing_row);
	if (ocsp_row != NULL)
		old_ocsp = der_cert(ocsp_row);
	if (root == NULL || old == NULL || old_ocsp == NULL) {
		problem_set(p, 409, "ca-not-initialised", "CA not initialised",
		    "Run rxca-admin ca init first.");
		goto out;
	}
	if ((root_signer = open_key(a, c, root_row->key_ref, p)) == NULL ||
	    (issuing_signer = open_key(a, c, issuing_row->key_ref, p)) == NULL)
		goto out;
	/* The same key, a new certificate under the current profile; and,
	 * since its name may change, the OCSP signer's key certified again
	 * under it. */
	profile_serial_new(serial);
	if ((fresh = hierarchy_build(HIERARCHY_ISSUING, X509_get0_pubkey(old),
	         root, &cp.issuing, now, serial, p)) == NULL ||
	    signer_sign_x509(root_signer, fresh, p) == -1)
		goto out;
	profile_serial_new(serial);
	if ((ocsp = hierarchy_build(HIERARCHY_OCSP, X509_get0_pubkey(old_ocsp),
	         fresh, &cp.ocsp, now, serial, p)) == NULL ||
	    signer_sign_x509(issuing_signer, ocsp, p) == -1)
		goto out;
	if (tx_begin(&tx, db, now, "admin-cli", p) == -1 ||
	    store_ca_list(db, 1, &locked, &nlocked, p) == -1)
		goto out;
	if (!still_recorded(locked, nlocked, "root", root_row) ||
	    !still_recorded(locked, nlocked, "issuing", issuing_row) ||
	    !still_recorded(locked, nlocked, "ocsp", ocsp_row)) {
		problem_set(p, 409, "conflict", "Conflict",
		    "The CA certificates changed meanwhile; run it again.");
		goto out;
	}
	if (record_cert(db, RECORD_REPLACE, "issuing", fresh, NULL, NULL, 0,
	        now, p) == -1 ||
	    record_cert(
	        db, RECORD_REPLACE, "ocsp", ocsp, NULL, NULL, 0, now, p) == -1)
		goto out;
	details = json_pack("{s:s, s:s, s:i}", "key", issuing_row->key_ref,
	    "ocsp_key", "unchanged", "days", c->issuing_days);
	if (tx_audit(&tx, "ca.issuing_reissued", "issuing", details, p) == -1 ||
	    write_pem(c->ca_dir, "issuing.crt", fresh, p) == -1 ||
	    write_pem(c->ca_dir, "ocsp.crt", ocsp, p) == -1 ||
	    tx_commit(&tx, p) == -1)
		goto out;
	fprintf(out,
	    "issuing  re-issued, key %s (the same); OCSP signer certified "
	    "again\nrestart every rxca-server to serve it\n",
	    issuing_row->key_ref);
	rc = 0;
out:
	tx_abort(&tx);
	json_decref(details);
	signer_free(root_signer);
	signer_free(issuing_signer);
	X509_free(root);
	X509_free(old);
	X509_free(old_ocsp);
	X509_free(fresh);
	X509_free(ocsp);
	ca_profiles_free(&cp);
	store_ca_cert_rows_free(rows, n);
	store_ca_cert_rows_free(locked, nlocked);
	authority_free(a);
	return rc;
}
