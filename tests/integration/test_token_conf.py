#!/usr/bin/python3
"""rxca-token with its configuration file (token/tokconf.h, docs/token.md)
against a running server: `retrieve` and `test` without --server take the
server from RXCA_TOKEN_CONF; a root_sha256 pin that is not the server's
root refuses the retrieved certificate (nothing stored), the right pin
then finishes the same retrieval; --server on the command line wins."""
import subprocess

import harness
from test_ca import SOFTHSM, openssl
from test_token import NEW_PASSCODE, TokenCase


class TokenConfTest(TokenCase):

    def conf(self, **settings):
        """A configuration file with settings; RXCA_TOKEN_CONF names it."""
        path = self.write("rxca-token.conf", "".join(
            "%s = %s\n" % kv for kv in settings.items()))
        self.tenv["RXCA_TOKEN_CONF"] = path
        return path

    def certs_on_token(self):
        r = subprocess.run(["pkcs11-tool", "--module", SOFTHSM,
                            "--list-objects", "--type", "cert"],
                           env=self.tenv, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.count("Certificate Object")

    def retrieve_noserver(self, app):
        return self.token("retrieve", "--passcode-fd", "FD", "--code-fd",
                          "FD", "--password-fd", "FD",
                          secrets=(NEW_PASSCODE, app["_code"],
                                   app["_password"]))

    def test_server_and_root_pin_from_the_file(self):
        app = self.shipped()
        self.change_passcode(self.provision(app))
        root, _ = self.ca_files()
        rc, out, err = openssl("x509", "-in", root, "-noout",
                               "-fingerprint", "-sha256")
        self.assertEqual(rc, 0, err)
        fingerprint = out.decode().strip().split("=", 1)[1]

        # Pinned to another root: the certificate is refused, not stored.
        self.conf(server=self.srv.base, root_sha256="00" * 32)
        r = self.retrieve_noserver(app)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("not the one pinned in root_sha256", r.stderr)
        self.assertEqual(self.certs_on_token(), 0)

        # The right pin (as openssl prints it): the same retrieval ends.
        self.conf(server=self.srv.base, root_sha256=fingerprint)
        r = self.retrieve_noserver(app)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertEqual(self.db.count("certificates"), 1)
        self.assertGreater(self.certs_on_token(), 0)  # with its chain
        r = self.token("test", "--passcode-fd", "FD", "--password-fd", "FD",
                       secrets=(NEW_PASSCODE, app["_password"]))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Test passed", r.stdout)

        # The command line wins over the file.
        self.conf(server="http://127.0.0.1:9")
        r = self.token("test", "--server", self.srv.base, "--passcode-fd",
                       "FD", "--password-fd", "FD",
                       secrets=(NEW_PASSCODE, app["_password"]))
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.token("config")
        self.assertIn("server: http://127.0.0.1:9\n", r.stdout)
        self.assertIn("config: %s\n" % self.tenv["RXCA_TOKEN_CONF"],
                      r.stdout)


if __name__ == "__main__":
    harness.main()
