#include <stdint.h>
#include <string.h>

#include <argon2.h>
#include <openssl/crypto.h>

#include "common/rand.h"
#include "proofing/secret.h"

size_t
secret_encoded_len(const struct secret_params *params)
{
	return argon2_encodedlen(params->t_cost, params->m_cost_kib,
	    params->parallelism, SECRET_SALT_LEN, SECRET_TAG_LEN, Argon2_id);
}

int
secret_hash(const char *secret, size_t len, const struct secret_params *params,
    char *encoded, size_t encsz)
{
	unsigned char salt[SECRET_SALT_LEN];
	int rc = -1;

	if (encsz < secret_encoded_len(params) || len > UINT32_MAX)
		goto out;
	rand_fill(salt, sizeof(salt));
	if (argon2id_hash_encoded(params->t_cost, params->m_cost_kib,
	        params->parallelism, secret, len, salt, sizeof(salt),
	        SECRET_TAG_LEN, encoded, encsz) != ARGON2_OK)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(salt, sizeof(salt));
	if (rc == -1 && encoded != NULL && encsz > 0)
		encoded[0] = '\0';
	return rc;
}

int
secret_verify(const char *encoded, const char *secret, size_t len)
{
	int r;

	if (encoded == NULL || len > UINT32_MAX ||
	    strncmp(encoded, "$argon2id$", 10) != 0)
		return -1;
	r = argon2id_verify(encoded, secret, len);
	if (r == ARGON2_OK)
		return 1;
	if (r == ARGON2_VERIFY_MISMATCH)
		return 0;
	return -1;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

int
secret_normalize_answer(const char *in, char *out, size_t outsz)
{
	size_t o = 0;
	int c, gap = 0, rc = -1;

	if (outsz == 0)
		return -1;
	for (; *in != '\0'; in++) {
		c = (unsigned char)*in;
		if (is_space(c)) {
			gap = o > 0;
			continue;
		}
		if (gap) {
			if (o + 1 >= outsz)
				goto out;
			out[o++] = ' ';
			gap = 0;
		}
		if (o + 1 >= outsz)
			goto out;
		out[o++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	if (o > 0)
		rc = 0;
out:
	if (rc == -1)
		OPENSSL_cleanse(out, o);
	out[rc == -1 ? 0 : o] = '\0';
	return rc;
}
