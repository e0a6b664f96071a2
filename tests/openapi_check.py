#!/usr/bin/python3
"""The route table of api/server.c and api/openapi.yaml agree: every route
(method and path) is documented under `paths:`, every documented operation
is routed, nothing but events sits under `webhooks:` (an operation
filed there is invisible to clients generated from the document), and no
name is given twice to a path or a component (YAML keeps only one of
two equal keys, silently).  Paths
compare with `:name` and `*name` written `{name}`."""
import os
import re
import sys

ROOT = os.environ.get("RXCA_SOURCE_DIR") or \
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METHODS = ("get", "put", "post", "delete", "patch", "head")


def routes():
    src = open(os.path.join(ROOT, "api", "server.c")).read()
    table = src[src.index("static const struct route routes[]"):]
    table = table[:table.index("};")]
    out = set()
    for m in re.finditer(r'\{\s*"([A-Z]+)",\s*"([^"]+)"', table):
        path = re.sub(r"[:*]([a-z_]+)", r"{\1}", m.group(2))
        out.add((m.group(1).lower(), path))
    return out


def documented():
    """{section: {(method, path)}} of the document's top-level sections."""
    out, section, path = {}, None, None
    for line in open(os.path.join(ROOT, "api", "openapi.yaml")):
        m = re.match(r"^([a-z]+):", line)
        if m:
            section, path = m.group(1), None
            out.setdefault(section, set())
            continue
        m = re.match(r"^  (\S[^:]*):\s*$", line)
        if m and section in ("paths", "webhooks"):
            path = m.group(1).strip("'\"")
            continue
        m = re.match(r"^    (%s):" % "|".join(METHODS), line)
        if m and path is not None:
            out[section].add((m.group(1), path))
    return out


def twice():
    """Path and component names given twice: a path under paths: or
    webhooks:, a component under one of components:' sections."""
    seen, out, where = set(), [], None
    for line in open(os.path.join(ROOT, "api", "openapi.yaml")):
        m = re.match(r"^([a-z]+):", line)
        if m:
            where = m.group(1)
            continue
        m = re.match(r"^  ([A-Za-z]+):\s*$", line)
        if m and where == "components":
            where = "components/" + m.group(1)
            continue
        if where in ("paths", "webhooks"):
            m = re.match(r"^  (\S[^:]*):\s*$", line)
        elif where is not None and where.startswith("components/"):
            if re.match(r"^  \S", line):
                where = "components"
                m = re.match(r"^  ([A-Za-z]+):\s*$", line)
                if m:
                    where = "components/" + m.group(1)
                continue
            m = re.match(r"^    ([A-Za-z0-9_.-]+):", line)
        else:
            m = None
        if m:
            key = (where, m.group(1).strip("'\""))
            if key in seen:
                out.append("%s %s is given twice" % key)
            seen.add(key)
    return out


def main():
    have = routes()
    doc = documented()
    bad = twice()
    for method, path in sorted(have - doc.get("paths", set())):
        bad.append("%s %s is routed but not under paths:" % (
            method.upper(), path))
    for method, path in sorted(doc.get("paths", set()) - have):
        bad.append("%s %s is documented but not routed" % (
            method.upper(), path))
    for method, path in sorted(doc.get("webhooks", set())):
        if path.startswith("/"):
            bad.append("%s %s sits under webhooks:, not paths:" % (
                method.upper(), path))
    for b in bad:
        print("openapi: " + b)
    print("openapi: %d routes, %s" % (
        len(have), "all documented" if not bad else "%d faults" % len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
