/*
 * Settings of rxca-server and rxca-admin, each read from an environment
 * variable RXCA_<NAME> through one table (config.c), with a default.  A bad
 * value stops start-up with a message naming the variable.
 */
#ifndef RXCA_CONFIG_H
#define RXCA_CONFIG_H

#include <stdio.h>

#include "api/http/clientaddr.h"
#include "proofing/policy.h"

struct oidcclient_key;

#define CONFIG_MAX_STEPS   8 /* renewal reminder steps at most */
#define CONFIG_RETIRED_MAX 8 /* retired approval keys published at most */

struct config {
	char *database_url;   /* RXCA_DATABASE_URL */
	char *listen;         /* RXCA_LISTEN host:port */
	char listen_host[64]; /* parsed from listen */
	int listen_port;      /* parsed from listen */
	char *public_url;     /* RXCA_PUBLIC_URL, for links */
	char *smtp_url;       /* RXCA_SMTP_URL; "" writes .eml files */
	char *mail_from;      /* RXCA_MAIL_FROM */
	char *mail_dir;       /* RXCA_MAIL_DIR, without SMTP */
	int smtp_timeout;     /* RXCA_SMTP_TIMEOUT, seconds */
	char *policy_name;    /* RXCA_POLICY */
	enum policy policy;   /* parsed from policy_name */
	int workers;          /* RXCA_WORKERS */
	int max_connections;  /* RXCA_MAX_CONNECTIONS, per listener */
	int max_per_client;   /* RXCA_MAX_CONNECTIONS_PER_CLIENT */
	int request_timeout;  /* RXCA_REQUEST_TIMEOUT: whole request */
	int idle_timeout;     /* RXCA_IDLE_TIMEOUT: keep-alive idle */
	int shutdown_timeout; /* RXCA_SHUTDOWN_TIMEOUT, seconds */
	int hash_workers;     /* RXCA_HASH_WORKERS: Argon2id routes */
	char *metrics_allow;  /* RXCA_METRICS_ALLOW, address list */
	struct clientaddr_list metrics_allowed; /* parsed from metrics_allow */
	int argon2_iterations;                  /* RXCA_ARGON2_ITERATIONS */
	int argon2_memory_kib;                  /* RXCA_ARGON2_MEMORY_KIB */
	int argon2_parallelism;                 /* RXCA_ARGON2_PARALLELISM */
	int email_code_attempts;   /* RXCA_EMAIL_CODE_ATTEMPTS per code */
	int email_app_attempts;    /* RXCA_EMAIL_APP_ATTEMPTS per app */
	int email_resend_interval; /* RXCA_EMAIL_RESEND_INTERVAL, s */
	int email_resend_max;      /* RXCA_EMAIL_RESEND_MAX per app */
	int email_window_days;     /* RXCA_EMAIL_WINDOW_DAYS (30) */
	int login_attempts;        /* RXCA_LOGIN_ATTEMPTS per client, free */
	int login_lock_seconds;    /* RXCA_LOGIN_LOCK_SECONDS: longest wait */
	int account_limit;         /* RXCA_LOGIN_ACCOUNT_LIMIT, then locked */
	int account_code_seconds;  /* RXCA_ACCOUNT_CODE_SECONDS: code life */
	int apply_per_email;       /* RXCA_APPLY_PER_EMAIL_DAY */
	int apply_per_client;      /* RXCA_APPLY_PER_CLIENT_DAY */
	int mails_per_email;       /* RXCA_CODE_MAILS_PER_EMAIL_DAY */
	int mails_per_client;      /* RXCA_CODE_MAILS_PER_CLIENT_DAY */
	int session_idle;          /* RXCA_SESSION_IDLE, seconds */
	int session_max;           /* RXCA_SESSION_MAX, seconds */
	int sweep_interval;        /* RXCA_SWEEP_INTERVAL, seconds */
	int job_poll_interval;     /* RXCA_JOB_POLL_INTERVAL, seconds */
	int job_max_attempts;      /* RXCA_JOB_MAX_ATTEMPTS */
	int job_backoff_max;       /* RXCA_JOB_BACKOFF_MAX, seconds */
	int job_backoff_max_ms;    /* RXCA_JOB_BACKOFF_MAX_MS, 0: unset */
	int job_concurrency;       /* RXCA_JOB_CONCURRENCY: runs at once */
	int mail_backoff_max;      /* RXCA_MAIL_BACKOFF_MAX, seconds */
	int mail_keep_days;        /* RXCA_MAIL_KEEP_DAYS, other mail */
	char *tls_listen;          /* RXCA_TLS_LISTEN host:port; "" none */
	char tls_host[64];         /* parsed from tls_listen */
	int tls_port;              /* parsed from tls_listen */
	char *tls_cert;            /* RXCA_TLS_CERT, PEM chain file */
	char *tls_key;             /* RXCA_TLS_KEY, PEM key file */
	char *operator_ca;         /* RXCA_OPERATOR_CA, PEM CA file */
	char *operator_ca_key;     /* RXCA_OPERATOR_CA_KEY, admin only */
	char *idv_url;             /* RXCA_IDV_URL; "" none */
	char *idv_api_key;         /* RXCA_IDV_API_KEY */
	char *avs_url;             /* RXCA_AVS_URL; "" none */
	char *avs_api_key;         /* RXCA_AVS_API_KEY */
	char *sandbox_idv_url;     /* RXCA_SANDBOX_IDV_URL; "" none */
	char *sandbox_idv_api_key; /* RXCA_SANDBOX_IDV_API_KEY */
	char *sandbox_avs_url;     /* RXCA_SANDBOX_AVS_URL; "" none */
	char *sandbox_avs_api_key; /* RXCA_SANDBOX_AVS_API_KEY */
	char *provider_ca_file;    /* RXCA_PROVIDER_CA_FILE for HTTPS */
	int provider_connect_ms;   /* RXCA_PROVIDER_CONNECT_TIMEOUT_MS */
	int provider_timeout_ms;   /* RXCA_PROVIDER_TIMEOUT_MS, total */
	int idv_max_attempts;      /* RXCA_IDV_MAX_ATTEMPTS */
	char *oidc_issuer;         /* RXCA_OIDC_ISSUER; "" no OpenID proofing */
	char *oidc_client_id;      /* RXCA_OIDC_CLIENT_ID */
	char *oidc_client_secret;  /* RXCA_OIDC_CLIENT_SECRET (basic auth) */
	char *oidc_name;           /* RXCA_OIDC_NAME: shown to applicants */
	char *oidc_client_key_file; /* RXCA_OIDC_CLIENT_KEY (private_key_jwt) */
	char *oidc_client_key_id;   /* RXCA_OIDC_CLIENT_KEY_ID; "" thumbprint */
	struct oidcclient_key
	    *oidc_client_key;    /* read from the file, or NULL */
	char *oidc_scopes;       /* RXCA_OIDC_SCOPES */
	char *oidc_claims;       /* RXCA_OIDC_CLAIMS claim=name,... */
	char *oidc_products;     /* RXCA_OIDC_PRODUCTS; "" every product */
	char *oidc_acr_epcs;     /* RXCA_OIDC_ACR_EPCS: EPCS products */
	char *oidc_acr_other;    /* RXCA_OIDC_ACR_OTHER: other products */
	char *oidc_redirect_url; /* RXCA_OIDC_REDIRECT_URL */
	int oidc_flow_seconds;   /* RXCA_OIDC_FLOW_SECONDS */
	int oidc_jwks_interval;  /* RXCA_OIDC_JWKS_MIN_INTERVAL, seconds */
	int oidc_verified_only;  /* RXCA_OIDC_VERIFIED_ONLY 0|1 */
	char *passkey_origin;    /* RXCA_PASSKEY_ORIGIN (default PUBLIC_URL) */
	char *passkey_rp_id;     /* RXCA_PASSKEY_RP_ID (default its host) */
	char *passkey_roots;     /* RXCA_PASSKEY_ROOTS PEM file; "" none */
	int passkey_seconds;     /* RXCA_PASSKEY_CHALLENGE_SECONDS */
	int passkey_open_max;    /* RXCA_PASSKEY_CHALLENGES_MAX open */
	char *approval_key_file; /* RXCA_APPROVAL_KEY; "" no approvals */
	char *approval_key_id;   /* RXCA_APPROVAL_KEY_ID; "" thumbprint */
	struct oidcclient_key *approval_key; /* read (made) at start, or NULL */
	char *approval_retired_files;        /* RXCA_APPROVAL_KEYS_RETIRED */
	/* their public keys, read at start, published and never used */
	struct oidcclient_key *approval_retired[CONFIG_RETIRED_MAX];
	int approval_nretired;    /* of approval_retired */
	int approval_seconds;     /* RXCA_APPROVAL_SECONDS a request lives */
	int approval_pending_max; /* RXCA_APPROVAL_PENDING_MAX a prescriber */
	int approval_hourly_max;  /* RXCA_APPROVAL_HOURLY_MAX a prescriber */
	char *payment_url;        /* RXCA_PAYMENT_URL; "" no charging */
	char *payment_form_url;   /* RXCA_PAYMENT_FORM_URL: card frame */
	char *payment_api_key;    /* RXCA_PAYMENT_API_KEY */
	int payment_timeout_ms;   /* RXCA_PAYMENT_TIMEOUT_MS, one call */
	int payment_attempts;     /* RXCA_PAYMENT_ATTEMPTS at submission */
	char *payment_capture;    /* RXCA_PAYMENT_CAPTURE approval|submission */
	char *
	    payment_refund_reject; /* RXCA_PAYMENT_REFUND_ON_REJECT full|none */
	char *payment_refund_lapse; /* RXCA_PAYMENT_REFUND_ON_LAPSE full|none */
	int payment_orphan_seconds; /* RXCA_PAYMENT_ORPHAN_SECONDS */
	int webhook_connect_ms;     /* RXCA_WEBHOOK_CONNECT_TIMEOUT_MS */
	int webhook_timeout_ms;     /* RXCA_WEBHOOK_TIMEOUT_MS, total */
	int webhook_backoff_max;    /* RXCA_WEBHOOK_BACKOFF_MAX, seconds */
	int webhook_retry_hours;    /* RXCA_WEBHOOK_RETRY_HOURS, then dead */
	int webhook_keep_days;      /* RXCA_WEBHOOK_KEEP_DAYS, then deleted */
	int webhook_allow_private;  /* RXCA_WEBHOOK_ALLOW_PRIVATE, dev only */
	int challenge_window;       /* RXCA_PARTNER_CHALLENGE_WINDOW, s */
	int invite_limit;           /* RXCA_PARTNER_INVITE_LIMIT per hour */
	int invite_days;            /* RXCA_PARTNER_INVITE_DAYS: link life */
	int partner_allow_http;     /* RXCA_PARTNER_ALLOW_HTTP, dev only */
	int partner_rate_limit;     /* RXCA_PARTNER_RATE_LIMIT per window */
	int partner_rate_window;    /* RXCA_PARTNER_RATE_WINDOW, seconds */
	int partner_key_grace_max;  /* RXCA_PARTNER_KEY_GRACE_MAX, seconds */
	char *ca_dir;               /* RXCA_CA_DIR: CA key files, PEM copies */
	char *ca_passphrase;        /* RXCA_CA_PASSPHRASE (prefer the file) */
	char *ca_passphrase_file;   /* RXCA_CA_PASSPHRASE_FILE */
	char *pkcs11_module;        /* RXCA_PKCS11_MODULE; "" keys in files */
	char *pkcs11_token;         /* RXCA_PKCS11_TOKEN label */
	char *pkcs11_pin;           /* RXCA_PKCS11_PIN (prefer the file) */
	char *pkcs11_pin_file;      /* RXCA_PKCS11_PIN_FILE */
	char *cert_country;         /* RXCA_CERT_COUNTRY */
	char *cert_organization;    /* RXCA_CERT_ORGANIZATION */
	char *cert_policies_hw;     /* RXCA_CERT_POLICIES_HARDWARE, OIDs */
	char *cert_policies_sw;     /* RXCA_CERT_POLICIES_SOFTWARE, OIDs */
	char *cert_eku_hw;          /* RXCA_CERT_EKU_HARDWARE, OIDs */
	char *cert_eku_sw;          /* RXCA_CERT_EKU_SOFTWARE, OIDs */
	int cert_validity_days;     /* RXCA_CERT_VALIDITY_DAYS */
	char *pki_url;              /* RXCA_PKI_URL: base of AIA/CDP/OCSP */
	int root_days;              /* RXCA_ROOT_DAYS */
	int issuing_days;           /* RXCA_ISSUING_DAYS */
	int ocsp_signer_days;       /* RXCA_OCSP_SIGNER_DAYS */
	int issuing_any_policy;     /* RXCA_ISSUING_ANY_POLICY: 1 anyPolicy */
	int root_require_explicit;  /* RXCA_ROOT_REQUIRE_EXPLICIT_POLICY */
	int root_inhibit_mapping;   /* RXCA_ROOT_INHIBIT_POLICY_MAPPING */
	int root_crl_days;          /* RXCA_ROOT_CRL_DAYS */
	int root_crl_remind_days;   /* RXCA_ROOT_CRL_REMIND_DAYS */
	char *operator_email;       /* RXCA_OPERATOR_EMAIL: CA reminders */
	int ocsp_max_age;           /* RXCA_OCSP_MAX_AGE: HTTP cache cap, s */
	int kit_days;            /* RXCA_KIT_DAYS: code life after approval */
	int retrieval_attempts;  /* RXCA_RETRIEVAL_ATTEMPTS per kit */
	int reset_attempts;      /* RXCA_RESET_ATTEMPTS per app and client */
	int renewal_window_days; /* RXCA_RENEWAL_WINDOW_DAYS before expiry */
	char *renewal_reminders; /* RXCA_RENEWAL_REMINDERS, "90,60,30,7" */
	int renewal_steps[CONFIG_MAX_STEPS]; /* parsed, descending days */
	int nrenewal_steps;                  /* entries in renewal_steps */
	int crl_interval;        /* RXCA_CRL_INTERVAL: a new CRL every, s */
	int crl_validity;        /* RXCA_CRL_VALIDITY: nextUpdate ahead, s */
	char *ca_key;            /* RXCA_CA_KEY: p256 or p384 (ca init) */
	int crl_shards;          /* RXCA_CRL_SHARDS: shards of the CRL, 0 off */
	int crl_idp_critical;    /* RXCA_CRL_IDP_CRITICAL: the shards' IDP */
	int ocsp_validity;       /* RXCA_OCSP_VALIDITY: nextUpdate ahead, s */
	int ocsp_refresh;        /* RXCA_OCSP_REFRESH: re-sign when less left */
	int ocsp_sign_burst;     /* RXCA_OCSP_SIGN_BURST per client address */
	int ocsp_sign_rate;      /* RXCA_OCSP_SIGN_PER_MINUTE: its refill */
	int ocsp_cache_mb;       /* RXCA_OCSP_CACHE_MB: responses in memory */
	char *ocsp_database_url; /* RXCA_OCSP_DATABASE_URL: misses read here */
	int abandon_after;       /* RXCA_ISSUE_ABANDON_AFTER, s */
	int checkpoint_interval; /* RXCA_AUDIT_CHECKPOINT_INTERVAL, s */
	int audit_sequence_ms;   /* RXCA_AUDIT_SEQUENCE_INTERVAL_MS */
	char *clock_file;        /* RXCA_CLOCK_FILE, tests only */
	char *test_resolve_file; /* RXCA_TEST_RESOLVE_FILE, tests only */
	char *migrations_dir;    /* RXCA_MIGRATIONS_DIR */
	char *log_level;         /* RXCA_LOG_LEVEL */
	char *trusted_proxies;   /* RXCA_TRUSTED_PROXIES, addresses/CIDRs */
	struct clientaddr_list trust; /* parsed from trusted_proxies */
	char *web_dir;         /* RXCA_WEB_DIR: the portal's pages and assets */
	char *token_agent_url; /* RXCA_TOKEN_AGENT_URL: /retrieve's agent */
	char *console_dir;     /* RXCA_CONSOLE_DIR: the console's (HTTPS) */
	char *attest_roots;    /* RXCA_ATTEST_ROOTS, PEM bundle */
	char *dual_control;    /* RXCA_DUAL_CONTROL, action names */
	unsigned dual_actions; /* parsed: CONFIG_DUAL_* bits */
	int dual_control_expiry;    /* RXCA_DUAL_CONTROL_EXPIRY, s */
	int webhook_secret_overlap; /* RXCA_WEBHOOK_SECRET_OVERLAP, s */
};

/* The actions RXCA_DUAL_CONTROL may list (api/routes/h_approvals.c). */
#define CONFIG_DUAL_DECISION 0x01u /* decision.approve */
#define CONFIG_DUAL_KIT      0x02u /* kit.print */
#define CONFIG_DUAL_REVOKE   0x04u /* revocation */
#define CONFIG_DUAL_PARTNER  0x08u /* partner.key */

/* The CONFIG_DUAL_* bit of action name (n bytes), or 0 if none. */
unsigned config_dual_action(const char *name, size_t n);

/*
 * Fills c from the environment.  Returns 0, or -1 after writing one line
 * per bad setting (naming RXCA_<NAME>) into err.  Caller frees with
 * config_free().
 */
int config_load(struct config *c, FILE *err);
void config_free(struct config *c);
/* Writes every setting with its default, for docs/operations.md and --help. */
void config_usage(FILE *out);
const char *config_policy_name(enum policy p);

#endif
