#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/config.h"
#include "api/jobs/jobs.h"
#include "api/service/app.h"
#include "api/service/authority.h"
#include "api/service/crlstore.h"
#include "common/logger.h"
#include "common/xmalloc.h"

#define CRLSTORE_LEASE 300 /* seconds a paused CRL job may sign */
#include "common/digest.h"

int
crlstore_sign(const struct crlstore_crl *c, struct crlstore_signed *out,
    struct problem *p)
{
	struct crl_params cp = {c->issuer, c->number, c->this_update,
	    c->next_update, c->idp_url, c->idp_critical};
	unsigned char hash[DIGEST_LEN];

	memset(out, 0, sizeof(*out));
	if (crl_encode(&cp, c->signer, c->entry, c->nentries, &out->der,
	        &out->len, p) == -1)
		return -1;
	digest_sha256(out->der, out->len, hash);
	snprintf(out->etag, sizeof(out->etag),
	    "\"%02x%02x%02x%02x%02x%02x%02x%02x\"", hash[0], hash[1], hash[2],
	    hash[3], hash[4], hash[5], hash[6], hash[7]);
	return 0;
}

void
crlstore_signed_free(struct crlstore_signed *s)
{
	if (s == NULL)
		return;
	free(s->der);
	s->der = NULL;
	s->len = 0;
}

int
crlstore_put(struct db *db, enum store_crl_kind kind,
    const struct crlstore_crl *c, const struct crlstore_signed *s, time_t now,
    struct problem *p)
{
	struct crl_new n = {c->number, c->this_update, c->next_update,
	    (long long)c->nentries, s->der, s->len, s->etag, now, c->shard};

	return store_crl_put(db, kind, &n, p);
}

/* The revoked certificates, gathered as the store streams them. */
struct crl_gather {
	struct crl_entry *e;
	size_t n, cap;
	int too_many; /* more than CRL_MAX_ENTRIES */
};

static void
crl_gather_row(const struct status_row *row, int shard, void *arg)
{
	struct crl_gather *g = arg;
	struct crl_entry *e;

	if (g->n == CRL_MAX_ENTRIES) {
		g->too_many = 1;
		return;
	}
	if (g->n == g->cap) {
		g->cap = g->cap > 0 ? 2 * g->cap : 1024;
		g->e = xrealloc(g->e, g->cap * sizeof(*g->e));
	}
	e = &g->e[g->n++];
	memcpy(e->serial, row->serial, CRL_SERIAL_LEN);
	e->revoked_at = row->revoked_at;
	e->reason = row->reason[0] != '\0' ? crl_reason_parse(row->reason) : -1;
	e->tag = shard;
}

char *
crlstore_shard_url(const struct config *cfg, int shard)
{
	return xprintf("%s/pki/issuing-%d.crl", cfg->pki_url, shard);
}

/* The shards to publish: 0..RXCA_CRL_SHARDS-1 and every one published
 * before (a certificate may name it), ascending, into *out (free()). */
static size_t
crl_shard_list(const struct config *cfg, const int *old, size_t nold, int **out)
{
	size_t i, n = 0, max = (size_t)cfg->crl_shards;
	unsigned char *want;
	int *l;

	for (i = 0; i < nold; i++)
		if (old[i] >= 0 && (size_t)old[i] + 1 > max)
			max = (size_t)old[i] + 1;
	want = xcalloc(max + 1, 1);
	for (i = 0; i < (size_t)cfg->crl_shards; i++)
		want[i] = 1;
	for (i = 0; i < nold; i++)
		if (old[i] >= 0)
			want[old[i]] = 1;
	l = xcalloc(max + 1, sizeof(*l));
	for (i = 0; i < max; i++)
		if (want[i])
			l[n++] = (int)i;
	free(want);
	*out = l;
	return n;
}

/* One CRL of the job: what it is and what it became. */
struct crl_made {
	struct crlstore_crl c;
	struct crlstore_signed s;
	char *url; /* a shard's, or NULL */
};

/*
 * Signs the full CRL of g and each shard in shards[0..nshard) into
 * made[0..nshard] (made[0]: the full CRL); the entries of a shard are
 * those of g whose tag is the shard, in g's order (sorted by the full
 * CRL).  Needs no database.  0, or -1 with p set.
 */
static int
crl_sign_all(const struct config *cfg, const struct crlstore_crl *base,
    struct crl_gather *g, const int *shards, size_t nshard,
    struct crl_made *made, struct problem *p)
{
	struct crl_entry *part = NULL;
	size_t i, k, n;
	int rc = -1;

