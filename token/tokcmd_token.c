#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/xmalloc.h"
#include "token/tokcmd.h"
#include "token/tokcmd_token.h"
#include "token/tokdev.h"
#include "token/tokprompt.h"

#define TOKCMD_TOKENS_MAX 16 /* tokens `status` lists */

int
tokcmd_status(const struct tokcmd_opts *o)
{
	struct p11_token_info tok[TOKCMD_TOKENS_MAX];
	char(*labels)[P11_LABEL_MAX + 1] = NULL;
	static const struct {
		enum p11_object_kind kind;
		const char *name;
	} kinds[] = {{P11_OBJ_PUBLIC_KEY, "key"},
	    {P11_OBJ_CERTIFICATE, "certificate"}, {P11_OBJ_DATA, "data"}};
	struct problem p;
	struct p11 *t;
	size_t n = 0, i, k, m, j;
	int initial;

	problem_clear(&p);
	if (p11_list(o->module, tok, TOKCMD_TOKENS_MAX, &n, &p) == -1)
		return tokcmd_report(&p);
	if (n == 0) {
		printf("No token is plugged in.\n");
		return TOKCMD_FAIL;
	}
	labels = xcalloc(TOKCMD_OBJS_MAX, sizeof(*labels));
	for (i = 0; i < n; i++) {
		if (o->token != NULL && strcmp(tok[i].label, o->token) != 0)
			continue;
		printf("slot %lu: ", tok[i].slot);
		if (!tok[i].initialized) {
			printf("a token not yet initialized (%s %s)\n",
			    tok[i].manufacturer, tok[i].model);
			continue;
		}
		printf("token \"%s\", serial %s (%s %s)\n", tok[i].label,
		    tok[i].serial, tok[i].manufacturer, tok[i].model);
		printf("  passcode: %s%s%s%s\n",
		    tok[i].pin_locked ? "LOCKED (the certificate on this "
		                        "token cannot be recovered)"
		        : tok[i].pin_final_try ? "one try left"
		        : tok[i].pin_count_low ? "few tries left"
		                               : "ok",
		    tok[i].pin_initialized ? "" : ", not set",
		    tok[i].pin_to_change ? ", must be changed" : "", "");
		problem_clear(&p);
		if ((t = p11_open(o->module, tok[i].label, NULL, &p)) == NULL) {
			printf("  (cannot open: %s)\n", p.detail);
			continue;
		}
		problem_clear(&p);
		if ((initial = p11_data_exists(t, TOKDEV_MARKER, &p)) == 1)
			printf("  the initial passcode from the retrieval "
			       "letter is unchanged: run `rxca-token "
			       "passcode`\n");
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			problem_clear(&p);
			if (p11_labels(t, kinds[k].kind, labels,
			        TOKCMD_OBJS_MAX, &m, &p) == -1)
				continue;
			for (j = 0; j < m; j++)
				printf("  %s: %s\n", kinds[k].name,
				    labels[j][0] != '\0' ? labels[j]
				                         : "(no label)");
		}
		p11_close(t);
	}
	free(labels);
	return TOKCMD_OK;
}

int
tokcmd_change_passcode(const char *module, const char *label, const char *old,
    const char *new_passcode, struct problem *p)
{
	struct p11_token_info info;
	struct p11 *t;
	size_t len = strlen(new_passcode);
	int rc = -1;

	if (len < TOKDEV_PASSCODE_MIN || len > P11_PIN_MAX)
		return problem_field(p, "new_passcode",
		    "A token passcode is %d to %d characters.",
		    TOKDEV_PASSCODE_MIN, P11_PIN_MAX);
	if (strcmp(old, new_passcode) == 0)
		return problem_field(p, "new_passcode",
		    "The new passcode must differ from the current one.");
	if ((t = tokdev_open(module, label, old, 1, p)) == NULL)
		return -1;
	if (p11_info(t, &info, p) == 0 && info.pin_max > 0 &&
	    (len < info.pin_min || len > info.pin_max)) {
		problem_field(p, "new_passcode",
		    "This token takes a passcode of %lu to %lu characters.",
		    info.pin_min, info.pin_max);
		goto out;
	}
	problem_clear(p);
	if (p11_set_pin(t, old, new_passcode, p) == -1 ||
	    p11_data_remove(t, TOKDEV_MARKER, p) == -1)
		goto out;
	rc = 0;
out:
	p11_close(t);
	return rc;
}

