#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/config.h"
#include "common/xmalloc.h"
#include "proofing/oidcclient.h"

#ifndef RXCA_DEFAULT_MIGRATIONS_DIR
#define RXCA_DEFAULT_MIGRATIONS_DIR "migrations"
#endif
#ifndef RXCA_DEFAULT_WEB_DIR
#define RXCA_DEFAULT_WEB_DIR "web/portal"
#endif
#ifndef RXCA_DEFAULT_CONSOLE_DIR
#define RXCA_DEFAULT_CONSOLE_DIR "web/console"
#endif

enum kind { K_STR, K_INT };

struct setting {
	const char *name; /* after RXCA_ */
	enum kind kind;
	size_t off;      /* into struct config */
	const char *def; /* default, as text */
	long min, max;   /* bounds for K_INT */
	const char *help;
};

#define S(n, f, d, h)                                                          \
	{                                                                      \
		n, K_STR, offsetof(struct config, f), d, 0, 0, h               \
	}
#define I(n, f, d, lo, hi, h)                                                  \
	{                                                                      \
		n, K_INT, offsetof(struct config, f), d, lo, hi, h             \
	}

static const struct setting settings[] = {
    S("DATABASE_URL", database_url, "postgresql:///rxca",
        "libpq connection string or URI"),
    S("LISTEN", listen, "127.0.0.1:8080", "host:port to listen on"),
    S("PUBLIC_URL", public_url, "",
        "base URL in links (default: "
        "http://LISTEN)"),
    S("SMTP_URL", smtp_url, "",
        "smtp://host:port; empty: write .eml "
        "files to RXCA_MAIL_DIR"),
    S("MAIL_FROM", mail_from, "no-reply@rxca.localhost",
        "envelope and From address"),
    S("MAIL_DIR", mail_dir, "var/mail", "where .eml files go without SMTP"),
    I("SMTP_TIMEOUT", smtp_timeout, "20", 1, 300,
        "seconds for one SMTP delivery"),
    S("POLICY", policy_name, "igc", "igc or nist-800-63"),
    I("WORKERS", workers, "8", 1, 256,
        "worker threads (one DB "
        "connection each)"),
    I("MAX_CONNECTIONS", max_connections, "1024", 1, 100000,
        "open client connections at most, on each listener"),
    I("MAX_CONNECTIONS_PER_CLIENT", max_per_client, "64", 1, 100000,
        "open connections from one client address at most, on each "
        "listener"),
    I("REQUEST_TIMEOUT", request_timeout, "10", 1, 3600,
        "seconds to receive one whole request"),
    I("IDLE_TIMEOUT", idle_timeout, "30", 1, 3600,
        "seconds a keep-alive connection may idle"),
    I("SHUTDOWN_TIMEOUT", shutdown_timeout, "20", 1, 3600,
        "seconds after SIGTERM for requests in flight, then close"),
    I("HASH_WORKERS", hash_workers, "8", 1, 64,
        "worker threads (one DB connection each) for the routes that "
        "hash passwords (Argon2id), retrievals among them"),
    S("METRICS_ALLOW", metrics_allow, "127.0.0.0/8,::1",
        "addresses or CIDR prefixes that may read /metrics (others need "
        "an operator certificate over HTTPS)"),
    I("ARGON2_ITERATIONS", argon2_iterations, "2", 1, 100,
        "Argon2id time cost"),
    I("ARGON2_MEMORY_KIB", argon2_memory_kib, "19456", 8, 4194304,
        "Argon2id memory cost, KiB"),
    I("ARGON2_PARALLELISM", argon2_parallelism, "1", 1, 16, "Argon2id lanes"),
    I("EMAIL_CODE_ATTEMPTS", email_code_attempts, "5", 1, 100,
        "wrong tries of one e-mail code"),
    I("EMAIL_APP_ATTEMPTS", email_app_attempts, "20", 1, 1000,
        "wrong tries of e-mail codes per application"),
    I("EMAIL_RESEND_INTERVAL", email_resend_interval, "60", 0, 86400,
        "seconds between two resends"),
    I("EMAIL_RESEND_MAX", email_resend_max, "10", 0, 1000,
        "resends per application"),
    I("EMAIL_WINDOW_DAYS", email_window_days, "30", 1, 365,
        "days to verify the e-mail address"),
    I("LOGIN_ATTEMPTS", login_attempts, "5", 1, 1000,
        "failed log-ins of one client address before each next one waits "
        "2, 4, 8 ... seconds"),
    I("LOGIN_LOCK_SECONDS", login_lock_seconds, "900", 1, 86400,
        "longest wait between two failed log-ins or resets of one client "
        "address"),
    I("LOGIN_ACCOUNT_LIMIT", account_limit, "100", 1, 100000,
        "consecutive failed log-ins and resets of an account, from every "
        "address, that lock it until its e-mailed unlock code is used"),
    I("ACCOUNT_CODE_SECONDS", account_code_seconds, "86400", 60, 2592000,
        "life of an e-mailed unlock or password-reset code, seconds"),
    I("APPLY_PER_EMAIL_DAY", apply_per_email, "5", 1, 1000000,
        "new applications per e-mail address a day"),
    I("APPLY_PER_CLIENT_DAY", apply_per_client, "20", 1, 1000000,
        "new applications per client address a day"),
    I("CODE_MAILS_PER_EMAIL_DAY", mails_per_email, "10", 1, 1000000,
        "verification and reset mails per e-mail address a day"),
    I("CODE_MAILS_PER_CLIENT_DAY", mails_per_client, "40", 1, 1000000,
        "verification and reset mails asked for by one client address a "
        "day"),
    I("SESSION_IDLE", session_idle, "1800", 60, 86400,
        "session idle expiry, seconds"),
    I("SESSION_MAX", session_max, "43200", 60, 604800,
        "session absolute expiry, seconds"),
    I("SWEEP_INTERVAL", sweep_interval, "60", 1, 86400,
        "seconds between expiry sweeps"),
    I("JOB_POLL_INTERVAL", job_poll_interval, "5", 1, 3600,
        "seconds between job polls besides LISTEN wake-ups"),
    I("JOB_MAX_ATTEMPTS", job_max_attempts, "10", 1, 1000,
        "tries of a job before it is dead"),
    I("JOB_BACKOFF_MAX", job_backoff_max, "300", 1, 86400,
        "longest wait between two tries of a job, seconds"),
    I("JOB_BACKOFF_MAX_MS", job_backoff_max_ms, "0", 0, 86400000,
        "as JOB_BACKOFF_MAX in milliseconds if not 0 (tests)"),
    I("JOB_CONCURRENCY", job_concurrency, "4", 1, 256,
        "job runs at once on this node (at most RXCA_WORKERS - 1)"),
    I("MAIL_BACKOFF_MAX", mail_backoff_max, "300", 1, 3600,
        "longest wait between two tries of a mail while SMTP is down, s"),
    I("MAIL_KEEP_DAYS", mail_keep_days, "30", 1, 365,
        "days a receipt, reminder or invitation mail is tried, then dead"),
    S("TLS_LISTEN", tls_listen, "",
        "host:port for HTTPS (operators); empty: no HTTPS"),
    S("TLS_CERT", tls_cert, "", "server certificate chain, PEM"),
    S("TLS_KEY", tls_key, "", "server private key, PEM"),
    S("OPERATOR_CA", operator_ca, "",
        "PEM CA certificate that issues operators' client certificates"),
    S("OPERATOR_CA_KEY", operator_ca_key, "",
        "rxca-admin: the operators' CA key (development)"),
    S("IDV_URL", idv_url, "",
        "identity-verification provider base URL; empty: all to review"),
    S("IDV_API_KEY", idv_api_key, "", "bearer key for the IDV provider"),
    S("AVS_URL", avs_url, "",
        "card address-verification provider base URL; empty: all to "
        "review"),
    S("AVS_API_KEY", avs_api_key, "", "bearer key for the AVS provider"),
    S("SANDBOX_IDV_URL", sandbox_idv_url, "",
        "the reference identity provider for sandbox applications "
        "(proofing/reference); empty: sandbox ones to review"),
    S("SANDBOX_IDV_API_KEY", sandbox_idv_api_key, "",
        "bearer key for the sandbox IDV provider"),
    S("SANDBOX_AVS_URL", sandbox_avs_url, "",
        "the reference address-verification provider for sandbox "
        "applications; empty: sandbox ones to review"),
    S("SANDBOX_AVS_API_KEY", sandbox_avs_api_key, "",
        "bearer key for the sandbox AVS provider"),
    S("PROVIDER_CA_FILE", provider_ca_file, "",
        "CA bundle for HTTPS providers (default: system)"),
    I("PROVIDER_CONNECT_TIMEOUT_MS", provider_connect_ms, "3000", 10, 60000,
        "connect timeout for provider calls, ms"),
    I("PROVIDER_TIMEOUT_MS", provider_timeout_ms, "10000", 50, 300000,
        "total timeout for one provider call, ms"),
    S("OIDC_ISSUER", oidc_issuer, "",
        "OpenID provider (issuer URL) for identity proofing; empty: none"),
    S("OIDC_CLIENT_ID", oidc_client_id, "", "client id at the provider"),
    S("OIDC_NAME", oidc_name, "your identity provider",
        "the provider's name on the portal's button (\"Verify with ...\")"),
    S("OIDC_CLIENT_SECRET", oidc_client_secret, "",
        "client secret (client_secret_basic); or a client key"),
    S("OIDC_CLIENT_KEY", oidc_client_key_file, "",
        "PEM private key file, mode 0600 (EC P-256 or RSA): private_key_jwt "
        "client authentication instead of the secret"),
    S("OIDC_CLIENT_KEY_ID", oidc_client_key_id, "",
        "key id of the client key at the provider (default: its RFC 7638 "
        "thumbprint)"),
    S("OIDC_SCOPES", oidc_scopes, "openid profile address",
        "scopes asked for (openid first)"),
    S("OIDC_CLAIMS", oidc_claims, "",
        "claim names, e.g. given_name=first,birthdate=dob; empty: the "
        "standard names"),
    S("OIDC_PRODUCTS", oidc_products, "",
        "products proofed through the provider (comma-separated); empty: "
        "every product"),
    S("OIDC_ACR_EPCS", oidc_acr_epcs, "IAL2",
        "acr the provider must assert for an EPCS product"),
    S("OIDC_ACR_OTHER", oidc_acr_other, "",
        "acr the provider must assert for other products; empty: any"),
    S("OIDC_REDIRECT_URL", oidc_redirect_url, "",
        "redirect URI registered at the provider (default: "
        "PUBLIC_URL/v1/oidc/callback)"),
    I("OIDC_FLOW_SECONDS", oidc_flow_seconds, "600", 30, 86400,
        "seconds a started sign-in at the provider may take"),
    I("OIDC_JWKS_MIN_INTERVAL", oidc_jwks_interval, "60", 0, 86400,
        "fewest seconds between two key-set fetches for an unknown kid"),
    I("OIDC_VERIFIED_ONLY", oidc_verified_only, "0", 0, 1,
        "1: only OIDC4IA verified_claims can approve"),
    S("PASSKEY_ORIGIN", passkey_origin, "",
        "origin of the portal's passkey pages (default: PUBLIC_URL's "
        "scheme, host and port)"),
    S("PASSKEY_RP_ID", passkey_rp_id, "",
        "WebAuthn relying party id (default: the origin's host)"),
    S("PASSKEY_ROOTS", passkey_roots, "",
        "PEM file of authenticator attestation roots (from the FIDO "
        "metadata the operator trusts); empty: none"),
    I("PASSKEY_CHALLENGES_MAX", passkey_open_max, "10", 1, 100,
        "passkey registrations an application may have under way "
        "(unused, unexpired challenges); more is 429"),
    I("PASSKEY_CHALLENGE_SECONDS", passkey_seconds, "300", 30, 3600,
        "seconds a passkey challenge lives"),
    S("APPROVAL_KEY", approval_key_file, "",
        "PEM file of the key that signs approval records (made at start "
        "if absent, EC P-256); empty: no passkey approvals"),
    S("APPROVAL_KEY_ID", approval_key_id, "",
        "kid of the approval key (default: its RFC 7638 thumbprint)"),
    S("APPROVAL_KEYS_RETIRED", approval_retired_files, "",
        "PEM files of approval keys that signed before a rotation, "
        "comma-separated, each FILE or FILE#KID (default kid: its "
        "thumbprint), at most 8: published in the JWKS, never signing"),
    I("APPROVAL_SECONDS", approval_seconds, "300", 60, 3600,
        "seconds an approval request stays pending"),
    I("APPROVAL_PENDING_MAX", approval_pending_max, "3", 1, 100,
        "pending approval requests a prescriber may have at once"),
    I("APPROVAL_HOURLY_MAX", approval_hourly_max, "30", 1, 10000,
        "approval requests a prescriber may get in an hour"),
    S("PAYMENT_URL", payment_url, "",
        "payment provider base URL; empty: applications are NOT charged"),
    S("PAYMENT_API_KEY", payment_api_key, "",
        "bearer key for the payment provider"),
    S("PAYMENT_FORM_URL", payment_form_url, "",
        "the payment provider's card frame, framed by the portal"),
    I("PAYMENT_TIMEOUT_MS", payment_timeout_ms, "10000", 50, 300000,
        "total timeout for one payment provider call, ms"),
    I("PAYMENT_ATTEMPTS", payment_attempts, "3", 1, 10,
        "tries of the authorisation at submission (same key)"),
    S("PAYMENT_CAPTURE", payment_capture, "approval",
        "capture at approval or at submission"),
    S("PAYMENT_REFUND_ON_REJECT", payment_refund_reject, "full",
        "full or none: refund (or void) a rejected application"),
    S("PAYMENT_REFUND_ON_LAPSE", payment_refund_lapse, "full",
        "full or none: refund (or void) a lapsed application"),
    I("PAYMENT_ORPHAN_SECONDS", payment_orphan_seconds, "900", 1, 86400,
        "age after which an authorisation without application is voided"),
    I("IDV_MAX_ATTEMPTS", idv_max_attempts, "6", 1, 100,
        "tries of an identity check before it goes to review"),
    I("WEBHOOK_CONNECT_TIMEOUT_MS", webhook_connect_ms, "3000", 10, 60000,
        "connect timeout for a webhook delivery, ms"),
    I("WEBHOOK_TIMEOUT_MS", webhook_timeout_ms, "10000", 50, 60000,
        "total timeout for one webhook delivery, ms"),
    I("WEBHOOK_BACKOFF_MAX", webhook_backoff_max, "3600", 1, 86400,
        "longest wait between two tries of a webhook event, seconds"),
    I("WEBHOOK_RETRY_HOURS", webhook_retry_hours, "72", 72, 720,
        "a webhook event is tried for this long, then dead"),
    I("WEBHOOK_KEEP_DAYS", webhook_keep_days, "30", 30, 3650,
        "days a webhook event and a delivery are kept (GET "
        "/v1/partner/events), then the sweep deletes them"),
    I("WEBHOOK_ALLOW_PRIVATE", webhook_allow_private, "0", 0, 1,
        "1: webhooks also to http:// and loopback/private addresses "
        "(development and tests only)"),
    I("PARTNER_CHALLENGE_WINDOW", challenge_window, "300", 10, 3600,
        "a verified challenge's time may be this far from now, seconds"),
    I("PARTNER_INVITE_LIMIT", invite_limit, "100", 1, 100000,
        "invitations a partner may send per hour"),
    I("PARTNER_INVITE_DAYS", invite_days, "30", 1, 365,
        "days an invitation's link opens and admits an application"),
    I("PARTNER_ALLOW_HTTP", partner_allow_http, "0", 0, 1,
        "1: partner routes also over plain HTTP (development and tests "
        "only; else 403 https-required)"),
    I("PARTNER_RATE_LIMIT", partner_rate_limit, "600", 1, 1000000,
        "requests a partner may make in one RXCA_PARTNER_RATE_WINDOW"),
    I("PARTNER_RATE_WINDOW", partner_rate_window, "60", 1, 3600,
        "the partners' rate limit window, seconds"),
    I("PARTNER_KEY_GRACE_MAX", partner_key_grace_max, "604800", 0, 2592000,
        "longest grace a partner may give its old key when it rotates, "
        "seconds"),
    S("CA_DIR", ca_dir, "var/ca",
        "folder of the CA key files and certificates (rxca-admin ca init)"),
    S("CA_PASSPHRASE", ca_passphrase, "",
        "passphrase of the CA key files (prefer RXCA_CA_PASSPHRASE_FILE)"),
    S("CA_PASSPHRASE_FILE", ca_passphrase_file, "",
        "file holding the passphrase of the CA key files"),
    S("PKCS11_MODULE", pkcs11_module, "",
        "PKCS#11 module of the CA's HSM; empty: keys in files"),
    S("PKCS11_TOKEN", pkcs11_token, "", "label of the HSM token"),
    S("PKCS11_PIN", pkcs11_pin, "",
        "user PIN of the HSM token (prefer RXCA_PKCS11_PIN_FILE)"),
    S("PKCS11_PIN_FILE", pkcs11_pin_file, "",
        "file holding the user PIN of the HSM token"),
    S("CERT_COUNTRY", cert_country, "US", "subject C of certificates"),
    S("CERT_ORGANIZATION", cert_organization, "rxca",
        "subject O of certificates"),
    S("CERT_POLICIES_HARDWARE", cert_policies_hw, "1.3.6.1.4.1.59999.1.2.1",
        "certificate policy OIDs of the hardware (EPCS) product, "
        "comma-separated"),
    S("CERT_POLICIES_SOFTWARE", cert_policies_sw, "1.3.6.1.4.1.59999.1.2.2",
        "certificate policy OIDs of the software product"),
    S("CERT_EKU_HARDWARE", cert_eku_hw, "1.3.6.1.5.5.7.3.2,1.3.6.1.5.5.7.3.4",
        "extended key usage OIDs of the hardware product"),
    S("CERT_EKU_SOFTWARE", cert_eku_sw, "1.3.6.1.5.5.7.3.2,1.3.6.1.5.5.7.3.4",
        "extended key usage OIDs of the software product"),
    I("CERT_VALIDITY_DAYS", cert_validity_days, "730", 1, 825,
        "days a subscriber certificate is valid"),
    S("PKI_URL", pki_url, "",
        "base URL of /pki and /ocsp in certificates (default: "
        "RXCA_PUBLIC_URL)"),
    I("ROOT_DAYS", root_days, "7300", 1, 9131,
        "days the root CA certificate is valid (ca init)"),
    I("ISSUING_DAYS", issuing_days, "3650", 1, 9131,
        "days the issuing CA certificate is valid (ca init, ca reissue)"),
    I("OCSP_SIGNER_DAYS", ocsp_signer_days, "90", 45, 366,
        "days a delegated OCSP signer certificate is valid"),
    I("ISSUING_ANY_POLICY", issuing_any_policy, "0", 0, 1,
        "1: the issuing CA asserts anyPolicy instead of the products' "
        "policies"),
    I("ROOT_REQUIRE_EXPLICIT_POLICY", root_require_explicit, "-1", -1, 8,
        "root policyConstraints requireExplicitPolicy skipCerts; -1 none"),
    I("ROOT_INHIBIT_POLICY_MAPPING", root_inhibit_mapping, "-1", -1, 8,
        "root policyConstraints inhibitPolicyMapping skipCerts; -1 none"),
    I("ROOT_CRL_DAYS", root_crl_days, "31", 1, 366,
        "days from a root CRL's thisUpdate to its nextUpdate"),
    I("ROOT_CRL_REMIND_DAYS", root_crl_remind_days, "7", 1, 60,
        "metric and operator e-mail when the last root CRL signed ends "
        "within this many days"),
    S("OPERATOR_EMAIL", operator_email, "",
        "address of the CA operators' reminders (root CRL); empty: none"),
    I("OCSP_MAX_AGE", ocsp_max_age, "3600", 0, 86400,
        "cap of an OCSP answer's HTTP max-age, seconds"),
    I("KIT_DAYS", kit_days, "90", 1, 3650,
        "days an activation code lives after approval"),
    I("RETRIEVAL_ATTEMPTS", retrieval_attempts, "5", 1, 100,
        "wrong passwords with one activation code before the kit locks"),
    I("RESET_ATTEMPTS", reset_attempts, "5", 1, 100,
        "failed password resets of one client address against an "
        "application before each next one waits 2, 4, 8 ... seconds"),
    I("RENEWAL_WINDOW_DAYS", renewal_window_days, "90", 1, 365,
        "days before expiry from which a certificate may be renewed"),
    S("RENEWAL_REMINDERS", renewal_reminders, "90,60,30,7",
        "days before expiry to remind the subscriber, descending, at most "
        "the window"),
    I("CRL_INTERVAL", crl_interval, "21600", 60, 86400,
        "seconds between two CRLs when nothing is revoked"),
    I("CRL_VALIDITY", crl_validity, "172800", 3600, 2592000,
        "seconds from a CRL's thisUpdate to its nextUpdate"),
    S("CA_KEY", ca_key, "p256",
        "curve of the issuing CA's and the OCSP signer's keys that `ca "
        "init` makes (and of OCSP signer renewals): p256 or p384; the "
        "root's is P-384"),
    I("CRL_SHARDS", crl_shards, "0", 0, 1024,
        "shards of the issuing CA's CRL (0: off); a new certificate's CDP "
        "names its shard, /pki/issuing-<k>.crl"),
    I("CRL_IDP_CRITICAL", crl_idp_critical, "0", 0, 1,
        "1: a shard's issuingDistributionPoint is critical, as RFC 5280 "
        "says (NSS then refuses the shard)"),
    I("OCSP_VALIDITY", ocsp_validity, "86400", 600, 864000,
        "seconds from an OCSP response's thisUpdate to its nextUpdate"),
    I("OCSP_REFRESH", ocsp_refresh, "43200", 60, 864000,
        "re-sign an OCSP response when less than this is left, seconds"),
    I("OCSP_SIGN_BURST", ocsp_sign_burst, "20", 1, 100000,
        "OCSP answers one client address may have signed on demand (not "
        "in memory: unknown serials) at once"),
    I("OCSP_SIGN_PER_MINUTE", ocsp_sign_rate, "300", 1, 6000000,
        "refill of RXCA_OCSP_SIGN_BURST per minute; over it: tryLater"),
    I("OCSP_CACHE_MB", ocsp_cache_mb, "256", 1, 1048576,
        "MiB of pre-signed OCSP responses a node holds in memory; a miss "
        "is read from the database"),
    S("OCSP_DATABASE_URL", ocsp_database_url, "",
        "libpq connection string or URI (a replica) OCSP misses are read "
        "from; empty: RXCA_DATABASE_URL"),
    I("ISSUE_ABANDON_AFTER", abandon_after, "86400", 60, 2592000,
        "seconds after which a retrieval's certificate recorded but never "
        "signed and stored (a crash) is abandoned: revoked, superseded"),
    I("AUDIT_CHECKPOINT_INTERVAL", checkpoint_interval, "300", 1, 86400,
        "seconds between signed checkpoints of the audit chain"),
    I("AUDIT_SEQUENCE_INTERVAL_MS", audit_sequence_ms, "200", 1, 3600000,
        "milliseconds between runs of the audit sequencer, which gives "
        "committed audit records their place in the hash chain"),
    S("CLOCK_FILE", clock_file, "",
        "tests: file with a clock offset in "
        "seconds"),
    S("TEST_RESOLVE_FILE", test_resolve_file, "",
        "tests: file of \"name address\" lines that replaces DNS for "
        "webhook receivers"),
    S("MIGRATIONS_DIR", migrations_dir, RXCA_DEFAULT_MIGRATIONS_DIR,
        "folder of the SQL migrations"),
    S("LOG_LEVEL", log_level, "info", "debug, info, warn or error"),
    S("TRUSTED_PROXIES", trusted_proxies, "",
        "proxies whose X-Forwarded-For names the client: addresses and "
        "CIDRs, comma-separated; empty: the TCP peer is the client"),
    S("WEB_DIR", web_dir, RXCA_DEFAULT_WEB_DIR,
        "folder of the portal's pages and assets (docs/portal.md)"),
    S("TOKEN_AGENT_URL", token_agent_url, "http://127.0.0.1:8731",
        "the applicant's token agent (rxca-token agent) that the portal's "
        "/retrieve page calls: http://127.0.0.1, localhost or [::1] with "
        "its port (docs/token.md)"),
    S("CONSOLE_DIR", console_dir, RXCA_DEFAULT_CONSOLE_DIR,
        "folder of the operator console's pages and assets, served on "
        "the operators' HTTPS listener (docs/console.md)"),
    S("ATTEST_ROOTS", attest_roots, "",
        "PEM bundle of key-attestation manufacturer roots (PIV); empty: "
        "attested key evidence is refused"),
    S("DUAL_CONTROL", dual_control, "decision.approve,kit.print",
        "actions that need two operators (one asks, another confirms): "
        "decision.approve, kit.print, revocation, partner.key, "
        "comma-separated; empty: none"),
    I("DUAL_CONTROL_EXPIRY", dual_control_expiry, "86400", 60, 2592000,
        "seconds a pending dual-control action waits for its second "
        "operator; then it never takes effect"),
    I("WEBHOOK_SECRET_OVERLAP", webhook_secret_overlap, "86400", 0, 604800,
        "seconds a rotated webhook secret still signs beside the new one, "
        "unless the rotation asks for less"),
};

