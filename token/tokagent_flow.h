/*
 * rxca-token agent: the retrieval a web page (the portal's /retrieve)
 * drives through the agent, one step per request, each resumable (the
 * token holds the state: marker, key pair, certificate), so a reload or a
 * restarted agent continues where it was and never voids anything:
 *
 *   GET  /v1/status    the token, its passcode state, key, certificate,
 *                      and the next step
 *   POST /v1/passcode  {}: the initial passcode from the letter and a new
 *                      one, both typed at the agent's pinentry
 *   POST /v1/keygen    {}: the key pair made on the token (kept if there)
 *   POST /v1/retrieve  {"activation_code", "password"}: the CSR signed on
 *                      the token (confirmed at the pinentry, the origin
 *                      shown), sent to the server, the certificate checked
 *                      and stored (the one there is kept)
 *   POST /v1/test      {"password"}: the server's challenge signed on the
 *                      token (confirmed) and checked by the server
 *   POST /v1/renew     {"password"}: inside the renewal window, a new key
 *                      pair on the token, its request signed with the
 *                      current key (confirmed), the renewed certificate
 *                      stored beside the old one (a rerun resumes)
 *
 * Every passcode is typed at the pinentry (token/tokpin.h), never sent
 * by the page.  The answers are JSON; errors are the agent's problems.
 */
#ifndef RXCA_TOKAGENT_FLOW_H
#define RXCA_TOKAGENT_FLOW_H

#include <jansson.h>

#include "common/problem.h"
#include "token/tokagent_req.h"
#include "token/tokcmd.h"

/* Answers r (one of the ops above) for options o: 0 with *out (a new
 * JSON object), or -1 with p set. */
int tokagent_flow(const struct tokcmd_opts *o, const struct tokagent_req *r,
    json_t **out, struct problem *p);

/* The pinentry's title for every prompt of the agent. */
#define TOKAGENT_PIN_TITLE "rxca token"

#endif
