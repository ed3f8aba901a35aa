#!/usr/bin/env python3
"""Bytes per device-second in Redis for raw publishing vs features-only publishing (`?mode=features`).

One edge recorder publishes the same simulated devices (16 kHz, 3 axes, float32) for the same time in each mode
to a real redis-server (AOF everysec); per mode:
  link     bytes Redis received from the edge (INFO stats total_net_input_bytes, before/after: the XADD
           commands as they cross the wire, RESP framing included) per device-second published
  memory   MEMORY USAGE of the device streams (SAMPLES 0: exact) per device-second retained
  entries  stream entries per device-second
Device-seconds = published samples per axis (the edge's --report-json) / rate. The ratio raw / features is
what a thin link gains. Not a timing: both numbers are byte counts of this run.

Usage: bench/redis/bench_features_bandwidth.py [--vibrascope build/dev/app/vibrascope] [--devices 2]
       [--seconds 20]
Prints a Markdown table for docs/performance.md and docs/scaling.md."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "redis"))
os.environ.setdefault("VIBRASCOPE", "build/dev/app/vibrascope")
from redis_util import Redis  # noqa: E402

RATE = 16000


def net_in(redis):
    for line in redis.cli("INFO", "stats"):
        if line.startswith("total_net_input_bytes:"):
            return int(line.split(":")[1])
    raise RuntimeError("no total_net_input_bytes in INFO stats")


def run(vibrascope, redis, mode, devices, seconds, tmp):
    prefix = f"bw{mode}"
    url = f"redis://127.0.0.1:{redis.port}/{prefix}?mode={mode}&maxlen=0"
    report = os.path.join(tmp, f"{mode}.json")
    args = [vibrascope, "record", "--publish", url, "--duration", str(seconds), "-q", "--report-json", report]
    for d in range(devices):
        args += ["--source", f"sim://{mode}{d}?rate={RATE}"]
    before = net_in(redis)
    p = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 120)
    if p.returncode != 0:
        raise RuntimeError(f"edge ({mode}) failed: {p.stderr[-2000:]}")
    after = net_in(redis)
    rep = json.load(open(report))
    published = sum(d["publish"]["published"] for d in rep["devices"])
    entries = sum(d["publish"]["entries"] for d in rep["devices"])
    dropped = sum(d["publish"]["received"] - d["publish"]["published"] for d in rep["devices"])
    device_seconds = published / RATE
    memory = 0
    for d in range(devices):
        key = f"{prefix}:{{dev:{mode}{d}}}" + (":features" if mode == "features" else "")
        memory += int(redis.cli("MEMORY", "USAGE", key, "SAMPLES", "0")[0])
    return {"mode": mode, "device_seconds": device_seconds, "entries": entries, "dropped": dropped,
            "link": (after - before) / device_seconds, "memory": memory / device_seconds,
            "entries_per_s": entries / device_seconds}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vibrascope", default=os.environ["VIBRASCOPE"])
    ap.add_argument("--devices", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=20)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="vibra-bw-")
    redis = Redis(aof=True)
    try:
        rows = [run(a.vibrascope, redis, m, a.devices, a.seconds, tmp) for m in ("raw", "features")]
        version = redis.cli("INFO", "server")
        version = next((line.split(":")[1] for line in version if line.startswith("redis_version:")), "?")
    finally:
        redis.stop()
    raw, feat = rows
    print(f"redis-server {version}, {a.devices} simulated devices at {RATE} Hz x 3 axes, {a.seconds:g} s per mode\n")
    print("| mode | device-seconds | entries/device-s | link B/device-s (Redis net input) | Redis memory B/device-s "
          "| dropped samples |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['mode']} | {r['device_seconds']:.1f} | {r['entries_per_s']:.2f} | {r['link']:,.0f} | "
              f"{r['memory']:,.0f} | {r['dropped']} |")
    print(f"| ratio raw / features | | {raw['entries_per_s'] / feat['entries_per_s']:.1f} | "
          f"{raw['link'] / feat['link']:,.0f} | {raw['memory'] / feat['memory']:,.0f} | |")


if __name__ == "__main__":
    main()
