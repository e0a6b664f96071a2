/* The commands about the token itself: `status` (the tokens, their
 * passcode state and objects), `passcode` (change it) and `provision`
 * (the fulfiller initializes a token for a kit). */
#ifndef RXCA_TOKCMD_TOKEN_H
#define RXCA_TOKCMD_TOKEN_H

#include "token/tokcmd.h"

int tokcmd_status(const struct tokcmd_opts *o);
int tokcmd_passcode(const struct tokcmd_opts *o);
int tokcmd_provision(const struct tokcmd_opts *o);

/*
 * Changes the passcode of token label from old to new_passcode and ends
 * its initial state (the marker removed), for `passcode` and the agent.
 * Returns 0, or -1 with p set: 422 new_passcode (length, the same as
 * old), or the log-in's refusal (tokdev_open()).
 */
int tokcmd_change_passcode(const char *module, const char *label,
    const char *old, const char *new_passcode, struct problem *p);

#endif
