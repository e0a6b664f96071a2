#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/problem.h"

void
problem_clear(struct problem *p)
{
	memset(p, 0, sizeof(*p));
}

static void
copy_str(char *dst, size_t dstsz, const char *src)
{
	snprintf(dst, dstsz, "%s", src);
}

int
problem_set(struct problem *p, int status, const char *type, const char *title,
    const char *fmt, ...)
{
	va_list ap;

	p->status = status;
	copy_str(p->type, sizeof(p->type), type);
	copy_str(p->title, sizeof(p->title), title);
	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
	return -1;
}

int
problem_field(struct problem *p, const char *field, const char *fmt, ...)
{
	struct problem_field *f;
	va_list ap;

	if (p->status == 0)
		problem_set(p, 422, "invalid-field", "Invalid field",
		    "One or more fields are invalid.");
	if (p->nfields >= BOUND_FIELD_ERRORS)
		return -1;
	f = &p->fields[p->nfields++];
	copy_str(f->field, sizeof(f->field), field);
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	return -1;
}

int
problem_invalid(struct problem *p, const char *field, const char *msg)
{
	return problem_field(p, field, "%s", msg);
}

int
problem_internal(struct problem *p)
{
	return problem_set(p, 500, "internal", "Internal error",
	    "The server could not complete the request.");
}

int
problem_unavailable(struct problem *p)
{
	problem_set(p, 503, "unavailable", "Service unavailable",
	    "The database is unreachable; try again shortly.");
	p->retry_after = 5;
	return -1;
}
