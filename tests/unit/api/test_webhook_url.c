/*
 * Unit tests of api/out/webhook_url.c (which URLs and addresses may receive
 * webhooks) and of webhook_resolve() with a test resolve file: the first
 * and last address of every refused range and the addresses just outside
 * it, IPv4-mapped, -compatible, NAT64 and 6to4 forms, bad literals that a
 * resolver would still read as addresses, user names, odd ports, schemes
 * in upper case, IDN and overlong names, each with the private setting
 * off and on.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "api/service/webhook.h"
#include "api/out/webhook_http.h"
#include "api/out/webhook_url.h"
#include "common/problem.h"

/* Allowed: never, only with the private setting, always. */
#define NO   0
#define PRIV 1
#define YES  2

static const struct {
	const char *addr;
	int want;
} addrs[] = {
    {"0.0.0.0", NO},
    {"0.255.255.255", NO},
    {"1.0.0.0", YES},
    {"8.8.8.8", YES},
    {"93.184.216.34", YES},
    {"9.255.255.255", YES},
    {"10.0.0.0", PRIV},
    {"10.255.255.255", PRIV},
    {"11.0.0.0", YES},
    {"100.63.255.255", YES},
    {"100.64.0.0", PRIV},
    {"100.127.255.255", PRIV},
    {"100.128.0.0", YES},
    {"126.255.255.255", YES},
    {"127.0.0.0", PRIV},
    {"127.0.0.1", PRIV},
    {"127.255.255.255", PRIV},
    {"128.0.0.0", YES},
    {"169.253.255.255", YES},
    {"169.254.0.0", PRIV},
    {"169.254.169.254", PRIV},
    {"169.254.255.255", PRIV},
    {"169.255.0.0", YES},
    {"172.15.255.255", YES},
    {"172.16.0.0", PRIV},
    {"172.31.255.255", PRIV},
    {"172.32.0.0", YES},
    {"191.255.255.255", YES},
    {"192.0.0.0", NO},
    {"192.0.0.255", NO},
    {"192.0.1.0", YES},
    {"192.0.2.0", NO},
    {"192.0.2.255", NO},
    {"192.0.3.0", YES},
    {"192.88.99.0", NO},
    {"192.88.99.255", NO},
    {"192.167.255.255", YES},
    {"192.168.0.0", PRIV},
    {"192.168.255.255", PRIV},
    {"192.169.0.0", YES},
    {"198.17.255.255", YES},
    {"198.18.0.0", NO},
    {"198.19.255.255", NO},
    {"198.20.0.0", YES},
    {"198.51.100.0", NO},
    {"198.51.100.255", NO},
    {"203.0.113.0", NO},
    {"203.0.113.255", NO},
    {"223.255.255.255", YES},
    {"224.0.0.0", NO},
    {"239.255.255.255", NO},
    {"240.0.0.0", NO},
    {"255.255.255.254", NO},
    {"255.255.255.255", NO},
    /* IPv6 */
    {"::", NO},
    {"::1", PRIV},
    {"::2", NO},
    {"::127.0.0.1", NO}, /* IPv4-compatible: all of ::/96 */
    {"::8.8.8.8", NO},
    {"::ffff:0.0.0.0", NO},
    {"::ffff:127.0.0.1", PRIV},
    {"::ffff:7f00:1", PRIV},
    {"::ffff:10.0.0.1", PRIV},
    {"::ffff:169.254.169.254", PRIV},
    {"::ffff:192.168.1.1", PRIV},
    {"::ffff:224.0.0.1", NO},
    {"::ffff:255.255.255.255", NO},
    {"::ffff:8.8.8.8", YES},
    {"::fffe:808:808", NO},
    {"::1:ffff:808:808", NO},
    {"64:ff9b::7f00:1", PRIV},
    {"64:ff9b::a00:1", PRIV},
    {"64:ff9b::0.0.0.0", NO},
    {"64:ff9b::224.0.0.1", NO},
    {"64:ff9b::8.8.8.8", YES},
    {"64:ff9b:1::808:808", NO},
    {"64:ff9a::808:808", NO},
    {"100::1", NO},
    {"1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NO},
    {"2000::", YES},
    {"2001::", NO},
    {"2001::1", NO},
    {"2001:0:4136:e378:8000:63bf:3fff:fdd2", NO}, /* Teredo */
    {"2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", NO},
    {"2001:200::", YES},
    {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", YES},
    {"2001:db8::", NO},
    {"2001:db8::1", NO},
    {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", NO},
    {"2001:db9::", YES},
    {"2002:7f00:1::", PRIV}, /* 6to4 of 127.0.0.1 */
    {"2002:a9fe:a9fe::1", PRIV},
    {"2002:e000:1::", NO},
    {"2002::", NO},
    {"2002:808:808::1", YES},
    {"2606:2800:220:1:248:1893:25c8:1946", YES},
    {"2a00:1450:4001:80b::200e", YES},
    {"3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", YES},
    {"3fff::", NO},
    {"3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", NO},
    {"3fff:1000::", YES},
    {"4000::", NO},
    {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NO},
    {"fc00::", PRIV},
    {"fd12:3456:789a::1", PRIV},
    {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PRIV},
    {"fe00::", NO},
    {"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NO},
    {"fe80::", PRIV},
    {"fe80::1", PRIV},
    {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PRIV},
    {"fec0::", NO},
    {"ff00::", NO},
    {"ff02::1", NO},
    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NO},
};

static void
test_addresses(void)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&ss;
	unsigned char a[16];
	size_t i;
	int family, off, on;

	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		family =
		    strchr(addrs[i].addr, ':') != NULL ? AF_INET6 : AF_INET;
		CU_ASSERT_EQUAL_FATAL(inet_pton(family, addrs[i].addr, a), 1);
		off = webhook_addr_allowed(family, a, 0);
		on = webhook_addr_allowed(family, a, 1);
		if (off != (addrs[i].want == YES) ||
		    on != (addrs[i].want != NO))
			fprintf(stderr, "\n%s: off %d on %d\n", addrs[i].addr,
			    off, on);
		CU_ASSERT_EQUAL(off, addrs[i].want == YES);
		CU_ASSERT_EQUAL(on, addrs[i].want != NO);
		/* The same through a struct sockaddr. */
		memset(&ss, 0, sizeof(ss));
		if (family == AF_INET) {
			in4->sin_family = AF_INET;
			memcpy(&in4->sin_addr, a, 4);
		} else {
			in6->sin6_family = AF_INET6;
			memcpy(&in6->sin6_addr, a, 16);
		}
		CU_ASSERT_EQUAL(
		    webhook_sockaddr_allowed((struct sockaddr *)(void *)&ss, 0),
		    off);
		CU_ASSERT_EQUAL(
		    webhook_sockaddr_allowed((struct sockaddr *)(void *)&ss, 1),
		    on);
	}
	CU_ASSERT_EQUAL(webhook_addr_allowed(AF_UNIX, a, 1), 0);
	CU_ASSERT_EQUAL(webhook_sockaddr_allowed(NULL, 1), 0);
	ss.ss_family = AF_UNIX;
	CU_ASSERT_EQUAL(
	    webhook_sockaddr_allowed((struct sockaddr *)(void *)&ss, 1), 0);
}

static const struct {
	const char *url;
	int want; /* NO: refused always, PRIV: with the setting, YES */
} urls[] = {
    {"https://hooks.example.com/rxca", YES},
    {"https://hooks.example.com:8443/a?b=c", YES},
    {"https://hooks.example.com?b=c", YES}, {"https://hooks.example.com", YES},
    {"HTTPS://Hooks.Example.COM/Path", YES},
    {"Https://hooks.example.com/", YES}, {"https://93.184.216.34/hook", YES},
    {"https://[2606:2800:220:1:248:1893:25c8:1946]:8443/x", YES},
    {"https://xn--bcher-kva.example/", YES}, {"https://a-b.c-d.example/", YES},
    {"https://intranet/", YES},         /* DNS decides */
    {"https://127.0.0.1.nip.io/", YES}, /* DNS decides */
    {"https://example.com:1/", YES}, {"https://example.com:22/", YES},
    {"https://example.com:65535/", YES}, {"https://example.com/a@b", YES},
    {"http://hooks.example.com/", PRIV}, {"HTTP://127.0.0.1:9000/hook", PRIV},
    {"http://127.0.0.1:9000/hook", PRIV}, {"https://127.0.0.1/", PRIV},
    {"https://127.255.255.255/", PRIV}, {"https://10.0.0.1/", PRIV},
    {"https://100.64.0.1/", PRIV}, {"https://172.16.0.1/", PRIV},
    {"https://192.168.1.1/", PRIV},
    {"https://169.254.169.254/latest/meta-data/", PRIV},
    {"https://localhost/", PRIV}, {"https://LocalHost:8080/", PRIV},
    {"https://a.localhost/", PRIV}, {"https://[::1]:8080/x", PRIV},
    {"https://[fe80::1]/", PRIV}, {"https://[fc00::1]/", PRIV},
    {"https://[::ffff:127.0.0.1]/", PRIV}, {"https://[::ffff:7f00:1]/", PRIV},
    {"https://[64:ff9b::7f00:1]/", PRIV}, {"https://[2002:7f00:1::]/", PRIV},
    {"https://0.0.0.0/", NO}, {"https://0.0.0.0:8080/", NO},
    {"https://255.255.255.255/", NO}, {"https://224.0.0.1/", NO},
    {"https://192.0.2.1/", NO}, {"https://[::]/", NO},
    {"https://[::127.0.0.1]/", NO}, {"https://[ff02::1]/", NO},
    {"https://[2001:db8::1]/", NO}, {"https://[2001::1]/", NO},
    /* Literals a resolver would read as addresses, and bad ones. */
    {"https://127.1/", NO}, {"https://2130706433/", NO},
    {"https://0x7f000001/", NO}, {"https://0x7f.0.0.1/", NO},
    {"https://0177.0.0.1/", NO}, {"https://127.000.000.001/", NO},
    {"https://1.2.3.4.5/", NO}, {"https://256.1.1.1/", NO},
    {"https://[127.0.0.1]/", NO}, {"https://[::1/", NO},
    {"https://[::1]x/", NO}, {"https://[fe80::1%25eth0]/", NO},
    {"https://%31%32%37.0.0.1/", NO}, {"https://[gggg::1]/", NO},
    /* User names, fragments, backslashes. */
    {"https://user:pw@example.com/", NO}, {"https://user@example.com/", NO},
    {"https://example.com@127.0.0.1/", NO}, {"https://:pw@example.com/", NO},
    {"https://example.com/#frag", NO}, {"https://127.0.0.1#@example.com/", NO},
    {"https://example.com\\@127.0.0.1/", NO},
    /* Ports. */
    {"https://example.com:0/", NO}, {"https://example.com:65536/", NO},
    {"https://example.com:99999/", NO}, {"https://example.com:000443/", NO},
    {"https://example.com:12a/", NO}, {"https://example.com:/", NO},
    {"https://example.com:+443/", NO}, {"https://example.com:-1/", NO},
    {"https://example.com:443:443/", NO}, {"https://[::1]:0/", NO},
    /* Schemes and shapes. */
    {"ftp://127.0.0.1/x", NO}, {"file:///etc/passwd", NO},
    {"gopher://example.com/", NO}, {"dict://example.com:11211/", NO},
    {"https:/example.com/", NO}, {"https:example.com", NO},
    {"//example.com/", NO}, {"example.com", NO}, {"https:///nohost", NO},
    {"https://:443/", NO}, {"https://?x", NO}, {"", NO},
    /* Names. */
    {"https://b\xc3\xbc"
     "cher.example/",
        NO},
    {"https://exa mple.com/", NO}, {"https://example.com/\x01", NO},
    {"https://ex_ample.com/", NO}, {"https://-a.example/", NO},
    {"https://a-.example/", NO}, {"https://a..example/", NO},
    {"https://.example/", NO}, {"https://example.com./", NO},
    {"https://example.-com/", NO}, {"https://example.1com/", NO},
    {"http://localhost.evil.com/", PRIV}, /* a name; DNS decides */
};

static void
test_urls(void)
{
	struct webhook_url u;
	struct problem p;
	size_t i;
	int off, on;

	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		problem_clear(&p);
		off = webhook_url_parse(urls[i].url, 0, &u, &p) == 0;
		if (!off) {
			CU_ASSERT_EQUAL(p.status, 422);
			CU_ASSERT_STRING_EQUAL(p.fields[0].field, "url");
		}
		problem_clear(&p);
		on = webhook_url_parse(urls[i].url, 1, &u, &p) == 0;
		if (off != (urls[i].want == YES) || on != (urls[i].want != NO))
			fprintf(stderr, "\n%s: off %d on %d\n", urls[i].url,
			    off, on);
		CU_ASSERT_EQUAL(off, urls[i].want == YES);
		CU_ASSERT_EQUAL(on, urls[i].want != NO);
	}
	CU_ASSERT_EQUAL(webhook_url_parse(NULL, 1, &u, &p), -1);
}

