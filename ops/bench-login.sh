#!/usr/bin/env bash
# Log-in guessing against one account (issue 13, item 2), loopback only:
# one client (127.0.0.2) sends wrong passwords as fast as it can, first
# one at a time and then from 4 threads, for SECONDS each (default 8, at
# most 10, so the run stays under ~20 s); then the owner logs in from
# 127.0.0.1 with the right password.  Prints attempts per second, how many
# of them had their password checked (answers other than 429), and
# whether the owner got in, with the load average after each run.
#
#   ops/bench-login.sh [BASE_URL] [SECONDS]
#
# BASE_URL defaults to the server's own setting, http://$RXCA_LISTEN
# (127.0.0.1:8080 when unset, as the server's default).  Needs a running
# rxca-server (ops/rxca-dev run); it files one application.
set -eu
BASE=${1:-http://${RXCA_LISTEN:-127.0.0.1:8080}}
SECS=${2:-8}
case "$BASE" in
http://127.*|http://localhost*) ;;
*) echo "bench-login: loopback only, got $BASE" >&2; exit 2 ;;
esac
exec /usr/bin/python3 - "$BASE" "$SECS" "$(dirname "$0")/bench" <<'PY'
import collections, http.client, json, secrets, sys, threading, time, urllib.parse
sys.path.insert(0, sys.argv[3])
import bench_ports

base, secs = sys.argv[1], min(10.0, float(sys.argv[2]))
u = urllib.parse.urlsplit(base)
host, port = u.hostname, u.port or 80

def call(method, path, body, src="127.0.0.1"):
    c = http.client.HTTPConnection(host, port, timeout=30,
                                   source_address=(src, 0))
    try:
        c.request(method, path, json.dumps(body),
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        return r.status, data
    finally:
        c.close()

email = "bench.%s@example.org" % secrets.token_hex(4)
app = {"product": "epcs-hardware", "storage": "new-token", "shipping": "usps",
       "program": None, "voucher": None,
       "applicant": {"given_name": "Ada", "middle_name": None,
                     "family_name": "Lovelace", "date_of_birth": "1975-12-10",
                     "email": email, "phone": "+13175550100",
                     "home_address": {"line1": "1 Main St", "line2": None,
                                      "city": "Indianapolis", "state": "IN",
                                      "postal_code": "46204", "country": "US"},
                     "npi": "1234567893", "dea_number": "AL1234563",
                     "ssn_last4": "1234"},
       "address_verification": {"card_token": "tok_avs_1"},
       "payment": {"card_token": "tok_pay_1"},
       "account": {"password": "correct horse battery",
                   "secret_questions": [
                       {"question": "First pet?", "answer": "Rex"},
                       {"question": "Birth city?", "answer": "London"},
                       {"question": "Teacher?", "answer": "Babbage"}]},
       "subscriber_agreement": {"version": "2026-01", "accepted": True}}
st, data = call("POST", "/v1/applications", app)
if st != 201:
    sys.exit("bench-login: apply answered %d: %s" % (st, data[:200]))
app_id = json.loads(data)["id"]

def attack(threads):
    counts = collections.Counter()
    lock = threading.Lock()
    stop = time.monotonic() + secs
    def run():
        while time.monotonic() < stop:
            s, _ = call("POST", "/v1/sessions",
                        {"application_id": app_id, "password": "wrong guess"},
                        "127.0.0.2")
            with lock:
                counts[s] += 1
    ts = [threading.Thread(target=run) for _ in range(threads)]
    t0 = time.monotonic()
    for t in ts: t.start()
    for t in ts: t.join()
    el = time.monotonic() - t0
    n = sum(counts.values())
    checked = n - counts[429]
    print("127.0.0.2, %d thread(s), %.1f s: %d attempts (%.1f/s), %d "
          "passwords checked (%.2f/s), answers %s; load average %s"
          % (threads, el, n, n / el, checked, checked / el,
             dict(sorted(counts.items())), bench_ports.load()))

attack(1)
attack(4)
st, data = call("POST", "/v1/sessions",
                {"application_id": app_id, "password": "correct horse battery"},
                "127.0.0.1")
print("owner from 127.0.0.1 with the right password: %d %s"
      % (st, "(logged in)" if st == 201 else data[:120].decode()))
PY
