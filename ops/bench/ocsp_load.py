#!/usr/bin/python3
"""ops/bench-ocsp.sh's bulk loader (a benchmark's data, not a test).

    ocsp_load.py <table> <columns> <template binary COPY> <first> <last>

Reads one table's template rows as PostgreSQL wrote them with
`COPY (SELECT ...) TO STDOUT (FORMAT binary)` and writes, for each i in
[first, last], a copy of every template row with the serial 0x40 00.. i
(16 bytes) to stdout in the same format, for `COPY ... FROM STDIN (FORMAT
binary)`.  <table> says which columns change:

  certificates    serial; spki_sha256 = serial twice (unique, 32 bytes, and
                  in serial order so the unique index grows at its end);
                  tbs and der one byte (no OCSP answer reads them); kit_id
                  and renews NULL
  ocsp_responses  serial (the der stays the template's: as large as a real
                  one; its answer names the template's serial)

<columns> is the template's column list, comma-separated, in its order;
each column named above must be in it."""
import struct
import sys

HEADER = b"PGCOPY\n\xff\r\n\x00"
NULL = None


def read_rows(data):
    """The template's rows: each a list of field bytes (None for NULL)."""
    if not data.startswith(HEADER):
        sys.exit("ocsp_load.py: not a binary COPY")
    at = len(HEADER) + 4
    (ext,) = struct.unpack_from("!i", data, at)
    at += 4 + ext
    rows = []
    while True:
        (n,) = struct.unpack_from("!h", data, at)
        at += 2
        if n == -1:
            return rows
        row = []
        for _ in range(n):
            (size,) = struct.unpack_from("!i", data, at)
            at += 4
            if size == -1:
                row.append(NULL)
            else:
                row.append(data[at:at + size])
                at += size
        rows.append(row)


def field(value):
    if value is NULL:
        return struct.pack("!i", -1)
    return struct.pack("!i", len(value)) + value


def main():
    table, cols, template, first, last = sys.argv[1:]
    first, last = int(first), int(last)
    with open(template, "rb") as f:
        data = f.read()
    names = [n.strip() for n in cols.split(",")]
    rows = read_rows(data)
    changes = {
        "certificates": {"serial": "serial", "spki_sha256": "serial2",
                         "tbs": "byte", "der": "byte", "kit_id": "null",
                         "renews": "null"},
        "ocsp_responses": {"serial": "serial"},
    }[table]
    for name in changes:
        if name not in names:
            sys.exit("ocsp_load.py: no column %s in %s" % (name, table))
    # Each row as a prefix, the serial's place, and so on: the bytes
    # between the fields that change are the template's.
    plans = []
    for row in rows:
        parts, fixed = [], struct.pack("!h", len(row))
        for name, value in zip(names, row):
            kind = changes.get(name)
            if kind is None:
                fixed += field(value)
            elif kind == "null":
                fixed += field(NULL)
            elif kind == "byte":
                fixed += field(b"\x00")
            else:
                parts.append(fixed)
                parts.append(kind)
                fixed = b""
        parts.append(fixed)
        plans.append(parts)
    out = sys.stdout.buffer
    out.write(HEADER + struct.pack("!ii", 0, 0))
    chunk = []
    for i in range(first, last + 1):
        serial = b"\x40" + i.to_bytes(15, "big")
        for parts in plans:
            for p in parts:
                if p == "serial":
                    chunk.append(b"\x00\x00\x00\x10" + serial)
                elif p == "serial2":
                    chunk.append(b"\x00\x00\x00\x20" + serial + serial)
                else:
                    chunk.append(p)
        if len(chunk) > 20000:
            out.write(b"".join(chunk))
            chunk = []
    out.write(b"".join(chunk) + struct.pack("!h", -1))
    out.flush()


if __name__ == "__main__":
    main()
