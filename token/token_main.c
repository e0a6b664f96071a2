/*
 * rxca-token: the applicant's side of the token.
 *
 *   rxca-token status                 tokens, passcode state, objects
 *   rxca-token passcode               change the token passcode
 *   rxca-token retrieve --server URL  key on the token, certificate onto it
 *   rxca-token renew --server URL     new key, certificate beside the old
 *   rxca-token test --server URL      the server's challenge signed
 *   rxca-token info                   the certificate, and its OCSP status
 *   rxca-token sign FILE [--out F]    a detached CMS signature of FILE
 *   rxca-token sign-challenge TEXT    TEXT signed, as a JSON line
 *   rxca-token verify FILE SIG        who signed FILE, when, and the status
 *   rxca-token agent --origin O ...   the localhost agent for EHR pages
 *   rxca-token provision              (fulfilment) initialize a token
 *   rxca-token config                 the settings in effect
 *
 * --server, --server-ca and --origin default to /etc/rxca-token.conf (or
 * the file $RXCA_TOKEN_CONF names: token/tokconf.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token/tokagent_http.h"
#include "token/tokcmd.h"
#include "token/tokconf.h"
#include "token/tokcmd_cert.h"
#include "token/tokcmd_info.h"
#include "token/tokcmd_sign.h"
#include "token/tokcmd_test.h"
#include "token/tokcmd_token.h"
#include "token/tokverify.h"
#include "common/logger.h"
#include "common/wallclock.h"

#define TOKEN_MODULE_DEFAULT "/usr/lib/softhsm/libsofthsm2.so"
#define TOKEN_PORT_DEFAULT   8731
#define TOKEN_UNLOCK_DEFAULT 300
#define TOKEN_UNLOCK_MAX     3600
#define TOKEN_BODY_DEFAULT   (1024 * 1024)
#define TOKEN_BODY_MAX       (16 * 1024 * 1024)
#define TOKEN_FD_MAX         1024

/* The commands: name, how many file arguments, the function, the line
 * of the usage. */
static const struct command {
	const char *name;
	int nfiles;
	int (*run)(const struct tokcmd_opts *o);
	const char *help;
} commands[] = {
    {"status", 0, tokcmd_status,
        "  status                  the tokens, their passcode state and "
        "objects\n"},
    {"passcode", 0, tokcmd_passcode,
        "  passcode                change the token passcode\n"},
    {"retrieve", 0, tokcmd_retrieve,
        "  retrieve --server URL   generate the key on the token and "
        "retrieve the certificate\n"},
    {"test", 0, tokcmd_test,
        "  test --server URL       sign the server's challenge with the "
        "token\n"},
    {"renew", 0, tokcmd_renew,
        "  renew --server URL      a new key on the token and a new "
        "certificate, inside the renewal window\n"},
    {"info", 0, tokcmd_info,
        "  info                    the certificate on the token and its "
        "OCSP status\n"},
    {"sign", 1, tokcmd_sign,
        "  sign FILE [--out SIG] [--tsa URL]   a detached CAdES-BES "
        "signature (CMS, DER) of FILE\n"},
    {"sign-challenge", 1, tokcmd_sign_challenge,
        "  sign-challenge TEXT     sign an EHR's challenge or statement: "
        "{\"challenge\", \"serial\", \"signature\"}\n"},
    {"verify", 2, tokverify_cmd,
        "  verify FILE SIG --root FILE   check a signature: who signed, "
        "when, the certificate's status then and now\n"},
    {"agent", 0, tokagent_run,
        "  agent --origin URL ...  the local signing agent for web pages\n"},
    {"config", 0, tokconf_cmd,
        "  config                  the settings in effect: the command "
        "line, then " TOKCONF_PATH_DEFAULT " (or $" TOKCONF_ENV ")\n"},
    {"provision", 0, tokcmd_provision,
        "  provision [--label L] [--reinit OLD]   initialize a token for "
        "a kit\n"},
};

static void
usage(void)
{
	size_t i;

	fprintf(stderr, "usage: rxca-token [options] command\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fputs(commands[i].help, stderr);
	fprintf(stderr,
	    "options:\n"
	    "  --module PATH           PKCS#11 module (RXCA_TOKEN_MODULE; "
	    "default " TOKEN_MODULE_DEFAULT ")\n"
	    "  --token LABEL           the token (default: the only one)\n"
	    "  --server-ca FILE        CA bundle for an https server\n"
	    "  --root FILE             the root CA certificate to expect\n"
	    "  --email ADDR | --application-id ID   the account for test, "
	    "renew\n"
	    "  --passcode-fd N --new-passcode-fd N --code-fd N "
	    "--password-fd N --so-pin-fd N\n"
	    "                          read a secret from a descriptor "
	    "instead of the terminal\n"
	    "  --tsa URL --tsa-ca FILE  an RFC 3161 time-stamp authority "
	    "(sign, agent) and its CA (sign, verify)\n"
	    "  --port N --unlock-seconds N --body-max BYTES   agent "
	    "settings\n"
	    "  --pinentry PROGRAM      agent: ask the passcode and confirm "
	    "each signature there\n");
}

/* A decimal in [min, max], or -1. */
static long
number(const char *s, long min, long max)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return -1;
	return v;
}

