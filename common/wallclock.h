/*
 * The one clock of rxca.  Every "now" comes from here so tests can move
 * time: a unit test fixes it in-process; an integration test points
 * RXCA_CLOCK_FILE at a file holding an offset in seconds that is added to
 * the system time (re-read whenever the file changes).  Thread-safe.
 */
#ifndef RXCA_WALLCLOCK_H
#define RXCA_WALLCLOCK_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#define WALLCLOCK_RFC3339_LEN 21 /* "2026-11-22T04:49:39Z" + NUL */
#define WALLCLOCK_MAIL_LEN    24 /* "2026-12-06 04:49 UTC" + NUL */

/* Seconds since the epoch, as the clock sees it. */
time_t wallclock_now(void);

/* Milliseconds since the epoch, as the clock sees it (wallclock_now() is
 * this over 1000). */
long long wallclock_now_ms(void);

/* Fixes the clock at t (unit tests); t == 0 goes back to the system. */
void wallclock_set_fixed(time_t t);

/* Uses the offset file at path (NULL to stop).  Returns 0, or -1 if the
 * file exists but does not hold an integer. */
int wallclock_use_file(const char *path);

/* Writes t as RFC 3339 UTC into buf (at least WALLCLOCK_RFC3339_LEN). */
void wallclock_format(time_t t, char *buf, size_t bufsz);

/* Writes t as a person reads it at a glance in a mail, "2026-12-06 04:49
 * UTC", into buf (WALLCLOCK_MAIL_LEN); "?" if t is out of range. */
void wallclock_mail(time_t t, char buf[WALLCLOCK_MAIL_LEN]);

/* t as an RFC 3339 JSON string (a new reference), or JSON null for
 * t == 0. */
json_t *wallclock_json(time_t t);

/* Parses "YYYY-MM-DDTHH:MM:SSZ" or PostgreSQL's "YYYY-MM-DD HH:MM:SS+00".
 * Returns 0 and sets *t, or -1. */
int wallclock_parse(const char *s, time_t *t);

#endif
