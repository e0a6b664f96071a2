/*
 * Files of one folder served as they are (the portal's pages and assets,
 * docs/portal.md).  A name is looked up only if it is plain: ASCII
 * letters, digits, '.', '-', '_' and '/' between segments, no segment
 * empty or starting with '.', so "..", percent-encoded bytes ("%2e%2e",
 * "%00") and hidden files are refused before the file system is asked;
 * the file found, its links resolved, must still lie inside the folder
 * (a symbolic link out of it is refused), be a regular file of at most
 * STATIC_MAX_FILE bytes, and have a known type (by its extension).
 * No directory is ever listed.  Pure file I/O: no event loop.
 */
#ifndef RXCA_STATIC_H
#define RXCA_STATIC_H

#include <stddef.h>

#define STATIC_MAX_FILE (512 * 1024) /* bytes of one file at most */
#define STATIC_MAX_NAME 200          /* bytes of a name at most */
#define STATIC_ETAG_LEN 36           /* "\"" 32 hex "\"" and a NUL */

struct static_file {
	char *data;                 /* the bytes (xmalloc'd), or NULL */
	size_t len;                 /* bytes in data */
	const char *content_type;   /* static string */
	char etag[STATIC_ETAG_LEN]; /* strong: a digest of the bytes */
};

/* 1 if name is plain (see above), else 0. */
int static_name_ok(const char *name);

/* The Content-Type for name's extension, or NULL for one not served. */
const char *static_content_type(const char *name);

/*
 * Reads name under the folder root into f.  Returns 200, 404 (the name
 * is not plain, nothing is there, it is not a regular file, it leads out
 * of root, its type is unknown, or it is over STATIC_MAX_FILE bytes) or
 * 500 (root cannot be resolved, a read failed).  Free f with
 * static_file_clear().
 */
int static_read(const char *root, const char *name, struct static_file *f);
void static_file_clear(struct static_file *f);

/*
 * 1 if an If-None-Match field value matches etag: "*", or one of its
 * comma-separated entity tags equal to etag under the weak comparison
 * (a "W/" prefix is ignored).  0 otherwise or when value is NULL.
 */
int static_etag_matches(const char *value, const char *etag);

#endif
