/*
 * POST /v1/invitations/open {token}: the applicant followed an
 * invitation's link (the portal calls this when /apply carries
 * ?invitation=).  Anyone holding the token may: it is the capability the
 * mail gave.  200 {program, email} (to fill the form); the invitation
 * reads "opened" from then on.  A token of no invitation is 404; an
 * expired link (RXCA_PARTNER_INVITE_DAYS) is 410 invitation-expired.
 */
#include <string.h>

#include "api/routes/routes.h"
#include "api/service/invitation.h"
#include "api/store/store_pkeys.h"

static const char *const open_keys[] = {"token", NULL};

void
h_invitation_open(struct ctx *ctx)
{
	struct pinvite_row row;
	const char *token = NULL;
	json_error_t jerr;
	struct problem p;
	json_t *body = NULL;

	problem_clear(&p);
	if ((body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, open_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "token", &token) == -1 ||
	    strlen(token) != INVITATION_TOKEN_CHARS ||
	    strspn(token,
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	        "0123456789-_") != INVITATION_TOKEN_CHARS) {
		problem_field(&p, "token", "the token of an invitation's link");
		goto fail;
	}
	if (invitation_open(ctx->db, token, ctx->now, &row, &p) == -1)
		goto fail;
	reply_json(ctx, 200,
	    json_pack(
	        "{s:s, s:s}", "program", row.program, "email", row.email));
	goto out;
fail:
	reply_problem(ctx, &p, NULL);
out:
	json_decref(body);
}
