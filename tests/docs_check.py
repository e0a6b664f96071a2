#!/usr/bin/python3
"""Fails when the docs in the tree no longer match the tree (CTest `docs`).

- every relative link in a tracked *.md file (README.md, docs/, and the
  others) points at a file that exists and, with #anchor, at a heading of
  that file (GitHub's anchors);
- every `*.md` path cited in a source file (a path with a slash, or an
  upper-case name such as README.md) exists in the tree, next to the file
  citing it, or in a folder above it; applied migrations are never edited
  (api/store/migrate.h), so they are not checked;
- every setting of the table in api/config.c is a row of the settings
  table of docs/operations.md, with the same default;
- every `function()` in docs/architecture.md is in one of the files named
  in the same paragraph or list item, and every name in its request path
  is in one of the files that path names.

Usage: tests/docs_check.py [ROOT]   (default: the tree holding this file)
"""
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(__file__), ".."))
SOURCE_EXT = (".c", ".h", ".py", ".sh", ".sql", ".yaml", ".txt", ".lua")
problems = []


def fail(msg):
    problems.append(msg)


def tracked():
    try:
        out = subprocess.run(["git", "-C", ROOT, "ls-files"], check=True,
                             capture_output=True, text=True).stdout
        return [f for f in out.splitlines() if os.path.exists(
            os.path.join(ROOT, f))]
    except (OSError, subprocess.CalledProcessError):
        found = []
        for d, dirs, files in os.walk(ROOT):
            dirs[:] = [x for x in dirs if not x.startswith((".", "build",
                                                            "var"))]
            found += [os.path.relpath(os.path.join(d, f), ROOT)
                      for f in files]
        return found


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def prose_lines(text):
    """The lines of a markdown text outside fenced code blocks."""
    fenced = False
    for n, line in enumerate(text.split("\n"), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            yield n, line


def anchors(rel):
    seen, out = {}, set()
    for _, line in prose_lines(read(rel)):
        m = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower())
        slug = slug.replace(" ", "-")
        k = seen.get(slug, 0)
        seen[slug] = k + 1
        out.add(slug if k == 0 else "%s-%d" % (slug, k))
    return out


def inside(path):
    return os.path.commonpath([ROOT, path]) == ROOT


def check_links(mds):
    cache = {}
    for md in mds:
        base = os.path.dirname(os.path.join(ROOT, md))
        for n, line in prose_lines(read(md)):
            for target in re.findall(r"\]\(([^)\s]+)\)", line):
                if re.match(r"[a-z]+:", target):
                    continue
                path, _, frag = target.partition("#")
                full = os.path.normpath(os.path.join(base, path)) \
                    if path else os.path.join(ROOT, md)
                where = "%s:%d: %s" % (md, n, target)
                if not inside(full) or not os.path.exists(full):
                    fail("%s: no such file" % where)
                    continue
                if frag and full.endswith(".md"):
                    rel = os.path.relpath(full, ROOT)
                    if rel not in cache:
                        cache[rel] = anchors(rel)
                    if frag not in cache[rel]:
                        fail("%s: no heading #%s in %s" % (where, frag, rel))


def check_citations(files):
    for rel in files:
        if not rel.endswith(SOURCE_EXT) and \
                os.path.basename(rel) != "CMakeLists.txt":
            continue
        if rel.startswith("migrations/"):
            continue
        try:
            text = read(rel)
        except UnicodeDecodeError:
            continue
        for n, line in enumerate(text.split("\n"), 1):
            for cited in re.findall(r"[\w./-]*[\w-]\.md\b", line):
                name = os.path.basename(cited)[:-3]
                if "/" not in cited and not re.fullmatch(r"[A-Z][A-Z_0-9]*",
                                                         name):
                    continue  # e.g. SQL's o.md
                d = os.path.dirname(os.path.join(ROOT, rel))
                cands = [os.path.normpath(os.path.join(ROOT, cited))]
                while inside(d):
                    cands.append(os.path.normpath(os.path.join(d, cited)))
                    if d == ROOT:
                        break
                    d = os.path.dirname(d)
                if not any(inside(c) and os.path.isfile(c) for c in cands):
                    fail("%s:%d: cites %s, which is not in the tree" %
                         (rel, n, cited))


