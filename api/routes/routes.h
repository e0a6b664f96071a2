/* The handlers behind the route table (api/server.c). */
#ifndef RXCA_ROUTES_H
#define RXCA_ROUTES_H

#include "api/routes/handler.h"

void h_healthz(struct ctx *ctx);
void h_readyz(struct ctx *ctx);
void h_metrics(struct ctx *ctx);
void h_products(struct ctx *ctx);
void h_application_form(struct ctx *ctx);
void h_apply(struct ctx *ctx);
void h_quote(struct ctx *ctx);
void h_ops_payments(struct ctx *ctx);
void h_ops_payment_refund(struct ctx *ctx);
void h_application_get(struct ctx *ctx);
void h_application_prefill(struct ctx *ctx);
void h_email_verify(struct ctx *ctx);
void h_email_resend(struct ctx *ctx);
void h_decision_mail_resend(struct ctx *ctx);
/* api/routes/h_outbox.c: mail jobs for operators. */
void h_ops_outbox(struct ctx *ctx);
void h_ops_outbox_resend(struct ctx *ctx);
void h_session_create(struct ctx *ctx);
void h_ops_queue(struct ctx *ctx);
void h_ops_decide(struct ctx *ctx);
void h_ops_kits(struct ctx *ctx);
void h_ops_kit_print(struct ctx *ctx);
void h_ops_kit_shipped(struct ctx *ctx);
void h_retrieval(struct ctx *ctx);
void h_password_reset(struct ctx *ctx);
void h_certificate_get(struct ctx *ctx);
void h_challenge_new(struct ctx *ctx);
void h_challenge_answer(struct ctx *ctx);
void h_pki_cert(struct ctx *ctx);
/* GET /sandbox/pki/:file: the sandbox's test CA (root.cer, issuing.cer,
 * issuing.crl), as /pki/:file serves production's. */
void h_sandbox_pki(struct ctx *ctx);
/* The CRL named by the route's file: of the sandbox's test CA (sandbox
 * 1: issuing.crl only), or production's root, issuing CA or shard. */
void h_pki_crl(struct ctx *ctx, int sandbox);
/* k if file is "issuing-<k>.crl" (k decimal, no leading zero, at most
 * H_PKI_SHARD_MAX), else -1. */
#define H_PKI_SHARD_MAX 1024
int h_pki_crl_shard(const char *file);
void h_ops_revoke(struct ctx *ctx);
void h_self_revoke(struct ctx *ctx);
/* api/routes/h_renewal.c: a new certificate for a new key, inside the window.
 */
void h_renewal(struct ctx *ctx);
void h_ocsp(struct ctx *ctx);
/* /sandbox/ocsp: the OCSP responder of the sandbox's test CA. */
void h_sandbox_ocsp(struct ctx *ctx);
void h_ops_audit(struct ctx *ctx);
void h_ops_audit_verify(struct ctx *ctx);
/* api/routes/h_partners.c: partners and their keys (admin). */
void h_ops_partner_create(struct ctx *ctx);
void h_ops_partner_key(struct ctx *ctx);
void h_ops_partner_key_revoke(struct ctx *ctx);
void h_ops_partner_vouchers(struct ctx *ctx);
void h_ops_partner_list(struct ctx *ctx);
void h_ops_partner_get(struct ctx *ctx);
/* api/routes/h_partner_keys.c: a partner's API key as JSON (never its
 * secret), at now; "current" when it is current (may be NULL). */
struct pkey_row;
struct partner_voucher_row;
/* api/routes/h_partner.c: a voucher as JSON, its code written as code
 * (the whole code for its partner, masked for operators). */
json_t *partner_voucher_json(
    const struct partner_voucher_row *v, const char *code);
json_t *partner_key_json(
    const struct pkey_row *k, time_t now, const char *current);
void h_ops_partner_sandbox(struct ctx *ctx);
void h_ops_partner_sandbox_get(struct ctx *ctx);
/* api/routes/h_partner.c: the partners' own routes (ROUTE_PARTNER). */
void h_partner_apps(struct ctx *ctx);
void h_partner_app(struct ctx *ctx);
void h_partner_cert(struct ctx *ctx);
void h_partner_verify(struct ctx *ctx);
void h_partner_hook_put(struct ctx *ctx);
void h_partner_hook_get(struct ctx *ctx);
void h_partner_deliveries(struct ctx *ctx);
void h_partner_invite(struct ctx *ctx);
void h_partner_invitations(struct ctx *ctx);
void h_partner_invitation(struct ctx *ctx);
void h_partner_vouchers(struct ctx *ctx);

/* api/routes/h_practices.c: practices, links, approvals (ROUTE_PARTNER). */
void h_practice_put(struct ctx *ctx);
void h_practice_get(struct ctx *ctx);
void h_practice_challenge(struct ctx *ctx);
void h_practice_link(struct ctx *ctx);
void h_practice_links(struct ctx *ctx);
void h_practice_link_get(struct ctx *ctx);
void h_practice_approve(struct ctx *ctx);
void h_practice_disable(struct ctx *ctx);
/* api/routes/h_events.c: a partner's events and webhook secret. */
void h_partner_events(struct ctx *ctx);
void h_partner_event_redeliver(struct ctx *ctx);
void h_partner_hook_rotate(struct ctx *ctx);

