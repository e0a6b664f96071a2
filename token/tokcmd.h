/*
 * What the commands of rxca-token share: the command line, the exit
 * statuses, the opening of the token (and the server) most of them start
 * with, and the printing of what they find.  The commands are in
 * tokcmd_token.c (status, passcode, provision), tokcmd_cert.c (retrieve,
 * renew), tokcmd_test.c, tokcmd_info.c, tokcmd_sign.c, tokverify.c and
 * tokagent_http.c; token_main.c holds the command table.  Each command
 * prints what it did on stdout and why it failed on stderr, and returns
 * the process exit status (TOKCMD_*).
 */
#ifndef RXCA_TOKCMD_H
#define RXCA_TOKCMD_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include <jansson.h>

#include "ca/pkcs11.h"
#include "common/problem.h"
#include "token/tokprompt.h"

#define TOKCMD_ORIGINS_MAX 16                /* --origin options */
#define TOKCMD_B64_MAX     (8 * 1024 * 1024) /* base64 text decoded */
#define TOKCMD_OBJS_MAX    64 /* objects of a kind read from a token */

/* Exit statuses. */
#define TOKCMD_OK             0 /* done */
#define TOKCMD_FAIL           1 /* failed; the reason on stderr */
#define TOKCMD_USAGE          2 /* bad command line */
#define TOKCMD_WRONG_PASSCODE 3 /* the token passcode is wrong */
#define TOKCMD_INITIAL        4 /* the initial passcode is unchanged */
#define TOKCMD_LOCKED         5 /* the token is locked for good */

/* The command line. */
struct tokcmd_opts {
	const char *module;      /* PKCS#11 module path */
	const char *token;       /* token label, or NULL: the only one */
	const char *server;      /* rxca server URL */
	const char *server_ca;   /* CA bundle for an https server, or NULL */
	const char *root;        /* expected root CA (PEM file), or NULL */
	const char *root_sha256; /* its SHA-256 (64 lower-case hex), or NULL */
	const char *config;      /* the configuration file read, or NULL */
	const char *email;       /* account e-mail for `test`, or NULL */
	const char *app_id;      /* application id for `test`, or NULL */
	const char *out;         /* `sign` output, or NULL: FILE.p7s */
	const char *tsa;         /* `sign`, agent: RFC 3161 TSA URL, or NULL */
	const char *tsa_ca;      /* the TSA's CA bundle (PEM), or NULL */
	const char *label;       /* `provision`: the new token label */
	const char *reinit;      /* `provision`: the token to reinitialize */
	const char *file;        /* `sign`, `verify`: the file signed */
	const char *sig;         /* `verify`: the signature file */
	const char *pinentry;    /* agent: the pinentry program, or NULL */
	int passcode_fd;         /* fds for the secrets, or -1: ask */
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

/* Prints p on stderr; the exit status that goes with it. */
int tokcmd_report(const struct problem *p);

#define TOKCMD_SERIAL_HEX 32  /* a certificate serial, hex digits */
#define TOKCMD_HEX_MAX    128 /* a serial as hex, with room */
/* The serial of x as the server names it: lower-case hex, 32 digits at
 * least (as `info` and the REST API show it). */
void tokcmd_serial(X509 *x, char out[TOKCMD_HEX_MAX]);
/* Prints what, then name on one line, to stdout. */
void tokcmd_print_name(const char *what, const X509_NAME *name);

/* base64 of in (len bytes); caller frees with free(). */
char *tokcmd_b64(const unsigned char *in, size_t len);

/* The bytes of the base64 text in (at most TOKCMD_B64_MAX characters)
 * into *out (caller frees with free()) and *outlen; -1 if it is not
 * base64. */
int tokcmd_unb64(const char *in, unsigned char **out, size_t *outlen);

/* The token to use (o->token, or the only one) into label; -1 with p
 * set. */
int tokcmd_pick(const struct tokcmd_opts *o,
    char label[P11_TOKEN_LABEL_MAX + 1], struct problem *p);

/* Kills the process (SIGKILL) at the named point if RXCA_TOKEN_FAULT
 * names it (after-keygen, after-issue): the tests of an interrupted
 * retrieval or renewal. */
void tokcmd_fault(const char *point);

/* The first rfc822Name of x, or NULL; caller frees. */
char *tokcmd_email(X509 *x);

/* Prints what, then t on one line, to stdout. */
void tokcmd_print_time(const char *what, const ASN1_TIME *t);

/* Sets p from the answer of a server that refused (its status and
 * problem+json reply, or NULL); returns -1. */
int tokcmd_server_refused(long status, json_t *reply, struct problem *p);

struct tokclient;

/* A session token for the account (by application id if given, else by
 * e-mail) from the server's /v1/sessions; caller frees.  NULL with p
 * set. */
char *tokcmd_login(struct tokclient *c, const char *email, const char *app_id,
    const char *password, struct problem *p);

/* What tokcmd_open() asks for besides the token passcode. */
#define TOKCMD_OPEN_SERVER   0x1 /* --server, and a client for it */
#define TOKCMD_OPEN_CODE     0x2 /* the activation code */
#define TOKCMD_OPEN_PASSWORD 0x4 /* the account password */

/* The token a command opened, the secrets it asked, the server. */
struct tokcmd_session {
	char label[P11_TOKEN_LABEL_MAX + 1]; /* the token */
	char passcode[TOKPROMPT_MAX + 1];    /* the token passcode */
	char code[TOKPROMPT_MAX + 1];        /* activation code, or "" */
	char password[TOKPROMPT_MAX + 1];    /* account password, or "" */
	struct tokclient *c;                 /* the server, or NULL */
	struct p11 *t;                       /* the token, logged in */
};

/*
 * The opening of command cmd: with TOKCMD_OPEN_SERVER, --server is
 * required (else usage) and a client made for it; the token picked, and
 * refused while its initial passcode is unchanged; the token passcode
 * asked, then the activation code and the account password as what
 * says; the token opened with the passcode.  Returns TOKCMD_OK with sn
 * filled (close it with tokcmd_close()), or the exit status after
 * reporting on stderr, with sn closed.
 */
int tokcmd_open(const struct tokcmd_opts *o, const char *cmd, int what,
    struct tokcmd_session *sn, struct problem *p);

/* Clears the secrets of sn, closes its token and client; a second call
 * does nothing more. */
void tokcmd_close(struct tokcmd_session *sn);

#endif
