#!/usr/bin/env python3
"""End to end: `vibrascope record --parquet DIR --rotate 1s` on two simulators (paced, real time).

Every file is read by two independent readers (DuckDB and hyparquet, through tests/e2e/parquet_dump.mjs, which
also asserts that both read identical values). Checked against the simulator's known truth: rows per device ==
the recorder's reported received count, `t` strictly increasing with step 1e9/rate across file boundaries,
sample_index contiguous from 0, each file inside its UTC rotation period, the sine device's values
== float32(sin(2 pi 100 i / 16000)), metadata keys present and consistent; no .partial left. Then: bad
--rotate / unwritable DIR (exit 2 / 1), and SIGKILL while recording (closed files readable, at most the open
segment left as .partial).
"""
import datetime as dt
import glob
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

VIBRASCOPE = os.environ["VIBRASCOPE"]
HERE = os.path.dirname(os.path.abspath(__file__))
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)


def run(args, timeout=60):
    p = subprocess.run([VIBRASCOPE] + args, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def read_all(directory, out_json):
    """Both oracles over every *.parquet under directory; returns (exit code, parsed dump)."""
    p = subprocess.run(["node", os.path.join(HERE, "parquet_dump.mjs"), directory, out_json],
                       capture_output=True, text=True, timeout=120)
    print(p.stdout.strip())
    if p.stderr.strip():
        print(p.stderr.strip())
    dump = {"files": [], "errors": ["no output"]}
    if os.path.exists(out_json):
        with open(out_json) as f:
            dump = json.load(f)
    return p.returncode, dump


def period_of(name):
    m = re.search(r"_(\d{8}T\d{6}Z)(?:_\d+)?\.parquet$", name)
    if not m:
        return None
    t = dt.datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
    return int(t.timestamp()) * 1_000_000_000


def device_files(dump, dev):
    return sorted((f for f in dump["files"] if f["file"].startswith(dev + "/")), key=lambda f: f["file"])


def check_device_series(files, dev, rate, rotate_ns, expect_first_index=0):
    """Concatenate a device's files in name order: t step and sample_index continuity across boundaries."""
    t = np.concatenate([np.array(f["columns"]["t"], dtype=np.int64) for f in files]) if files else np.array([])
    idx = np.concatenate([np.array(f["columns"]["sample_index"], dtype=np.int64) for f in files]) \
        if files else np.array([])
    if len(t) < 2:
        check(False, f"{dev}: only {len(t)} rows")
        return t, idx
    step = 1e9 / rate
    d = np.diff(t)
    check(np.all(d > 0), f"{dev}: t strictly increasing across {len(files)} files")
    check(np.all(d == int(step)), f"{dev}: t step {int(step)} ns everywhere (got {sorted(set(d.tolist()))[:5]})")
    check(idx[0] == expect_first_index and np.all(np.diff(idx) == 1),
          f"{dev}: sample_index contiguous from {expect_first_index}")
    for f in files:
        p0 = period_of(f["file"])
        ft = np.array(f["columns"]["t"], dtype=np.int64)
        check(p0 is not None and ft.min() >= p0 and ft.max() < p0 + rotate_ns,
              f"{f['file']}: rows inside the file's period")
    return t, idx


def check_metadata(f, dev, rate, axes):
    kv, cols = f["kv"], f["columns"]
    name = f["file"]
    check(kv.get("vibrascope.device") == dev, f"{name}: device metadata {kv.get('vibrascope.device')}")
    check(kv.get("vibrascope.source_uri", "").startswith("sim://" + dev), f"{name}: source_uri metadata")
    check(float(kv.get("vibrascope.sample_rate_hz", "nan")) == rate, f"{name}: sample rate metadata")
    check(kv.get("vibrascope.unit") == "g", f"{name}: unit metadata")
    check(json.loads(kv.get("vibrascope.axis_names", "[]")) == axes, f"{name}: axis names metadata")
    check([s["name"] for s in f["schema"]] == ["t", "sample_index"] + axes, f"{name}: column names")
    check(f["schema"][0]["logical"] == {"type": "TIMESTAMP", "isAdjustedToUTC": True, "unit": "NANOS"},
          f"{name}: t is TIMESTAMP(NANOS, UTC)")
    check(all(s["type"] == "FLOAT" for s in f["schema"][2:]), f"{name}: axis columns FLOAT")
    check(int(kv.get("vibrascope.rows", -1)) == f["rows"], f"{name}: rows metadata")
    check(int(kv.get("vibrascope.first_sample_index", -1)) == int(cols["sample_index"][0]),
          f"{name}: first_sample_index metadata")
    check(int(kv.get("vibrascope.last_sample_index", -1)) == int(cols["sample_index"][-1]),
          f"{name}: last_sample_index metadata")
    check(int(kv.get("vibrascope.first_block_sequence", -1)) <= int(kv.get("vibrascope.last_block_sequence", -2)),
          f"{name}: block sequence range")
    check(kv.get("vibrascope.gaps") == "" and kv.get("vibrascope.gap_count") == "0", f"{name}: no gaps")
    check(kv.get("vibrascope.period_seconds") == "1", f"{name}: period metadata")
    p0 = period_of(name)
    check(kv.get("vibrascope.period_start") ==
          dt.datetime.fromtimestamp(p0 // 10**9, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000000000Z"),
          f"{name}: period_start metadata")
    c = json.loads(kv.get("vibrascope.sink_counters", "{}"))
    check(c.get("received", -1) == c.get("written", 0) + sum(c.get("dropped", {}).values()) + c.get("pending", 0),
          f"{name}: sink_counters balance: {c}")
    check(f["duckdbRows"] == f["rows"], f"{name}: both readers see {f['rows']} rows")


def test_record(tmp):
    out = os.path.join(tmp, "pq")
    rc, _, err = run(["record", "-q", "--source", "sim://a?profile=sine&freq=100&amp=1",
                      "--source", "sim://b?rate=8000", "--parquet", out, "--rotate", "1s", "--duration", "3.5"])
    print(err)
    check(rc == 0, f"record exit code {rc}")
    received = {}
    for m in re.finditer(r"^\s+(\w+) \(parquet\): received (\d+) = written (\d+) \+ dropped (\d+)", err, re.M):
        received[m.group(1)] = int(m.group(2))
        check(int(m.group(2)) == int(m.group(3)) and int(m.group(4)) == 0,
              f"{m.group(1)}: everything written: {m.group(0).strip()}")
    check(sorted(received) == ["a", "b"], f"parquet accounting printed for a and b: {received}")
    check(not glob.glob(os.path.join(out, "**", "*.partial"), recursive=True), "no .partial left after a clean stop")

    rc, dump = read_all(out, os.path.join(tmp, "dump.json"))
    check(rc == 0 and not dump["errors"], f"both oracles read every file: {dump['errors'][:3]}")
    for dev, rate in (("a", 16000.0), ("b", 8000.0)):
        files = device_files(dump, dev)
        check(len(files) >= 3, f"{dev}: several closed files for 3.5 s at --rotate 1s, got {len(files)}")
        total = sum(f["rows"] for f in files)
        check(total == received.get(dev), f"{dev}: {total} rows in files == received {received.get(dev)}")
        check(abs(total - 3.5 * rate) < 0.15 * rate, f"{dev}: {total} rows for 3.5 s at {rate} Hz")
        _, idx = check_device_series(files, dev, rate, 1_000_000_000)
        for f in files:
            check_metadata(f, dev, rate, ["x", "y", "z"])
            check(1 <= f["rowGroups"] <= 2, f"{f['file']}: {f['rowGroups']} row groups for <= 1 s of data")
        if dev == "a":
            want = np.sin(2 * np.pi * ((100.0 * idx / 16000.0) % 1.0)).astype(np.float32)
            for axis in ("x", "y", "z"):
                got = np.concatenate([np.array(f["columns"][axis], dtype=np.float32) for f in files])
                err_max = float(np.max(np.abs(got - want))) if len(got) == len(want) else float("inf")
                check(err_max <= 6e-8, f"a.{axis}: |value - sin(2 pi 100 i / 16000)| max {err_max}")
        else:
            got = np.concatenate([np.array(f["columns"]["x"], dtype=np.float32) for f in files])
            check(np.all(np.isfinite(got)) and np.std(got) > 0.01, "b: finite, non-constant machine signal")


def test_errors(tmp):
    for bad in ("0.5s", "banana", "0s", "-1min"):
        rc, _, err = run(["record", "--source", "sim://a", "--parquet", os.path.join(tmp, "x"), "--rotate", bad,
                          "--duration", "1"])
        check(rc == 2 and "--rotate" in err, f"--rotate {bad}: exit {rc}, {err.strip()}")
    check(not os.path.exists(os.path.join(tmp, "x")), "nothing created on a usage error")
    rc, _, err = run(["record", "--source", "sim://a", "--rotate", "1s", "--db", os.path.join(tmp, "y.db"),
                      "--duration", "1"])
    check(rc == 2 and "--parquet" in err, f"--rotate without --parquet: exit {rc}")
    afile = os.path.join(tmp, "afile")
    open(afile, "w").close()
    t0 = time.monotonic()
    rc, _, err = run(["record", "--source", "sim://a", "--parquet", os.path.join(afile, "sub"), "--duration", "5"])
    check(rc == 1 and "cannot create the directory" in err, f"unwritable DIR: exit {rc}, {err.strip()}")
    check(time.monotonic() - t0 < 3, "unwritable DIR refused before recording starts")
    rc, _, err = run(["record", "--source", "sim://a", "--duration", "1"])
    check(rc == 2 and "--db" in err, f"neither --db nor --parquet: exit {rc}")


def test_kill9(tmp):
    out = os.path.join(tmp, "killed")
    p = subprocess.Popen([VIBRASCOPE, "record", "-q", "--source", "sim://a?profile=sine&freq=100&amp=1",
                          "--source", "sim://b?rate=8000", "--parquet", out, "--rotate", "1s"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2.5)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=10)
    for dev in ("a", "b"):
        partial = glob.glob(os.path.join(out, dev, "*.partial"))
        closed = glob.glob(os.path.join(out, dev, "*.parquet"))
        print(f"kill -9: {dev}: {len(closed)} closed file(s), {len(partial)} .partial")
        check(len(partial) <= 1, f"{dev}: at most the open segment is left as .partial: {partial}")
        check(len(closed) >= 1, f"{dev}: closed files survive kill -9: {closed}")
        if partial and closed:
            check(os.path.basename(partial[0]) > max(os.path.basename(c) for c in closed),
                  f"{dev}: the .partial is the newest segment")
    rc, dump = read_all(out, os.path.join(tmp, "killed.json"))
    check(rc == 0 and not dump["errors"], f"every closed file is readable by both oracles: {dump['errors'][:3]}")
    for dev, rate in (("a", 16000.0), ("b", 8000.0)):
        files = device_files(dump, dev)
        if files:
            check_device_series(files, dev, rate, 1_000_000_000)

    # A restart in the same DIR reports the crashed run's partials and never overwrites them.
    left = {f: os.path.getsize(f) for f in glob.glob(os.path.join(out, "*", "*.partial"))}
    rc, _, err = run(["record", "-q", "--source", "sim://a?profile=sine&freq=100&amp=1", "--source",
                      "sim://b?rate=8000", "--parquet", out, "--rotate", "1s", "--duration", "1.2"])
    check(rc == 0, f"restart after kill -9: exit {rc}")
    for f, size in left.items():
        check(f in err and "earlier run" in err, f"restart names the leftover {f}")
        check(os.path.exists(f) and os.path.getsize(f) == size, f"leftover {f} untouched")
    for f in glob.glob(os.path.join(out, "*", "*.parquet")):
        check(not os.path.exists(f + ".partial"), f"no final file next to a leftover partial: {f}")
    rc, dump = read_all(out, os.path.join(tmp, "restarted.json"))
    check(rc == 0 and not dump["errors"], f"after the restart every closed file is readable: {dump['errors'][:3]}")
    for dev in ("a", "b"):
        for f in device_files(dump, dev):  # every closed file of both runs: complete, contiguous inside
            idx = np.array(f["columns"]["sample_index"], dtype=np.int64)
            check(len(idx) > 0 and np.all(np.diff(idx) == 1), f"{f['file']}: complete and contiguous")


def test_sigterm(tmp):
    out = os.path.join(tmp, "term")
    p = subprocess.Popen([VIBRASCOPE, "record", "-q", "--source", "sim://a", "--parquet", out, "--rotate", "1s"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=20)
    check(p.returncode == 0, f"SIGTERM: exit {p.returncode}: {err}")
    m = re.search(r"a \(parquet\): received (\d+) = written (\d+)", err)
    check(m is not None and m.group(1) == m.group(2), f"SIGTERM: everything received is written: {err}")
    check(not glob.glob(os.path.join(out, "**", "*.partial"), recursive=True), "SIGTERM: no .partial left")
    rc, dump = read_all(out, os.path.join(tmp, "term.json"))
    check(rc == 0 and m is not None and sum(f["rows"] for f in dump["files"]) == int(m.group(1)),
          "SIGTERM: rows in closed files == received")


def test_file_too_large(tmp):
    """RLIMIT_FSIZE (SIGXFSZ ignored, inherited across exec) -> EFBIG while writing: message, balance, exit 1."""
    out = os.path.join(tmp, "efbig")

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (40 * 1024, resource.RLIM_INFINITY))

    p = subprocess.run([VIBRASCOPE, "record", "-q", "--source", "sim://a", "--parquet", out, "--rotate", "1s",
                        "--duration", "2.5"], capture_output=True, text=True, timeout=60, preexec_fn=limit)
    print(p.stderr)
    check(p.returncode == 1, f"EFBIG: exit {p.returncode}")
    check("File too large" in p.stderr and "write_error" in p.stderr, "EFBIG: a clear message")
    m = re.search(r"a \(parquet\): received (\d+) = written (\d+) \+ dropped (\d+) \(tap_overflow (\d+), "
                  r"write_error (\d+)\)", p.stderr)
    check(m is not None and "UNBALANCED" not in p.stderr, "EFBIG: accounting printed and balanced")
    if m:
        received, written, dropped, _, werr = map(int, m.groups())
        check(received == written + dropped and werr > 0, f"EFBIG: {m.group(0)}")
        rc, dump = read_all(out, os.path.join(tmp, "efbig.json"))
        check(rc == 0 and sum(f["rows"] for f in dump["files"]) == written, "EFBIG: closed files hold 'written'")
    check(not glob.glob(os.path.join(out, "**", "*.partial"), recursive=True), "EFBIG: failed partials removed")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        test_record(tmp)
        test_errors(tmp)
        test_sigterm(tmp)
        test_file_too_large(tmp)
        test_kill9(tmp)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
