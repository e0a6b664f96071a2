#!/usr/bin/python3
"""Every problem type in the tree is registered (common/problem.c's
registry): each problem_set() call names a registered slug with its status
and title, and every slug api/openapi.yaml documents is registered with the
status it documents.  The HTTP layer's own refusals (http-NNN) are not in
the registry."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STR = r'"(?:[^"\\]|\\.)*"'


def registry():
    text = open(os.path.join(ROOT, "common", "problem.c")).read()
    body = text[text.index("registry[] = {"):]
    body = body[:body.index("};")]
    reg = {}
    for slug, status, title in re.findall(
            r'\{"([a-z0-9-]+)", (\d+), "([^"]*)"\}', body):
        reg[(slug, int(status))] = title
    return reg


def find(reg, slug, status):
    if (slug, status) in reg:
        return reg[(slug, status)]
    return reg.get((slug, 0))


def calls(path):
    """(line, status, [slugs], title or None) of each problem_set call."""
    text = open(path, encoding="utf-8").read()
    out = []
    for m in re.finditer(r"\bproblem_set\(", text):
        if text[:m.start()].rstrip().endswith(("int", "*")):
            continue  # the definition or a declaration
        rest = text[m.end():m.end() + 600]
        line = text.count("\n", 0, m.start()) + 1
        args = re.match(r"\s*[^,]+,\s*([^,]+?),\s*", rest)
        if args is None:
            out.append((line, None, [], None))
            continue
        status = args.group(1).strip()
        rest = rest[args.end():]
        slugs = []
        tern = re.match(r"[^?;]*?\?\s*(%s)\s*:\s*(%s)\s*,\s*" % (STR, STR),
                        rest, re.S)
        lit = re.match(r"(%s)\s*,\s*" % STR, rest)
        if lit:
            slugs = [lit.group(1)[1:-1]]
            rest = rest[lit.end():]
        elif tern:
            slugs = [tern.group(1)[1:-1], tern.group(2)[1:-1]]
            rest = rest[tern.end():]
        title = re.match(r"(%s)\s*," % STR, rest)
        out.append((line, status, slugs,
                    title.group(1)[1:-1] if title else None))
    return out


def main():
    reg = registry()
    bad = []
    if len(reg) < 50:
        bad.append("common/problem.c: the registry could not be read")
    files = subprocess.run(["git", "ls-files", "*.c"], cwd=ROOT,
                           capture_output=True, text=True).stdout.split()
    for f in files:
        if f.startswith("tests/"):
            continue
        for line, status, slugs, title in calls(os.path.join(ROOT, f)):
            where = "%s:%d" % (f, line)
            if not slugs:
                bad.append("%s: a problem_set whose type is not a literal"
                           % where)
                continue
            numeric = status is not None and status.isdigit()
            for slug in slugs:
                if numeric:
                    t = find(reg, slug, int(status))
                elif (slug, 0) in reg:
                    t = reg[(slug, 0)]
                else:
                    bad.append("%s: %s with a status that is not a number"
                               % (where, slug))
                    continue
                if t is None:
                    bad.append("%s: %s %s is not in the registry"
                               % (where, status, slug))
                elif title is not None and len(slugs) == 1 and \
                        (slug, 0) not in reg and title != t:
                    bad.append('%s: %s has the title "%s", not "%s"'
                               % (where, slug, title, t))
    spec = open(os.path.join(ROOT, "api", "openapi.yaml")).read()
    # the tables of problem types (headed "| slug | status |"), not others
    tables = re.findall(r"^\s*\| slug \| status \|.*\n((?:\s*\|.*\n)*)",
                        spec, re.M)
    for m in re.finditer(r"^\s*\| ((?:`[a-z0-9-]+`(?:, )?)+) \| (\d{3}) \|",
                         "".join(tables), re.M):
        for slug in re.findall(r"`([a-z0-9-]+)`", m.group(1)):
            if slug.startswith("http-"):
                continue
            if find(reg, slug, int(m.group(2))) is None:
                bad.append("api/openapi.yaml: %s %s is not in the registry"
                           % (m.group(2), slug))
    for b in bad:
        print("problems: " + b)
    print("problems: %d types registered, %s" %
          (len(reg), "clean" if not bad else "%d faults" % len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
