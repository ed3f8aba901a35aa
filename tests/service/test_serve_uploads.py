#!/usr/bin/env python3
"""`--trigger "...;external;upload=DEST;period=P"`: while an external trigger is ON the device's latest state is
uploaded once per period (aligned to UTC), keyed by (trigger, device, window start): to an HTTP receiver of this
test (python3 http.server on loopback; its first request fails with 500 and is retried) with an
Idempotency-Key header, and to a directory (one file per window). Every window start appears exactly once and
consecutive periods follow each other; after kill -9 and a restart that switches the triggers ON again within
the same (hourly) period nothing is uploaded twice (counted `existing`). Loopback only, bounded in time."""
import json
import os
import signal
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from serve_util import Server, check, finish, metric, metric_values, wait_until

NS = 1_000_000_000
lock = threading.Lock()
requests = []  # (path, key, status, body)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        with lock:
            status = 500 if not requests else 200  # the very first upload fails once
            requests.append((self.path, self.headers.get("Idempotency-Key"), status, body))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


receiver = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=receiver.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{receiver.server_address[1]}"


def delivered(path):
    with lock:
        return [(k, b) for p, k, s, b in requests if p == path and s == 200]


def uploads(srv, trigger):
    v = metric_values(srv.metrics(None)[0])
    return {r: metric(v, "vibrascope_trigger_uploads_total", trigger=trigger, result=r)
            for r in ("stored", "existing", "dead_letter", "dropped", "write_error")}


HOUR = 3600 * NS
# Both runs must fall in the same hour for the restart case: start at least 60 s before the hour ends.
wait_until(lambda: HOUR - time.time_ns() % HOUR > 60 * NS, 65, "at least a minute left in this hour")

with tempfile.TemporaryDirectory() as tmp:
    tdir = os.path.join(tmp, "trig")
    updir = os.path.join(tmp, "uploads")
    args = ["--source", "sim://a", "--db", os.path.join(tmp, "h.db"), "--trigger-dir", tdir,
            "--trigger", f"name=fast;device=a;external;upload={base}/fast;period=1s",
            "--trigger", f"name=hourly;device=a;external;upload={updir};period=1h",
            "--trigger", f"name=hourlyurl;device=a;external;upload={base}/hourly;period=1h"]
    srv = Server(args)
    try:
        wait_until(lambda: srv.json("GET", "/api/latest")[1].get("total") == 1, 15, "the first second")
        for t in ("fast", "hourly", "hourlyurl"):
            st, r = srv.json("POST", f"/api/triggers/{t}/on")
            check(st == 200 and r["on"], f"{t} ON: {r}")
        wait_until(lambda: len(delivered("/fast")) >= 4, 20, "4 periods of 'fast' delivered")
        srv.json("POST", "/api/triggers/fast/off")
        wait_until(lambda: len(delivered("/hourly")) == 1 and uploads(srv, "hourlyurl")["stored"] == 1, 20,
                   "the hourly URL upload delivered and marked")
        fast = delivered("/fast")
        keys = [k for k, _ in fast]
        check(len(keys) == len(set(keys)), f"no window uploaded twice: {keys}")
        starts = sorted(int(b["window_start_ns"]) for _, b in fast)
        check(all(s % NS == 0 for s in starts) and all(b - a == NS for a, b in zip(starts, starts[1:])),
              f"one upload per 1 s period, aligned, consecutive: {starts}")
        check(all(k == f"fast/a/{b['window_start_ns']}" for k, b in fast), "Idempotency-Key = trigger/device/start")
        check(all(b["device"] == "a" and b["second"] and b["second"]["samples"] > 0 for _, b in fast),
              f"each carries the device's latest second: {fast[0][1]}")
        with lock:
            first = requests[0]
            ok_keys = [k for _, k, st, _ in requests if st == 200]
        check(first[2] == 500 and ok_keys.count(first[1]) == 1, f"the failed first upload was retried once: {first}")
        m = metric_values(srv.metrics(None)[0])
        check(metric(m, "vibrascope_trigger_upload_attempts_failed_total", trigger=first[3]["trigger"]) == 1,
              "the failed attempt is counted")
        files = os.listdir(os.path.join(updir, "hourly"))
        check(len(files) == 1 and files[0].startswith("a_") and files[0].endswith(".json"),
              f"one file for the hourly window: {files}")
        hourly_key = delivered("/hourly")[0][0]
    finally:
        srv.proc.send_signal(signal.SIGKILL)  # kill -9: no clean shutdown
        srv.proc.wait()

    srv = Server(args)
    try:
        wait_until(lambda: srv.json("GET", "/api/latest")[1].get("total") == 1, 15, "the first second again")
        for t in ("hourly", "hourlyurl"):
            srv.json("POST", f"/api/triggers/{t}/on")
        start = int(files[0][2:-5])
        check(hourly_key == f"hourlyurl/a/{start}" and start // HOUR == time.time_ns() // HOUR,
              f"the restart is in the hour uploaded before: {hourly_key} {start}")
        wait_until(lambda: uploads(srv, "hourly")["existing"] == 1 and uploads(srv, "hourlyurl")["existing"] == 1,
                   10, "both hourly uploads recognised as done before the restart")
        check(len(delivered("/hourly")) == 1, f"nothing sent twice after kill -9: {delivered('/hourly')}")
        check(len(os.listdir(os.path.join(updir, "hourly"))) == 1, "no second file after kill -9")
    finally:
        rc = srv.stop()
    check(rc == 0, f"clean exit: {rc} {srv.stderr[-1000:]}")
finish()
