/*
 * rxca-bench-issue: certificates issued per second in process, by the
 * code POST /v1/retrievals runs once the kit and the password are
 * accepted (api/routes/h_retrieval.c): issue_record inside a unit of work
 * (serial, profile, pre-issuance lint, the unsigned certificate recorded
 * in state 'signing', audited, committed), then issue_sign (the
 * signature, the signed TBS checked against the linted one and the
 * signature verified, the OCSP responses, the certificate stored as
 * 'issued' with its responses, audit record and event, committed).  A
 * measurement, not a test (ops/bench-ca.sh runs it, and under callgrind
 * with --toggle-collect=bench_issue_one for instructions per issuance).
 *
 *   rxca-bench-issue [N]     N certificates (default 2000)
 *
 * Settings are the server's RXCA_* variables (RXCA_DATABASE_URL, the CA's
 * key: RXCA_CA_DIR and RXCA_CA_PASSPHRASE(_FILE), or RXCA_PKCS11_*); the
 * CA must have been made with `rxca-admin ca init`.  One synthetic
 * application (status kit_shipped) holds the certificates, which have no
 * kit.  The subscribers' P-256 keys are made before the clock starts.
 *
 * Prints one line of key=value pairs: issued, seconds and per_second for
 * the whole loop, then the mean milliseconds of each step (record_ms:
 * issue_record and its COMMIT; sign_ms: issue_sign, signature, check,
 * OCSP responses, store and COMMIT), and the CPU seconds used by this
 * process, by its PostgreSQL backend and by the whole machine, every
 * process and core (from /proc; -1 if unreadable), all over the timed
 * loop.  Exit status 0, or 1 on any failure.
 */
#include <sys/resource.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "api/service/app.h"
#include "api/service/authority.h"
#include "api/service/issue.h"
#include "api/service/lifemail.h"
#include "api/service/mailjob.h"
#include "api/service/pki.h"
#include "api/service/webhook.h"
#include "api/config.h"
#include "api/store/db.h"
#include "api/store/store_ca.h"
#include "api/store/store_issue.h"
#include "api/store/tx.h"
#include "ca/csr.h"
#include "ca/lint.h"
#include "ca/profile.h"
#include "ca/signer.h"
#include "common/logger.h"
#include "common/problem.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define BENCH_DEFAULT_N 2000              /* certificates when no N is given */
#define BENCH_MAX_N     1000000           /* certificates at most */
#define BENCH_APP_ID    "app_bench_issue" /* the synthetic application */
#define BENCH_PRODUCT   "epcs-hardware"   /* its product */
#define BENCH_STAT_MAX  1024              /* bytes of /proc/<pid>/stat read */

enum step {
	STEP_RECORD, /* issue_record in its unit of work, COMMIT */
	STEP_SIGN,   /* issue_sign */
	STEP_COUNT
};

/* The synthetic application, as seed() in ops/bench-proofing.sh writes
 * one; a second run finds it there. */
static const struct sql sql_bench_app = {"bench_app",
    "INSERT INTO applications (id, status, policy, product, storage, "
    "shipping, given_name, family_name, date_of_birth, email, phone, "
    "addr_line1, addr_city, addr_state, addr_postal_code, addr_country, "
    "npi, dea_number, ssn_last4, avs_card_token, payment_card_token, "
    "password_hash, agreement_version, agreement_accepted_at, price, "
    "price_total_cents, created_at, updated_at, email_verify_by, "
    "email_verified_at) VALUES ($1, 'kit_shipped', 'igc', $2, "
    "'new-token', 'usps', 'Ada', 'Lovelace', '1975-12-10', "
    "'bench.issue@example.org', '+13175550100', '1 Main St', "
    "'Indianapolis', 'IN', '46204', 'US', '1234567893', 'AL1234563', "
    "'1234', 'tok_avs_1', 'tok_pay_1', 'x', '2026-01', now(), "
    "'{}'::jsonb, 17700, now(), now(), now() + interval '30 days', now()) "
    "ON CONFLICT (id) DO NOTHING",
    2};
static const struct sql sql_bench_hardware = {
    "bench_hardware", "SELECT hardware FROM products WHERE code = $1", 1};