/* api/routes/h_partner_keys.c: a partner's own keys and program setting
 * (ROUTE_PARTNER). */
void h_partner_keys(struct ctx *ctx);
void h_partner_key_rotate(struct ctx *ctx);
void h_partner_key_delete(struct ctx *ctx);
void h_partner_program_get(struct ctx *ctx);
void h_partner_program_put(struct ctx *ctx);
/* api/routes/h_invitation.c: an invitation's link followed (public). */
void h_invitation_open(struct ctx *ctx);

/* Creates a session for application id inside the caller's transaction:
 * the bearer token (43 characters) into token, its absolute expiry into
 * *expires.  0, or -1 with p set. */
int session_issue(struct ctx *ctx, const char *id, char *token, size_t tokensz,
    time_t *expires, struct problem *p);

/* Checks the Bearer session of ctx's request (on a worker); 0 and
 * ctx->session_app set, or -1 with p saying 401. */
int session_authenticate(struct ctx *ctx, struct problem *p);

/* api/routes/h_sessions.c: the throttle shared by log-in and password reset.
 * 429 with Retry-After in p if t (a client row) blocks now, then -1. */
struct throttle;
struct job;
int session_throttled(
    struct ctx *ctx, const struct throttle *t, struct problem *p);
/* Sets p to 403 account-locked; returns -1. */
int session_account_locked(struct problem *p);
/* Counts a failure on the account row acct (locked); when it reaches
 * RXCA_LOGIN_ACCOUNT_LIMIT the account locks and, for a known account
 * (id not NULL), an unlock mail is queued.  0, or -1 with p set. */
int session_count_failure(
    struct ctx *ctx, struct throttle *acct, const char *id, struct problem *p);
/* The same inside the unit of work tx (ctx's connection), which audits
 * the lock. */
struct tx;
int session_count_failure_tx(struct ctx *ctx, struct tx *tx,
    struct throttle *acct, const char *id, struct problem *p);
/* Queues an unlock mail for id unless a live unlock code exists. */
int session_queue_unlock(struct ctx *ctx, const char *id, struct problem *p);
void h_session_unlock(struct ctx *ctx);
/* Verifies password against a dummy Argon2id hash made with the
 * configured parameters: the work of a verification that fails. */
void session_dummy_verify(struct ctx *ctx, const char *password);
/* api/routes/h_retrieval.c: POST /v1/password-resets/codes. */
void h_reset_code_request(struct ctx *ctx);
/* The jobs "email.unlock" and "email.reset_code": a new single-use code
 * (stored hashed, the old one killed) mailed to the verified address. */
int account_job_mail(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p);
/* Registers email.unlock and email.reset_code with the runner: 0 or -1. */
int account_jobs_register(void);
/* api/routes/h_static.c: the portal's page shell and its assets. */
void h_portal_page(struct ctx *ctx);
void h_portal_asset(struct ctx *ctx);
void h_portal_retrieve(struct ctx *ctx);
/* The operator console's page shell and assets (docs/console.md). */
void h_console_page(struct ctx *ctx);
void h_console_asset(struct ctx *ctx);
/* api/routes/h_ops_dashboard.c: GET /v1/ops/dashboard (any operator). */
void h_ops_dashboard(struct ctx *ctx);
/* api/routes/h_ops_checkpoints.c: the audit chain's signed checkpoints
 * (auditor). */
void h_ops_audit_checkpoints(struct ctx *ctx);
void h_ops_audit_checkpoint(struct ctx *ctx);
/* api/routes/h_approvals.c: dual control (any operator; the action's role
 * to decide). */
void h_ops_approvals(struct ctx *ctx);
void h_ops_approval(struct ctx *ctx);
void h_ops_approval_confirm(struct ctx *ctx);
void h_ops_approval_reject(struct ctx *ctx);
/* api/routes/h_ops_search.c: the operators' search and application view,
 * fields filtered by role (api/service/ops_view.h). */
void h_ops_search(struct ctx *ctx);
void h_ops_application(struct ctx *ctx);
/* api/routes/h_oidc.c: proofing through an OpenID provider. */
void h_oidc_start(struct ctx *ctx);
void h_oidc_callback(struct ctx *ctx);

/* api/routes/h_passkeys.c: passkeys of an application. */
void h_passkey_options(struct ctx *ctx);
void h_passkey_register(struct ctx *ctx);
void h_passkey_list(struct ctx *ctx);
void h_passkey_revoke(struct ctx *ctx);
/* api/routes/h_rxapprovals.c: prescription approvals by passkey. */
void h_rxapproval_request(struct ctx *ctx);
void h_rxapproval_partner_get(struct ctx *ctx);
void h_rxapproval_view(struct ctx *ctx);
void h_rxapproval_decide(struct ctx *ctx);
void h_rxapproval_jwks(struct ctx *ctx);
#endif
