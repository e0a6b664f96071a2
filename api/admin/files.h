/*
 * The files of rxca-admin's commands (api/admin/files.c).  what is the
 * command's name: each function says its failure on stderr as
 * "rxca-admin: WHAT: ..." and returns -1 (or NULL).
 */
#ifndef RXCA_ADMIN_FILES_H
#define RXCA_ADMIN_FILES_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* path made absolute (against the working directory) into buf, without
 * trailing slashes: 0 or -1. */
int admin_abspath(const char *what, const char *path, char *buf, size_t bufsz);

/* 1 if path exists (as anything, even a dangling link), 0 if not, -1 on
 * another error. */
int admin_exists(const char *what, const char *path);

/* Creates dir (mode 0700) unless it is a directory already: 0 or -1. */
int admin_mkdir(const char *what, const char *dir);

/* dir/name+suffix into buf: 0, or -1 if it does not fit. */
int admin_path(const char *what, char *buf, size_t bufsz, const char *dir,
    const char *name, const char *suffix);

/* Writes key (mode 0600) or cert as PEM to path: 0 or -1. */
int admin_write_key(const char *what, const char *path, EVP_PKEY *key);
int admin_write_cert(const char *what, const char *path, X509 *cert);

/* Reads the PEM certificate or private key at path, named in a failure as
 * the setting ("RXCA_OPERATOR_CA", or "" for none) and path.  Caller
 * frees with X509_free / EVP_PKEY_free. */
X509 *admin_read_cert(const char *what, const char *setting, const char *path);
EVP_PKEY *admin_read_key(
    const char *what, const char *setting, const char *path);

/* Which of a certificate and its key are there: 0 none, 1 both, -1 one
 * only or an error. */
int admin_pair(const char *what, const char *crt, const char *key);

#endif