static int
parse_hostport(const char *name, const char *v, char *host, size_t hostsz,
    int *portp, FILE *err)
{
	const char *colon;
	char *end;
	long port;
	size_t hl;

	if ((colon = strrchr(v, ':')) == NULL)
		goto bad;
	hl = (size_t)(colon - v);
	if (hl == 0 || hl >= hostsz)
		goto bad;
	memcpy(host, v, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == colon + 1 || port < 0 ||
	    port > 65535)
		goto bad;
	*portp = (int)port;
	return 0;
bad:
	fprintf(err, "RXCA_%s: expected host:port, got \"%s\"\n", name, v);
	return -1;
}

/* RXCA_<name> must be empty or an http:// or https:// URL. */
static int
check_url(const char *name, const char *v, FILE *err)
{
	if (v[0] == '\0' || strncmp(v, "http://", 7) == 0 ||
	    strncmp(v, "https://", 8) == 0)
		return 0;
	fprintf(err,
	    "RXCA_%s: expected an http:// or https:// URL, got \"%s\"\n", name,
	    v);
	return -1;
}

/*
 * RXCA_PASSKEY_ORIGIN defaults to PUBLIC_URL's scheme, host and port, and
 * RXCA_PASSKEY_RP_ID to the origin's host; the origin is an http(s) URL
 * without a path and the RP id its host or a suffix of it (WebAuthn
 * section 5.1.4.1).
 */
