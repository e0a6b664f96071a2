/*
 * rxca-token agent: a small HTTP server on the loopback interface that
 * lets an EHR page in the browser use the token (the seeds' "Chrome USB
 * EPCS Setup").  One libevent loop; a signature is made on the loop (a
 * local, single-user service: requests are served one at a time).
 *
 *   GET  /v1/certificate  the certificate and chain on the token
 *   POST /v1/sign         {"data": base64, "passcode"?, "format"?:
 *                         "cms" (default: detached CMS SignedData) or
 *                         "raw" (DER ECDSA over SHA-256(data))}
 *                         -> {"signature": base64, "format", "serial"}
 *   POST /v1/unlock       {"passcode"}: hold the log-in for the configured
 *                         unlock time, so /v1/sign needs no passcode
 *   POST /v1/lock         drop it now
 *   GET  /v1/status, POST /v1/passcode, /v1/keygen, /v1/retrieve, /v1/test
 *                         the retrieval a web page drives
 *                         (token/tokagent_flow.h)
 *
 * With a pinentry program (--pinentry, or pinentry in the configuration
 * file) every passcode is typed at its prompt, a passcode in a body is
 * refused, and each signature is confirmed there with the origin shown;
 * without one, /v1/sign and /v1/unlock take the passcode in the body
 * and the retrieval's steps are refused.
 *
 * Every request must come from a configured origin (the Origin header;
 * CORS preflights answered for them only, with Chrome's private or local
 * network permission when asked; a POST only after a preflight) and name
 * the agent by a
 * loopback Host (127.0.0.1, localhost, [::1] with the agent's port), so a
 * DNS-rebinding page cannot reach it.  Bodies are limited (413 beyond).
 * Every signature is logged with the origin and a digest of the data.
 */
#ifndef RXCA_TOKAGENT_HTTP_H
#define RXCA_TOKAGENT_HTTP_H

#include "token/tokcmd.h"

#define TOKAGENT_HEADERS_MAX   (16 * 1024) /* request line and headers */
#define TOKAGENT_TIMEOUT_SEC   30          /* a slow client is cut off */
#define TOKAGENT_PREFLIGHT_AGE "0" /* Access-Control-Max-Age: every time */

/*
 * Runs the agent for o (module, token, origins, port, unlock_seconds,
 * body_max) until SIGINT or SIGTERM.  Prints "listening on URL" on stdout
 * once it accepts connections.  Returns the exit status (TOKCMD_*).
 */
int tokagent_run(const struct tokcmd_opts *o);

#endif
