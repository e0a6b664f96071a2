#!/usr/bin/python3
"""Identity proofing at the OpenID provider from the portal, in a browser
(docs/oidc.md): the stack of tests/integration/test_oidc.py (PostgreSQL,
the SMTP sink, the reference OpenID provider over real HTTP with
private_key_jwt, the real rxca-server), an application whose e-mail
address is verified, then `node oidc.test.mjs` drives Debian's Chromium
from the portal's status page through the provider's own sign-in page
and back; here the server's side is checked: approved by one 'oidc'
check, and the provider took rxca's client assertion."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from test_oidc import CLIENT_ID, OidcCase, ada  # noqa: E402
from walk import Walked, require_browser, walk  # noqa: E402


class OidcBrowserTest(Walked, OidcCase):

    walk_script = "oidc.test.mjs"

    client_key = True

    def test_portal_to_provider_and_back(self):
        require_browser(self)
        srv = self.server(RXCA_OIDC_CLIENT_SECRET="",
                          RXCA_OIDC_CLIENT_KEY=self.key_path,
                          RXCA_OIDC_NAME="Reference ID")
        app = self.verified(srv, ada(30))
        walk(self, "oidc.test.mjs", 300, BASE_URL=srv.base, OP_URL=self.op.url,
             APPLICATION=app["id"], PASSWORD=app["_password"])
        self.assertEqual(self.status(srv, app), "approved")
        self.assertEqual(self.checks(srv, app), [("pass", "[]", "")])
        state = self.op.state()
        self.assertEqual(state["last_assertion"]["claims"]["sub"], CLIENT_ID)
        self.assertEqual(state["refusals"], {})


if __name__ == "__main__":
    harness.main()
