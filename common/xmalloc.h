/*
 * Allocation that cannot fail: every input is bounded (common/bounds.h), so
 * running out of memory is a fault of the machine and the process aborts.
 */
#ifndef RXCA_XMALLOC_H
#define RXCA_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A newly allocated formatted string; caller frees. */
char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
