#!/usr/bin/env python3
"""HTTP API benchmark for `vibrascope serve` (never part of ctest): the server records N simulated devices
(16 kHz x 3 axes by default) into SQLite while wrk (Debian `wrk`) loads one route at a time for D seconds with C
connections. The floor is `/healthz` on the same server in the same run (a route that does no work); each
route's requests/s is reported as a ratio to it, with p50/p99 latency from wrk --latency. Afterwards the server
is stopped with SIGTERM and its final report (--report-json) must show every device balanced with nothing
dropped: the recorder loses nothing while the API is under load.

  bench/service/run.py --build build/dev [--devices 64] [--duration 10] [--connections 16] [--threads 1]

Prints a Markdown table for docs/performance.md. Exit 1 when the recorder dropped samples or did not balance,
or a route answered other than 200."""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

TOKEN = "bench-token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()


def dropped_total(port):
    total = 0.0
    for line in get(port, "/metrics").decode().splitlines():
        if line.startswith("vibrascope_samples_dropped_total{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def to_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v


def wrk(port, path, args):
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
           "-H", f"Authorization: Bearer {TOKEN}", f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {p: to_ms(re.search(rf"^\s+{p}%\s+(\S+)", out, re.M).group(1)) for p in ("50", "99")}
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": lat["50"], "p99": lat["99"], "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "errors": errors.group(1) if errors else "", "cmd": " ".join(cmd[:-3] + ["URL"])}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build/dev")
    ap.add_argument("--devices", type=int, default=64)
    ap.add_argument("--rate", type=float, default=16000)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    binary = os.path.join(args.build, "app", "vibrascope")
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        cmd = [binary, "serve", "--http", f"127.0.0.1:{port}", "--token", TOKEN, "-q", "--db",
               os.path.join(tmp, "bench.db"), "--report-json", report]
        for i in range(args.devices):
            cmd += ["--source", f"sim://d{i:03d}?rate={args.rate:g}"]
        srv = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        try:
            deadline = time.time() + 60
            while True:
                try:
                    if json.loads(get(port, "/api/latest?count=1"))["total"] == args.devices:
                        break
                except OSError:
                    pass
                if time.time() > deadline or srv.poll() is not None:
                    sys.exit("the server did not start recording every device within 60 s")
                time.sleep(0.2)
            time.sleep(2)  # a few stored seconds for /api/history
            now = int(time.time())
            routes = [("/healthz", "floor: no work"),
                      (f"/api/latest?count={args.devices}&sort=velocity&order=desc", "every device's newest second"),
                      ("/metrics", f"Prometheus text, {args.devices} devices"),
                      (f"/api/history?device=d000&from={now - 60}&to={now}&points=500", "SQLite read, 1 s level")]
            dropped_before = dropped_total(port)
            results = []
            for path, what in routes:
                results.append((path, what, wrk(port, path, args)))
            dropped_during = dropped_total(port) - dropped_before
        finally:
            srv.send_signal(signal.SIGTERM)
            try:
                _, err = srv.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                srv.kill()
                _, err = srv.communicate()
        rep = json.load(open(report))
    floor = results[0][2]["rps"]
    print(f"serve recording {args.devices} sim devices at {args.rate:g} Hz x 3 axes into SQLite; "
          f"`{results[0][2]['cmd']}` per route, {time.strftime('%H:%M UTC', time.gmtime())}\n")
    print("| route | what | requests/s | vs floor | p50 ms | p99 ms | non-2xx |")
    print("|---|---|---:|---:|---:|---:|---:|")
    bad = False
    for path, what, r in results:
        print(f"| `{path.split('?')[0]}` | {what} | {r['rps']:.0f} | {r['rps'] / floor:.2f} | {r['p50']:.2f} | "
              f"{r['p99']:.2f} | {r['non2xx']} |")
        bad = bad or r["non2xx"] > 0
    received = sum(d["received"] for d in rep["devices"])
    dropped = sum(d["dropped_total"] for d in rep["devices"])
    print(f"\nRecorder meanwhile: {received} samples received over {rep['seconds']:.0f} s, dropped {dropped:.0f} "
          f"(during the load: {dropped_during:.0f}), balanced: {rep['balanced']}, exit {srv.returncode}.")
    if dropped or dropped_during or not rep["balanced"] or srv.returncode != 0:
        print(err[-2000:], file=sys.stderr)
        bad = True
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