int
main(int argc, char **argv)
{
	static struct tokconf conf;
	struct problem p;
	struct tokcmd_opts o;
	const char *cmd = NULL, *v, *env;
	int i, nfiles = 0, *fd;
	size_t c;
	long n;

	memset(&o, 0, sizeof(o));
	o.passcode_fd = o.new_passcode_fd = o.code_fd = o.password_fd =
	    o.so_pin_fd = -1;
	o.port = TOKEN_PORT_DEFAULT;
	o.unlock_seconds = TOKEN_UNLOCK_DEFAULT;
	o.body_max = TOKEN_BODY_DEFAULT;
	env = getenv("RXCA_TOKEN_MODULE");
	o.module = env != NULL && *env != '\0' ? env : TOKEN_MODULE_DEFAULT;
	log_set_level(getenv("RXCA_TOKEN_DEBUG") != NULL ? LOG_LEVEL_DEBUG
	                                                 : LOG_LEVEL_WARN);
	/* The server's test clock (common/wallclock.h): an offset file. */
	env = getenv("RXCA_CLOCK_FILE");
	if (env != NULL && *env != '\0' && wallclock_use_file(env) == -1) {
		fprintf(stderr,
		    "RXCA_CLOCK_FILE: %s does not hold an integer offset in "
		    "seconds\n",
		    env);
		return TOKCMD_USAGE;
	}
	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0) {
			if (cmd == NULL)
				cmd = argv[i];
			else if (o.file == NULL)
				o.file = argv[i];
			else if (o.sig == NULL)
				o.sig = argv[i];
			else
				goto usage;
			continue;
		}
		if (strcmp(argv[i], "--help") == 0) {
			usage();
			return 0;
		}
		if (i + 1 >= argc)
			goto usage;
		v = argv[++i];
		fd = NULL;
		if (strcmp(argv[i - 1], "--module") == 0)
			o.module = v;
		else if (strcmp(argv[i - 1], "--token") == 0)
			o.token = v;
		else if (strcmp(argv[i - 1], "--server") == 0)
			o.server = v;
		else if (strcmp(argv[i - 1], "--server-ca") == 0)
			o.server_ca = v;
		else if (strcmp(argv[i - 1], "--root") == 0)
			o.root = v;
		else if (strcmp(argv[i - 1], "--email") == 0)
			o.email = v;
		else if (strcmp(argv[i - 1], "--application-id") == 0)
			o.app_id = v;
		else if (strcmp(argv[i - 1], "--out") == 0)
			o.out = v;
		else if (strcmp(argv[i - 1], "--tsa") == 0)
			o.tsa = v;
		else if (strcmp(argv[i - 1], "--tsa-ca") == 0)
			o.tsa_ca = v;
		else if (strcmp(argv[i - 1], "--label") == 0)
			o.label = v;
		else if (strcmp(argv[i - 1], "--reinit") == 0)
			o.reinit = v;
		else if (strcmp(argv[i - 1], "--pinentry") == 0)
			o.pinentry = v;
		else if (strcmp(argv[i - 1], "--passcode-fd") == 0)
			fd = &o.passcode_fd;
		else if (strcmp(argv[i - 1], "--new-passcode-fd") == 0)
			fd = &o.new_passcode_fd;
		else if (strcmp(argv[i - 1], "--code-fd") == 0)
			fd = &o.code_fd;
		else if (strcmp(argv[i - 1], "--password-fd") == 0)
			fd = &o.password_fd;
		else if (strcmp(argv[i - 1], "--so-pin-fd") == 0)
			fd = &o.so_pin_fd;
		else if (strcmp(argv[i - 1], "--port") == 0) {
			if ((n = number(v, 0, 65535)) == -1)
				goto usage;
			o.port = (int)n;
		} else if (strcmp(argv[i - 1], "--unlock-seconds") == 0) {
			if ((n = number(v, 0, TOKEN_UNLOCK_MAX)) == -1)
				goto usage;
			o.unlock_seconds = (int)n;
		} else if (strcmp(argv[i - 1], "--body-max") == 0) {
			if ((n = number(v, 1024, TOKEN_BODY_MAX)) == -1)
				goto usage;
			o.body_max = (size_t)n;
		} else if (strcmp(argv[i - 1], "--origin") == 0) {
			if (o.norigins == TOKCMD_ORIGINS_MAX)
				goto usage;
			o.origins[o.norigins++] = v;
		} else
			goto usage;
		if (fd != NULL && (*fd = (int)number(v, 0, TOKEN_FD_MAX)) == -1)
			goto usage;
	}
	if (cmd == NULL)
		goto usage;
	/* The configuration file fills what the command line left out. */
	problem_clear(&p);
	if (tokconf_load(&conf, &p) == -1)
		return tokcmd_report(&p);
	tokconf_apply(&conf, &o);
	nfiles = (o.file != NULL) + (o.sig != NULL);
	for (c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (strcmp(cmd, commands[c].name) == 0) {
			if (nfiles != commands[c].nfiles)
				goto usage;
			return commands[c].run(&o);
		}
usage:
	usage();
	return TOKCMD_USAGE;
}
