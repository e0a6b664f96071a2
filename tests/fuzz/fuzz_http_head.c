/* libFuzzer driver: bytes from the network into api/http/http_parse.c, as
 * api/http/http.c passes them: where the head ends, then the head parsed. */
#include <stddef.h>
#include <stdint.h>

#include "api/http/http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req = {0};
	long long clen;
	long end;

	end = http_head_end((const char *)data, size);
	(void)http_parse_head(
	    (const char *)data, end > 0 ? (size_t)end : size, &req, &clen);
	http_request_clear(&req);
	return 0;
}
