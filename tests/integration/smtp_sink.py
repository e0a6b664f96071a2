#!/usr/bin/python3
"""A real SMTP server on loopback for the integration tests.

Each message is saved in --dir as NNNNNN.eml (the bytes as received) with
NNNNNN.json beside it ({"mail_from", "rcpt_tos"}); the .json is written last,
so a reader that sees it sees the whole message.  The tests run it in a
thread (controller(), harness.SmtpSink); as a program it prints "ready" on
stdout once it accepts connections and stops on SIGTERM or SIGINT.
"""
import argparse
import itertools
import json
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Saver:
    def __init__(self, directory):
        self.dir = directory
        existing = [int(n[:6]) for n in os.listdir(directory)
                    if n.endswith(".json") and n[:6].isdigit()]
        self.seq = itertools.count(max(existing, default=0) + 1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            n = next(self.seq)
        base = os.path.join(self.dir, "%06d" % n)
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8")
        with open(base + ".eml", "wb") as f:
            f.write(data)
        meta = {"mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos)}
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 OK"


def controller(directory, host, port):
    """An aiosmtpd Controller (start() it, then stop() it) saving what it
    receives on host:port to directory, a new one for each start: a
    stopped Controller cannot start again."""
    return Controller(Saver(directory), hostname=host, port=port,
                      ready_timeout=10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    # SIGTERM and SIGINT are taken by sigwait() in this thread, blocked in
    # the server's (which inherit the mask): a handler that set an Event
    # could run inside that Event's wait() here and deadlock on its lock.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    ctl = controller(a.dir, a.host, a.port)
    ctl.start()
    print("ready", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    ctl.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
