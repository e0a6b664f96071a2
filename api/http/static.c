/* realpath() is XSI: the build asks for POSIX only. */
#define _XOPEN_SOURCE 700

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/http/static.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/xmalloc.h"

static const struct {
	const char *ext;
	const char *type;
} types[] = {
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"ico", "image/x-icon"},
    {"woff2", "font/woff2"},
};

static int
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

int
static_name_ok(const char *name)
{
	size_t i, len = strlen(name);
	int start = 1;

	if (len == 0 || len > STATIC_MAX_NAME)
		return 0;
	for (i = 0; i < len; i++) {
		if (name[i] == '/') {
			if (start)
				return 0; /* empty segment or a leading '/' */
			start = 1;
			continue;
		}
		if (!name_char(name[i]) || (start && name[i] == '.'))
			return 0;
		start = 0;
	}
	return !start; /* no trailing '/' */
}

const char *
static_content_type(const char *name)
{
	const char *slash = strrchr(name, '/');
	const char *dot = strrchr(slash != NULL ? slash : name, '.');
	size_t i;

	if (dot == NULL)
		return NULL;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot + 1, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

void
static_file_clear(struct static_file *f)
{
	free(f->data);
	memset(f, 0, sizeof(*f));
}

/* Reads the regular file fd of size bytes into f->data. 0 or -1. */
static int
read_all(int fd, size_t size, struct static_file *f)
{
	size_t got = 0;
	ssize_t n;

	f->data = xmalloc(size + 1);
	while (got < size) {
		n = read(fd, f->data + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break; /* shrank while read: serve what is there */
		got += (size_t)n;
	}
	f->data[got] = '\0';
	f->len = got;
	return 0;
}

int
static_read(const char *root, const char *name, struct static_file *f)
{
	char rootreal[PATH_MAX], path[PATH_MAX], real[PATH_MAX];
	unsigned char sum[DIGEST_LEN];
	size_t rlen;
	struct stat st;
	int fd, n;

	memset(f, 0, sizeof(*f));
	if (!static_name_ok(name) || static_content_type(name) == NULL)
		return 404;
	if (realpath(root, rootreal) == NULL) {
		log_error("web folder cannot be resolved", "dir=%s errno=%d",
		    root, errno);
		return 500;
	}
	n = snprintf(path, sizeof(path), "%s/%s", rootreal, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return 404;
	if (realpath(path, real) == NULL)
		return errno == EACCES || errno == EIO ? 500 : 404;
	rlen = strlen(rootreal);
	if (strncmp(real, rootreal, rlen) != 0 || real[rlen] != '/')
		return 404; /* a link that leads out of the folder */
	fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1)
		return errno == ENOENT || errno == ELOOP ? 404 : 500;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 404; /* no directory is listed, no device read */
	}
	if (st.st_size > STATIC_MAX_FILE) {
		log_warn("web file over the size bound: not served",
		    "bytes=%lld bound=%d", (long long)st.st_size,
		    STATIC_MAX_FILE);
		close(fd);
		return 404;
	}
	if (read_all(fd, (size_t)st.st_size, f) == -1) {
		close(fd);
		static_file_clear(f);
		return 500;
	}
	close(fd);
	f->content_type = static_content_type(name);
	digest_sha256(f->data, f->len, sum);
	f->etag[0] = '"';
	digest_hex(sum, 16, f->etag + 1);
	memcpy(f->etag + 33, "\"", 2);
	return 200;
}

int
static_etag_matches(const char *value, const char *etag)
{
	size_t elen = strlen(etag), n;
	const char *p = value, *end;

	if (value == NULL)
		return 0;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p != '"')
			return 0; /* malformed: no match */
		end = strchr(p + 1, '"');
		if (end == NULL)
			return 0;
		n = (size_t)(end - p) + 1;
		if (n == elen && memcmp(p, etag, n) == 0)
			return 1;
		p = end + 1;
	}
	return 0;
}
