/*
 * Structured logs: one logfmt line per event on stderr,
 *   ts=2026-11-22T04:49:39Z level=info req=r_abc msg="..." key=value
 * The request id is per thread.  Callers never pass a password, code, key,
 * token or full identity number; helpers below keep such values out.
 */
#ifndef RXCA_LOGGER_H
#define RXCA_LOGGER_H

enum log_level {
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR
};

void log_set_level(enum log_level level);
/* Sets this thread's request id (copied; NULL clears it). */
void log_set_request(const char *id);
const char *log_request(void);

/* msg is a fixed text; kv is already logfmt ("k=v k2=v2"), may be NULL. */
void log_emit(enum log_level level, const char *msg, const char *kvfmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_debug(msg, ...) log_emit(LOG_LEVEL_DEBUG, msg, __VA_ARGS__)
#define log_info(msg, ...)  log_emit(LOG_LEVEL_INFO, msg, __VA_ARGS__)
#define log_warn(msg, ...)  log_emit(LOG_LEVEL_WARN, msg, __VA_ARGS__)
#define log_error(msg, ...) log_emit(LOG_LEVEL_ERROR, msg, __VA_ARGS__)

/* Drains OpenSSL's error queue into one error line. */
void log_openssl(const char *msg);

#endif
