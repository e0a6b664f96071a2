/*
 * CA private keys in files: made here, written once as PEM PKCS#8
 * encrypted with AES-256-CBC under a passphrase (PBES2, PBKDF2 with
 * HMAC-SHA256, KEYFILE_PBKDF2_ITER iterations, a random salt of
 * KEYFILE_SALT_LEN bytes; `openssl pkey` reads it),
 * and read back.  A key file is never replaced and never readable by
 * others.  Passphrases are never logged.
 */
#ifndef RXCA_KEYFILE_H
#define RXCA_KEYFILE_H

#include <openssl/evp.h>

#include "ca/pkcs11.h"
#include "common/problem.h"

#define KEYFILE_PASS_MIN    12          /* passphrase, characters */
#define KEYFILE_PASS_MAX    1023        /* passphrase, bytes (PEM_BUFSIZE) */
#define KEYFILE_MAX         (64 * 1024) /* a key file, bytes */
#define KEYFILE_PBKDF2_ITER 600000      /* OWASP 2023, PBKDF2-HMAC-SHA256 */
#define KEYFILE_PBKDF2_MIN  1000        /* the test override's floor */
#define KEYFILE_SALT_LEN    16          /* PBKDF2 salt, bytes (SP 800-132) */

/*
 * Writes key, a private key, to the new file path (created with mode 0600,
 * O_EXCL: an existing file is never overwritten) as encrypted PKCS#8
 * under passphrase (KEYFILE_PASS_MIN to KEYFILE_PASS_MAX bytes).  Returns
 * 0, or -1 with p set: 422 on field passphrase, 409 file-exists, 500 if
 * the file cannot be written (a file left half-written is removed).
 *
 * The key is encrypted with KEYFILE_PBKDF2_ITER iterations.  Only in a
 * build with RXCA_TEST_HOOKS (cmake -DRXCA_TEST_HOOKS=ON, which
 * `ops/rxca-dev test` uses; never a release build) the environment
 * variable RXCA_TEST_PBKDF2_ITER lowers that, to no fewer than
 * KEYFILE_PBKDF2_MIN (SP 800-132's minimum), for the tests' sake; a
 * value out of range or not a number fails with 422 on that field.
 * Other builds ignore the variable.
 */
int keyfile_write(
    const char *path, EVP_PKEY *key, const char *passphrase, struct problem *p);

/*
 * The private key in the encrypted PKCS#8 PEM file path, decrypted with
 * passphrase.  NULL with p set: 401 wrong-passphrase (OpenSSL's error
 * queue is then empty), 404 no-key-file, 422 not-a-key-file if the file is
 * not an encrypted PKCS#8 key of at most KEYFILE_MAX bytes.  A file that
 * others may read is used but logged.  Caller frees with EVP_PKEY_free().
 */
EVP_PKEY *keyfile_read(
    const char *path, const char *passphrase, struct problem *p);

/* A new key of type (P-256, P-384, RSA-2048, RSA-3072 with e = 65537), or
 * NULL with p set.  Caller frees with EVP_PKEY_free(). */
EVP_PKEY *keyfile_generate(enum p11_key_type type, struct problem *p);

#endif