/* A subscriber's key, made before timing. */
struct subscriber {
	EVP_PKEY *key;                         /* P-256 key pair */
	unsigned char spki[CSR_SPKI_HASH_LEN]; /* SHA-256 of its SPKI */
};

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user and system) of this process. */
static double
bench_cpu_self(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return -1;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* CPU seconds (user and system) of process pid from /proc, or -1. */
static double
bench_cpu_of(int pid)
{
	char path[64], buf[BENCH_STAT_MAX], *s, *end;
	unsigned long long ticks[2];
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;
	size_t n;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (hz <= 0 || (f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After "pid (comm) ", field 3 is the state; utime and stime are
	 * fields 14 and 15. */
	if ((s = strrchr(buf, ')')) == NULL)
		return -1;
	s++;
	for (field = 3; field <= 15; field++) {
		errno = 0;
		if (field >= 14) {
			ticks[field - 14] = strtoull(s, &end, 10);
			if (errno != 0 || end == s)
				return -1;
			s = end;
			continue;
		}
		while (*s == ' ')
			s++;
		while (*s != ' ' && *s != '\0')
			s++;
		if (*s == '\0')
			return -1;
	}
	return (double)(ticks[0] + ticks[1]) / (double)hz;
}

/* CPU seconds the whole machine has spent busy (user, nice, system, irq,
 * softirq, steal: every core) since boot, from /proc/stat, or -1. */
static double
bench_cpu_machine(void)
{
	unsigned long long v[8];
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;
	int n;

	if (hz <= 0 || (f = fopen("/proc/stat", "r")) == NULL)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return -1;
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)hz;
}

static int
bench_count(int argc, char *argv[], long *n)
{
	char *end;

	*n = BENCH_DEFAULT_N;
	if (argc < 2)
		return 0;
	errno = 0;
	*n = strtol(argv[1], &end, 10);
	if (argc > 2 || errno != 0 || end == argv[1] || *end != '\0' ||
	    *n < 1 || *n > BENCH_MAX_N) {
		fprintf(stderr, "usage: rxca-bench-issue [N], 1 <= N <= %d\n",
		    BENCH_MAX_N);
		return -1;
	}
	return 0;
}

/* The synthetic application, committed; *hardware from its product. */
static int
bench_setup(struct db *db, int *hardware, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, BENCH_APP_ID);
	dbargs_text(&a, BENCH_PRODUCT);
	rc = db_run(db, &sql_bench_app, &a, p);
	dbargs_free(&a);
	if (rc == -1)
		return -1;
	dbargs_init(&a);
	dbargs_text(&a, BENCH_PRODUCT);
	r = db_exec(db, &sql_bench_hardware, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	rc = -1;
	if (PQntuples(r) == 1) {
		*hardware = db_bool(r, 0, "hardware");
		rc = 0;
	} else
		problem_set(p, 500, "internal", "Internal error",
		    "no product %s", BENCH_PRODUCT);
	PQclear(r);
	return rc;
}

static int
bench_keys(struct subscriber *subs, long n, struct problem *p)
{
	long i;

	for (i = 0; i < n; i++) {
		if ((subs[i].key = EVP_EC_gen("P-256")) == NULL ||
		    csr_spki_sha256(subs[i].key, subs[i].spki) == -1) {
			log_openssl("bench: cannot make a subscriber key");
			return problem_internal(p);
		}
	}
	return 0;
}

/*
 * One certificate for sub, as api/routes/h_retrieval.c issues one:
 * issue_record in a unit of work, then issue_sign; the seconds of each
 * step are added to t.
 */
static int
bench_issue_one(struct app *app, struct db *db,
    const struct profile_subject *subj, const struct subscriber *sub,
    double t[STEP_COUNT], struct problem *p)
{
	struct authority *auth = app->authority;
	struct issue is;
	struct tx tx;
	unsigned char *der = NULL;
	time_t now = wallclock_now();
	double t0, t1;
	long len = 0;
	int created, rc = -1;

	memset(&tx, 0, sizeof(tx));
	memset(&is, 0, sizeof(is));
	is.app = BENCH_APP_ID;
	is.subj = subj;
	is.key = sub->key;
	is.spki = sub->spki;
	t0 = bench_now();
	if (tx_begin(&tx, db, now, BENCH_APP_ID, p) == -1 ||
	    issue_record(&tx, auth, &is, p) == -1 ||
	    issue_reserve_commit(&tx, p) == -1)
		goto out;
	t1 = bench_now();
	t[STEP_RECORD] += t1 - t0;
	if (issue_sign(app, db, auth, &is, NULL, NULL, now, &der, &len,
	        &created, p) == -1)
		goto out;
	if (!created) {
		problem_set(p, 500, "internal", "Internal error",
		    "the recorded certificate was not in state signing");
		goto out;
	}
	t[STEP_SIGN] += bench_now() - t1;
	rc = 0;
out:
	tx_abort(&tx);
	OPENSSL_free(is.tbs);
	OPENSSL_free(der);
	return rc;
}

/* Called through this pointer, bench_issue_one is never inlined into
 * main: callgrind's --toggle-collect=bench_issue_one finds it. */
static int (*volatile bench_issue)(struct app *, struct db *,
    const struct profile_subject *, const struct subscriber *,
    double[STEP_COUNT], struct problem *) = bench_issue_one;

int
main(int argc, char *argv[])
{
	struct config cfg;
	struct authority *auth = NULL;
	struct app app;
	struct subscriber *subs = NULL;
	struct profile_subject subj;
	struct problem p;
	struct db *db = NULL;
	double t[STEP_COUNT] = {0}, start, wall, cpu0, cpu1, be0, be1, m0, m1;
	long n = 0, i;
	int loaded = 0, backend, hardware = 0, rc = 1;

	problem_clear(&p);
	if (bench_count(argc, argv, &n) == -1)
		return 1;
	memset(&cfg, 0, sizeof(cfg));
	loaded = 1;
	if (config_load(&cfg, stderr) == -1)
		goto out;
	log_set_level(LOG_LEVEL_WARN);
	db = db_open(cfg.database_url);
	if (db_ensure(db, &p) == -1) {
		fprintf(stderr,
		    "rxca-bench-issue: cannot connect to the "
		    "database (RXCA_DATABASE_URL)\n");
		goto out;
	}
	auth = authority_new();
	if (authority_load(auth, &cfg, db, &p) == -1 ||
	    bench_setup(db, &hardware, &p) == -1)
		goto fail;
	/* The job kinds issuance queues, as the server registers them. */
	if (mailjob_register() == -1 || pki_jobs_register() == -1 ||
	    webhook_jobs_register() == -1 || lifemail_jobs_register() == -1) {
		fprintf(stderr, "rxca-bench-issue: cannot register jobs\n");
		goto out;
	}
	/* What issue_sign reads of the server's state. */
	memset(&app, 0, sizeof(app));
	app.cfg = &cfg;
	app.authority = auth;
	subj.given_name = "Ada";
	subj.middle_name = NULL;
	subj.family_name = "Lovelace";
	subj.email = "bench.issue@example.org";
	subj.hardware = hardware;

	subs = xcalloc((size_t)n, sizeof(*subs));
	if (bench_keys(subs, n, &p) == -1)
		goto fail;

	backend = PQbackendPID(db_conn(db));
	cpu0 = bench_cpu_self();
	be0 = bench_cpu_of(backend);
	m0 = bench_cpu_machine();
	start = bench_now();
	for (i = 0; i < n; i++)
		if (bench_issue(&app, db, &subj, &subs[i], t, &p) == -1)
			goto fail;
	wall = bench_now() - start;
	cpu1 = bench_cpu_self();
	be1 = bench_cpu_of(backend);
	m1 = bench_cpu_machine();

	printf("issued=%ld seconds=%.3f per_second=%.1f record_ms=%.3f "
	       "sign_ms=%.3f cpu_seconds=%.3f "
	       "backend_cpu_seconds=%.3f machine_cpu_seconds=%.3f\n",
	    n, wall, (double)n / wall, t[STEP_RECORD] * 1000 / (double)n,
	    t[STEP_SIGN] * 1000 / (double)n, cpu1 - cpu0,
	    be0 >= 0 && be1 >= 0 ? be1 - be0 : -1.0,
	    m0 >= 0 && m1 >= 0 ? m1 - m0 : -1.0);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "rxca-bench-issue: %s\n",
	    p.detail[0] != '\0' ? p.detail : "failed (see the log)");
out:
	if (subs != NULL)
		for (i = 0; i < n; i++)
			EVP_PKEY_free(subs[i].key);
	free(subs);
	authority_free(auth);
	db_free(db);
	if (loaded)
		config_free(&cfg);
	return rc;
}
