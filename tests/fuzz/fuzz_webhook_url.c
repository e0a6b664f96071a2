/*
 * libFuzzer driver: webhook receiver URLs from partners into
 * webhook_url_parse, with the private setting off and on; an address it
 * accepts is checked again as webhook_addr_allowed would see it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/out/webhook_url.h"
#include "common/problem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct webhook_url u;
	struct problem p;
	char *url;
	int priv;

	if (size > WEBHOOK_URL_MAX + 16)
		return 0;
	url = malloc(size + 1);
	if (url == NULL)
		return 0;
	memcpy(url, data, size);
	url[size] = '\0';
	for (priv = 0; priv <= 1; priv++) {
		problem_clear(&p);
		if (webhook_url_parse(url, priv, &u, &p) == 0) {
			if (u.family != 0 &&
			    !webhook_addr_allowed(u.family, u.addr, priv))
				abort(); /* a refused literal got through */
			if (!u.https && !priv)
				abort(); /* http:// without the setting */
			if (u.port < 1 || u.port > 65535 ||
			    strlen(u.host) >= sizeof(u.host))
				abort();
		} else if (p.status != 422 || p.nfields < 1 ||
		    strcmp(p.fields[0].field, "url") != 0)
			abort(); /* a refusal names url */
	}
	/* The bytes as an address of either family. */
	if (size >= 16) {
		(void)webhook_addr_allowed(AF_INET6, data, 0);
		(void)webhook_addr_allowed(AF_INET, data, 1);
	}
	free(url);
	return 0;
}
