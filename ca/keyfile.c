#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "ca/keyfile.h"
#include "common/logger.h"

/* A PEM password callback that never prompts: PKCS#8 needs none. */
static int
keyfile_no_prompt(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* The passphrase check common to reading and writing. */
static int
keyfile_pass_ok(const char *passphrase, struct problem *p)
{
	size_t n;

	if (passphrase == NULL || (n = strlen(passphrase)) < KEYFILE_PASS_MIN)
		return problem_invalid(
		    p, "passphrase", "A passphrase is at least 12 characters.");
	if (n > KEYFILE_PASS_MAX)
		return problem_invalid(
		    p, "passphrase", "A passphrase is at most 1023 bytes.");
	return 0;
}

/* The PBKDF2 iterations of a new key file (see keyfile_write() in
 * keyfile.h); -1 with p set on a bad test override. */
static int
keyfile_iterations(struct problem *p)
{
#ifdef RXCA_TEST_HOOKS
	const char *v = getenv("RXCA_TEST_PBKDF2_ITER");
	char *end;
	long n;

	if (v == NULL)
		return KEYFILE_PBKDF2_ITER;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < KEYFILE_PBKDF2_MIN ||
	    n > KEYFILE_PBKDF2_ITER)
		return problem_invalid(p, "RXCA_TEST_PBKDF2_ITER",
		    "The test override of PBKDF2 iterations is a number "
		    "from 1000 to 600000.");
	log_warn("keyfile: PBKDF2 iterations lowered for tests",
	    "iterations=%ld", n);
	return (int)n;
#else
	(void)p;
	return KEYFILE_PBKDF2_ITER;
#endif
}

int
keyfile_write(
    const char *path, EVP_PKEY *key, const char *passphrase, struct problem *p)
{
	PKCS8_PRIV_KEY_INFO *p8inf = NULL;
	X509_SIG *p8 = NULL;
	BIO *bio = NULL;
	int fd = -1, created = 0, rc = -1, iter;

	if (keyfile_pass_ok(passphrase, p) == -1 ||
	    (iter = keyfile_iterations(p)) == -1)
		return -1;
	if (path == NULL || key == NULL)
		return problem_internal(p);
	if ((p8inf = EVP_PKEY2PKCS8(key)) == NULL ||
	    (p8 = PKCS8_encrypt_ex(-1, EVP_aes_256_cbc(), passphrase,
	         (int)strlen(passphrase), NULL, KEYFILE_SALT_LEN, iter, p8inf,
	         NULL, NULL)) == NULL) {
		log_openssl("keyfile: cannot encrypt the key");
		problem_internal(p);
		goto out;
	}
	if ((fd = open(path,
	         O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) ==
	    -1) {
		log_error("keyfile: cannot create the key file",
		    "path=\"%s\" error=\"%s\"", path, strerror(errno));
		if (errno == EEXIST)
			problem_set(p, 409, "file-exists", "File exists",
			    "The key file exists already; it is never "
			    "replaced.");
		else
			problem_set(p, 500, "key-file-error", "Key file error",
			    "The key file cannot be created.");
		goto out;
	}
	created = 1;
	if ((bio = BIO_new_fd(fd, BIO_NOCLOSE)) == NULL ||
	    PEM_write_bio_PKCS8(bio, p8) != 1 || BIO_flush(bio) != 1) {
		log_openssl("keyfile: cannot write the key");
		problem_set(p, 500, "key-file-error", "Key file error",
		    "The key file cannot be written.");
		goto out;
	}
	if (fsync(fd) == -1) {
		log_error("keyfile: cannot sync the key file",
		    "path=\"%s\" error=\"%s\"", path, strerror(errno));
		problem_set(p, 500, "key-file-error", "Key file error",
		    "The key file cannot be written.");
		goto out;
	}
	rc = 0;
out:
	BIO_free(bio);
	if (fd != -1 && close(fd) == -1 && rc == 0) {
		log_error("keyfile: cannot close the key file",
		    "path=\"%s\" error=\"%s\"", path, strerror(errno));
		rc = problem_set(p, 500, "key-file-error", "Key file error",
		    "The key file cannot be written.");
	}
	if (rc == -1 && created)
		(void)unlink(path);
	X509_SIG_free(p8);
	PKCS8_PRIV_KEY_INFO_free(p8inf);
	return rc;
}

EVP_PKEY *
keyfile_read(const char *path, const char *passphrase, struct problem *p)
{
	PKCS8_PRIV_KEY_INFO *p8inf = NULL;
	X509_SIG *p8 = NULL;
	EVP_PKEY *key = NULL;
	BIO *bio = NULL;
	struct stat st;
	int fd = -1;

	if (keyfile_pass_ok(passphrase, p) == -1)
		return NULL;
	if (path == NULL) {
		problem_internal(p);
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_error("keyfile: cannot open the key file",
		    "path=\"%s\" error=\"%s\"", path, strerror(errno));
		if (errno == ENOENT)
			problem_set(p, 404, "no-key-file", "No key file",
			    "There is no key file there.");
		else
			problem_set(p, 500, "key-file-error", "Key file error",
			    "The key file cannot be opened.");
		goto out;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > KEYFILE_MAX) {
		log_error("keyfile: not a key file", "path=\"%s\"", path);
		problem_set(p, 422, "not-a-key-file", "Not a key file",
		    "The file is not an encrypted key file.");
		goto out;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		log_warn("keyfile: others may read the key file",
		    "path=\"%s\" mode=%o", path,
		    (unsigned int)(st.st_mode & 07777));
	if ((bio = BIO_new_fd(fd, BIO_NOCLOSE)) == NULL ||
	    (p8 = PEM_read_bio_PKCS8(bio, NULL, keyfile_no_prompt, NULL)) ==
	        NULL) {
		log_openssl("keyfile: no encrypted PKCS#8 key");
		problem_set(p, 422, "not-a-key-file", "Not a key file",
		    "The file is not an encrypted key file.");
		goto out;
	}
	if ((p8inf = PKCS8_decrypt_ex(p8, passphrase, (int)strlen(passphrase),
	         NULL, NULL)) == NULL) {
		/* a wrong passphrase is no crypto failure: nothing to log */
		ERR_clear_error();
		log_warn("keyfile: wrong passphrase", "path=\"%s\"", path);
		problem_set(p, 401, "wrong-passphrase", "Wrong passphrase",
		    "The passphrase does not open this key file.");
		goto out;
	}
	if ((key = EVP_PKCS82PKEY_ex(p8inf, NULL, NULL)) == NULL) {
		log_openssl("keyfile: the key does not parse");
		problem_set(p, 422, "not-a-key-file", "Not a key file",
		    "The file holds no usable key.");
	}
out:
	PKCS8_PRIV_KEY_INFO_free(p8inf);
	X509_SIG_free(p8);
	BIO_free(bio);
	if (fd != -1)
		close(fd);
	return key;
}

EVP_PKEY *
keyfile_generate(enum p11_key_type type, struct problem *p)
{
	EVP_PKEY *key = NULL;

	switch (type) {
	case P11_KEY_P256:
		key = EVP_EC_gen("P-256");
		break;
	case P11_KEY_P384:
		key = EVP_EC_gen("P-384");
		break;
	case P11_KEY_RSA2048:
		key = EVP_RSA_gen(2048);
		break;
	case P11_KEY_RSA3072:
		key = EVP_RSA_gen(3072);
		break;
	default:
		problem_invalid(p, "type", "Unknown key type.");
		return NULL;
	}
	if (key == NULL) {
		log_openssl("keyfile: key generation failed");
		problem_internal(p);
	}
	return key;
}
