/* rxca-token test: the token signs the server's challenge for its
 * certificate, and the server checks the signature. */
#ifndef RXCA_TOKCMD_TEST_H
#define RXCA_TOKCMD_TEST_H

#include "token/tokcmd.h"

int tokcmd_test(const struct tokcmd_opts *o);

/*
 * The test itself, for `test` and the agent: logs in to the account (by
 * app_id if not NULL, else by email, else the certificate's e-mail) with
 * password, asks for a challenge for the certificate on token t (logged
 * in), signs it with its key and has the server check it.  Returns 0
 * with serial set, or -1 with p set.
 */
int tokcmd_test_token(struct tokclient *c, struct p11 *t, const char *email,
    const char *app_id, const char *password, char serial[TOKCMD_HEX_MAX],
    struct problem *p);

#endif
