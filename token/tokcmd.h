/*
 * The commands of rxca-token, one function each: what the applicant and
 * the fulfiller run.  Each prints what it did on stdout and why it failed
 * on stderr, and returns the process exit status (TOKCMD_*).
 *
 * Environment: RXCA_TOKEN_FAULT=after-keygen or after-issue kills the
 * process there (SIGKILL), for the tests of an interrupted retrieval.
 */
#ifndef RXCA_TOKCMD_H
#define RXCA_TOKCMD_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "ca/pkcs11.h"
#include "common/problem.h"

#define TOKCMD_ORIGINS_MAX 16                /* --origin options */
#define TOKCMD_B64_MAX     (8 * 1024 * 1024) /* base64 text decoded */

/* Exit statuses. */
#define TOKCMD_OK             0 /* done */
#define TOKCMD_FAIL           1 /* failed; the reason on stderr */
#define TOKCMD_USAGE          2 /* bad command line */
#define TOKCMD_WRONG_PASSCODE 3 /* the token passcode is wrong */
#define TOKCMD_INITIAL        4 /* the initial passcode is unchanged */
#define TOKCMD_LOCKED         5 /* the token is locked for good */

/* The command line. */
struct tokcmd_opts {
	const char *module;    /* PKCS#11 module path */
	const char *token;     /* token label, or NULL: the only one */
	const char *server;    /* rxca server URL */
	const char *server_ca; /* CA bundle for an https server, or NULL */
	const char *root;      /* expected root CA (PEM file), or NULL */
	const char *email;     /* account e-mail for `test`, or NULL */
	const char *app_id;    /* application id for `test`, or NULL */
	const char *out;       /* `sign` output, or NULL: FILE.p7s */
	const char *tsa;       /* `sign`, agent: RFC 3161 TSA URL, or NULL */
	const char *tsa_ca;    /* the TSA's CA bundle (PEM), or NULL */
	const char *label;     /* `provision`: the new token label */
	const char *reinit;    /* `provision`: the token to reinitialize */
	int passcode_fd;       /* fds for the secrets, or -1: ask */
	int new_passcode_fd;
	int code_fd;
	int password_fd;
	int so_pin_fd;
	int port;           /* agent port (0: any) */
	int unlock_seconds; /* agent: how long an unlock holds */
	size_t body_max;    /* agent: request body limit, bytes */
	size_t norigins;    /* entries in origins */
	const char *origins[TOKCMD_ORIGINS_MAX]; /* agent: allowed origins */
};

int tokcmd_status(const struct tokcmd_opts *o);
int tokcmd_passcode(const struct tokcmd_opts *o);
int tokcmd_retrieve(const struct tokcmd_opts *o);
int tokcmd_test(const struct tokcmd_opts *o);
/* rxca-token renew: a new key pair on the token (TOKDEV_KEY "-N", the
 * next free generation N >= 2), its CSR signed by the current key (the
 * DER, with SHA-256 for P-256), posted to
 * /v1/certificates/{serial}/renewal; the new certificate stored under the
 * new pair's label beside the old one, which makes it the current
 * credential (see tokcmd_load()).  A rerun resumes with the same key
 * (a pair of the family without a certificate) and gets the same
 * certificate; once the renewed one is current while the one it renewed
 * is still valid, a rerun has nothing to do. */
int tokcmd_renew(const struct tokcmd_opts *o);
int tokcmd_info(const struct tokcmd_opts *o);
int tokcmd_sign(const struct tokcmd_opts *o, const char *file);
int tokcmd_provision(const struct tokcmd_opts *o);

/*
 * Adds to the CMS signature *der (*derlen bytes; OPENSSL_free()) a
 * time-stamp over its signature value from the TSA at o->tsa (checked
 * against o->tsa_ca when given): *der and *derlen are replaced.  0, or -1
 * with p set (503 when the TSA cannot be reached, 502 when it refuses).
 */
int tokcmd_timestamp(const struct tokcmd_opts *o, unsigned char **der,
    size_t *derlen, struct problem *p);

/* Prints p on stderr; the exit status that goes with it. */
int tokcmd_report(const struct problem *p);

#define TOKCMD_SERIAL_HEX 32  /* a certificate serial, hex digits */
#define TOKCMD_HEX_MAX    128 /* a serial as hex, with room */
/* The serial of x as the server names it: lower-case hex, 32 digits at
 * least (as `info` and the REST API show it). */
void tokcmd_serial(X509 *x, char out[TOKCMD_HEX_MAX]);
/* Prints what, then name on one line, to stdout. */
void tokcmd_print_name(const char *what, const X509_NAME *name);

/*
 * The current credential of t: among the key pairs labelled TOKDEV_KEY or
 * TOKDEV_KEY "-" suffix that have a certificate under the same label, the
 * one whose certificate is valid now with the latest notBefore (if none
 * is valid now, the latest).  Its label into key (unless NULL), its
 * certificate into *cert and the CA certificates stored beside it into
 * *chain (caller frees with X509_free() and sk_X509_pop_free()).  Returns
 * 0, or -1 with p set (404 when no certificate has been retrieved).
 */
int tokcmd_load(struct p11 *t, char key[P11_LABEL_MAX + 1], X509 **cert,
    STACK_OF(X509) * *chain, struct problem *p);

/* base64 of in (len bytes); caller frees with free(). */
char *tokcmd_b64(const unsigned char *in, size_t len);

/* The bytes of the base64 text in (at most TOKCMD_B64_MAX characters)
 * into *out (caller frees with free()) and *outlen; -1 if it is not
 * base64. */
int tokcmd_unb64(const char *in, unsigned char **out, size_t *outlen);

#endif
