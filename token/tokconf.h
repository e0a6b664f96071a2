/*
 * rxca-token's configuration file, /etc/rxca-token.conf as installed by
 * the Debian package (docs/token.md), or the file RXCA_TOKEN_CONF names.
 * Lines of "key = value"; blank lines and lines starting with '#' are
 * skipped.  Keys:
 *
 *   server = URL          the rxca server (as --server)
 *   server_ca = FILE      CA bundle for an https server (as --server-ca)
 *   root_sha256 = HEX     SHA-256 of the root CA certificate (DER) the
 *                         server's chain must end in: 64 hex digits,
 *                         colons and case ignored
 *   origin = URL          an origin the agent answers (as --origin; one
 *                         line each)
 *   pinentry = PROGRAM    the agent's passcode prompt (as --pinentry)
 *
 * An unknown key or a malformed line is an error naming the line.  What
 * the command line gives wins: the file fills only what it left out.
 */
#ifndef RXCA_TOKCONF_H
#define RXCA_TOKCONF_H

#include <stddef.h>

#include "common/problem.h"
#include "token/tokcmd.h"

#define TOKCONF_PATH_DEFAULT "/etc/rxca-token.conf"
#define TOKCONF_ENV          "RXCA_TOKEN_CONF"
#define TOKCONF_VALUE_MAX    1024 /* bytes of a value, with its NUL */
#define TOKCONF_PATH_MAX     4096
#define TOKCONF_SHA256_HEX   64

struct tokconf {
	char path[TOKCONF_PATH_MAX]; /* the file read, "" if none */
	char server[TOKCONF_VALUE_MAX];
	char server_ca[TOKCONF_VALUE_MAX];
	char root_sha256[TOKCONF_SHA256_HEX + 1]; /* lower-case hex, or "" */
	char pinentry[TOKCONF_VALUE_MAX];         /* the agent's prompt */
	size_t norigins;
	char origins[TOKCMD_ORIGINS_MAX][TOKCONF_VALUE_MAX];
};

/*
 * Reads the file of $RXCA_TOKEN_CONF (which must then exist) or else
 * TOKCONF_PATH_DEFAULT (skipped if absent) into c.  Returns 1 if a file
 * was read, 0 if there was none, -1 with p set (a field "config" saying
 * which file and line) if it cannot be read or is malformed.
 */
int tokconf_load(struct tokconf *c, struct problem *p);

/* Reads the file path into c: 1, or -1 with p set (missing included). */
int tokconf_read(const char *path, struct tokconf *c, struct problem *p);

/* Fills what o leaves out (server, server_ca, root_sha256, origins) from
 * c, which must outlive o. */
void tokconf_apply(const struct tokconf *c, struct tokcmd_opts *o);

/* `rxca-token config`: the settings in effect and where they came from. */
int tokconf_cmd(const struct tokcmd_opts *o);

#endif
