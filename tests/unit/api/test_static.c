/*
 * Unit tests of api/http/static.c: every refusal of a name, a link out of
 * the folder, a directory, a file over the bound, an unknown type; the
 * ETag and If-None-Match.  The suite works in a fresh folder:
 *   <tmp>/outside.js          a file outside the served folder
 *   <tmp>/web2/a.js           one in a folder whose name starts as root's
 *   <tmp>/web/index.html      served
 *   <tmp>/web/assets/app.js   served
 *   <tmp>/web/assets/...      links, a directory, big files, hidden files
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "api/http/static.h"

static char tmp[64], root[128];

static int
write_file(const char *rel, const char *text, size_t len)
{
	char path[256];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	ok = len == 0 || fwrite(text, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static int
make_dir(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	return mkdir(path, 0700);
}

static int
make_link(const char *target, const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	return symlink(target, path);
}

static int
suite_init(void)
{
	char outside[128], *big;
	int rc = 0;

	snprintf(tmp, sizeof(tmp), "/tmp/rxca-static-XXXXXX");
	if (mkdtemp(tmp) == NULL)
		return -1;
	snprintf(root, sizeof(root), "%s/web", tmp);
	snprintf(outside, sizeof(outside), "%s/outside.js", tmp);
	big = calloc(1, STATIC_MAX_FILE + 1);
	if (big == NULL)
		return -1;
	memset(big, 'x', STATIC_MAX_FILE + 1);
	rc |= make_dir("web");
	rc |= make_dir("web/assets");
	rc |= make_dir("web/assets/dir.js");
	rc |= make_dir("web/assets/pages");
	rc |= write_file("outside.js", "secret", 6);
	rc |= write_file("web/index.html", "<!doctype html>", 15);
	rc |= write_file("web/assets/app.js", "export {};", 10);
	rc |= write_file("web/assets/pages/apply.js", "// apply", 8);
	rc |= write_file("web/assets/style.css", "body{}", 6);
	rc |= write_file("web/assets/empty.txt", "", 0);
	rc |= write_file("web/assets/.hidden.js", "hidden", 6);
	rc |= write_file("web/assets/run.sh", "#!/bin/sh", 9);
	rc |= write_file("web/assets/noext", "x", 1);
	rc |= write_file("web/assets/max.js", big, STATIC_MAX_FILE);
	rc |= write_file("web/assets/big.js", big, STATIC_MAX_FILE + 1);
	rc |= make_link(outside, "web/assets/out.js");
	rc |= make_link("../../outside.js", "web/assets/rel-out.js");
	rc |= make_link(tmp, "web/assets/updir");
	rc |= make_dir("web2");
	rc |= write_file("web2/a.js", "sibling", 7);
	rc |= make_link("../../web2/a.js", "web/assets/sibling.js");
	rc |= make_link("app.js", "web/assets/alias.js");
	rc |= make_link("no-such.js", "web/assets/dangling.js");
	free(big);
	return rc == 0 ? 0 : -1;
}

/* Removes path and, for a directory (not a link to one), what it holds. */
static int
remove_tree(const char *path)
{
	char sub[512];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int rc = 0;

	if (lstat(path, &st) == -1)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		d = opendir(path);
		if (d == NULL)
			return -1;
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			rc |= remove_tree(sub);
		}
		closedir(d);
		return rmdir(path) | rc;
	}
	return unlink(path);
}

static int
suite_clean(void)
{
	return remove_tree(tmp);
}

static void
test_names(void)
{
	static const char *const good[] = {"index.html", "assets/app.js",
	    "assets/pages/apply.js", "a", "a.b.c", "A-b_c.js"};
	static const char *const bad[] = {"", "/", "/etc/passwd", "..",
	    "../outside.js", "assets/../index.html", "assets/./app.js",
	    "assets//app.js", "assets/", ".hidden", "assets/.hidden.js",
	    "%2e%2e/outside.js", "assets/%2e%2e/%2e%2e/outside.js",
	    "app.js%00.html", "assets\\app.js", "a b.js", "a?b.js", "a:b.js",
	    "caf\xc3\xa9.js", "a\tb"};
	char longname[STATIC_MAX_NAME + 2];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CU_ASSERT_EQUAL(static_name_ok(good[i]), 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (static_name_ok(bad[i]) != 0)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CU_ASSERT_EQUAL(static_name_ok(bad[i]), 0);
	}
	memset(longname, 'a', sizeof(longname));
	longname[STATIC_MAX_NAME] = '\0';
	CU_ASSERT_EQUAL(static_name_ok(longname), 1);
	longname[STATIC_MAX_NAME] = 'a';
	longname[STATIC_MAX_NAME + 1] = '\0';
	CU_ASSERT_EQUAL(static_name_ok(longname), 0);
}

static void
test_types(void)
{
	CU_ASSERT_STRING_EQUAL(
	    static_content_type("index.html"), "text/html; charset=utf-8");
	CU_ASSERT_STRING_EQUAL(static_content_type("assets/app.js"),
	    "text/javascript; charset=utf-8");
	CU_ASSERT_STRING_EQUAL(
	    static_content_type("assets/s.css"), "text/css; charset=utf-8");
	CU_ASSERT_STRING_EQUAL(static_content_type("i.svg"), "image/svg+xml");
	CU_ASSERT_PTR_NULL(static_content_type("run.sh"));
	CU_ASSERT_PTR_NULL(static_content_type("noext"));
	CU_ASSERT_PTR_NULL(static_content_type("a.js/noext"));
	CU_ASSERT_PTR_NULL(static_content_type("app.js.bak"));
	CU_ASSERT_PTR_NULL(static_content_type("app.JS"));
}

