/*
 * rxca-bench-crl: the time and memory one "crl.refresh" job takes
 * (api/service/crlstore.c crlstore_job: the row lock on the current CRL,
 * every revoked serial streamed from the database, the full CRL and its
 * shards encoded once and signed, their ETags and the store), run in one
 * transaction as api/jobs/jobs.c runs it.  A measurement, not a test
 * (ops/bench-crl.sh and ops/bench-revocation.sh run it).
 *
 *   rxca-bench-crl job      crlstore_job, then COMMIT
 *
 * Settings are the server's RXCA_* variables (RXCA_DATABASE_URL, the CA's
 * key: RXCA_CA_DIR and RXCA_CA_PASSPHRASE(_FILE), or RXCA_PKCS11_*,
 * RXCA_CRL_SHARDS); the CA must have been made with `rxca-admin ca init`.
 * It publishes a CRL (the number grows), as the job would.
 *
 * Prints one line of key=value pairs: entries and bytes of the full CRL
 * published, its number, seconds (wall clock from BEGIN to COMMIT),
 * cpu_seconds of this process and backend_cpu_seconds of its PostgreSQL
 * backend over the same span, rss_before_kib (resident memory once the
 * CA is loaded, before the job) and peak_rss_kib (the process's
 * high-water mark, getrusage ru_maxrss).  Exit status 0, or 1 on any
 * failure.
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
#include <openssl/x509.h>

#include "api/service/app.h"
#include "api/service/authority.h"
#include "api/config.h"
#include "api/store/db.h"
#include "api/jobs/jobs.h"
#include "api/service/pki.h"
#include "api/store/store_ca.h"
#include "ca/crl.h"
#include "ca/signer.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/problem.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define BENCH_STAT_MAX 1024 /* bytes of /proc/<pid>/stat read */
#define BENCH_LINE_MAX 256  /* bytes of a /proc/self/status line */

/* The job row the job pauses and resumes (jobs_pause, jobs_resume): a
 * kind no runner knows, due in a day, deleted at the end. */
static const struct sql sql_bench_job = {"bench_job",
    "INSERT INTO jobs (kind, run_at, created_at, updated_at) VALUES "
    "('bench.crl', now() + interval '1 day', now(), now()) RETURNING id",
    0};
static const struct sql sql_bench_job_done = {
    "bench_job_done", "DELETE FROM jobs WHERE kind = 'bench.crl'", 0};
static const struct sql sql_bench_published = {"bench_published",
    "SELECT number, entries, length(der) AS bytes FROM crls WHERE issuer = "
    "'issuing'",
    0};

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

/* The high-water mark of resident memory of this process, KiB. */
static long
bench_peak_kib(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return -1;
	return ru.ru_maxrss;
}

/* Resident memory of this process now (VmRSS), KiB, or -1. */
static long
bench_rss_kib(void)
{
	char line[BENCH_LINE_MAX];
	long kib = -1;
	FILE *f;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
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

int
main(int argc, char *argv[])
{
	struct config cfg;
	struct app app;
	time_t lease = 0;
	struct job job = {NULL, "crl.refresh", NULL, 1, 1, "{}", 0, 0, &lease};
	char job_id[32] = "";
	struct problem p;
	struct db *db = NULL;
	PGresult *r = NULL;
	double start, wall, cpu0, cpu1, be0, be1;
	long rss0;
	int loaded = 0, backend, rc = 1;

	problem_clear(&p);
	if (argc != 2 || strcmp(argv[1], "job") != 0) {
		fprintf(stderr, "usage: rxca-bench-crl job\n");
		return 1;
	}
	memset(&cfg, 0, sizeof(cfg));
	memset(&app, 0, sizeof(app));
	loaded = 1;
	if (config_load(&cfg, stderr) == -1)
		goto out;
	log_set_level(LOG_LEVEL_WARN);
	db = db_open(cfg.database_url);
	if (db_ensure(db, &p) == -1) {
		fprintf(stderr,
		    "rxca-bench-crl: cannot connect to the "
		    "database (RXCA_DATABASE_URL)\n");
		goto out;
	}
	app.cfg = &cfg;
	app.authority = authority_new();
	if (authority_load(app.authority, &cfg, db, &p) == -1)
		goto fail;

	backend = PQbackendPID(db_conn(db));
	rss0 = bench_rss_kib();
	cpu0 = bench_cpu_self();
	be0 = bench_cpu_of(backend);
	start = bench_now();
	if ((r = db_exec(db, &sql_bench_job, NULL, &p)) == NULL ||
	    PQntuples(r) != 1)
		goto fail;
	snprintf(job_id, sizeof(job_id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	r = NULL;
	job.id = job_id;
	if (db_begin(db, &p) == -1)
		goto fail;
	if (pki_job_crl(&app, db, &job, wallclock_now(), &p) != JOB_DONE ||
	    db_commit(db, &p) == -1)
		goto fail;
	wall = bench_now() - start;
	cpu1 = bench_cpu_self();
	be1 = bench_cpu_of(backend);

	if (db_run(db, &sql_bench_job_done, NULL, &p) == -1 ||
	    (r = db_exec(db, &sql_bench_published, NULL, &p)) == NULL ||
	    PQntuples(r) != 1)
		goto fail;
	printf("mode=%s entries=%s bytes=%s number=%s seconds=%.3f "
	       "cpu_seconds=%.3f backend_cpu_seconds=%.3f rss_before_kib=%ld "
	       "peak_rss_kib=%ld",
	    argv[1], db_text(r, 0, "entries"), db_text(r, 0, "bytes"),
	    db_text(r, 0, "number"), wall, cpu1 - cpu0,
	    be0 >= 0 && be1 >= 0 ? be1 - be0 : -1.0, rss0, bench_peak_kib());
	printf("\n");
	rc = 0;
	goto out;
fail:
	db_rollback(db);
	fprintf(stderr, "rxca-bench-crl: %s\n",
	    p.detail[0] != '\0' ? p.detail : "failed (see the log)");
out:
	PQclear(r);
	authority_free(app.authority);
	db_free(db);
	if (loaded)
		config_free(&cfg);
	return rc;
}
