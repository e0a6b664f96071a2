"""A password reset does its Argon2id work (the three answers checked, the
new password hashed) with no transaction open: the application's row is
locked only for the short units of work before and after it, not while
it hashes.  The application is made with the tests' cheap Argon2id; a
second server on the same database hashes the new password with a costly
one.  A probe that takes the row lock (SKIP LOCKED) again and again while
that reset runs finds it free nearly every time; when the hashing ran
inside the reset's transaction it found it held nearly every time."""
import threading

import harness
from test_ca import CaCase


# Costly enough that one new password's hash lasts for many probes.
COSTLY = {"RXCA_ARGON2_MEMORY_KIB": "262144", "RXCA_ARGON2_ITERATIONS": "4"}


class ResetHashingTest(CaCase):

    def test_no_row_lock_while_hashing(self):
        app = self.shipped()
        slow = self.start_server(db=self.db, env=dict(self.env, **COSTLY))
        body = {"activation_code": app["_code"],
                "answers": ["  REX ", "london", "Babbage"],
                "new_password": "a brand new passphrase"}
        got = {}

        def reset():
            got["resp"] = slow.http("POST", "/v1/password-resets", body)

        probe = ("SELECT count(*) FROM (SELECT 1 FROM applications "
                 "WHERE id = '%s' FOR UPDATE SKIP LOCKED) s" % app["id"])
        t = threading.Thread(target=reset)
        t.start()
        probes = held = 0
        while t.is_alive():
            free = self.db.scalar(probe)
            if not t.is_alive():
                break
            probes += 1
            held += free == "0"
        t.join()
        print("probes: %d, the row held: %d" % (probes, held), flush=True)
        st, _, js = got["resp"]
        self.assertEqual(st, 200, js)
        # The reset lasted long enough to tell (else the test says
        # nothing), and the row was free for most of it.
        self.assertGreaterEqual(probes, 8, "too few probes to tell")
        self.assertLess(held, probes / 4,
                        "the row was held %d times of %d" % (held, probes))
        st, _, js = self.login(self.srv, "a brand new passphrase",
                               app_id=app["id"])
        self.assertEqual(st, 201, js)


if __name__ == "__main__":
    harness.main()
