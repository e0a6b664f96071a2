#!/usr/bin/env bash
# Fails if docs/standards.md names a file that does not exist, or a
# function() in a table cell that is in none of the files named there.
# One python3 reads it all (a grep per cell, function and file took over
# a minute on a loaded machine).
set -u
cd "$(dirname "$0")/.."
exec /usr/bin/python3 - <<'PY'
import fnmatch
import glob
import os
import re
import sys

DOC = "docs/standards.md"
FILE_GLOBS = ("*/*.c", "*/*.h", "*/*.py", "*/*.sql", "*/*.sh", "*/*.md",
              "*/*.yaml")
if not os.path.isfile(DOC):
    print("standards: %s missing" % DOC)
    sys.exit(1)
texts = {}


def text(path):
    if path not in texts:
        with open(path, encoding="utf-8", errors="replace") as f:
            texts[path] = f.read()
    return texts[path]


def words(cell):
    """The words of the cell's `code` spans, as the shell split and
    expanded them: a pattern matching files stands for those files."""
    out = []
    for span in re.findall(r"`([^`]*)`", cell):
        for w in span.split():
            hits = sorted(glob.glob(w)) if re.search(r"[*?[]", w) else []
            out += hits or [w]
    return out


bad = 0
with open(DOC, encoding="utf-8") as f:
    lines = f.read().splitlines()
for line in lines:
    if not line.startswith("| "):
        continue
    for cell in line.split("|"):
        files, funcs = [], []
        for tok in words(cell):
            if tok.endswith("()"):
                funcs.append(tok[:-2])
            elif any(fnmatch.fnmatchcase(tok, g) for g in FILE_GLOBS):
                files.append(tok)
                if not os.path.isfile(tok):
                    print("standards: no file %s" % tok)
                    bad = 1
        for fn in funcs:
            pat = re.compile(r"(^|[^a-z_])" + re.escape(fn) + r"\(", re.M)
            if not any(os.path.isfile(p) and pat.search(text(p))
                       for p in files):
                print("standards: %s() is in none of: %s"
                      % (fn, " ".join(files)))
                bad = 1
if not bad:
    print("standards: every file and function named exists")
sys.exit(bad)
PY
