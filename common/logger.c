#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "common/logger.h"
#include "common/wallclock.h"

static enum log_level log_min = LOG_LEVEL_INFO;
static _Thread_local char log_req[40];

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void
log_set_level(enum log_level level)
{
	log_min = level;
}

void
log_set_request(const char *id)
{
	snprintf(log_req, sizeof(log_req), "%s", id != NULL ? id : "");
}

const char *
log_request(void)
{
	return log_req;
}

void
log_emit(enum log_level level, const char *msg, const char *kvfmt, ...)
{
	char ts[WALLCLOCK_RFC3339_LEN], kv[1024], line[1400];
	va_list ap;

	if (level < log_min)
		return;
	kv[0] = '\0';
	if (kvfmt != NULL && *kvfmt != '\0') {
		va_start(ap, kvfmt);
		vsnprintf(kv, sizeof(kv), kvfmt, ap);
		va_end(ap);
	}
	wallclock_format(wallclock_now(), ts, sizeof(ts));
	snprintf(line, sizeof(line), "ts=%s level=%s%s%s msg=\"%s\"%s%s\n", ts,
	    level_names[level], log_req[0] ? " req=" : "", log_req, msg,
	    kv[0] ? " " : "", kv);
	fputs(line, stderr);
}

void
log_openssl(const char *msg)
{
	char buf[256];
	unsigned long e;

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_error(msg, "openssl=\"%s\"", buf);
	}
}