static void
test_read_served(void)
{
	struct static_file f, g;

	CU_ASSERT_EQUAL_FATAL(static_read(root, "index.html", &f), 200);
	CU_ASSERT_EQUAL(f.len, 15);
	CU_ASSERT_EQUAL(memcmp(f.data, "<!doctype html>", 15), 0);
	CU_ASSERT_STRING_EQUAL(f.content_type, "text/html; charset=utf-8");
	CU_ASSERT_EQUAL(strlen(f.etag), 34);
	CU_ASSERT_EQUAL(f.etag[0], '"');
	CU_ASSERT_EQUAL(f.etag[33], '"');
	CU_ASSERT_EQUAL_FATAL(static_read(root, "assets/app.js", &g), 200);
	CU_ASSERT_STRING_NOT_EQUAL(f.etag, g.etag);
	static_file_clear(&g);
	/* the same bytes, the same tag */
	CU_ASSERT_EQUAL_FATAL(static_read(root, "index.html", &g), 200);
	CU_ASSERT_STRING_EQUAL(f.etag, g.etag);
	static_file_clear(&g);
	static_file_clear(&f);
	CU_ASSERT_EQUAL(static_read(root, "assets/pages/apply.js", &f), 200);
	static_file_clear(&f);
	CU_ASSERT_EQUAL(static_read(root, "assets/empty.txt", &f), 200);
	CU_ASSERT_EQUAL(f.len, 0);
	static_file_clear(&f);
	/* a link that stays inside the folder is followed */
	CU_ASSERT_EQUAL(static_read(root, "assets/alias.js", &f), 200);
	CU_ASSERT_EQUAL(f.len, 10);
	static_file_clear(&f);
	/* exactly the bound is served */
	CU_ASSERT_EQUAL(static_read(root, "assets/max.js", &f), 200);
	CU_ASSERT_EQUAL(f.len, STATIC_MAX_FILE);
	static_file_clear(&f);
}

static void
test_read_refused(void)
{
	static const char *const refused[] = {
	    "../outside.js",           /* up and out */
	    "assets/../../outside.js", /* up and out, deeper */
	    "%2e%2e/outside.js",       /* encoded dots */
	    "assets/app.js%00.html",   /* encoded NUL */
	    "assets/out.js",           /* absolute link out */
	    "assets/rel-out.js",       /* relative link out */
	    "assets/updir/outside.js", /* a linked directory out */
	    "assets/sibling.js",       /* a folder named like root */
	    "assets/dangling.js",      /* a link to nothing */
	    "assets/dir.js",           /* a directory: never listed */
	    "assets",                  /* a directory without type */
	    "assets/.hidden.js",       /* hidden */
	    "assets/run.sh",           /* a type not served */
	    "assets/noext",            /* no type */
	    "assets/big.js",           /* over the bound */
	    "assets/none.js",          /* nothing there */
	    "index.html/x.js",         /* below a file */
	    "/etc/passwd.txt",         /* absolute */
	};
	struct static_file f;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		rc = static_read(root, refused[i], &f);
		if (rc != 404)
			fprintf(stderr, "%s: %d\n", refused[i], rc);
		CU_ASSERT_EQUAL(rc, 404);
		CU_ASSERT_PTR_NULL(f.data);
	}
	CU_ASSERT_EQUAL(static_read("/no/such/folder", "index.html", &f), 500);
}

static void
test_etag_matches(void)
{
	const char *tag = "\"0123456789abcdef0123456789abcdef\"";

	CU_ASSERT_EQUAL(static_etag_matches(NULL, tag), 0);
	CU_ASSERT_EQUAL(static_etag_matches("", tag), 0);
	CU_ASSERT_EQUAL(static_etag_matches(tag, tag), 1);
	CU_ASSERT_EQUAL(static_etag_matches("*", tag), 1);
	CU_ASSERT_EQUAL(
	    static_etag_matches("W/\"0123456789abcdef0123456789abcdef\"", tag),
	    1);
	CU_ASSERT_EQUAL(
	    static_etag_matches("\"x\", "
	                        "\"0123456789abcdef0123456789abcdef\"",
	        tag),
	    1);
	CU_ASSERT_EQUAL(static_etag_matches("\"x\",\"y\"", tag), 0);
	CU_ASSERT_EQUAL(
	    static_etag_matches("0123456789abcdef0123456789abcdef", tag), 0);
	CU_ASSERT_EQUAL(
	    static_etag_matches("\"0123456789abcdef0123456789abcdef", tag), 0);
	CU_ASSERT_EQUAL(
	    static_etag_matches("\"0123456789abcdef0123456789abcdeF\"", tag),
	    0);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("static", suite_init, suite_clean);
	CU_add_test(s, "names", test_names);
	CU_add_test(s, "types", test_types);
	CU_add_test(s, "read served", test_read_served);
	CU_add_test(s, "read refused", test_read_refused);
	CU_add_test(s, "etag matches", test_etag_matches);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
