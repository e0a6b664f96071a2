/*
 * The application states (api/openapi.yaml): email_pending -> proofing ->
 * (review) -> approved -> kit_shipped -> issued, with the ends rejected,
 * lapsed, locked and withdrawn.
 */
#ifndef RXCA_APPSTATE_H
#define RXCA_APPSTATE_H

enum app_status {
	APP_EMAIL_PENDING, /* waiting for the e-mail code */
	APP_PROOFING,      /* identity checks running */
	APP_REVIEW,        /* an operator must decide */
	APP_APPROVED,      /* kit to be printed and shipped */
	APP_KIT_SHIPPED,   /* waiting for retrieval */
	APP_ISSUED,        /* certificate retrieved; final */
	APP_REJECTED,      /* final */
	APP_LAPSED,        /* e-mail not verified in time; final */
	APP_LOCKED,        /* secret answers exhausted; final */
	APP_WITHDRAWN      /* final */
};

#define APP_NSTATUS (APP_WITHDRAWN + 1)

/* The API name of a status ("email_pending", …); "unknown" if out of
 * range. */
const char *appstate_name(enum app_status status);

/* The status named name; 0, or -1 if the name is unknown or NULL. */
int appstate_parse(const char *name, enum app_status *out);

/* 1 if an application may move from one status to the other, else 0. */
int appstate_can_move(enum app_status from, enum app_status to);

/* 1 if no move leaves the status. */
int appstate_is_final(enum app_status status);

#endif
