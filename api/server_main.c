/* rxca-server: the REST service.  Settings come from RXCA_* variables. */
#include <stdio.h>
#include <string.h>

#include "api/config.h"
#include "api/server.h"
#include "common/logger.h"

int
main(int argc, char *argv[])
{
	struct config cfg;
	int rc;

	if (argc > 1 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: rxca-server\n\nSettings (environment, "
		       "default, meaning):\n");
		config_usage(stdout);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: rxca-server [--help]\n");
		return 2;
	}
	if (config_load(&cfg, stderr) == -1) {
		config_free(&cfg);
		return 1;
	}
	if (strcmp(cfg.log_level, "debug") == 0)
		log_set_level(LOG_LEVEL_DEBUG);
	else if (strcmp(cfg.log_level, "warn") == 0)
		log_set_level(LOG_LEVEL_WARN);
	else if (strcmp(cfg.log_level, "error") == 0)
		log_set_level(LOG_LEVEL_ERROR);
	if (cfg.payment_url[0] == '\0')
		log_warn("PAYMENTS DISABLED",
		    "RXCA_PAYMENT_URL is empty: applications are accepted "
		    "WITHOUT any card authorisation or charge");
	else if ((long)cfg.payment_orphan_seconds * 1000 <=
	    (long)cfg.payment_attempts *
	        (cfg.payment_timeout_ms + cfg.provider_connect_ms))
		log_warn("payment orphan window too short",
		    "RXCA_PAYMENT_ORPHAN_SECONDS=%d is not longer than the "
		    "authorisation tries may take; an authorisation could be "
		    "voided while its request still runs",
		    cfg.payment_orphan_seconds);
	if (cfg.webhook_allow_private)
		log_warn("WEBHOOKS MAY REACH PRIVATE ADDRESSES",
		    "RXCA_WEBHOOK_ALLOW_PRIVATE=1: partners may point webhooks "
		    "at http:// and at loopback and private addresses, "
		    "rxca's own ports included; never in production");
	if (cfg.partner_allow_http)
		log_warn("PARTNER ROUTES OVER PLAIN HTTP",
		    "RXCA_PARTNER_ALLOW_HTTP=1: partner API keys and the data "
		    "they read may travel unencrypted; never in production");
	if (cfg.test_resolve_file[0] != '\0')
		log_warn("WEBHOOK NAMES RESOLVED FROM A TEST FILE",
		    "RXCA_TEST_RESOLVE_FILE=%s replaces DNS for webhook "
		    "receivers; never in production",
		    cfg.test_resolve_file);
	rc = server_run(&cfg);
	config_free(&cfg);
	return rc;
}
