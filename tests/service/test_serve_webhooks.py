#!/usr/bin/env python3
"""`vibrascope serve --webhook`: alarm events (raised, cleared) are POSTed as JSON to every webhook, in order.
Receivers are python3 http.server instances of this test on loopback: one that answers 200, one that fails
twice (500) before it answers, one that never answers (hangs), and a closed port. The flaky one gets every
event after retries; the hanging and the closed one end in the dead-letter file after --webhook-attempts;
meanwhile the engine keeps recording (samples stored grow, HTTP answers) and /metrics counts every outcome
(checked with python3-prometheus-client and promtool). Loopback only, bounded in time."""
import json
import math
import os
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from serve_util import Server, check, finish, free_port, json_block, metric, metric_values, wait_until

RATE = 1000
release = threading.Event()  # lets the hanging receiver go at the end


class Receiver:
    def __init__(self, mode, fail_first=0):
        self.mode, self.fail_first, self.bodies, self.requests = mode, fail_first, [], 0
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    outer.requests += 1
                    n = outer.requests
                if outer.mode == "hang":
                    release.wait(60)
                    return
                if n <= outer.fail_first:
                    self.send_response(500)
                    self.end_headers()
                    return
                with lock:
                    outer.bodies.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook?key=secret"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def sine(i):
    return math.sin(2 * math.pi * 50 * i / RATE)


ok, flaky, hang = Receiver("ok"), Receiver("ok", fail_first=2), Receiver("hang")
closed = f"http://127.0.0.1:{free_port()}/nobody"

with tempfile.TemporaryDirectory() as tmp:
    dead = os.path.join(tmp, "dead.jsonl")
    srv = Server(["--source", "sim://a", "--db", os.path.join(tmp, "h.db"), "--alarm", "rms>0.3,device=pump",
                  "--webhook", ok.url, "--webhook", flaky.url, "--webhook", hang.url, "--webhook", closed,
                  "--webhook-attempts", "3", "--webhook-timeout", "1", "--webhook-dead-letter", dead])
    try:
        # 3 s of a 50 Hz sine (RMS 0.71 > 0.3), then 4 s of zeros: one raise, then one clear.
        blocks = [json_block(s, s * RATE, RATE, rate=RATE, value=sine if s < 3 else (lambda i: 0.0))
                  for s in range(7)]
        st, r = srv.json("POST", "/api/ingest?device=pump", None, blocks)
        check(st == 202 and r["accepted"] == 7, f"ingest of 7 s: {st} {r}")

        wait_until(lambda: len(ok.bodies) >= 2, 20, "the ok receiver to get raise and clear")
        states = [(b["device"], b["state"], b["kind"]) for b in ok.bodies]
        check(states == [("pump", "raised", "alarm"), ("pump", "cleared", "alarm")],
              f"ok receiver: raise then clear of pump, nothing else: {states}")
        raised = ok.bodies[0]
        check(raised["rule"].startswith("rms>0.3") and raised["value"] > 0.3 and raised["threshold"] == 0.3,
              f"the raise names rule, value and threshold: {raised}")
        # Seconds are UTC-aligned, so the raising second may hold only part of the sine: at most its RMS 0.707.
        check(raised["value"] <= math.sqrt(0.5) + 0.01, f"value at most the sine's RMS 0.707: {raised['value']}")

        # The engine is never held up by the receiver that hangs: while it hangs, data is stored and HTTP answers.
        wait_until(lambda: hang.requests >= 1, 10, "the hanging receiver to be called")
        values = metric_values(srv.metrics(None)[0])
        stored0 = metric(values, "vibrascope_samples_stored_total", device="a")
        st, _, _ = srv.request("GET", "/healthz", timeout=2)
        check(st == 200, f"/healthz answers while a webhook hangs: {st}")
        wait_until(lambda: metric(metric_values(srv.metrics(None)[0]), "vibrascope_samples_stored_total",
                                  device="a") > stored0 + 16000, 10, "recording to go on while a webhook hangs")

        wait_until(lambda: len(flaky.bodies) >= 2, 20, "the flaky receiver to get both after retries")
        check([b["state"] for b in flaky.bodies] == ["raised", "cleared"] and flaky.requests == 4,
              f"flaky: 2 failures then both in order ({flaky.requests} requests): {flaky.bodies}")

        def dead_lines():
            return [json.loads(line) for line in open(dead)] if os.path.exists(dead) else []
        wait_until(lambda: len(dead_lines()) >= 4, 30, "4 dead letters (hang and closed, 2 events each)")
        lines = dead_lines()
        by_hook = {}
        for d in lines:
            by_hook.setdefault(d["webhook"], []).append(d)
        check(sorted(by_hook) == sorted([hang.url.split("?")[0], closed]),
              f"dead letters for the hanging and the closed webhook only, no query in the label: {sorted(by_hook)}")
        for hook, ds in by_hook.items():
            check([d["event"]["state"] for d in ds] == ["raised", "cleared"] and all(d["attempts"] == 3 for d in ds)
                  and all(d["reason"] == "attempts exhausted" for d in ds), f"{hook}: both after 3 attempts: {ds}")
        check(hang.requests == 6, f"the hanging receiver was tried 3 times per event: {hang.requests}")

        text, _ = srv.metrics(None)
        values = metric_values(text)
        expect = {(ok.url.split("?")[0], "delivered"): 2, (flaky.url.split("?")[0], "delivered"): 2,
                  (hang.url.split("?")[0], "dead_letter"): 2, (closed, "dead_letter"): 2,
                  (ok.url.split("?")[0], "dropped"): 0}
        for (hook, result), n in expect.items():
            got = metric(values, "vibrascope_webhook_notifications_total", webhook=hook, result=result)
            check(got == n, f"notifications_total{{{hook},{result}}} = {got}, want {n}")
        got = metric(values, "vibrascope_webhook_attempts_total", webhook=flaky.url.split("?")[0], result="failed")
        check(got == 2, f"flaky: 2 failed attempts counted: {got}")
        check(metric(values, "vibrascope_webhook_queue_capacity", webhook=closed) == 1000, "queue capacity shown")
        p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
        check(p.returncode == 0, f"promtool check metrics: {p.stdout}{p.stderr}")
    finally:
        release.set()
        rc = srv.stop()
    check(rc == 0, f"clean exit: {rc} {srv.stderr[-1500:]}")
finish()