static int
passkey_defaults(struct config *c, FILE *err)
{
	const char *host, *end, *colon;
	size_t hlen, rlen;

	if (c->passkey_origin[0] == '\0') {
		host = strstr(c->public_url, "://");
		end = host != NULL ? strchr(host + 3, '/') : NULL;
		free(c->passkey_origin);
		c->passkey_origin = end != NULL
		    ? xprintf("%.*s", (int)(end - c->public_url), c->public_url)
		    : xstrdup(c->public_url);
	}
	host = strstr(c->passkey_origin, "://");
	if (check_url("PASSKEY_ORIGIN", c->passkey_origin, err) == -1 ||
	    host == NULL || strchr(host + 3, '/') != NULL || host[3] == '\0') {
		fprintf(err,
		    "RXCA_PASSKEY_ORIGIN: expected scheme://host[:port] "
		    "without a path, got \"%s\"\n",
		    c->passkey_origin);
		return -1;
	}
	host += 3;
	colon = host[0] == '[' ? strchr(host, ']') : strchr(host, ':');
	if (host[0] == '[' && colon != NULL)
		colon = strchr(colon, ':');
	hlen = colon != NULL ? (size_t)(colon - host) : strlen(host);
	if (c->passkey_rp_id[0] == '\0') {
		free(c->passkey_rp_id);
		c->passkey_rp_id = xprintf("%.*s", (int)hlen, host);
	}
	rlen = strlen(c->passkey_rp_id);
	if (rlen > hlen ||
	    strncmp(host + hlen - rlen, c->passkey_rp_id, rlen) != 0 ||
	    (rlen < hlen && host[hlen - rlen - 1] != '.')) {
		fprintf(err,
		    "RXCA_PASSKEY_RP_ID: expected the origin's host or a "
		    "suffix of it, got \"%s\"\n",
		    c->passkey_rp_id);
		return -1;
	}
	return 0;
}

