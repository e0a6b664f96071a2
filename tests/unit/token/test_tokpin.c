/* Unit tests of token/tokpin.c: the Assuan client against the scripted
 * pinentry (tests/pinentry_scripted.py): a PIN, a cancel, a confirmation
 * given and refused, what the user is shown, and programs that break the
 * protocol or are not there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "token/tokpin.h"

static char dir[] = "/tmp/rxca-tokpin.XXXXXX";
static char script[64], logpath[64], program[4096];

static const struct tokpin_prompt ask = {"rxca token",
    "https://portal.example asks to sign.\n100% sure?", "Passcode:"};

/* The scripted answers of the next runs. */
static void
script_set(const char *text)
{
	FILE *f = fopen(script, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

/* What the pinentry showed (its log), into buf. */
static void
log_read(char *buf, size_t n)
{
	FILE *f = fopen(logpath, "r");
	size_t got = 0;

	buf[0] = '\0';
	if (f == NULL)
		return;
	got = fread(buf, 1, n - 1, f);
	buf[got] = '\0';
	fclose(f);
}

static void
test_escape(void)
{
	char out[32];

	CU_ASSERT_EQUAL(tokpin_escape("a%b\nc\r", out, sizeof(out)), 12);
	CU_ASSERT_STRING_EQUAL(out, "a%25b%0Ac%0D");
	CU_ASSERT_EQUAL(tokpin_escape("abcdef", out, 6), -1);
	CU_ASSERT_EQUAL(tokpin_unescape("a%25b%0a", 8, out, sizeof(out)), 4);
	CU_ASSERT_STRING_EQUAL(out, "a%b\n");
	CU_ASSERT_EQUAL(tokpin_unescape("a%2", 3, out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(tokpin_unescape("a%zz", 4, out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(tokpin_unescape("a%00b", 5, out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(tokpin_unescape("abcd", 4, out, 4), -1);
}

static void
test_getpin(void)
{
	char pin[64], shown[2048];
	struct problem p;

	problem_clear(&p);
	unlink(logpath);
	script_set("pin my pass 100%\n");
	CU_ASSERT_EQUAL(tokpin_getpin(program, &ask, pin, sizeof(pin), &p), 0);
	CU_ASSERT_STRING_EQUAL(pin, "my pass 100%");
	log_read(shown, sizeof(shown));
	CU_ASSERT_STRING_EQUAL(
	    shown, "GETPIN https://portal.example asks to sign. 100% sure?\n");
	/* the user closed the window */
	script_set("cancel\n");
	CU_ASSERT_EQUAL(tokpin_getpin(program, &ask, pin, sizeof(pin), &p), -1);
	CU_ASSERT_EQUAL(p.status, 403);
	CU_ASSERT_STRING_EQUAL(p.type, "pinentry-cancelled");
	CU_ASSERT_STRING_EQUAL(pin, "");
	/* nothing typed */
	problem_clear(&p);
	script_set("pin \n");
	CU_ASSERT_EQUAL(tokpin_getpin(program, &ask, pin, sizeof(pin), &p), -1);
	CU_ASSERT_EQUAL(p.status, 422);
	/* longer than the buffer */
	problem_clear(&p);
	script_set("pin 0123456789\n");
	CU_ASSERT_EQUAL(tokpin_getpin(program, &ask, pin, 8, &p), -1);
	CU_ASSERT_EQUAL(p.status, 503);
}

static void
test_confirm(void)
{
	char shown[2048];
	struct problem p;

	problem_clear(&p);
	unlink(logpath);
	script_set("yes\nno\n");
	CU_ASSERT_EQUAL(tokpin_confirm(program, &ask, &p), 0);
	CU_ASSERT_EQUAL(tokpin_confirm(program, &ask, &p), -1);
	CU_ASSERT_EQUAL(p.status, 403);
	CU_ASSERT_STRING_EQUAL(p.type, "signature-refused");
	log_read(shown, sizeof(shown));
	CU_ASSERT_PTR_NOT_NULL(strstr(shown, "CONFIRM https://portal.example"));
	/* a PIN is no confirmation */
	problem_clear(&p);
	script_set("pin 1234\n");
	CU_ASSERT_EQUAL(tokpin_confirm(program, &ask, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.type, "signature-refused");
}

static void
test_broken(void)
{
	char pin[64];
	struct problem p;

	problem_clear(&p);
	script_set("garbage\n");
	CU_ASSERT_EQUAL(tokpin_getpin(program, &ask, pin, sizeof(pin), &p), -1);
	CU_ASSERT_EQUAL(p.status, 503);
	CU_ASSERT_STRING_EQUAL(p.type, "pinentry-failed");
	problem_clear(&p);
	script_set("mute\n");
	CU_ASSERT_EQUAL(tokpin_confirm(program, &ask, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.type, "pinentry-failed");
	problem_clear(&p);
	CU_ASSERT_EQUAL(
	    tokpin_getpin("/nonexistent/pinentry", &ask, pin, sizeof(pin), &p),
	    -1);
	CU_ASSERT_STRING_EQUAL(p.type, "pinentry-failed");
	problem_clear(&p);
	CU_ASSERT_EQUAL(tokpin_confirm(NULL, &ask, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.type, "pinentry-failed");
}

int
main(void)
{
	const char *data = getenv("RXCA_TEST_DATA");
	CU_pSuite s;
	unsigned fails;

	if (data == NULL || mkdtemp(dir) == NULL)
		return 1;
	snprintf(program, sizeof(program), "%s/../pinentry_scripted.py", data);
	snprintf(script, sizeof(script), "%s/script", dir);
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	setenv("RXCA_PINENTRY_SCRIPT", script, 1);
	setenv("RXCA_PINENTRY_LOG", logpath, 1);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("tokpin", NULL, NULL);
	CU_add_test(s, "escape", test_escape);
	CU_add_test(s, "getpin", test_getpin);
	CU_add_test(s, "confirm", test_confirm);
	CU_add_test(s, "broken", test_broken);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	unlink(script);
	unlink(logpath);
	rmdir(dir);
	return fails == 0 ? 0 : 1;
}
