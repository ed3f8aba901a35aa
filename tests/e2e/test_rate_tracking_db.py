#!/usr/bin/env python3
"""Rate tracking reaches the database: a CSV with a time column written at 500 Hz with 15 % uniform jitter of
the sample period is recorded (file replay, unpaced); session_device.rate_estimate_hz must be within 0.1 % of
500 Hz, timestamp_jitter_ns near the jitter's standard deviation (uniform ±0.15 T: 0.15 T / sqrt(3) = 173 us),
and the rollups must span the file's duration (not 7 % more, as with a rate fixed from the first stamps).
A file without time stamps (rate configured) leaves both columns NULL. Independent reader: sqlite3.
"""
import os
import random
import sqlite3
import subprocess
import sys
import tempfile

VIBRASCOPE = os.environ["VIBRASCOPE"]
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)


def record(tmp, name, lines, query):
    path = os.path.join(tmp, f"{name}.csv")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    db = os.path.join(tmp, f"{name}.db")
    p = subprocess.run([VIBRASCOPE, "record", "--source", f"file://{path}?{query}", "--db", db, "-q"],
                       capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, f"{name}: record exit {p.returncode}: {p.stderr[-400:]}")
    return sqlite3.connect(db)


with tempfile.TemporaryDirectory() as tmp:
    rng = random.Random(7)
    rate, n, t0_us = 500.0, 20000, 1_700_000_000_000_000
    period_us = 1e6 / rate
    lines = ["t_us,x"]
    for i in range(n):
        t = t0_us + i * period_us + rng.uniform(-0.15, 0.15) * period_us
        lines.append(f"{int(round(t))},{(i % 50) / 50.0:.4f}")
    con = record(tmp, "stamped", lines, "realtime=0")
    est, jitter, changes, received = con.execute(
        "SELECT rate_estimate_hz, timestamp_jitter_ns, rate_changes, received FROM session_device").fetchone()
    print(f"stamped: rate {est} Hz, jitter {jitter} ns, rate changes {changes}, received {received}")
    check(est is not None and abs(est - rate) / rate < 1e-3, f"estimated rate {est} within 0.1 % of {rate}")
    expected_jitter = 0.15 * period_us * 1000 / 3 ** 0.5
    check(jitter is not None and 0.5 * expected_jitter < jitter < 1.5 * expected_jitter,
          f"jitter {jitter} ns near {expected_jitter:.0f} ns")
    check(changes == 0, f"no rate change on a steady stream ({changes})")
    check(received == n, f"received {received} of {n}")
    first, last = con.execute("SELECT min(t_ns), max(t_ns) FROM rollup_1s").fetchone()
    span_s = (last - first) / 1e9 + 1
    check(abs(span_s - n / rate) <= 1.0, f"rollups span {span_s:.0f} s for {n / rate:.0f} s of data")

    plain = ["x"] + [f"{(i % 50) / 50.0:.4f}" for i in range(4000)]
    con = record(tmp, "plain", plain, "rate=1000&realtime=0")
    est, jitter = con.execute("SELECT rate_estimate_hz, timestamp_jitter_ns FROM session_device").fetchone()
    check(est is None and jitter is None, f"configured rate: no estimate stored ({est}, {jitter})")

print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