/* RXCA_OIDC_CLAIMS: empty, or key=name items, comma-separated, each key
 * one of given_name, family_name, birthdate, address, each name of
 * [A-Za-z0-9_]. */
static int
check_claim_map(const char *v, FILE *err)
{
	static const char *const keys[] = {
	    "given_name=", "family_name=", "birthdate=", "address="};
	const char *s = v, *name;
	size_t i, n;

	while (*s != '\0') {
		name = NULL;
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strncmp(s, keys[i], strlen(keys[i])) == 0)
				name = s + strlen(keys[i]);
		n = name != NULL
		    ? strspn(name,
		          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
		          "opqrstuvwxyz0123456789_")
		    : 0;
		if (n == 0 || (name[n] != '\0' && name[n] != ',') ||
		    (name[n] == ',' && name[n + 1] == '\0')) {
			fprintf(err,
			    "RXCA_OIDC_CLAIMS: expected key=name items (keys "
			    "given_name, family_name, birthdate, address), got "
			    "\"%s\"\n",
			    v);
			return -1;
		}
		s = name + n + (name[n] == ',');
	}
	return 0;
}

/* RXCA_<name> is named in the portal's Content-Security-Policy: an
 * http(s) URL of visible ASCII without ';', ',', quotes or spaces. */
static int
check_form_url(const char *name, const char *v, FILE *err)
{
	const char *s;

	if (check_url(name, v, err) == -1)
		return -1;
	for (s = v; *s != '\0'; s++)
		if (*s <= ' ' || *s > '~' || strchr(";,'\"", *s) != NULL) {
			fprintf(err,
			    "RXCA_%s: a URL without spaces, ';', ',' or "
			    "quotes, got \"%s\"\n",
			    name, v);
			return -1;
		}
	return 0;
}

