#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "token/tokcmd.h"
#include "token/tokcmd_load.h"
#include "token/tokdev.h"

#define TOKCMD_GEN_MAX 9999 /* renewals of one token */

/* The generation of label in the family TOKDEV_KEY[-N]: 1 for TOKDEV_KEY,
 * N for TOKDEV_KEY-N, 0 for another member (rxca-signing-renewed, an
 * earlier release), -1 outside. */
static long
tokcmd_generation(const char *label)
{
	size_t n = strlen(TOKDEV_KEY);
	unsigned long g;
	char *end;

	if (strncmp(label, TOKDEV_KEY, n) != 0)
		return -1;
	if (label[n] == '\0')
		return 1;
	if (label[n] != '-' || label[n + 1] == '\0')
		return -1;
	if (label[n + 1] < '1' || label[n + 1] > '9')
		return 0;
	errno = 0;
	g = strtoul(label + n + 1, &end, 10);
	if (errno != 0 || *end != '\0' || g > TOKCMD_GEN_MAX)
		return 0;
	return (long)g;
}

/* 1 if x is valid now. */
static int
tokcmd_valid_now(X509 *x)
{
	return X509_cmp_current_time(X509_get0_notBefore(x)) < 0 &&
	    X509_cmp_current_time(X509_get0_notAfter(x)) > 0;
}

/* 1 if a should be the current credential rather than b: valid now
 * before not, then the later notBefore, then the later notAfter. */
static int
tokcmd_better(X509 *a, long ga, X509 *b, long gb)
{
	int va = tokcmd_valid_now(a), vb = tokcmd_valid_now(b), c;

	if (va != vb)
		return va;
	if ((c = ASN1_TIME_compare(
	         X509_get0_notBefore(a), X509_get0_notBefore(b))) != 0)
		return c > 0;
	if ((c = ASN1_TIME_compare(
	         X509_get0_notAfter(a), X509_get0_notAfter(b))) != 0)
		return c > 0;
	/* Issued in the same second (a renewal right after a retrieval):
	 * the later generation of the label is the newer. */
	return ga > gb;
}

void
tokcmd_scan_free(struct tokcmd_scan *sc)
{
	X509_free(sc->cert);
	sc->cert = NULL;
}

/* 1 if label is among the n labels. */
static int
tokcmd_listed(char (*labels)[P11_LABEL_MAX + 1], size_t n, const char *label)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(labels[i], label) == 0)
			return 1;
	return 0;
}

int
tokcmd_scan(struct p11 *t, struct tokcmd_scan *sc, struct problem *p)
{
	char(*keys)[P11_LABEL_MAX + 1] = NULL;
	char(*certs)[P11_LABEL_MAX + 1] = NULL;
	X509 **x = NULL;
	size_t nkeys = 0, ncerts = 0, i, j;
	long g, best = -1;
	int rc = -1;

	memset(sc, 0, sizeof(*sc));
	sc->next = 2;
	keys = xcalloc(TOKCMD_OBJS_MAX, sizeof(*keys));
	certs = xcalloc(TOKCMD_OBJS_MAX, sizeof(*certs));
	x = xcalloc(TOKCMD_OBJS_MAX, sizeof(*x));
	if (p11_labels(t, P11_OBJ_PUBLIC_KEY, keys, TOKCMD_OBJS_MAX, &nkeys,
	        p) == -1 ||
	    p11_labels(t, P11_OBJ_CERTIFICATE, certs, TOKCMD_OBJS_MAX, &ncerts,
	        p) == -1)
		goto out;
	for (i = 0; i < nkeys; i++) {
		if ((g = tokcmd_generation(keys[i])) == -1)
			continue;
		if (g > 0 && (unsigned long)g >= sc->next)
			sc->next = (unsigned long)g + 1;
		if (!tokcmd_listed(certs, ncerts, keys[i]))
			memcpy(sc->pending, keys[i], sizeof(sc->pending));
	}
	for (i = 0; i < ncerts; i++) {
		if ((g = tokcmd_generation(certs[i])) == -1 ||
		    !tokcmd_listed(keys, nkeys, certs[i]))
			continue;
		if (g > 0 && (unsigned long)g >= sc->next)
			sc->next = (unsigned long)g + 1;
		if ((x[i] = p11_find_cert(t, certs[i], p)) == NULL)
			goto out;
		if (sc->cert == NULL ||
		    tokcmd_better(x[i], g, sc->cert, best)) {
			sc->cert = x[i];
			best = g;
			memcpy(sc->key, certs[i], sizeof(sc->key));
		}
	}
	/* The current one is the best: any other valid now is older, even
	 * one issued in the same second (a renewal right after a retrieval
	 * has the same notBefore). */
	for (j = 0; j < ncerts && sc->cert != NULL; j++)
		if (x[j] != NULL && x[j] != sc->cert && tokcmd_valid_now(x[j]))
			sc->older_valid = 1;
	if (sc->cert == NULL) {
		problem_clear(p);
		problem_set(p, 404, "no-certificate", "No certificate",
		    "No certificate has been retrieved onto this token yet: "
		    "run `rxca-token retrieve`.");
		goto out;
	}
	if (X509_up_ref(sc->cert) != 1)
		abort();
	rc = 0;
out:
	if (rc == -1)
		sc->cert = NULL;
	for (i = 0; i < TOKCMD_OBJS_MAX; i++)
		X509_free(x[i]);
	free(x);
	free(keys);
	free(certs);
	return rc;
}

int
tokcmd_load(struct p11 *t, char key[P11_LABEL_MAX + 1], X509 **cert,
    STACK_OF(X509) * *chain, struct problem *p)
{
	static const char *const ca[] = {TOKDEV_ISSUING, TOKDEV_ROOT};
	struct tokcmd_scan sc;
	struct problem scratch;
	X509 *x;
	size_t i;

	*chain = NULL;
	*cert = NULL;
	if (tokcmd_scan(t, &sc, p) == -1) {
		tokcmd_scan_free(&sc);
		return -1;
	}
	if (key != NULL)
		memcpy(key, sc.key, P11_LABEL_MAX + 1);
	*cert = sc.cert;
	if ((*chain = sk_X509_new_null()) == NULL)
		abort();
	for (i = 0; i < sizeof(ca) / sizeof(ca[0]); i++) {
		problem_clear(&scratch);
		if ((x = p11_find_cert(t, ca[i], &scratch)) != NULL &&
		    sk_X509_push(*chain, x) <= 0)
			abort();
	}
	return 0;
}
