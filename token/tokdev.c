#include <string.h>

#include "token/tokdev.h"
#include "common/logger.h"

#define TOKDEV_TOKENS_MAX 16 /* tokens examined by tokdev_pick() */

int
tokdev_pick(const char *module, const char *label,
    char out[P11_TOKEN_LABEL_MAX + 1], struct problem *p)
{
	struct p11_token_info tokens[TOKDEV_TOKENS_MAX];
	size_t n = 0, i, found = 0;

	if (p11_list(module, tokens, TOKDEV_TOKENS_MAX, &n, p) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (!tokens[i].initialized)
			continue;
		if (label != NULL && strcmp(tokens[i].label, label) != 0)
			continue;
		if (found++ == 0)
			memcpy(out, tokens[i].label, sizeof(tokens[i].label));
	}
	if (found == 0)
		return problem_set(p, 404, "token-not-found", "Token not found",
		    label != NULL ? "No token with that label is plugged in."
		                  : "No token is plugged in.");
	if (found > 1)
		return problem_set(p, 409, "token-ambiguous", "Several tokens",
		    "More than one token is plugged in: name one with "
		    "--token LABEL.");
	return 0;
}

int
tokdev_refuse_initial(struct problem *p)
{
	return problem_set(p, 403, "passcode-initial",
	    "Initial passcode unchanged",
	    "For security reasons you must change the token passcode of "
	    "your new token first: run `rxca-token passcode` with the "
	    "initial passcode from your retrieval letter.");
}

/* 1 if the marker is on t or the token asks for a new PIN. */
static int
tokdev_initial_on(struct p11 *t, struct problem *p)
{
	struct p11_token_info info;
	int rc;

	if ((rc = p11_data_exists(t, TOKDEV_MARKER, p)) != 0)
		return rc;
	if (p11_info(t, &info, p) == -1)
		return -1;
	return info.pin_to_change;
}

int
tokdev_initial(const char *module, const char *label, struct problem *p)
{
	struct p11 *t;
	int rc;

	if ((t = p11_open(module, label, NULL, p)) == NULL)
		return -1;
	rc = tokdev_initial_on(t, p);
	p11_close(t);
	return rc;
}

/* Rewrites p after a failed log-in with what the token tells now. */
static void
tokdev_login_failed(const char *module, const char *label, struct problem *p)
{
	struct p11_token_info tokens[TOKDEV_TOKENS_MAX];
	struct problem scratch;
	size_t n = 0, i;
	int locked = p->status == 403 && strcmp(p->type, "pin-locked") == 0;
	int final = 0, low = 0;

	problem_clear(&scratch);
	if (p11_list(module, tokens, TOKDEV_TOKENS_MAX, &n, &scratch) == 0)
		for (i = 0; i < n; i++)
			if (strcmp(tokens[i].label, label) == 0) {
				locked |= tokens[i].pin_locked;
				final = tokens[i].pin_final_try;
				low = tokens[i].pin_count_low;
			}
	if (locked) {
		problem_clear(p);
		problem_set(p, 403, "token-locked", "Token locked",
		    "The token is locked after too many wrong passcodes. The "
		    "passcode cannot be recovered, and neither can the "
		    "certificate on the token: a new certificate must be "
		    "purchased.");
		return;
	}
	if (p->status != 401)
		return;
	problem_clear(p);
	if (final)
		problem_set(p, 401, "wrong-passcode", "Wrong passcode",
		    "The token passcode is wrong. One try is left: one more "
		    "wrong passcode locks the token for good, and the "
		    "certificate on it cannot be recovered.");
	else if (low)
		problem_set(p, 401, "wrong-passcode", "Wrong passcode",
		    "The token passcode is wrong. Only a few tries are left "
		    "before the token locks for good.");
	else
		problem_set(p, 401, "wrong-passcode", "Wrong passcode",
		    "The token passcode is wrong. (This token does not say "
		    "how many tries are left; too many wrong passcodes lock "
		    "it for good.)");
}

struct p11 *
tokdev_open(const char *module, const char *label, const char *passcode,
    int allow_initial, struct problem *p)
{
	struct p11 *t;
	int initial;

	if ((t = p11_open(module, label, passcode, p)) == NULL) {
		tokdev_login_failed(module, label, p);
		return NULL;
	}
	if (!allow_initial) {
		if ((initial = tokdev_initial_on(t, p)) == -1)
			goto fail;
		if (initial) {
			tokdev_refuse_initial(p);
			goto fail;
		}
	}
	return t;
fail:
	p11_close(t);
	return NULL;
}