/* RXCA_<name> must be a or b. */
static int
check_choice(
    const char *name, const char *v, const char *a, const char *b, FILE *err)
{
	if (strcmp(v, a) == 0 || strcmp(v, b) == 0)
		return 0;
	fprintf(err, "RXCA_%s: expected %s or %s, got \"%s\"\n", name, a, b, v);
	return -1;
}

/* RXCA_<name> must be a comma-separated list of dotted OIDs. */
static int
check_oids(const char *name, const char *v, FILE *err)
{
	const char *s = v;
	size_t n, i;
	int dots;

	if (*s == '\0')
		goto bad;
	while (*s != '\0') {
		n = strcspn(s, ",");
		dots = 0;
		if (n == 0 || n > 64 || s[0] < '0' || s[0] > '2')
			goto bad;
		for (i = 0; i < n; i++) {
			if (s[i] == '.') {
				if (i + 1 == n || s[i + 1] == '.')
					goto bad;
				dots++;
			} else if (s[i] < '0' || s[i] > '9')
				goto bad;
		}
		if (dots < 1)
			goto bad;
		s += n;
		if (*s == ',')
			s++;
	}
	return 0;
bad:
	fprintf(err,
	    "RXCA_%s: expected OIDs like 1.3.6.1.5.5.7.3.4, comma-separated, "
	    "got \"%s\"\n",
	    name, v);
	return -1;
}

