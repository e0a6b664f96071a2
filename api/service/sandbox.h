/*
 * The sandbox (docs/partners.md#sandbox): a live partner's twin, a
 * partner of its own whose row names the live one (partners.sandbox_of),
 * with its own program code, keys ("rxp_test_..."), webhook, events,
 * practices and invitations, so that everything scoped to a partner or
 * its program keeps the two worlds apart.  Applications of a sandbox
 * program are marked (applications.sandbox, set by the database when the
 * application is made) and are never certified by the production CA.
 */
#ifndef RXCA_SANDBOX_H
#define RXCA_SANDBOX_H

#include "common/problem.h"

#define SANDBOX_PROGRAM_SUFFIX "-sandbox" /* of the default program code */

struct partner_row;
struct tx;

/*
 * The sandbox of live partner id in tx: the one it has (*created 0), or
 * a new one (*created 1; audited partner.sandbox_created) named "<name>
 * (sandbox)" with program code program, or "<program>-sandbox" when
 * program is NULL; into *out.  0, or -1 with p set: 404 no partner,
 * 409 "conflict" when id is itself a sandbox, when the code is another
 * partner's, or when an application names the code already; 422 on
 * "program" for a code that is not one (or a default that would be too
 * long).
 */
int sandbox_partner_tx(struct tx *tx, const char *id, const char *program,
    struct partner_row *out, int *created, struct problem *p);

struct config;
struct db;

/*
 * The identity provider (is_idv 1) or address-verification provider (0)
 * of an application's world: for a sandbox application the reference
 * providers of RXCA_SANDBOX_IDV_URL / RXCA_SANDBOX_AVS_URL, whatever
 * production is configured with; else RXCA_IDV_URL / RXCA_AVS_URL.  *url
 * ("" when none: the application goes to review) and *key are c's.
 */
void sandbox_provider(const struct config *c, int sandbox, int is_idv,
    const char **url, const char **key);

struct app;
struct authority;

/*
 * The CA of application app_id's world, loaded (on a worker, no
 * transaction needed): production's for a live application, the
 * sandbox's test CA (app->sandbox_ca, `rxca-admin ca init
 * --sandbox`) for a sandbox one.  NULL with p set: 503
 * "sandbox-ca-unavailable" for a sandbox application before the test CA
 * exists, as authority_load() otherwise.
 */
struct authority *sandbox_authority(
    struct app *app, struct db *db, const char *app_id, struct problem *p);

/* As sandbox_authority, for an application known to be a sandbox one or
 * not (sandbox: applications.sandbox, read with it; it never changes). */
struct authority *sandbox_authority_of(struct app *app, struct db *db,
    const char *app_id, int sandbox, struct problem *p);

/*
 * Inside the unit of work that records a certificate of app_id for auth
 * (sandbox: whether app_id is a sandbox application, as
 * store_issue_checks read it in the same unit of work): 0 if auth is the
 * CA of the application's world; else -1 with p set (nothing is
 * recorded): 503 "sandbox-ca-unavailable" for a sandbox application (the
 * production CA never certifies one), 500 for a live one (the test CA
 * never certifies one).
 */
int sandbox_issue_check(const struct authority *auth, const char *app_id,
    int sandbox, struct problem *p);

#endif
