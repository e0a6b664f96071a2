#!/usr/bin/env python3
"""ops/bench/openloop.py: an open-loop load of fixed-length POST requests.

  openloop.py <port> <path> <requests file> <length> <rate> <seconds> <conns>

Sends the requests of the file (each <length> bytes, one after the other,
as ops/bench-ocsp.sh writes them), round robin, to 127.0.0.1:<port><path>
over <conns> keep-alive HTTP/1.1 connections, at a fixed offered rate: the
i-th request is due at start + i / <rate>, whether or not earlier answers
have come.  A due request goes out on the first idle connection; when none
is idle it waits, and its latency still counts from the moment it was due
(no coordinated omission, unlike a closed loop such as wrk's).

Prints one line of key=value pairs: offered (requests due), answered
(status 200), errors (any other status or a broken connection), rps
(answered per second of the run), p50_ms, p99_ms and max_ms of the
latencies from due time to the answer's last byte.  Exit status 0, or 1
when no request was answered.
"""
import asyncio
import sys
import time


async def connection(port, path, queue, lat, counts):
    """One keep-alive connection: takes (due, body) from queue, sends it,
    reads the whole answer, records its latency from due."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/ocsp-request\r\n"
            "Content-Length: %%d\r\n\r\n" % path)
    while True:
        item = await queue.get()
        if item is None:
            break
        due, body = item
        try:
            writer.write((head % len(body)).encode() + body)
            await writer.drain()
            status = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            await reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            counts["errors"] += 1
            break
        if status.split(b" ")[1:2] == [b"200"]:
            counts["answered"] += 1
            lat.append(time.monotonic() - due)
        else:
            counts["errors"] += 1
    writer.close()


async def run(port, path, reqs, rate, seconds, conns):
    queue = asyncio.Queue()
    lat = []
    counts = {"answered": 0, "errors": 0}
    tasks = [asyncio.create_task(connection(port, path, queue, lat, counts))
             for _ in range(conns)]
    start = time.monotonic()
    total = int(rate * seconds)
    for i in range(total):
        due = start + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((due, reqs[i % len(reqs)]))
    for _ in tasks:
        queue.put_nowait(None)
    await asyncio.gather(*tasks, return_exceptions=True)
    elapsed = time.monotonic() - start
    return total, lat, counts, elapsed


def pct(sorted_ms, p):
    if not sorted_ms:
        return 0.0
    return sorted_ms[min(len(sorted_ms) - 1, int(p * len(sorted_ms)))]


def main():
    if len(sys.argv) != 8:
        sys.exit(__doc__.split("\n\n")[1])
    port, path, name = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    length, rate = int(sys.argv[4]), float(sys.argv[5])
    seconds, conns = float(sys.argv[6]), int(sys.argv[7])
    data = open(name, "rb").read()
    reqs = [data[at:at + length] for at in range(0, len(data), length)]
    if not reqs or rate <= 0 or seconds <= 0 or conns <= 0:
        sys.exit("openloop.py: no requests, or a rate, time or count <= 0")
    total, lat, counts, elapsed = asyncio.run(
        run(port, path, reqs, rate, seconds, conns))
    ms = sorted(v * 1000 for v in lat)
    print("offered=%d answered=%d errors=%d rps=%.0f p50_ms=%.2f "
          "p99_ms=%.2f max_ms=%.2f" % (
              total, counts["answered"], counts["errors"],
              counts["answered"] / elapsed, pct(ms, 0.50), pct(ms, 0.99),
              ms[-1] if ms else 0.0))
    sys.exit(0 if counts["answered"] > 0 else 1)


if __name__ == "__main__":
    main()
