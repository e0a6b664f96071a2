#include <stdio.h>
#include <string.h>

#include "api/app.h"
#include "api/audit.h"
#include "api/db.h"
#include "api/store.h"
#include "api/webhook.h"
#include "proofing/appstate.h"

#define CATALOG_TTL 60

static void
copy_field(char *dst, size_t dstsz, const char *src)
{
	snprintf(dst, dstsz, "%s", src != NULL ? src : "");
}

static int
is_true(const char *v)
{
	return v != NULL && v[0] == 't';
}

static int
catalog_load(struct db *db, struct catalog *c, struct problem *p)
{
	PGresult *r = NULL;
	int i, n, rc = -1;

	memset(c, 0, sizeof(*c));
	if ((r = db_exec(db, &sql_catalog_products, NULL, p)) == NULL)
		goto out;
	n = PQntuples(r) < CATALOG_MAX ? PQntuples(r) : CATALOG_MAX;
	for (i = 0; i < n; i++) {
		struct catalog_product *x = &c->products[i];
		copy_field(x->code, sizeof(x->code), db_get(r, i, 0));
		copy_field(x->name, sizeof(x->name), db_get(r, i, 1));
		copy_field(
		    x->description, sizeof(x->description), db_get(r, i, 2));
		x->price_cents = (long)db_get_int(r, i, 3);
		x->hardware = is_true(db_get(r, i, 4));
		x->epcs = is_true(db_get(r, i, 5));
		x->validity_months = (int)db_get_int(r, i, 6);
	}
	c->nproducts = n;
	PQclear(r);
	if ((r = db_exec(db, &sql_catalog_storage, NULL, p)) == NULL)
		goto out;
	n = PQntuples(r) < CATALOG_MAX ? PQntuples(r) : CATALOG_MAX;
	for (i = 0; i < n; i++) {
		struct catalog_storage *x = &c->storage[i];
		copy_field(x->code, sizeof(x->code), db_get(r, i, 0));
		copy_field(x->product, sizeof(x->product), db_get(r, i, 1));
		copy_field(x->name, sizeof(x->name), db_get(r, i, 2));
		x->price_cents = (long)db_get_int(r, i, 3);
		x->new_token = is_true(db_get(r, i, 4));
	}
	c->nstorage = n;
	PQclear(r);
	if ((r = db_exec(db, &sql_catalog_shipping, NULL, p)) == NULL)
		goto out;
	n = PQntuples(r) < CATALOG_MAX ? PQntuples(r) : CATALOG_MAX;
	for (i = 0; i < n; i++) {
		struct catalog_shipping *x = &c->shipping[i];
		copy_field(x->code, sizeof(x->code), db_get(r, i, 0));
		copy_field(x->name, sizeof(x->name), db_get(r, i, 1));
		x->price_cents = (long)db_get_int(r, i, 2);
		x->international = is_true(db_get(r, i, 3));
	}
	c->nshipping = n;
	PQclear(r);
	if ((r = db_exec(db, &sql_catalog_taxes, NULL, p)) == NULL)
		goto out;
	n = PQntuples(r) < 64 ? PQntuples(r) : 64;
	for (i = 0; i < n; i++) {
		copy_field(c->taxes[i].state, sizeof(c->taxes[i].state),
		    db_get(r, i, 0));
		c->taxes[i].rate_bp = (int)db_get_int(r, i, 1);
	}
	c->ntaxes = n;
	rc = 0;
out:
	PQclear(r);
	return rc;
}

int
app_catalog(
    struct app *app, struct db *db, struct catalog *out, struct problem *p)
{
	time_t now = time(NULL);
	int fresh;

	pthread_mutex_lock(&app->catalog_lock);
	fresh = app->catalog_at != 0 && now - app->catalog_at < CATALOG_TTL;
	if (fresh)
		*out = app->catalog;
	pthread_mutex_unlock(&app->catalog_lock);
	if (fresh)
		return 0;
	if (catalog_load(db, out, p) == -1)
		return -1;
	pthread_mutex_lock(&app->catalog_lock);
	app->catalog = *out;
	app->catalog_at = now;
	pthread_mutex_unlock(&app->catalog_lock);
	return 0;
}

int
app_record(struct db *db, const char *id, const char *from, const char *to,
    const char *actor, const char *note, time_t now, json_t *details,
    struct problem *p)
{
	enum app_status fs, ts;
	struct dbargs a;
	char action[64];
	json_t *d;
	int rc;

	if (appstate_parse(to, &ts) == -1 ||
	    (from != NULL &&
	        (appstate_parse(from, &fs) == -1 ||
	            !appstate_can_move(fs, ts))) ||
	    (from == NULL && ts != APP_EMAIL_PENDING))
		return problem_set(p, 409, "invalid-transition",
		    "Not allowed now",
		    "An application that is %s cannot "
		    "become %s.",
		    from != NULL ? from : "new", to);
	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_time(&a, now);
	dbargs_text(&a, to);
	dbargs_text(&a, actor);
	dbargs_text(&a, note);
	rc = db_run(db, &sql_event_insert, &a, p);
	dbargs_free(&a);
	if (rc == -1)
		return -1;
	snprintf(action, sizeof(action), "application.%s", to);
	d = details != NULL ? json_deep_copy(details) : json_object();
	json_object_set_new(
	    d, "from", from != NULL ? json_string(from) : json_null());
	rc = audit_append(db, now, actor, action, id, d, p);
	json_decref(d);
	if (rc == -1)
		return -1;
	/* The partner of the application's program hears of it, in this
	 * same transaction (api/webhook.h). */
	d = json_pack("{s:s, s:o, s:s}", "application_id", id, "from",
	    from != NULL ? json_string(from) : json_null(), "to", to);
	rc = webhook_emit(db, "application.status_changed", id, d, now, p);
	json_decref(d);
	return rc;
}

int
app_move(struct db *db, const char *id, const char *from, const char *to,
    const char *actor, const char *note, time_t now, json_t *details,
    struct problem *p)
{
	struct dbargs a;
	int rc;

	if (app_record(db, id, from, to, actor, note, now, details, p) == -1)
		return -1;
	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, to);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_app_set_status, &a, p);
	dbargs_free(&a);
	return rc;
}

int
app_note(struct db *db, const char *id, const char *status, const char *actor,
    const char *note, time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_time(&a, now);
	dbargs_text(&a, status);
	dbargs_text(&a, actor);
	dbargs_text(&a, note);
	rc = db_run(db, &sql_event_insert, &a, p);
	dbargs_free(&a);
	return rc;
}