static void
test_parts(void)
{
	struct webhook_url u;
	struct problem p;

	problem_clear(&p);
	CU_ASSERT_EQUAL_FATAL(
	    webhook_url_parse("HTTPS://Hooks.Example.COM/P", 0, &u, &p), 0);
	CU_ASSERT_EQUAL(u.https, 1);
	CU_ASSERT_EQUAL(u.family, 0);
	CU_ASSERT_STRING_EQUAL(u.host, "hooks.example.com");
	CU_ASSERT_EQUAL(u.port, 443);
	CU_ASSERT_EQUAL_FATAL(
	    webhook_url_parse("http://127.0.0.1:9000/h", 1, &u, &p), 0);
	CU_ASSERT_EQUAL(u.https, 0);
	CU_ASSERT_EQUAL(u.family, AF_INET);
	CU_ASSERT_STRING_EQUAL(u.host, "127.0.0.1");
	CU_ASSERT_EQUAL(u.port, 9000);
	CU_ASSERT_EQUAL_FATAL(
	    webhook_url_parse("https://[2A00:1450::1]", 0, &u, &p), 0);
	CU_ASSERT_EQUAL(u.family, AF_INET6);
	CU_ASSERT_STRING_EQUAL(u.host, "2a00:1450::1");
	CU_ASSERT_EQUAL(u.port, 443);
	CU_ASSERT_EQUAL_FATAL(
	    webhook_url_parse("http://example.com", 1, &u, &p), 0);
	CU_ASSERT_EQUAL(u.port, 80);
}

