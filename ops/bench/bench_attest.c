/*
 * rxca-bench-attest: the time to verify one PIV key attestation
 * (ca/attest.c attest_piv_verify: two PEM parses, the key comparison, the
 * chain to the manufacturer root), as api/service/evidence.c runs it for
 * a retrieval or renewal with attested key evidence.  A measurement, not
 * a test (ops/bench-attest.sh makes the files and runs it).
 *
 *   rxca-bench-attest ROOTS SLOT DEVICE KEY [N]
 *
 * ROOTS: PEM manufacturer root(s); SLOT, DEVICE: the PEM attestation
 * certificates; KEY: the attested key (PEM, private or public); N runs
 * (1000).  Prints one line: runs, median_us, mean_us, min_us.  Exit
 * status 0, or 1 if the attestation does not verify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>

#include "ca/attest.h"
#include "common/problem.h"

#define BENCH_FILE_MAX (64 * 1024) /* bytes of one input file */

/* The contents of path (NUL-terminated, malloc'd), or NULL. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n;

	if (f == NULL || (buf = malloc(BENCH_FILE_MAX + 1)) == NULL)
		goto out;
	n = fread(buf, 1, BENCH_FILE_MAX, f);
	buf[n] = '\0';
out:
	if (f != NULL)
		fclose(f);
	return buf;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	STACK_OF(X509) *roots = sk_X509_new_null();
	struct attest_result res;
	struct problem p;
	struct timespec t0, t1;
	EVP_PKEY *key = NULL;
	char *slot, *device;
	double *us, sum = 0;
	long i, n = argc > 5 ? strtol(argv[5], NULL, 10) : 1000;
	FILE *f;
	X509 *x;

	if (argc < 5 || n < 1 || n > 1000000) {
		fprintf(stderr,
		    "usage: rxca-bench-attest ROOTS SLOT DEVICE KEY [N]\n");
		return 2;
	}
	if ((f = fopen(argv[1], "r")) == NULL)
		return 1;
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL)
		sk_X509_push(roots, x);
	fclose(f);
	if ((f = fopen(argv[4], "r")) == NULL)
		return 1;
	if ((key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL) {
		rewind(f);
		key = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	}
	fclose(f);
	slot = slurp(argv[2]);
	device = slurp(argv[3]);
	if (key == NULL || slot == NULL || device == NULL ||
	    (us = calloc((size_t)n, sizeof(*us))) == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		problem_clear(&p);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (attest_piv_verify(
		        slot, device, roots, key, time(NULL), &res, &p) == -1) {
			fprintf(stderr, "not verified: %s\n",
			    p.nfields > 0 ? p.fields[0].message : p.detail);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		us[i] = (double)(t1.tv_sec - t0.tv_sec) * 1e6 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
		sum += us[i];
	}
	qsort(us, (size_t)n, sizeof(*us), cmp_double);
	printf("runs=%ld median_us=%.1f mean_us=%.1f min_us=%.1f\n", n,
	    us[n / 2], sum / (double)n, us[0]);
	free(us);
	free(slot);
	free(device);
	EVP_PKEY_free(key);
	sk_X509_pop_free(roots, X509_free);
	return 0;
}
