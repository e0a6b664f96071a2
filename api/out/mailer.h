/*
 * Outgoing mail: a plain-text UTF-8 message, quoted-printable, delivered
 * by SMTP through libcurl (RXCA_SMTP_URL) or, without SMTP, written as a
 * .eml file into RXCA_MAIL_DIR for development and tests.  The one file of
 * rxca that speaks SMTP.
 */
#ifndef RXCA_MAILER_H
#define RXCA_MAILER_H

#include <time.h>

#include "api/config.h"
#include "common/problem.h"

#define MAILER_MAX_SUBJECT     200         /* bytes of a subject */
#define MAILER_MAX_BODY        (64 * 1024) /* bytes of a text body */
#define MAILER_CONNECT_TIMEOUT 5           /* seconds to reach SMTP */

struct mailer;

/* Calls curl_global_init once; call it from main before any thread runs
 * mailer_send.  Safe to call again. */
void mailer_global_init(void);

/* A mailer with copies of c's mail settings (smtp_url, mail_from, mail_dir,
 * smtp_timeout).  Never NULL.  Caller frees with mailer_free(). */
struct mailer *mailer_new(const struct config *c);
void mailer_free(struct mailer *m);

/* The seconds a job's lease must last across one mailer_send under c:
 * the SMTP timeout and a minute that a send may pass it by. */
int mailer_lease(const struct config *c);

/*
 * Sends text_body (UTF-8, lines ending in LF or CRLF) to the address to
 * with the given subject (UTF-8, one line).  Thread-safe: any number of
 * threads may share one mailer.  Returns 0, or -1 with p set:
 *   422 invalid-mail      to is not a plain address (dot-atom local part
 *                         @ host name, ASCII, at most 254 bytes), the
 *                         subject holds a control character (CR, LF), or
 *                         subject or body is not UTF-8 or is too long
 *   503 smtp-unavailable  the SMTP server refused or could not be reached
 *                         (the curl error is logged, never the message)
 *   500 internal          the .eml file could not be written (logged)
 * Without SMTP the message goes to <mail_dir>/<unix time>-<random>.eml,
 * written to a .tmp file and renamed, the folder made 0700 if missing.
 */
int mailer_send(struct mailer *m, const char *to, const char *subject,
    const char *text_body, struct problem *p);

/*
 * The whole RFC 5322 message with CRLF line ends: Date (of date, UTC),
 * From, To, Subject (RFC 2047 B-encoded UTF-8 words if not ASCII; folded
 * to lines of at most 78 bytes where it has spaces), Message-ID
 * <message_id>, MIME-Version, Content-Type text/plain; charset=utf-8 and
 * Content-Transfer-Encoding quoted-printable, then body encoded with lines
 * of at most 76 bytes; a '.' or "From " that would start a line is
 * encoded.  message_id is given without angle brackets.  Returns NULL if
 * an address is not valid (see mailer_send), the subject or message_id
 * holds a control character (CR and LF included), the subject or body is
 * not valid UTF-8, or a bound is exceeded.  Caller frees.
 */
char *mailer_format(const char *from, const char *to, const char *subject,
    const char *body, time_t date, const char *message_id);

#endif
