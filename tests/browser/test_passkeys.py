#!/usr/bin/python3
"""The portal's /passkeys page in a browser (docs/passkeys.md): the real
server with the reference OpenID provider (tests/integration/
test_oidc.py), an application proofed through it, then `node
passkeys.test.mjs`, which registers passkeys with Chromium's virtual
authenticator.  The portal is opened at http://localhost:PORT (a secure
context whose host can be an RP id), which is RXCA_PASSKEY_ORIGIN.
Then what the page did, seen from the database."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from test_oidc import OidcCase, ada  # noqa: E402
from walk import Walked, require_browser, walk  # noqa: E402


class PasskeyBrowserTest(Walked, OidcCase):

    walk_script = "passkeys.test.mjs"

    def test_passkeys(self):
        require_browser(self)
        srv = self.start_server(env=self.op.env(), start=False)
        origin = srv.base.replace("127.0.0.1", "localhost")
        srv.env["RXCA_PASSKEY_ORIGIN"] = origin
        srv.start()
        app = self.verified(srv, ada(21))
        st, _, js = self.proof(srv, app)
        self.assertEqual((st, js["status"]), (200, "approved"), js)
        walk(self, "passkeys.test.mjs", 300, BASE_URL=origin,
             APP_ID=app["id"], PASSWORD=app["_password"])
        rows = srv.db.query(
            "SELECT name, status, cose_alg, attestation_format, attestation "
            "FROM passkeys WHERE application_id = '%s' ORDER BY created_at, seq"
            % app["id"])
        self.assertEqual([r[0] for r in rows],
                         ["Test phone"] + ["Key %d" % i for i in range(1, 6)])
        self.assertEqual(rows[0][1], "revoked")
        self.assertTrue(all(r[1] == "active" for r in rows[1:]))
        self.assertEqual({r[2] for r in rows}, {"-7"})
        print("Chromium's attestation: %s" % sorted({(r[3], r[4])
                                                     for r in rows}))


if __name__ == "__main__":
    harness.main()
