/*
 * A pinentry program over the Assuan protocol (as GnuPG asks for a PIN):
 * the agent's prompts for the token passcode and its confirmation of each
 * signature, so a secret is typed into a window the agent owns, never into
 * the web page that asked.  Each call starts the program (argv[0] only, no
 * shell), speaks the commands below on its standard input and output, and
 * ends it (BYE, then wait for it):
 *
 *   server:  OK Pleased to meet you
 *   client:  SETTITLE, SETDESC, SETPROMPT (percent-escaped text)
 *   client:  GETPIN      server: D <escaped pin>  OK   (or ERR: cancelled)
 *   client:  CONFIRM     server: OK               (or ERR: refused)
 *
 * Status ("S"), comment ("#") lines and INQUIRE (answered with CAN) are
 * read over.  A line is at most TOKPIN_LINE_MAX bytes (the protocol's
 * 1000).  Debian's pinentry-curses, -gnome3, -qt and the tests' scripted
 * pinentry (tests/unit/token/pinentry_scripted.py) all speak it.
 */
#ifndef RXCA_TOKPIN_H
#define RXCA_TOKPIN_H

#include <stddef.h>

#include "common/problem.h"

#define TOKPIN_LINE_MAX    1000 /* an Assuan line, bytes without newline */
#define TOKPIN_TIMEOUT_SEC 300  /* the user's time to answer one prompt */

/* What one prompt shows. */
struct tokpin_prompt {
	const char *title;  /* the window's title */
	const char *desc;   /* what is asked and for whom (the origin) */
	const char *prompt; /* next to the field ("Passcode:") */
};

/*
 * Asks program for a PIN with what: into pin (pinsz bytes, NUL ended).
 * Returns 0, or -1 with p set: 403 pinentry-cancelled when the user
 * cancelled or closed the window, 503 pinentry-failed when the program
 * cannot be started or breaks the protocol, 422 invalid-field
 * "passcode" when the PIN is empty or too long.  The caller clears pin.
 */
int tokpin_getpin(const char *program, const struct tokpin_prompt *what,
    char *pin, size_t pinsz, struct problem *p);

/*
 * Asks program to confirm what (desc; prompt unused).  Returns 0 if the
 * user confirmed, -1 with p set: 403 signature-refused when the user
 * said no, 503 pinentry-failed as above.
 */
int tokpin_confirm(
    const char *program, const struct tokpin_prompt *what, struct problem *p);

/*
 * The Assuan escaping of text into out (outsz bytes): '%', CR and LF as
 * %XX.  Returns the length, or -1 if it does not fit.
 */
int tokpin_escape(const char *text, char *out, size_t outsz);

/*
 * Undoes %XX escapes of in[0..len) into out (outsz bytes, NUL ended).
 * Returns the length, or -1 on a bad escape, a NUL byte or no room.
 */
int tokpin_unescape(const char *in, size_t len, char *out, size_t outsz);

#endif