static int
parse_listen(struct config *c, FILE *err)
{
	int rc = 0;

	if (parse_hostport("LISTEN", c->listen, c->listen_host,
	        sizeof(c->listen_host), &c->listen_port, err) == -1)
		rc = -1;
	if (c->tls_listen[0] == '\0')
		return rc;
	if (parse_hostport("TLS_LISTEN", c->tls_listen, c->tls_host,
	        sizeof(c->tls_host), &c->tls_port, err) == -1)
		rc = -1;
	if (c->tls_cert[0] == '\0' || c->tls_key[0] == '\0') {
		fprintf(err,
		    "RXCA_TLS_CERT: RXCA_TLS_LISTEN needs "
		    "RXCA_TLS_CERT and RXCA_TLS_KEY\n");
		rc = -1;
	}
	return rc;
}

/* RXCA_RENEWAL_REMINDERS: 1..CONFIG_MAX_STEPS descending day counts, each
 * at most the renewal window. */
static int
parse_steps(struct config *c, FILE *err)
{
	const char *v = c->renewal_reminders;
	char *end;
	long n;

	c->nrenewal_steps = 0;
	for (;;) {
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno != 0 || end == v || n < 1 ||
		    n > c->renewal_window_days ||
		    c->nrenewal_steps == CONFIG_MAX_STEPS ||
		    (c->nrenewal_steps > 0 &&
		        n >= c->renewal_steps[c->nrenewal_steps - 1]))
			goto bad;
		c->renewal_steps[c->nrenewal_steps++] = (int)n;
		if (*end == '\0')
			return 0;
		if (*end != ',')
			goto bad;
		v = end + 1;
	}
bad:
	fprintf(err,
	    "RXCA_RENEWAL_REMINDERS: expected up to %d descending day counts "
	    "within RXCA_RENEWAL_WINDOW_DAYS, like 90,60,30,7, got \"%s\"\n",
	    CONFIG_MAX_STEPS, c->renewal_reminders);
	return -1;
}

static const struct {
	const char *name;
	unsigned bit;
} dual_names[] = {
    {"decision.approve", CONFIG_DUAL_DECISION},
    {"kit.print", CONFIG_DUAL_KIT},
    {"revocation", CONFIG_DUAL_REVOKE},
    {"partner.key", CONFIG_DUAL_PARTNER},
};

unsigned
config_dual_action(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(dual_names) / sizeof(dual_names[0]); i++)
		if (strlen(dual_names[i].name) == n &&
		    strncmp(dual_names[i].name, name, n) == 0)
			return dual_names[i].bit;
	return 0;
}

/* RXCA_DUAL_CONTROL: action names, comma-separated, or empty. */
static int
parse_dual(struct config *c, FILE *err)
{
	const char *v = c->dual_control;
	unsigned bit;
	size_t n;

	c->dual_actions = 0;
	while (*v != '\0') {
		n = strcspn(v, ",");
		if ((bit = config_dual_action(v, n)) == 0) {
			fprintf(err,
			    "RXCA_DUAL_CONTROL: expected action names from "
			    "decision.approve, kit.print, revocation, "
			    "partner.key, comma-separated, got \"%s\"\n",
			    c->dual_control);
			return -1;
		}
		c->dual_actions |= bit;
		v += n;
		if (*v == ',')
			v++;
	}
	return 0;
}

/* 1 if a and b are the same public key, whatever their kid. */
static int
same_key(const struct oidcclient_key *a, const struct oidcclient_key *b)
{
	json_t *ja = oidcclient_key_public(a), *jb = oidcclient_key_public(b);
	int same;

	json_object_del(ja, "kid");
	json_object_del(jb, "kid");
	same = json_equal(ja, jb);
	json_decref(ja);
	json_decref(jb);
	return same;
}

/* RXCA_APPROVAL_KEYS_RETIRED: FILE or FILE#KID, comma-separated, or
 * empty; each read as the approval key is, and none the current key. */
