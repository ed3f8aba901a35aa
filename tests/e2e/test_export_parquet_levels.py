#!/usr/bin/env python3
"""`vibrascope export --format parquet --level raw|1s|1m|1h` gives exactly the same rows and values as the CSV
export of the same database (CSV values are shortest round-trip text, so equality is exact), with every Parquet
file read by two independent readers (DuckDB and hyparquet via parquet_dump.mjs)."""
import csv
import json
import os
import struct
import subprocess
import sys
import tempfile

VIBRASCOPE = os.environ["VIBRASCOPE"]
HERE = os.path.dirname(os.path.abspath(__file__))
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "h.db")
    p = subprocess.run([VIBRASCOPE, "record", "--source", "sim://a?profile=sine&freq=50,120,333&amp=1,0.5,0.25&paced=0&duration=5&t0=1800000000000000000",
                        "--source", "sim://b?rate=2000&axes=2&paced=0&duration=5&t0=1800000000500000000",
                        "--db", db, "--raw", "--quiet"], capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, f"record: {p.returncode} {p.stderr[-500:]}")
    pq_dir = os.path.join(tmp, "pq")
    os.mkdir(pq_dir)
    for level in ("raw", "1s", "1m", "1h"):
        out_csv = os.path.join(tmp, f"{level}.csv")
        out_pq = os.path.join(pq_dir, f"{level}.parquet")
        for out, fmt in ((out_csv, "csv"), (out_pq, "parquet")):
            p = subprocess.run([VIBRASCOPE, "export", "--db", db, "--out", out, "--format", fmt, "--level", level,
                                "--epoch-ns"], capture_output=True, text=True, timeout=120)
            check(p.returncode == 0, f"export {fmt} {level}: {p.returncode} {p.stderr[-300:]}")
    dump = os.path.join(tmp, "dump.json")
    p = subprocess.run(["node", os.path.join(HERE, "parquet_dump.mjs"), pq_dir, dump], capture_output=True, text=True,
                       timeout=180)
    check(p.returncode == 0, f"parquet readers: {p.returncode} {p.stdout[-300:]} {p.stderr[-500:]}")
    files = {os.path.basename(f["file"]): f for f in json.load(open(dump))["files"]}
    for level in ("raw", "1s", "1m", "1h"):
        with open(os.path.join(tmp, f"{level}.csv"), newline="") as fh:
            rows = list(csv.DictReader(fh))
        f = files.get(f"{level}.parquet")
        check(f is not None, f"{level}: parquet file read")
        if not f:
            continue
        check(f["rows"] == len(rows), f"{level}: {f['rows']} parquet rows vs {len(rows)} csv rows")
        cols = f["columns"]
        check(set(cols) == set(rows[0].keys()) if rows else True, f"{level}: same columns {sorted(cols)} vs {sorted(rows[0].keys()) if rows else []}")
        for name in rows[0].keys() if rows else []:
            for i in range(0, len(rows), max(1, len(rows) // 997)):  # a spread of rows, every column
                want = rows[i][name]
                got = cols[name][i]
                if name in ("device", "zone"):
                    ok = got == want  # zone: A..D, or empty when not evaluated (both formats)
                elif name in ("time_ns", "samples", "sample_index", "gaps"):
                    ok = int(got) == int(want)
                elif want == "":
                    ok = got is None or got != got  # NaN for a missing axis
                else:
                    w = float(want)
                    ok = (got == w) or (level == "raw" and got == f32(w))
                if not ok:
                    check(False, f"{level} row {i} column {name}: parquet {got!r} vs csv {want!r}")
                    break
    # velocity, zone and crest are exported at every rollup level (the simulator's devices have a zone)
    for level in ("1s", "1m", "1h"):
        with open(os.path.join(tmp, f"{level}.csv"), newline="") as fh:
            rows = list(csv.DictReader(fh))
        names = list(rows[0].keys()) if rows else []
        crest = [n for n in names if n.endswith("_crest")]
        velocity = [n for n in names if n.endswith("_velocity_rms_mm_s")]
        check(len(crest) == 3 and len(velocity) == 3 and "zone" in names, f"{level}: new columns {names}")
        check(any(r["zone"] in ("A", "B", "C", "D") for r in rows), f"{level}: zones exported")
        check(velocity and any(r[velocity[0]] and float(r[velocity[0]]) > 0 for r in rows),
              f"{level}: velocities exported")
        check(crest and all(float(r[c]) >= 1.0 for r in rows for c in crest if r[c]), f"{level}: crest >= 1")
    raw = files.get("raw.parquet")
    if raw:
        check(len(raw["columns"]["time_ns"]) == 5 * 16000 + 5 * 2000, "raw rows: every stored sample of both devices")

print(f"{0 if failures else 1} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
