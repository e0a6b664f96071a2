#!/usr/bin/python3
"""Activation codes over HTTP: a new letter's code ends in a character of
its own alphabet (no punctuation); a code printed before 2026-12, with the
legacy check symbol (* ~ $ = U included), is still taken until its kit
expires; a new code mistyped into its legacy check symbol is caught as a
typo (422 on activation_code), not sent to the kit's attempt count."""
import hashlib
import secrets
import tempfile

import harness
from test_ca import CaCase, make_csr

DATA = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LEGACY = DATA + "*~$=U"
DAY = 86400


def legacy_check(data):
    """The check symbol of codes printed before 2026-12: value mod 37."""
    v = 0
    for c in data:
        v = v * 32 + DATA.index(c)
    return LEGACY[v % 37]


def new_check(data):
    """The check character now: sum of d[i] a^(20 - i) in GF(32)."""
    c = 0
    for ch in data:
        c = (c ^ DATA.index(ch)) << 1
        if c & 32:
            c ^= 0x25
    return DATA[c]


def printed(norm):
    return "-".join(norm[i:i + 5] for i in range(0, 21, 5))


class ActcodeTest(CaCase):

    def legacy_code(self, app, punctuation):
        """Gives app's kit a code printed with the legacy check symbol
        (as if printed before 2026-12, only its hash kept): the code."""
        while True:
            data = "".join(secrets.choice(DATA) for _ in range(20))
            check = legacy_check(data)
            if check != new_check(data) and \
                    (check in "*~$=U") == punctuation:
                break
        norm = data + check
        digest = hashlib.sha256(
            ("rxca-activation-code:" + norm).encode()).hexdigest()
        self.db.scalar("UPDATE kits SET code_hash = '\\x%s' WHERE id = '%s'"
                       % (digest, app["_kit"]))
        return printed(norm)

    def test_new_code_reads_well(self):
        app = self.shipped()
        code = app["_code"]
        self.assertRegex(code, r"^([%s]{5}-){4}[%s]$" % (DATA, DATA))
        # Its legacy check symbol instead of its own: a typo, not a kit.
        data = code.replace("-", "")[:20]
        if legacy_check(data) != new_check(data):
            typo = code[:-1] + legacy_check(data)
            _, csr = make_csr(tempfile.mkdtemp(dir=self.tmp))
            self.assertProblem(self.retrieve(app, csr, typo), 422,
                               "activation_code")
        self.assertEqual(self.db.scalar(
            "SELECT attempts FROM kits WHERE id = '%s'"
            % app["_kit"]), "0")

    def test_legacy_codes_still_taken(self):
        for punctuation in (True, False):
            with self.subTest(punctuation=punctuation):
                app = self.shipped()
                code = self.legacy_code(app, punctuation)
                _, csr = make_csr(tempfile.mkdtemp(dir=self.tmp))
                # The new code of the letter no longer matches the kit.
                self.assertProblem(self.retrieve(app, csr), 401)
                st, _, js = self.retrieve(app, csr, code.lower())
                self.assertEqual(st, 201, js)

    def test_legacy_code_until_the_kit_expires(self):
        app = self.shipped()
        code = self.legacy_code(app, True)
        _, csr = make_csr(tempfile.mkdtemp(dir=self.tmp))
        # A wrong password counts against the kit, as with any code.
        st, _, js = self.retrieve(app, csr, code, "a wrong password!")
        self.assertEqual(st, 401, js)
        self.assertEqual(js["attempts_left"], 4)
        self.srv.set_clock(91 * DAY)
        self.assertProblem(self.retrieve(app, csr, code), 410)


if __name__ == "__main__":
    harness.main()