int
tokcmd_passcode(const struct tokcmd_opts *o)
{
	char label[P11_TOKEN_LABEL_MAX + 1];
	char old[TOKPROMPT_MAX + 1], new1[TOKPROMPT_MAX + 1];
	char new2[TOKPROMPT_MAX + 1];
	struct problem p;
	int initial, rc = TOKCMD_FAIL;

	problem_clear(&p);
	old[0] = new1[0] = new2[0] = '\0';
	if (tokcmd_pick(o, label, &p) == -1 ||
	    (initial = tokdev_initial(o->module, label, &p)) == -1)
		return tokcmd_report(&p);
	if (initial)
		printf("For security reasons you must change the token "
		       "passcode of your new token.\n");
	if (tokprompt_secret(initial ? "current token passcode (from the "
	                               "retrieval letter)"
	                             : "current token passcode",
	        o->passcode_fd, old, sizeof(old)) == -1 ||
	    tokprompt_secret("new token passcode", o->new_passcode_fd, new1,
	        sizeof(new1)) == -1)
		goto out;
	if (tokprompt_interactive(o->new_passcode_fd)) {
		if (tokprompt_secret("new token passcode again",
		        o->new_passcode_fd, new2, sizeof(new2)) == -1)
			goto out;
		if (strcmp(new1, new2) != 0) {
			fprintf(stderr,
			    "rxca-token: the two new passcodes "
			    "differ; nothing changed\n");
			goto out;
		}
	}
	if (tokcmd_change_passcode(o->module, label, old, new1, &p) == -1) {
		rc = tokcmd_report(&p);
		goto out;
	}
	printf("The token passcode is changed. Remember it: if it is "
	       "forgotten, the token locks and the certificate on it cannot "
	       "be recovered.\n");
	rc = TOKCMD_OK;
out:
	OPENSSL_cleanse(old, sizeof(old));
	OPENSSL_cleanse(new1, sizeof(new1));
	OPENSSL_cleanse(new2, sizeof(new2));
	return rc;
}

int
tokcmd_provision(const struct tokcmd_opts *o)
{
	char so[TOKPROMPT_MAX + 1], pin[TOKPROMPT_MAX + 1];
	const char *label = o->label != NULL ? o->label : TOKDEV_DEFAULT_LABEL;
	struct problem p;
	struct p11 *t = NULL;
	int rc = TOKCMD_FAIL;

	problem_clear(&p);
	so[0] = pin[0] = '\0';
	if (tokprompt_secret(
	        "security officer PIN", o->so_pin_fd, so, sizeof(so)) == -1 ||
	    tokprompt_secret("initial token passcode (from the kit)",
	        o->passcode_fd, pin, sizeof(pin)) == -1)
		goto out;
	if (p11_init_token(o->module, o->reinit, so, label, pin, &p) == -1 ||
	    (t = p11_open(o->module, label, pin, &p)) == NULL ||
	    p11_data_put(t, TOKDEV_MARKER, "initial", 7, &p) == -1 ||
	    p11_data_put(t, TOKDEV_KIT, "kit", 3, &p) == -1) {
		rc = tokcmd_report(&p);
		goto out;
	}
	printf("Token \"%s\" is initialized with the kit's initial passcode; "
	       "the applicant must change it before first use.\n",
	    label);
	rc = TOKCMD_OK;
out:
	p11_close(t);
	OPENSSL_cleanse(so, sizeof(so));
	OPENSSL_cleanse(pin, sizeof(pin));
	return rc;
}
