/* Unit tests of api/http/clientaddr.c: trusted proxy lists and the client
 * address of a request, table-driven. */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "api/http/clientaddr.h"

static void
test_parse_trust(void)
{
	static const struct {
		const char *list;
		int ok;
		int n;
	} cases[] = {
	    {"", 0, 0},
	    {"  ", 0, 0},
	    {"127.0.0.1", 0, 1},
	    {"10.0.0.0/8, 192.168.1.7 ,::1,fd00::/8", 0, 4},
	    {"10.0.0.0/8,", 0, 1},
	    {"0.0.0.0/0", 0, 1},
	    {"::/0", 0, 1},
	    {"10.0.0.0/33", -1, 0},
	    {"::1/129", -1, 0},
	    {"10.0.0.0/", -1, 0},
	    {"10.0.0.0/-1", -1, 0},
	    {"10.0.0.0/8x", -1, 0},
	    {"10.0.0", -1, 0},
	    {"localhost", -1, 0},
	    {"10.0.0.1:80", -1, 0},
	    {"[::1]", -1, 0},
	    {"300.0.0.1", -1, 0},
	    {"10.0.0.0/8 x", -1, 0},
	    {"1.2.3.4,,5.6.7.8", 0, 2},
	};
	struct clientaddr_list t;
	char err[200];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL_FATAL(
		    clientaddr_parse_list(cases[i].list, &t, err, sizeof(err)),
		    cases[i].ok);
		if (cases[i].ok == 0) {
			CU_ASSERT_EQUAL(t.n, cases[i].n);
		} else {
			CU_ASSERT(err[0] != '\0');
		}
	}
}

static void
test_too_many(void)
{
	struct clientaddr_list t;
	char list[33 * 16], err[200];
	size_t len = 0;
	int i;

	for (i = 0; i < CLIENTADDR_MAX_ENTRIES + 1; i++)
		len += (size_t)snprintf(
		    list + len, sizeof(list) - len, "10.0.0.%d,", i);
	CU_ASSERT_EQUAL(clientaddr_parse_list(list, &t, err, sizeof(err)), -1);
}

