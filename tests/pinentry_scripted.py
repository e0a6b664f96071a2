#!/usr/bin/python3
"""A scripted pinentry for the tests (token/tokpin.h): speaks the Assuan
protocol of Debian's pinentry programs on stdin/stdout and answers each
GETPIN or CONFIRM with the next line of the file $RXCA_PINENTRY_SCRIPT
(removed from it as it is used, under a lock, so successive runs follow
the script):

    pin TEXT    GETPIN answers TEXT (percent-escaped on the wire)
    yes         CONFIRM answers OK
    no          CONFIRM answers ERR (the user said no)
    cancel      GETPIN answers ERR (the user closed the window)
    garbage     a line that is not Assuan, then exit
    mute        exit without a word (before the greeting)

An empty script answers ERR.  Every GETPIN and CONFIRM is logged to
$RXCA_PINENTRY_LOG (if set) as "GETPIN|CONFIRM <description>", so a test
can see what the user was shown (the origin)."""
import fcntl
import os
import sys

SCRIPT = os.environ.get("RXCA_PINENTRY_SCRIPT", "")
LOG = os.environ.get("RXCA_PINENTRY_LOG")


def pop():
    if not SCRIPT or not os.path.exists(SCRIPT):
        return ""
    with open(SCRIPT, "r+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        lines = f.read().splitlines()
        first = lines[0] if lines else ""
        f.seek(0)
        f.truncate()
        f.write("".join(line + "\n" for line in lines[1:]))
    return first


def unescape(s):
    out, i = bytearray(), 0
    b = s.encode()
    while i < len(b):
        if b[i:i + 1] == b"%" and i + 2 < len(b):
            out.append(int(b[i + 1:i + 3], 16))
            i += 3
        else:
            out.append(b[i])
            i += 1
    return out.decode()


def escape(s):
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def log(what, desc):
    if LOG:
        with open(LOG, "a") as f:
            f.write("%s %s\n" % (what, desc.replace("\n", " ")))


def main():
    desc = ""
    peek = None
    if SCRIPT and os.path.exists(SCRIPT):
        with open(SCRIPT) as f:
            peek = (f.readline().strip() or None)
    if peek == "mute":
        pop()
        return
    say("OK Pleased to meet you")
    for raw in sys.stdin:
        line = raw.rstrip("\n")
        cmd, _, arg = line.partition(" ")
        if cmd == "SETDESC":
            desc = unescape(arg)
            say("OK")
        elif cmd in ("SETTITLE", "SETPROMPT", "OPTION", "SETOK",
                     "SETCANCEL", "SETERROR"):
            say("OK")
        elif cmd in ("GETPIN", "CONFIRM"):
            log(cmd, desc)
            act = pop()
            verb, _, value = act.partition(" ")
            if verb == "garbage":
                say("this is not assuan")
                return
            if cmd == "GETPIN" and verb == "pin":
                say("S PIN_REPEATED")
                say("D " + escape(value))
                say("OK")
            elif cmd == "CONFIRM" and verb == "yes":
                say("OK")
            else:
                say("ERR 83886179 Operation cancelled <Pinentry>")
        elif cmd == "BYE":
            say("OK closing connection")
            return
        else:
            say("ERR 536871187 Unknown IPC command <User defined source 1>")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        # the client went away (after BYE, or on a bad answer)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
