/* Unit tests of token/tokconf.c: /etc/rxca-token.conf read, refused by
 * line, and applied under the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "token/tokconf.h"

static char dir[] = "/tmp/rxca-tokconf.XXXXXX";
static char path[64];

/* Writes text to the test's file; returns its path. */
static const char *
conf_file(const char *text)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void
test_read(void)
{
	static struct tokconf c;
	struct problem p;

	problem_clear(&p);
	CU_ASSERT_EQUAL(
	    tokconf_read(conf_file("# settings\n\n"
	                           "  server = https://ca.example  \n"
	                           "server_ca=/etc/ca.pem\n"
	                           "root_sha256 = "
	                           "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:"
	                           "23:45:67:89:AB:CD:EF:01:23:45:67:89:"
	                           "AB:CD:EF:01:23:45:67:89\n"
	                           "origin = https://a.example\n"
	                           "\t# indented comment\n"
	                           "origin = https://b.example\n"),
	        &c, &p),
	    1);
	CU_ASSERT_STRING_EQUAL(c.path, path);
	CU_ASSERT_STRING_EQUAL(c.server, "https://ca.example");
	CU_ASSERT_STRING_EQUAL(c.server_ca, "/etc/ca.pem");
	CU_ASSERT_STRING_EQUAL(c.root_sha256,
	    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
	CU_ASSERT_EQUAL(c.norigins, 2);
	CU_ASSERT_STRING_EQUAL(c.origins[1], "https://b.example");
}

/* Each bad line is refused, naming its line. */
static void
test_refused(void)
{
	static const char *const bad[] = {"server https://x\n", "server =\n",
	    "serverurl = https://x\n", "root_sha256 = abcd\n",
	    "root_sha256 = "
	    "zz00000000000000000000000000000000000000000000000000000000000000\n",
	    NULL};
	static struct tokconf c;
	struct problem p;
	char want[96];
	size_t i;

	for (i = 0; bad[i] != NULL; i++) {
		char text[256];

		snprintf(text, sizeof(text), "# ok\n%s", bad[i]);
		problem_clear(&p);
		CU_ASSERT_EQUAL(tokconf_read(conf_file(text), &c, &p), -1);
		CU_ASSERT_EQUAL(p.nfields, 1);
		snprintf(want, sizeof(want), "%s, line 2:", path);
		CU_ASSERT_PTR_NOT_NULL(strstr(p.fields[0].message, want));
		CU_ASSERT_STRING_EQUAL(c.path, "");
	}
	problem_clear(&p);
	CU_ASSERT_EQUAL(
	    tokconf_read("/nonexistent/rxca-token.conf", &c, &p), -1);
}

/* The file fills only what the command line left out. */
static void
test_apply(void)
{
	static struct tokconf c;
	struct tokcmd_opts o;
	struct problem p;

	problem_clear(&p);
	CU_ASSERT_EQUAL_FATAL(
	    tokconf_read(
	        conf_file("server = https://file\n"
	                  "origin = https://f1\norigin = https://f2\n"),
	        &c, &p),
	    1);
	memset(&o, 0, sizeof(o));
	tokconf_apply(&c, &o);
	CU_ASSERT_STRING_EQUAL(o.server, "https://file");
	CU_ASSERT_STRING_EQUAL(o.config, path);
	CU_ASSERT_PTR_NULL(o.root_sha256);
	CU_ASSERT_EQUAL(o.norigins, 2);

	memset(&o, 0, sizeof(o));
	o.server = "https://cli";
	o.origins[o.norigins++] = "https://c1";
	tokconf_apply(&c, &o);
	CU_ASSERT_STRING_EQUAL(o.server, "https://cli");
	CU_ASSERT_EQUAL(o.norigins, 1);
	CU_ASSERT_STRING_EQUAL(o.origins[0], "https://c1");

	/* RXCA_TOKEN_CONF names the file, which must then exist. */
	setenv(TOKCONF_ENV, path, 1);
	CU_ASSERT_EQUAL(tokconf_load(&c, &p), 1);
	setenv(TOKCONF_ENV, "/nonexistent/rxca-token.conf", 1);
	CU_ASSERT_EQUAL(tokconf_load(&c, &p), -1);
	unsetenv(TOKCONF_ENV);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/rxca-token.conf", dir);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("tokconf", NULL, NULL);
	CU_add_test(s, "read", test_read);
	CU_add_test(s, "refused by line", test_refused);
	CU_add_test(s, "apply under the command line", test_apply);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	unlink(path);
	rmdir(dir);
	return failed != 0;
}