def check_settings():
    src = read("api/config.c")
    start = src.index("static const struct setting settings[]")
    table = src[start:src.index("};", start)]
    want = re.findall(r'\b[SI]\(\s*"([A-Z0-9_]+)",\s*\w+,\s*'
                      r'("(?:[^"\\]|\\.)*"|\w+)', table)
    if len(want) < 10:
        fail("api/config.c: could not read the settings table")
    doc = read("docs/operations.md")
    have = dict(re.findall(r"^\| `RXCA_([A-Z0-9_]+)` \| (.*?) \|", doc,
                           re.M))
    for name, default in want:
        if name not in have:
            fail("docs/operations.md: setting RXCA_%s (api/config.c) is "
                 "not in the settings table" % name)
        elif default.startswith('"'):
            d = default[1:-1]
            shown = have[name].strip("`")
            if shown != d and not (d == "" and shown == "(empty)"):
                fail("docs/operations.md: RXCA_%s default %s, api/config.c "
                     "says \"%s\"" % (name, have[name], d))


def check_functions(md):
    text = "\n".join(line if not line.lstrip().startswith("```") else ""
                     for _, line in prose_lines(read(md)))
    # paragraphs, and each numbered or bulleted item on its own
    blocks = re.split(r"\n\s*\n|\n(?=\s*(?:\d+\.|-) )", text)
    for block in blocks:
        files = [f for f in re.findall(r"`([\w./-]+\.(?:c|h|py|sh))`", block)]
        for fn in re.findall(r"`(\w+)\(\)`", block):
            pat = re.compile(r"(^|[^\w])%s\(" % re.escape(fn), re.M)
            if not any(os.path.isfile(os.path.join(ROOT, f)) and
                       pat.search(read(f)) for f in files):
                fail("%s: %s() is in none of: %s" %
                     (md, fn, " ".join(files) or "(no file named)"))
        for f in files:
            if "/" in f and not os.path.isfile(os.path.join(ROOT, f)):
                fail("%s: no file %s" % (md, f))


def check_request_path(md, files):
    """The names in "A request through the code" are in the files it
    names (a bare name like idcheck.c is any tracked file of that name)."""
    text = read(md)
    start = text.find("\n## A request through the code")
    if start == -1:
        fail("%s: no section \"A request through the code\"" % md)
        return
    end = text.find("\n## ", start + 1)
    sec = text[start:end if end != -1 else len(text)]
    paths = set()
    for f in re.findall(r"`([\w./-]+\.[ch])`", sec):
        match = [f] if "/" in f else [t for t in files
                                      if t.endswith("/" + f)]
        if not match or not all(os.path.isfile(os.path.join(ROOT, m))
                                for m in match):
            fail("%s: no file %s" % (md, f))
        paths.update(m for m in match
                     if os.path.isfile(os.path.join(ROOT, m)))
    body = "\n".join(read(p) for p in sorted(paths))
    for name in sorted(set(re.findall(r"`([a-z][a-z0-9]*_[a-z0-9_]*)"
                                      r"(?:\(\)|\[\])?`", sec))):
        if not re.search(r"\b%s\b" % name, body):
            fail("%s: %s is in none of the files its request path names" %
                 (md, name))


files = tracked()
mds = [f for f in files if f.endswith(".md")]
check_links(mds)
check_citations(files)
check_settings()
check_functions("docs/architecture.md")
check_request_path("docs/architecture.md", files)
for p in problems:
    print("docs: " + p)
if problems:
    sys.exit(1)
print("docs: %d markdown files, their links, the sources' citations and "
      "the settings agree with the tree" % len(mds))