static void
test_lengths(void)
{
	char url[WEBHOOK_URL_MAX + 2], name[300];
	struct webhook_url u;
	struct problem p;

	/* A label of 63 bytes, not 64. */
	memset(name, 'a', 63);
	name[63] = '\0';
	snprintf(url, sizeof(url), "https://%s.example/", name);
	CU_ASSERT_EQUAL(webhook_url_parse(url, 0, &u, &p), 0);
	snprintf(url, sizeof(url), "https://%sa.example/", name);
	CU_ASSERT_EQUAL(webhook_url_parse(url, 0, &u, &p), -1);
	/* A name of 253 bytes (three labels of 63 and one of 61), not 254. */
	memset(name, 'a', 253);
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';
	snprintf(url, sizeof(url), "https://%s/", name);
	CU_ASSERT_EQUAL(webhook_url_parse(url, 0, &u, &p), 0);
	name[253] = 'a';
	name[254] = '\0';
	snprintf(url, sizeof(url), "https://%s/", name);
	CU_ASSERT_EQUAL(webhook_url_parse(url, 0, &u, &p), -1);
	/* The URL: 2048 bytes, not 2049. */
	snprintf(url, sizeof(url), "https://example.com/");
	memset(url + strlen(url), 'x', WEBHOOK_URL_MAX - strlen(url));
	url[WEBHOOK_URL_MAX] = '\0';
	CU_ASSERT_EQUAL(webhook_url_parse(url, 0, &u, &p), 0);
	url[WEBHOOK_URL_MAX] = 'x';
	url[WEBHOOK_URL_MAX + 1] = '\0';
	problem_clear(&p);
	CU_ASSERT_EQUAL(webhook_url_parse(url, 0, &u, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "url");
}

static void
test_resolve_file(void)
{
	char path[] = "/tmp/rxca-resolve-XXXXXX";
	struct webhook_addrs as;
	struct webhook_url u;
	struct problem p;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd != -1);
	f = fdopen(fd, "w");
	fputs("# name address\n"
	      "hooks.example.test 93.184.216.34\n"
	      "two.example.test 93.184.216.34\n"
	      "two.example.test 2606:2800:220:1:248:1893:25c8:1946\n"
	      "mixed.example.test 93.184.216.34\n"
	      "mixed.example.test 10.0.0.1\n"
	      "loop.example.test 127.0.0.1\n"
	      "mapped.example.test ::ffff:127.0.0.1\n"
	      "bad.example.test not-an-address\n",
	    f);
	fclose(f);
	problem_clear(&p);
	CU_ASSERT_EQUAL_FATAL(
	    webhook_url_parse("https://HOOKS.example.test/h", 0, &u, &p), 0);
	CU_ASSERT_EQUAL(webhook_resolve(&u, 0, path, &as), WEBHOOK_RESOLVED);
	CU_ASSERT_EQUAL(as.n, 1);
	CU_ASSERT_EQUAL(as.a[0].ss_family, AF_INET);
	webhook_url_parse("https://two.example.test/", 0, &u, &p);
	CU_ASSERT_EQUAL(webhook_resolve(&u, 0, path, &as), WEBHOOK_RESOLVED);
	CU_ASSERT_EQUAL(as.n, 2);
	CU_ASSERT_EQUAL(as.a[1].ss_family, AF_INET6);
	/* One private address among public ones refuses the name. */
	webhook_url_parse("https://mixed.example.test/", 0, &u, &p);
	CU_ASSERT_EQUAL(webhook_resolve(&u, 0, path, &as), WEBHOOK_REFUSED);
	CU_ASSERT_EQUAL(webhook_resolve(&u, 1, path, &as), WEBHOOK_RESOLVED);
	webhook_url_parse("https://loop.example.test/", 0, &u, &p);
	CU_ASSERT_EQUAL(webhook_resolve(&u, 0, path, &as), WEBHOOK_REFUSED);
	CU_ASSERT_EQUAL(webhook_resolve(&u, 1, path, &as), WEBHOOK_RESOLVED);
	webhook_url_parse("https://mapped.example.test/", 0, &u, &p);
	CU_ASSERT_EQUAL(webhook_resolve(&u, 0, path, &as), WEBHOOK_REFUSED);
	webhook_url_parse("https://bad.example.test/", 0, &u, &p);
	CU_ASSERT_EQUAL(webhook_resolve(&u, 0, path, &as), WEBHOOK_UNRESOLVED);
	webhook_url_parse("https://other.example.test/", 0, &u, &p);
	CU_ASSERT_EQUAL(webhook_resolve(&u, 1, path, &as), WEBHOOK_UNRESOLVED);
	/* A literal is its own address; the file is not read. */
	webhook_url_parse("https://8.8.8.8/", 0, &u, &p);
	CU_ASSERT_EQUAL(webhook_resolve(&u, 0, path, &as), WEBHOOK_RESOLVED);
	CU_ASSERT_EQUAL(as.n, 1);
	/* The check at PUT: 422 on url for each refusal. */
	problem_clear(&p);
	CU_ASSERT_EQUAL(
	    webhook_url_check("https://hooks.example.test/", 0, path, &p), 0);
	CU_ASSERT_EQUAL(
	    webhook_url_check("https://loop.example.test/", 0, path, &p), -1);
	CU_ASSERT_EQUAL(p.status, 422);
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "url");
	problem_clear(&p);
	CU_ASSERT_EQUAL(
	    webhook_url_check("https://nowhere.example.test/", 0, path, &p),
	    -1);
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "url");
	problem_clear(&p);
	CU_ASSERT_EQUAL(
	    webhook_url_check("http://loop.example.test/", 1, path, &p), 0);
	unlink(path);
	/* A file that is not there resolves nothing. */
	webhook_url_parse("https://hooks.example.test/", 0, &u, &p);
	CU_ASSERT_EQUAL(webhook_resolve(&u, 0, path, &as), WEBHOOK_UNRESOLVED);
}

int
main(void)
{
	CU_pSuite s;
	int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("webhook_url", NULL, NULL);
	CU_add_test(s, "addresses", test_addresses);
	CU_add_test(s, "urls", test_urls);
	CU_add_test(s, "parts", test_parts);
	CU_add_test(s, "lengths", test_lengths);
	CU_add_test(s, "resolve file", test_resolve_file);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = (int)CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails != 0;
}
