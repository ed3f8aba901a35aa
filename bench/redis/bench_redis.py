#!/usr/bin/env python3
"""Throughput of the Redis scale-out path on this machine, against a floor measured in the same run.

  floor    redis-benchmark: XADD of entries of the same size (one 1024-sample tri-axial float32 block,
           12 288 B payload), one connection, pipeline 256, AOF everysec (what docs/scaling.md asks for)
  publish  `vibrascope record --source sim://…?paced=0 --publish redis://…` (edge: simulators as fast as
           they go, DSP rollup chain, publisher): entries/s and samples/s into Redis
  consume  `vibrascope record --consume redis://… --db central.db --raw` (centre: XREADGROUP, DSP, raw
           SQLite, XACK after commit) draining what the publish step left: entries/s and samples/s

Usage: bench/redis/bench_redis.py [--vibrascope build/release/app/vibrascope] [--devices 4] [--seconds 60]
Prints a Markdown table for docs/performance.md."""
import argparse
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "redis"))
os.environ.setdefault("VIBRASCOPE", "build/dev/app/vibrascope")
from redis_util import Redis, wait_until  # noqa: E402

BLOCK = 1024
AXES = 3
ENTRY_BYTES = BLOCK * AXES * 4


def floor(redis, n):
    payload = "x" * ENTRY_BYTES
    out = subprocess.run(["redis-benchmark", "-p", str(redis.port), "-c", "1", "-P", "256", "-n", str(n), "-q",
                          "XADD", "bench:floor", "MAXLEN", "~", "100000", "*", "data", payload],
                         capture_output=True, text=True, timeout=600).stdout
    m = re.findall(r"([\d.]+) requests per second", out)
    redis.cli("DEL", "bench:floor")
    return float(m[-1]) if m else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vibrascope", default=os.environ["VIBRASCOPE"])
    ap.add_argument("--devices", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=60, help="seconds of 16 kHz signal per device")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="vibra-bench-redis-")
    redis = Redis(aof=True)
    url = f"redis://127.0.0.1:{redis.port}/bench"
    try:
        floor_rate = floor(redis, 50000)

        sources = []
        for i in range(a.devices):
            sources += ["--source", f"sim://d{i}?paced=0&block={BLOCK}&duration={a.seconds}"]
        t = time.monotonic()
        edge = subprocess.run([a.vibrascope, "record", *sources, "--publish", f"{url}?maxlen=0", "-q"],
                              capture_output=True, text=True, timeout=3600)
        publish_s = time.monotonic() - t
        pub = [int(x) for x in re.findall(r"published (\d+) \((\d+) entries\)", edge.stderr) for x in x]
        samples, entries = sum(pub[0::2]), sum(pub[1::2])

        db = os.path.join(tmp, "central.db")
        t = time.monotonic()
        central = subprocess.Popen([a.vibrascope, "record", "--consume", f"{url}?group=bench&consumer=c1", "--db",
                                    db, "--raw", "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

        def drained():
            for i in range(a.devices):
                g = redis.group_info("bench:{dev:d%d}" % i, "bench")
                if g is None or g.get("lag") != "0" or g.get("pending") != "0":
                    return False
            return True

        wait_until(drained, 3600, "the consumer to drain")
        consume_s = time.monotonic() - t
        central.send_signal(signal.SIGTERM)
        central.wait(timeout=120)
        stored = sqlite3.connect(db).execute("SELECT sum(n) FROM raw_block").fetchone()[0] or 0
        used = redis.cli("INFO", "memory")
        mem = next((l.split(":")[1] for l in used if l.startswith("used_memory_human")), "?")
    finally:
        redis.stop(signal.SIGKILL)

    dev16k = 16000.0
    print(f"devices {a.devices}, {a.seconds:g} s of 16 kHz x 3 signal each; {entries} entries, {samples} samples "
          f"per axis; central stored {stored}; Redis memory after: {mem}\n")
    print("| stage | entries/s | samples/s (per axis) | vs floor | 16 kHz tri-axial devices |")
    print("|---|---|---|---|---|")
    print(f"| floor: redis-benchmark XADD {ENTRY_BYTES} B, P256, AOF everysec | {floor_rate:,.0f} | "
          f"{floor_rate * BLOCK:,.0f} | 1.00 | {floor_rate * BLOCK / dev16k:,.0f} |")
    for name, secs in (("publish (edge: sim, DSP, XADD)", publish_s),
                       ("consume (centre: XREADGROUP, DSP, SQLite raw, XACK)", consume_s)):
        eps = entries / secs
        print(f"| {name} | {eps:,.0f} | {samples / secs:,.0f} | {eps / floor_rate:.2f} | "
              f"{samples / secs / dev16k:,.0f} |")
    if stored != samples:
        print(f"\nWARNING: central stored {stored} samples, edges published {samples}")


if __name__ == "__main__":
    main()