static int
load_retired(struct config *c, FILE *err)
{
	const char *v;
	struct oidcclient_key *k;
	char entry[PATH_MAX], *kid;
	struct problem p;
	size_t n;
	int i;

	/* The shape of the whole list before any file is read. */
	for (i = 0, v = c->approval_retired_files; *v != '\0'; i++) {
		n = strcspn(v, ",");
		if (n == 0 || n >= sizeof(entry) || i == CONFIG_RETIRED_MAX) {
			fprintf(err,
			    "RXCA_APPROVAL_KEYS_RETIRED: expected at most %d "
			    "key files (FILE or FILE#KID), comma-separated\n",
			    CONFIG_RETIRED_MAX);
			return -1;
		}
		v += n;
		if (*v == ',')
			v++;
	}
	for (v = c->approval_retired_files; *v != '\0';) {
		n = strcspn(v, ",");
		memcpy(entry, v, n);
		entry[n] = '\0';
		if ((kid = strrchr(entry, '#')) != NULL)
			*kid++ = '\0';
		problem_clear(&p);
		if ((k = oidcclient_key_read(entry, kid,
		         "RXCA_APPROVAL_KEYS_RETIRED", &p)) == NULL) {
			fprintf(err, "%s\n", p.detail);
			return -1;
		}
		c->approval_retired[c->approval_nretired++] = k;
		if (c->approval_key != NULL && same_key(k, c->approval_key)) {
			fprintf(err,
			    "RXCA_APPROVAL_KEYS_RETIRED: %s is the current "
			    "approval key (RXCA_APPROVAL_KEY)\n",
			    entry);
			return -1;
		}
		for (i = 0; i < c->approval_nretired - 1; i++)
			if (same_key(k, c->approval_retired[i])) {
				fprintf(err,
				    "RXCA_APPROVAL_KEYS_RETIRED: %s is listed "
				    "twice\n",
				    entry);
				return -1;
			}
		v += n;
		if (*v == ',')
			v++;
	}
	return 0;
}

/* A loopback http origin with a port (it goes into a page and its CSP). */
static int
check_agent_url(const char *url)
{
	static const char *const hosts[] = {
	    "http://127.0.0.1:", "http://localhost:", "http://[::1]:"};
	const char *port = NULL;
	unsigned long v;
	char *end;
	size_t i, n;

	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		if (strncmp(url, hosts[i], strlen(hosts[i])) == 0)
			port = url + strlen(hosts[i]);
	if (port == NULL || (n = strspn(port, "0123456789")) == 0 || n > 5 ||
	    port[n] != '\0')
		return -1;
	v = strtoul(port, &end, 10);
	return *end == '\0' && v >= 1 && v <= 65535 ? 0 : -1;
}