static void
test_listed(void)
{
	struct clientaddr_list l;
	char err[200];

	CU_ASSERT_EQUAL_FATAL(clientaddr_parse_list("127.0.0.0/8,::1,"
	                                            "10.1.2.128/25,fd00::/8",
	                          &l, err, sizeof(err)),
	    0);
	CU_ASSERT_TRUE(clientaddr_listed(&l, "127.0.0.1"));
	CU_ASSERT_TRUE(clientaddr_listed(&l, "127.255.0.2"));
	CU_ASSERT_TRUE(clientaddr_listed(&l, "::1"));
	CU_ASSERT_TRUE(clientaddr_listed(&l, "::ffff:127.0.0.2"));
	CU_ASSERT_TRUE(clientaddr_listed(&l, "10.1.2.200"));
	CU_ASSERT_FALSE(clientaddr_listed(&l, "10.1.2.127"));
	CU_ASSERT_TRUE(clientaddr_listed(&l, "fd12::1"));
	CU_ASSERT_FALSE(clientaddr_listed(&l, "fe80::1"));
	CU_ASSERT_FALSE(clientaddr_listed(&l, "128.0.0.1"));
	CU_ASSERT_FALSE(clientaddr_listed(&l, "::2"));
	CU_ASSERT_FALSE(clientaddr_listed(&l, ""));
	CU_ASSERT_FALSE(clientaddr_listed(&l, "127.0.0.1:80"));
	CU_ASSERT_FALSE(clientaddr_listed(&l, "not an address"));
	CU_ASSERT_EQUAL_FATAL(
	    clientaddr_parse_list("127.0.0.1", &l, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(clientaddr_listed(&l, "127.0.0.1"));
	CU_ASSERT_FALSE(clientaddr_listed(&l, "127.0.0.2"));
	CU_ASSERT_EQUAL_FATAL(
	    clientaddr_parse_list("", &l, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(clientaddr_listed(&l, "127.0.0.1"));
}

static void
test_resolve(void)
{
	static const struct {
		const char *trust;
		const char *peer;
		const char *xff;
		const char *want;
	} cases[] = {
	    /* No proxy trusted: always the peer, XFF ignored. */
	    {"", "127.0.0.1:5000", NULL, "127.0.0.1"},
	    {"", "127.0.0.2:5000", "9.9.9.9", "127.0.0.2"},
	    {"", "::1:5000", "9.9.9.9", "::1"},
	    {"", "2001:db8::7:443", NULL, "2001:db8::7"},
	    {"", "[2001:db8::7]:443", NULL, "2001:db8::7"},
	    {"", "::ffff:10.1.2.3:80", NULL, "10.1.2.3"},
	    {"", "?:0", NULL, "?:0"},
	    /* A peer that is not trusted cannot forward. */
	    {"10.0.0.0/8", "127.0.0.2:1", "9.9.9.9", "127.0.0.2"},
	    /* A trusted peer: the first untrusted hop from the right. */
	    {"127.0.0.1", "127.0.0.1:1", "9.9.9.9", "9.9.9.9"},
	    {"127.0.0.1", "127.0.0.1:1", "1.1.1.1, 9.9.9.9", "9.9.9.9"},
	    {"127.0.0.1,10.0.0.0/8", "127.0.0.1:1",
	        "1.1.1.1, 9.9.9.9, 10.2.3.4", "9.9.9.9"},
	    {"127.0.0.1,10.0.0.0/8", "127.0.0.1:1", "10.9.9.9,10.2.3.4",
	        "10.9.9.9"},
	    /* Garbage left of the first untrusted hop does not matter. */
	    {"127.0.0.1", "127.0.0.1:1", "unknown, <script>, 9.9.9.9",
	        "9.9.9.9"},
	    /* Malformed where it is read: the peer. */
	    {"127.0.0.1", "127.0.0.1:1", "", "127.0.0.1"},
	    {"127.0.0.1", "127.0.0.1:1", "   ", "127.0.0.1"},
	    {"127.0.0.1", "127.0.0.1:1", "9.9.9.9,", "127.0.0.1"},
	    {"127.0.0.1", "127.0.0.1:1", "unknown", "127.0.0.1"},
	    {"127.0.0.1", "127.0.0.1:1", "9.9.9", "127.0.0.1"},
	    {"127.0.0.1", "127.0.0.1:1", "9.9.9.9:80:1", "127.0.0.1"},
	    {"127.0.0.1", "127.0.0.1:1", "[::1", "127.0.0.1"},
	    {"127.0.0.1", "127.0.0.1:1", "[::1]x", "127.0.0.1"},
	    {"127.0.0.1", "127.0.0.1:1", "1.2.3.4:", "127.0.0.1"},
	    {"127.0.0.1", "127.0.0.1:1", "a\tb", "127.0.0.1"},
	    /* Ports, brackets and spaces in hops. */
	    {"127.0.0.1", "127.0.0.1:1", " 9.9.9.9:1234 ", "9.9.9.9"},
	    {"127.0.0.1", "127.0.0.1:1", "[2001:db8::1]:8080", "2001:db8::1"},
	    {"127.0.0.1", "127.0.0.1:1", "[2001:db8::1]", "2001:db8::1"},
	    {"127.0.0.1", "127.0.0.1:1", "2001:DB8:0::1", "2001:db8::1"},
	    {"127.0.0.1", "127.0.0.1:1", "::ffff:9.9.9.9", "9.9.9.9"},
	    /* IPv6 proxies and networks; a mapped peer matches IPv4. */
	    {"fd00::/8", "fd12::5:443", "203.0.113.9", "203.0.113.9"},
	    {"fd00::/8", "fe80::5:443", "203.0.113.9", "fe80::5"},
	    {"10.0.0.0/8", "::ffff:10.0.0.1:80", "203.0.113.9", "203.0.113.9"},
	    {"10.1.0.0/17", "10.1.127.255:1", "8.8.8.8", "8.8.8.8"},
	    {"10.1.0.0/17", "10.1.128.0:1", "8.8.8.8", "10.1.128.0"},
	    /* Every hop trusted: the leftmost. */
	    {"0.0.0.0/0", "127.0.0.1:1", "1.1.1.1, 2.2.2.2", "1.1.1.1"},
	};
	struct clientaddr_list t;
	char out[CLIENTADDR_LEN], err[200];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(
		    clientaddr_parse_list(cases[i].trust, &t, err, sizeof(err)),
		    0);
		clientaddr_resolve(
		    &t, cases[i].peer, cases[i].xff, out, sizeof(out));
		if (strcmp(out, cases[i].want) != 0) {
			fprintf(stderr, "case %zu: got %s, want %s\n", i, out,
			    cases[i].want);
		}
		CU_ASSERT_STRING_EQUAL(out, cases[i].want);
	}
}

static void
test_many_hops(void)
{
	struct clientaddr_list t;
	char xff[40 * 10], out[CLIENTADDR_LEN], err[200];
	size_t len;
	int i;

	/* More trusted hops than are walked: the peer. */
	CU_ASSERT_EQUAL(clientaddr_parse_list("10.0.0.0/8", &t, err, 200), 0);
	len = (size_t)snprintf(xff, sizeof(xff), "9.9.9.9");
	for (i = 0; i < CLIENTADDR_MAX_HOPS + 2; i++)
		len +=
		    (size_t)snprintf(xff + len, sizeof(xff) - len, ",10.0.0.1");
	clientaddr_resolve(&t, "10.0.0.2:1", xff, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "10.0.0.2");
	/* A small out is cut, not overrun. */
	clientaddr_resolve(&t, "10.0.0.2:1", "203.0.113.200", out, 6);
	CU_ASSERT_STRING_EQUAL(out, "203.0");
}

int
main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("clientaddr", NULL, NULL);
	CU_add_test(s, "parse trust", test_parse_trust);
	CU_add_test(s, "listed", test_listed);
	CU_add_test(s, "too many entries", test_too_many);
	CU_add_test(s, "resolve", test_resolve);
	CU_add_test(s, "many hops", test_many_hops);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails == 0 ? 0 : 1;
}
