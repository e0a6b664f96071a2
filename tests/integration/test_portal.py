#!/usr/bin/python3
"""The portal's static pages and assets on the public listener
(api/routes/h_static.c, api/http/static.c, docs/portal.md): the page
shell for every client-side route, the headers (CSP, nosniff, Referrer-
Policy, ETag, Cache-Control), 304 and HEAD, and every refusal: "..",
encoded dots and NUL, a link out of the folder, a directory, a file over
the bound, a hidden file, a type not served."""
import os
import re

import harness

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'self'")
SECRET = b"the secret outside the web folder"


def raw_get(srv, target, method="GET", extra=b""):
    req = (b"%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s\r\n"
           % (method.encode(), target, extra))
    return srv.raw(req)


class PortalTest(harness.TestCase):
    """One server for the class (harness.ClassFixtures): its tests only
    read the web folder."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        fx = harness.ClassFixtures(cls)
        # A web folder of its own, with what must never be served.
        web = os.path.join(fx.tmp, "web")
        os.makedirs(os.path.join(web, "assets", "dir.js"))
        with open(os.path.join(fx.tmp, "secret.txt"), "wb") as f:
            f.write(SECRET)
        files = {
            "index.html": b"<!doctype html><title>shell</title>",
            "assets/app.js": b"export const x = 1;\n",
            "assets/style.css": b"body { margin: 0 }\n",
            "assets/.hidden.js": SECRET,
            "assets/run.sh": SECRET,
            "assets/big.js": b"x" * (512 * 1024 + 1),
        }
        for name, data in files.items():
            with open(os.path.join(web, name), "wb") as f:
                f.write(data)
        os.symlink(os.path.join(fx.tmp, "secret.txt"),
                   os.path.join(web, "assets", "out.txt"))
        os.symlink(fx.tmp, os.path.join(web, "assets", "up"))
        cls.srv = fx.start_server(env={"RXCA_WEB_DIR": web})

    def assertNotFound(self, status, resp):
        self.assertEqual(status, 404, resp[:300])
        self.assertNotIn(SECRET, resp)
        self.assertIn(b"application/problem+json", resp)

    def test_shell_for_every_page(self):
        shell = None
        for path in ("/", "/apply", "/apply?program=isalus&invitation=inv_1",
                     "/status", "/verify-email?application=app_x&code=1"):
            st, h, body = self.srv.http("GET", path,
                                        headers={"Accept": "text/html"})
            self.assertEqual(st, 200, (path, body))
            self.assertEqual(h["content-type"], "text/html; charset=utf-8")
            self.assertEqual(h["content-security-policy"], CSP)
            self.assertEqual(h["x-content-type-options"], "nosniff")
            self.assertEqual(h["referrer-policy"], "no-referrer")
            self.assertEqual(h["cache-control"], "no-cache")
            self.assertRegex(h["etag"], r'^"[0-9a-f]{32}"$')
            shell = shell or body
            self.assertEqual(body, shell)
        self.assertEqual(shell, b"<!doctype html><title>shell</title>")

    def test_assets_types_and_cache(self):
        st, h, body = self.srv.http("GET", "/assets/app.js")
        self.assertEqual((st, body), (200, b"export const x = 1;\n"))
        self.assertEqual(h["content-type"], "text/javascript; charset=utf-8")
        self.assertEqual(h["cache-control"], "max-age=300")
        self.assertEqual(h["content-security-policy"], CSP)
        st, h, _ = self.srv.http("GET", "/assets/style.css")
        self.assertEqual((st, h["content-type"]),
                         (200, "text/css; charset=utf-8"))

    def test_etag_304_and_head(self):
        st, h, body = self.srv.http("GET", "/assets/app.js")
        tag = h["etag"]
        for inm in (tag, "W/" + tag, '"nope", ' + tag, "*"):
            st, h2, body2 = self.srv.http(
                "GET", "/assets/app.js", headers={"If-None-Match": inm})
            self.assertEqual((st, body2), (304, b""), inm)
            self.assertEqual(h2["etag"], tag)
            self.assertNotIn("content-length", h2)
        st, _, body2 = self.srv.http(
            "GET", "/assets/app.js", headers={"If-None-Match": '"other"'})
        self.assertEqual((st, body2), (200, body))
        # the page shell has its own tag; one asset's does not match it
        st, _, _ = self.srv.http("GET", "/", headers={"If-None-Match": tag})
        self.assertEqual(st, 200)
        # HEAD: the length of the body, and no body
        st, resp = raw_get(self.srv, b"/assets/app.js", "HEAD")
        self.assertEqual(st, 200)
        head, _, rest = resp.partition(b"\r\n\r\n")
        self.assertIn(b"Content-Length: %d" % len(body), head)
        self.assertEqual(rest, b"")

    def test_refusals(self):
        for target in (b"/assets/../secret.txt",
                       b"/assets/../../secret.txt",
                       b"/assets/%2e%2e/secret.txt",
                       b"/assets/%2E%2E/%2e%2e/secret.txt",
                       b"/assets/..%2fsecret.txt",
                       b"/assets/app.js%00.html",
                       b"/assets/out.txt",
                       b"/assets/up/secret.txt",
                       b"/assets/dir.js",
                       b"/assets/big.js",
                       b"/assets/.hidden.js",
                       b"/assets/run.sh",
                       b"/assets/none.js",
                       b"/assets/",
                       b"/assets//app.js",
                       b"/assets/./app.js",
                       b"/index.html",
                       b"/apply/",
                       b"/secret.txt"):
            st, resp = raw_get(self.srv, target)
            self.assertNotFound(st, resp)
            # HEAD is refused the same way
            st, resp = raw_get(self.srv, target, "HEAD")
            self.assertEqual(st, 404, target)
        # a raw NUL in the target is not even a request
        st, resp = raw_get(self.srv, b"/assets/app.js\x00.html")
        self.assertEqual(st, 400)
        self.assertNotIn(SECRET, resp)
        st, resp = raw_get(self.srv, b"/", "POST",
                           b"Content-Length: 0\r\n")
        self.assertEqual(st, 405)
        self.assertRegex(resp.decode(), r"(?i)allow: GET, HEAD")
        # the API's own 404 is untouched
        st, resp = raw_get(self.srv, b"/v1/nothing")
        self.assertNotFound(st, resp)


class TreeFolderTest(harness.TestCase):

    def test_tree_folder_by_default(self):
        """Without RXCA_WEB_DIR the tree's web/portal is served: the real
        shell loads only same-origin module scripts and one style sheet,
        nothing inline."""
        srv = self.start_server()
        st, h, body = srv.http("GET", "/")
        self.assertEqual(st, 200, body)
        html = body.decode()
        self.assertNotRegex(html, r"<script(?![^>]*\bsrc=)")
        self.assertNotRegex(html, r"<style|\sstyle=|\son[a-z]+=")
        for src in re.findall(r'(?:src|href)="(/[^"]*)"', html):
            st, h, _ = srv.http("GET", src)
            self.assertEqual(st, 200, src)


if __name__ == "__main__":
    harness.main()
