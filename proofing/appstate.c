#include <string.h>

#include "proofing/appstate.h"

#define BIT(s) (1u << (s))

static const char *const names[APP_NSTATUS] = {
    [APP_EMAIL_PENDING] = "email_pending",
    [APP_PROOFING] = "proofing",
    [APP_REVIEW] = "review",
    [APP_APPROVED] = "approved",
    [APP_KIT_SHIPPED] = "kit_shipped",
    [APP_ISSUED] = "issued",
    [APP_REJECTED] = "rejected",
    [APP_LAPSED] = "lapsed",
    [APP_LOCKED] = "locked",
    [APP_WITHDRAWN] = "withdrawn",
};

/* moves[from]: the set of statuses reachable in one step. */
static const unsigned moves[APP_NSTATUS] = {
    [APP_EMAIL_PENDING] =
        BIT(APP_PROOFING) | BIT(APP_LAPSED) | BIT(APP_WITHDRAWN),
    [APP_PROOFING] = BIT(APP_REVIEW) | BIT(APP_APPROVED) | BIT(APP_REJECTED) |
        BIT(APP_WITHDRAWN),
    [APP_REVIEW] = BIT(APP_APPROVED) | BIT(APP_REJECTED) | BIT(APP_WITHDRAWN),
    [APP_APPROVED] =
        BIT(APP_KIT_SHIPPED) | BIT(APP_LOCKED) | BIT(APP_WITHDRAWN),
    [APP_KIT_SHIPPED] = BIT(APP_ISSUED) | BIT(APP_LOCKED),
};

static int
in_range(enum app_status s)
{
	return (int)s >= 0 && (int)s < APP_NSTATUS;
}

const char *
appstate_name(enum app_status status)
{
	return in_range(status) ? names[status] : "unknown";
}

int
appstate_parse(const char *name, enum app_status *out)
{
	int i;

	if (name == NULL)
		return -1;
	for (i = 0; i < APP_NSTATUS; i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (enum app_status)i;
			return 0;
		}
	}
	return -1;
}

int
appstate_can_move(enum app_status from, enum app_status to)
{
	if (!in_range(from) || !in_range(to))
		return 0;
	return (moves[from] & BIT(to)) != 0;
}

int
appstate_is_final(enum app_status status)
{
	return in_range(status) && moves[status] == 0;
}