int
config_load(struct config *c, FILE *err)
{
	const struct setting *s;
	const char *v;
	char envname[64], *end, why[160];
	long n;
	size_t i;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		s = &settings[i];
		snprintf(envname, sizeof(envname), "RXCA_%s", s->name);
		if ((v = getenv(envname)) == NULL)
			v = s->def;
		if (s->kind == K_STR) {
			*(char **)((char *)c + s->off) = xstrdup(v);
			continue;
		}
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || n < s->min ||
		    n > s->max) {
			fprintf(err,
			    "%s: expected an integer from %ld to %ld, "
			    "got \"%s\"\n",
			    envname, s->min, s->max, v);
			rc = -1;
			continue;
		}
		*(int *)((char *)c + s->off) = (int)n;
	}
	if (parse_listen(c, err) == -1)
		rc = -1;
	if (check_url("IDV_URL", c->idv_url, err) == -1 ||
	    check_url("AVS_URL", c->avs_url, err) == -1 ||
	    check_url("PAYMENT_URL", c->payment_url, err) == -1 ||
	    check_url("OIDC_ISSUER", c->oidc_issuer, err) == -1 ||
	    check_form_url("PAYMENT_FORM_URL", c->payment_form_url, err) == -1)
		rc = -1;
	if (c->oidc_issuer[0] != '\0' && c->oidc_client_id[0] == '\0') {
		fprintf(
		    err, "RXCA_OIDC_CLIENT_ID: needed with RXCA_OIDC_ISSUER\n");
		rc = -1;
	}
	if (c->oidc_issuer[0] != '\0' &&
	    (c->oidc_client_secret[0] == '\0') ==
	        (c->oidc_client_key_file[0] == '\0')) {
		fprintf(err,
		    "RXCA_OIDC_CLIENT_SECRET: needed with RXCA_OIDC_ISSUER "
		    "unless RXCA_OIDC_CLIENT_KEY is set (never both)\n");
		rc = -1;
	}
	if (rc == 0 && c->oidc_issuer[0] != '\0' &&
	    c->oidc_client_key_file[0] != '\0') {
		struct problem p;

		problem_clear(&p);
		c->oidc_client_key =
		    oidcclient_key_read(c->oidc_client_key_file,
		        c->oidc_client_key_id, "RXCA_OIDC_CLIENT_KEY", &p);
		if (c->oidc_client_key == NULL) {
			fprintf(err, "%s\n", p.detail);
			rc = -1;
		}
	}
	if (rc == 0 && c->approval_key_file[0] != '\0') {
		struct problem p;

		problem_clear(&p);
		if (oidcclient_key_make(
		        c->approval_key_file, "RXCA_APPROVAL_KEY", &p) == -1 ||
		    (c->approval_key = oidcclient_key_read(c->approval_key_file,
		         c->approval_key_id, "RXCA_APPROVAL_KEY", &p)) ==
		        NULL) {
			fprintf(err, "%s\n", p.detail);
			rc = -1;
		}
	}
	if (rc == 0 && load_retired(c, err) == -1)
		rc = -1;
	if (check_claim_map(c->oidc_claims, err) == -1)
		rc = -1;
	if (check_choice("PAYMENT_CAPTURE", c->payment_capture, "approval",
	        "submission", err) == -1 ||
	    check_choice("PAYMENT_REFUND_ON_REJECT", c->payment_refund_reject,
	        "full", "none", err) == -1 ||
	    check_choice("PAYMENT_REFUND_ON_LAPSE", c->payment_refund_lapse,
	        "full", "none", err) == -1)
		rc = -1;
	if (strcmp(c->policy_name, "igc") == 0)
		c->policy = POLICY_IGC;
	else if (strcmp(c->policy_name, "nist-800-63") == 0)
		c->policy = POLICY_NIST;
	else {
		fprintf(err,
		    "RXCA_POLICY: expected igc or nist-800-63, got "
		    "\"%s\"\n",
		    c->policy_name);
		rc = -1;
	}
	if (c->smtp_url[0] != '\0' && strncmp(c->smtp_url, "smtp://", 7) != 0 &&
	    strncmp(c->smtp_url, "smtps://", 8) != 0) {
		fprintf(err,
		    "RXCA_SMTP_URL: expected smtp://host:port or "
		    "smtps://host:port, got \"%s\"\n",
		    c->smtp_url);
		rc = -1;
	}
	if (strchr(c->mail_from, '@') == NULL ||
	    strpbrk(c->mail_from, "\r\n<> ") != NULL) {
		fprintf(err,
		    "RXCA_MAIL_FROM: expected an address like "
		    "no-reply@example.org, got \"%s\"\n",
		    c->mail_from);
		rc = -1;
	}
	if (strcmp(c->log_level, "debug") != 0 &&
	    strcmp(c->log_level, "info") != 0 &&
	    strcmp(c->log_level, "warn") != 0 &&
	    strcmp(c->log_level, "error") != 0) {
		fprintf(err,
		    "RXCA_LOG_LEVEL: expected debug, info, warn or "
		    "error, got \"%s\"\n",
		    c->log_level);
		rc = -1;
	}
	if (check_agent_url(c->token_agent_url) == -1) {
		fprintf(err,
		    "RXCA_TOKEN_AGENT_URL: expected http://127.0.0.1:PORT, "
		    "http://localhost:PORT or http://[::1]:PORT, got \"%s\"\n",
		    c->token_agent_url);
		rc = -1;
	}
	if (rc == 0 && c->public_url[0] == '\0') {
		free(c->public_url);
		c->public_url = xprintf("http://%s", c->listen);
	}
	if (rc == 0 && c->oidc_redirect_url[0] == '\0') {
		free(c->oidc_redirect_url);
		c->oidc_redirect_url =
		    xprintf("%s/v1/oidc/callback", c->public_url);
	}
	if (rc == 0 && passkey_defaults(c, err) == -1)
		rc = -1;
	if (rc == 0 && c->pki_url[0] == '\0') {
		free(c->pki_url);
		c->pki_url = xstrdup(c->public_url);
	}
	if (check_url("PKI_URL", c->pki_url, err) == -1 ||
	    check_oids("CERT_POLICIES_HARDWARE", c->cert_policies_hw, err) ==
	        -1 ||
	    check_oids("CERT_POLICIES_SOFTWARE", c->cert_policies_sw, err) ==
	        -1 ||
	    check_oids("CERT_EKU_HARDWARE", c->cert_eku_hw, err) == -1 ||
	    check_oids("CERT_EKU_SOFTWARE", c->cert_eku_sw, err) == -1)
		rc = -1;
	if (strlen(c->cert_country) != 2 || c->cert_country[0] < 'A' ||
	    c->cert_country[0] > 'Z' || c->cert_country[1] < 'A' ||
	    c->cert_country[1] > 'Z') {
		fprintf(err,
		    "RXCA_CERT_COUNTRY: expected two capital letters, got "
		    "\"%s\"\n",
		    c->cert_country);
		rc = -1;
	}
	if (c->cert_organization[0] == '\0' ||
	    strlen(c->cert_organization) > 64) {
		fprintf(err, "RXCA_CERT_ORGANIZATION: 1 to 64 characters\n");
		rc = -1;
	}
	if (rc == 0 && c->ocsp_refresh >= c->ocsp_validity) {
		fprintf(err,
		    "RXCA_OCSP_REFRESH: must be less than "
		    "RXCA_OCSP_VALIDITY\n");
		rc = -1;
	}
	if (strcmp(c->ca_key, "p256") != 0 && strcmp(c->ca_key, "p384") != 0) {
		fprintf(
		    err, "RXCA_CA_KEY: p256 or p384, got \"%s\"\n", c->ca_key);
		rc = -1;
	}
	if (rc == 0 && c->crl_interval >= c->crl_validity) {
		fprintf(err,
		    "RXCA_CRL_INTERVAL: must be less than RXCA_CRL_VALIDITY\n");
		rc = -1;
	}
	if (rc == 0 && c->root_crl_remind_days >= c->root_crl_days &&
	    c->root_crl_days > 1) {
		fprintf(err,
		    "RXCA_ROOT_CRL_REMIND_DAYS: must be less than "
		    "RXCA_ROOT_CRL_DAYS\n");
		rc = -1;
	}
	if (parse_dual(c, err) == -1)
		rc = -1;
	if (rc == 0 && parse_steps(c, err) == -1)
		rc = -1;
	if (clientaddr_parse_list(
	        c->trusted_proxies, &c->trust, why, sizeof(why)) == -1) {
		fprintf(err, "RXCA_TRUSTED_PROXIES: %s\n", why);
		rc = -1;
	}
	if (clientaddr_parse_list(c->metrics_allow, &c->metrics_allowed, why,
	        sizeof(why)) == -1) {
		fprintf(err, "RXCA_METRICS_ALLOW: %s\n", why);
		rc = -1;
	}
	if (c->pkcs11_module[0] != '\0' && c->pkcs11_token[0] == '\0') {
		fprintf(err,
		    "RXCA_PKCS11_TOKEN: RXCA_PKCS11_MODULE needs a "
		    "token label\n");
		rc = -1;
	}
	return rc;
}

void
config_free(struct config *c)
{
	const struct setting *s;
	size_t i;

	oidcclient_key_free(c->oidc_client_key);
	c->oidc_client_key = NULL;
	oidcclient_key_free(c->approval_key);
	c->approval_key = NULL;
	for (i = 0; i < (size_t)c->approval_nretired; i++) {
		oidcclient_key_free(c->approval_retired[i]);
		c->approval_retired[i] = NULL;
	}
	c->approval_nretired = 0;
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		s = &settings[i];
		if (s->kind == K_STR) {
			free(*(char **)((char *)c + s->off));
			*(char **)((char *)c + s->off) = NULL;
		}
	}
}

void
config_usage(FILE *out)
{
	const struct setting *s;
	size_t i;

	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		s = &settings[i];
		fprintf(out, "  RXCA_%-22s %-28s %s\n", s->name,
		    s->def[0] != '\0' ? s->def : "(empty)", s->help);
	}
}

const char *
config_policy_name(enum policy p)
{
	return p == POLICY_NIST ? "nist-800-63" : "igc";
}
