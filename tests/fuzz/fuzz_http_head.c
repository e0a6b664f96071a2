/* libFuzzer driver: request heads from the network into http_parse_head. */
#include <stddef.h>
#include <stdint.h>

#include "api/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req = {0};
	long long clen;

	(void)http_parse_head((const char *)data, size, &req, &clen);
	http_request_clear(&req);
	return 0;
}