	made[0].c = *base;
	made[0].c.entry = g->e;
	made[0].c.nentries = g->n;
	if (crlstore_sign(&made[0].c, &made[0].s, p) == -1)
		return -1;
	if (nshard > 0)
		part = xcalloc(g->n > 0 ? g->n : 1, sizeof(*part));
	for (k = 0; k < nshard; k++) {
		for (i = n = 0; i < g->n; i++)
			if (g->e[i].tag == shards[k])
				part[n++] = g->e[i];
		made[k + 1].url = crlstore_shard_url(cfg, shards[k]);
		made[k + 1].c = *base;
		made[k + 1].c.entry = part;
		made[k + 1].c.nentries = n;
		made[k + 1].c.idp_url = made[k + 1].url;
		made[k + 1].c.idp_critical = cfg->crl_idp_critical;
		made[k + 1].c.shard = shards[k];
		if (crlstore_sign(&made[k + 1].c, &made[k + 1].s, p) == -1)
			goto out;
		made[k + 1].c.entry = NULL; /* part is reused */
	}
	rc = 0;
out:
	free(part);
	return rc;
}

/*
 * The CRL job.  The number and the revoked certificates are read in the
 * runner's transaction (streamed, one row at a time, into one array of
 * struct crl_entry); the full CRL and its shards are signed while the job
 * is paused (no transaction open), and stored after it resumes, under the
 * lock of the current CRL's row again: if another node published that
 * number in between, its CRLs (read later) stand.  auth: production's CA
 * (with its shards) or the sandbox's test CA (no shards).
 */
static int
crl_job_world(struct app *app, struct db *db, const struct job *job,
    struct authority *auth, time_t now, struct problem *p)
{
	struct crlstore_crl base;
	struct crl_gather g = {NULL, 0, 0, 0};
	struct crl_made *made = NULL;
	int *old = NULL, *shards = NULL;
	long long number = 1, cur;
	size_t nold = 0, nshard = 0, k;
	int found, signed_ok, rc = JOB_FAILED;

	/* The row lock makes the CRL number grow one at a time. */
	if ((found = store_crl_number_lock(db, auth->sandbox, &cur, p)) == -1 ||
	    store_crl_revoked(db, auth->sandbox, crl_gather_row, &g, p) == -1 ||
	    (!auth->sandbox && store_crl_shards(db, &old, &nold, p) == -1))
		goto out;
	if (g.too_many) {
		log_error("CRL: too many revoked certificates", "max=%d",
		    CRL_MAX_ENTRIES);
		problem_internal(p);
		goto out;
	}
	if (found)
		number = cur + 1;
	memset(&base, 0, sizeof(base));
	base.issuer = auth->issuing;
	base.signer = auth->signer;
	base.number = number;
	base.this_update = now;
	base.next_update = now + app->cfg->crl_validity;
	if (!auth->sandbox)
		nshard = crl_shard_list(app->cfg, old, nold, &shards);
	made = xcalloc(nshard + 1, sizeof(*made));
	if (jobs_pause(db, job, now, CRLSTORE_LEASE, p) == -1)
		goto out;
	signed_ok =
	    crl_sign_all(app->cfg, &base, &g, shards, nshard, made, p) == 0;
	/* The entries are no longer needed: free them before storing. */
	free(g.e);
	g.e = NULL;
	if (jobs_resume(db, job, p) == -1 || !signed_ok)
		goto out;
	if ((found = store_crl_number_lock(db, auth->sandbox, &cur, p)) == -1)
		goto out;
	if ((found ? cur + 1 : 1) != number) {
		log_info("CRL published by another node meanwhile",
		    "number=%lld", number);
		rc = JOB_DONE;
		goto out;
	}
	if (crlstore_put(db,
	        auth->sandbox ? STORE_CRL_SANDBOX : STORE_CRL_ISSUING,
	        &made[0].c, &made[0].s, now, p) == -1)
		goto out;
	for (k = 1; k <= nshard; k++)
		if (crlstore_put(db, STORE_CRL_SHARD, &made[k].c, &made[k].s,
		        now, p) == -1)
			goto out;
	log_info("CRL published",
	    "number=%lld entries=%zu bytes=%zu shards=%zu sandbox=%d", number,
	    g.n, made[0].s.len, nshard, auth->sandbox);
	rc = JOB_DONE;
out:
	for (k = 0; made != NULL && k <= nshard; k++) {
		crlstore_signed_free(&made[k].s);
		free(made[k].url);
	}
	free(made);
	free(shards);
	free(old);
	free(g.e);
	return rc;
}

int
crlstore_job(struct app *app, struct db *db, const struct job *job, time_t now,
    struct problem *p)
{
	int rc;

	if (authority_load(app->authority, app->cfg, db, p) == -1)
		return JOB_FAILED;
	rc = crl_job_world(app, db, job, app->authority, now, p);
	/* The sandbox's test CA's CRL too, once it exists. */
	if (rc != JOB_DONE || app->sandbox_ca == NULL)
		return rc;
	if (authority_load(app->sandbox_ca, app->cfg, db, p) == -1) {
		if (p->status != 503)
			return JOB_FAILED;
		problem_clear(p); /* none yet */
		return JOB_DONE;
	}
	return crl_job_world(app, db, job, app->sandbox_ca, now, p);
}
