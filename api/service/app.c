#include <stdio.h>
#include <string.h>

#include "api/service/app.h"
#include "api/store/store_app.h"
#include "api/store/tx.h"
#include "api/service/webhook.h"
#include "proofing/appstate.h"

#define CATALOG_TTL 60

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
	if (store_catalog_load(db, out, p) == -1)
		return -1;
	pthread_mutex_lock(&app->catalog_lock);
	app->catalog = *out;
	app->catalog_at = now;
	pthread_mutex_unlock(&app->catalog_lock);
	return 0;
}

int
app_record_tx(struct tx *tx, const char *id, const char *from, const char *to,
    const char *actor, const char *note, json_t *details, struct problem *p)
{
	enum app_status fs, ts;
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
	if (store_app_event_add(tx_db(tx), id, tx->now, to, actor, note, p) ==
	    -1)
		return -1;
	snprintf(action, sizeof(action), "application.%s", to);
	d = details != NULL ? json_deep_copy(details) : json_object();
	json_object_set_new(
	    d, "from", from != NULL ? json_string(from) : json_null());
	rc = tx_audit_as(tx, actor, action, id, d, p);
	json_decref(d);
	if (rc == -1)
		return -1;
	/* The partner of the application's program hears of it, in this
	 * same transaction (api/service/webhook.h). */
	d = json_pack("{s:s, s:o, s:s}", "application_id", id, "from",
	    from != NULL ? json_string(from) : json_null(), "to", to);
	rc = webhook_emit(
	    tx_db(tx), "application.status_changed", id, d, tx->now, p);
	json_decref(d);
	return rc;
}

int
app_move_tx(struct tx *tx, const char *id, const char *from, const char *to,
    const char *actor, const char *note, json_t *details, struct problem *p)
{
	if (app_record_tx(tx, id, from, to, actor, note, details, p) == -1)
		return -1;
	return store_app_status_set(tx_db(tx), id, to, tx->now, p);
}

int
app_record(struct db *db, const char *id, const char *from, const char *to,
    const char *actor, const char *note, time_t now, json_t *details,
    struct problem *p)
{
	struct tx tx;
	int rc;

	tx_join(&tx, db, now, actor);
	rc = app_record_tx(&tx, id, from, to, actor, note, details, p);
	tx_abort(&tx);
	return rc;
}

int
app_move(struct db *db, const char *id, const char *from, const char *to,
    const char *actor, const char *note, time_t now, json_t *details,
    struct problem *p)
{
	struct tx tx;
	int rc;

	tx_join(&tx, db, now, actor);
	rc = app_move_tx(&tx, id, from, to, actor, note, details, p);
	tx_abort(&tx);
	return rc;
}

int
app_note(struct db *db, const char *id, const char *status, const char *actor,
    const char *note, time_t now, struct problem *p)
{
	return store_app_event_add(db, id, now, status, actor, note, p);
}
