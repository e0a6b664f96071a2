/* rxca-token test: the token signs the server's challenge for its
 * certificate, and the server checks the signature. */
#ifndef RXCA_TOKCMD_TEST_H
#define RXCA_TOKCMD_TEST_H

#include "token/tokcmd.h"

int tokcmd_test(const struct tokcmd_opts *o);

#endif
