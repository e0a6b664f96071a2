/* The commands about the token itself: `status` (the tokens, their
 * passcode state and objects), `passcode` (change it) and `provision`
 * (the fulfiller initializes a token for a kit). */
#ifndef RXCA_TOKCMD_TOKEN_H
#define RXCA_TOKCMD_TOKEN_H

#include "token/tokcmd.h"

int tokcmd_status(const struct tokcmd_opts *o);
int tokcmd_passcode(const struct tokcmd_opts *o);
int tokcmd_provision(const struct tokcmd_opts *o);

#endif
