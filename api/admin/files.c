/*
 * The files of rxca-admin's commands: paths, directories, and PEM
 * certificates and keys read and written through ca/opcert.  Every
 * failure is said on stderr as "rxca-admin: WHAT: ...".
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api/admin/files.h"
#include "ca/opcert.h"

/* path made absolute (against the working directory) into buf. */
int
admin_abspath(const char *what, const char *path, char *buf, size_t bufsz)
{
	char cwd[PATH_MAX];
	int n;

	if (path[0] == '/')
		n = snprintf(buf, bufsz, "%s", path);
	else if (getcwd(cwd, sizeof(cwd)) == NULL) {
		fprintf(stderr, "rxca-admin: %s: working directory: %s\n", what,
		    strerror(errno));
		return -1;
	} else
		n = snprintf(buf, bufsz, "%s/%s", cwd, path);
	if (n < 0 || (size_t)n >= bufsz) {
		fprintf(
		    stderr, "rxca-admin: %s: path too long: %s\n", what, path);
		return -1;
	}
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	return 0;
}

/* 1 if path exists (as anything, even a dangling link), 0 if not, -1 on
 * another error (written to stderr). */
int
admin_exists(const char *what, const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	fprintf(
	    stderr, "rxca-admin: %s: %s: %s\n", what, path, strerror(errno));
	return -1;
}

/* Creates dir (mode 0700) unless it is a directory already. */
int
admin_mkdir(const char *what, const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (errno == EEXIST)
		errno = ENOTDIR;
	fprintf(stderr, "rxca-admin: %s: cannot create %s: %s\n", what, dir,
	    strerror(errno));
	return -1;
}

/* dir/name into buf; -1 (written to stderr) if it does not fit. */
int
admin_path(const char *what, char *buf, size_t bufsz, const char *dir,
    const char *name, const char *suffix)
{
	int n;

	n = snprintf(buf, bufsz, "%s/%s%s", dir, name, suffix);
	if (n < 0 || (size_t)n >= bufsz) {
		fprintf(stderr, "rxca-admin: %s: path too long: %s/%s%s\n",
		    what, dir, name, suffix);
		return -1;
	}
	return 0;
}

int
admin_write_key(const char *what, const char *path, EVP_PKEY *key)
{
	if (opcert_write_key(path, key) == 0)
		return 0;
	fprintf(stderr, "rxca-admin: %s: cannot write %s: %s\n", what, path,
	    strerror(errno));
	return -1;
}

int
admin_write_cert(const char *what, const char *path, X509 *cert)
{
	if (opcert_write_cert(path, cert) == 0)
		return 0;
	fprintf(stderr, "rxca-admin: %s: cannot write %s: %s\n", what, path,
	    strerror(errno));
	return -1;
}

X509 *
admin_read_cert(const char *what, const char *setting, const char *path)
{
	X509 *x;

	if ((x = opcert_read_cert(path)) == NULL)
		fprintf(stderr, "rxca-admin: %s: %s%s%s: %s\n", what, setting,
		    setting[0] != '\0' ? " " : "", path,
		    errno == EINVAL ? "no PEM certificate in it"
		                    : strerror(errno));
	return x;
}

EVP_PKEY *
admin_read_key(const char *what, const char *setting, const char *path)
{
	EVP_PKEY *k;

	if ((k = opcert_read_key(path)) == NULL)
		fprintf(stderr, "rxca-admin: %s: %s%s%s: %s\n", what, setting,
		    setting[0] != '\0' ? " " : "", path,
		    errno == EINVAL ? "no PEM private key in it"
		                    : strerror(errno));
	return k;
}

/* Which of a certificate and its key are there: 0 none, 1 both, -1 one
 * only or an error (written to stderr). */
int
admin_pair(const char *what, const char *crt, const char *key)
{
	int c, k;

	if ((c = admin_exists(what, crt)) == -1 ||
	    (k = admin_exists(what, key)) == -1)
		return -1;
	if (c != k) {
		fprintf(stderr,
		    "rxca-admin: %s: %s is there but %s is not: restore it, or "
		    "remove both to make new ones\n",
		    what, c ? crt : key, c ? key : crt);
		return -1;
	}
	return c;
}
