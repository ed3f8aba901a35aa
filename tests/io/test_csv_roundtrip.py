#!/usr/bin/env python3
"""Inputs that work the first time, end to end with the real binary:

* every CSV `vibrascope export` writes (raw with ISO time or epoch ns, and the 1s / 1m / 1h rollups) is read
  back by `analyze` and `record` (never "no samples" / "received 0"), with the right sample count, rate and
  values; a raw export recorded again and exported again gives the same numbers;
* an export of two devices reads one device (device=, or the first with a notice);
* malformed lines are counted exactly (1886 of them, the issue's number) in record's report;
* a serial port with CSV lines and no format= (auto) records every line, the first one included.

References: the generating formulas here, numpy on the files Python reads itself, Python's sqlite3."""
import csv
import datetime as dt
import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

import numpy as np

SRC = os.environ.get("VIBRA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
VIBRASCOPE = os.environ["VIBRASCOPE"]
PY = "/usr/bin/python3"
failures = []


def check(cond, msg):
    print(("ok:   " if cond else "FAIL: ") + msg)
    if not cond:
        failures.append(msg)


def run(*args, timeout=180):
    p = subprocess.run([VIBRASCOPE, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def record(uri, db, *extra):
    report = db + ".json"
    rc, _, err = run("record", "--source", uri, "--db", db, "-q", "--report-json", report, *extra)
    with open(report) as f:
        rep = json.load(f)
    return rc, rep, err


def analyze(uri, *extra):
    rc, out, err = run("analyze", "--source", uri, "--json", *extra)
    return rc, (json.loads(out) if rc == 0 else None), err


def device_row(db, name=None):
    con = sqlite3.connect(db)
    q = "SELECT name, rate_hz, axes, axis_names, unit FROM device" + (" WHERE name = ?" if name else "")
    row = con.execute(q, (name,) if name else ()).fetchone()
    con.close()
    return row


def iso(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def close(a, b, rel):
    return abs(a - b) <= rel * abs(b)


def read_export(path, device):
    with open(path) as f:
        rows = [r for r in csv.DictReader(f) if r["device"] == device]
    return rows


def make_input(path, rate, seconds, t0, f0):
    """A CSV with an ISO-8601 time column, as another tool would write it."""
    n = int(rate * seconds)
    i = np.arange(n)
    x = np.sin(2 * np.pi * f0 * i / rate)
    y = 0.5 + 0.1 * np.cos(2 * np.pi * 0.05 * i / rate)
    z = (i % 100) / 100.0
    with open(path, "w") as f:
        f.write("time,x,y,z\n")
        for k in range(n):
            f.write("%s,%.6f,%.6f,%.6f\n" % (iso(t0 + k / rate), x[k], y[k], z[k]))
    return n


def test_exports(tmp):
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc).timestamp()
    pump = os.path.join(tmp, "pump.csv")
    fan = os.path.join(tmp, "fan.csv")
    n_pump = make_input(pump, 10, 9000, t0, 0.7)        # 2.5 h at 10 Hz: several rows at every level
    n_fan = make_input(fan, 5, 3600, t0 + 600, 0.3)     # 1 h at 5 Hz, 10 min later
    db = os.path.join(tmp, "src.db")
    rc, rep, err = record("file://%s?realtime=0&id=pump" % pump, db, "--raw",
                          "--source", "file://%s?realtime=0&id=fan" % fan)
    got = {d["device"]: d["received"] for d in rep["devices"]}
    check(rc == 0 and got == {"pump": n_pump, "fan": n_fan}, "recorded the inputs: %s (%s)" % (got, err[-300:]))
    check(close(device_row(db, "pump")[1], 10.0, 1e-3), "pump rate from the ISO time column: %s" % (device_row(db, "pump"),))

    exports = {}
    for level, extra in (("raw", []), ("raw-ns", ["--epoch-ns"]), ("1s", []), ("1m", []), ("1h", [])):
        out = os.path.join(tmp, "export_%s.csv" % level)
        rc, _, err = run("export", "--db", db, "--level", level.split("-")[0], "-o", out, *extra)
        check(rc == 0, "export %s: %s" % (level, err.strip()[-200:]))
        exports[level] = out

    # raw: every sample, rate and values
    rows = read_export(exports["raw"], "pump")
    check(len(rows) == n_pump, "raw export holds %d pump rows" % len(rows))
    rc, a, err = analyze("file://%s?device=pump" % exports["raw"], "--band", "0.5:4")
    check(rc == 0, "analyze raw export: %s" % err.strip()[-300:])
    if a:
        check(a["samples"] == n_pump, "analyze raw: %d samples" % a["samples"])
        check(close(a["sample_rate_hz"], 10.0, 1e-3), "analyze raw: rate %s" % a["sample_rate_hz"])
        names = [ax["axis"] for ax in a["axes"]]
        check(names == ["x", "y", "z"], "analyze raw: axes %s (the unit suffix is not part of the name)" % names)
        ref = np.array([float(r["x_g"]) for r in rows])
        check(close(a["axes"][0]["rms"], float(np.sqrt(np.mean((ref - ref.mean()) ** 2))), 1e-4),
              "analyze raw: x RMS %.6f == numpy %.6f" % (a["axes"][0]["rms"], np.std(ref)))
    # without device= the first device of the file is read, and the other is said to be skipped
    with open(exports["raw"]) as f:
        first = next(csv.DictReader(f))["device"]
    other = "fan" if first == "pump" else "pump"
    rc, a, err = analyze("file://%s" % exports["raw"], "--band", "0.5:2")
    check(rc == 0 and a and a["samples"] == {"pump": n_pump, "fan": n_fan}[first] and
          ("rows of device '%s' are skipped" % other) in err,
          "analyze without device= reads the first device (%s) and says so" % first)
    rc, a, err = analyze("file://%s?device=fan" % exports["raw"], "--band", "0.5:2")
    check(rc == 0 and a and a["samples"] == n_fan and close(a["sample_rate_hz"], 5.0, 1e-3),
          "device=fan: %s samples at %s Hz" % (a and a["samples"], a and a["sample_rate_hz"]))

    # raw recorded again and exported again: the same numbers
    db2 = os.path.join(tmp, "again.db")
    rc, rep, err = record("file://%s?realtime=0&device=pump&id=pump" % exports["raw-ns"], db2, "--raw")
    check(rc == 0 and rep["devices"][0]["received"] == n_pump and rep["devices"][0]["gaps"] == 0,
          "record of the epoch-ns export: %s" % rep["devices"])
    again = os.path.join(tmp, "again.csv")
    run("export", "--db", db2, "--level", "raw", "-o", again)
    rows2 = read_export(again, "pump")
    same = len(rows2) == len(rows) and all(r1["x_g"] == r2["x_g"] and r1["z_g"] == r2["z_g"] and
                                           r1["time_utc"] == r2["time_utc"] for r1, r2 in zip(rows, rows2))
    check(same, "raw -> record -> export gives the same times and values (%d rows)" % len(rows2))

    # rollups: the RMS columns, one row per bucket, the bucket's rate
    for level, rate in (("1s", 1.0), ("1m", 1 / 60), ("1h", 1 / 3600)):
        rows = read_export(exports[level], "pump")
        dbl = os.path.join(tmp, "level_%s.db" % level)
        rc, rep, err = record("file://%s?realtime=0&device=pump" % exports[level], dbl)
        dev = rep["devices"][0]
        check(rc == 0 and dev["received"] == len(rows) and dev["frames_dropped"]["malformed"] == 0,
              "record %s export: received %d of %d rows" % (level, dev["received"], len(rows)))
        row = device_row(dbl)
        check(row and close(row[1], rate, 1e-3) and row[3] == "x,y,z" and row[4] == "g",
              "%s export read as %s" % (level, row))
    rows = read_export(exports["1s"], "pump")
    rc, a, err = analyze("file://%s?device=pump" % exports["1s"], "--fft", "1024", "--band", "0.01:0.4")
    check(rc == 0 and a and a["samples"] == len(rows), "analyze 1s export: %s" % (err.strip()[-200:] if rc else a["samples"]))
    if a:
        want = float(np.mean([float(r["x_rms_g"]) for r in rows]))
        check(close(a["axes"][0]["dc"], want, 1e-5), "1s export: mean of x_rms %.6f == %.6f" % (a["axes"][0]["dc"], want))
    # 150 one-minute rows: read (the FFT needs more), not "no samples"
    rc, a, err = analyze("file://%s?device=pump" % exports["1m"], "--fft", "256", "--band", "0.0005:0.008")
    check(rc != 0 and "150 samples" in err and "FFT" in err, "analyze 1m export reads 150 samples: %s" % err.strip()[-160:])


def test_malformed_counts(tmp):
    path = os.path.join(tmp, "mal.csv")
    bad_kinds = ["abc,1,2\n", "1,2\n", "1,2,3,4\n", ",,\n", "1,x,3\n", "1;2;3;4;5\n"]
    bad = 0
    with open(path, "w") as f:
        f.write("x,y,z\n")
        for i in range(20000):
            if i % 10 == 3 and bad < 1886:
                f.write(bad_kinds[bad % len(bad_kinds)])
                bad += 1
            f.write("%d,%d,%d\n" % (i, -i, 2 * i))
    rc, rep, err = record("file://%s?realtime=0&rate=1000" % path, os.path.join(tmp, "mal.db"))
    dev = rep["devices"][0]
    check(dev["received"] == 20000 and dev["frames_dropped"]["malformed"] == 1886 and dev["dropped_total"] == 0,
          "1886 malformed lines counted as %d, received %d" % (dev["frames_dropped"]["malformed"], dev["received"]))
    check("in total 1886 malformed" in err, "the log gives the exact total: %s" % err.strip()[-200:])


def test_serial_auto(tmp):
    links = os.path.join(tmp, "pty")
    os.mkdir(links)
    socat = subprocess.Popen(["socat", "pty,raw,echo=0,link=%s/dev" % links, "pty,raw,echo=0,link=%s/host" % links])
    try:
        for _ in range(500):
            if os.path.exists(links + "/dev") and os.path.exists(links + "/host"):
                break
            time.sleep(0.01)
        db = os.path.join(tmp, "serial.db")
        report = db + ".json"
        rec = subprocess.Popen([VIBRASCOPE, "record", "--source", "serial://%s/host?rate=1000&id=ard" % links,
                                "--db", db, "--duration", "7", "-q", "--report-json", report],
                               stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)  # the recorder opens the port; the device starts afterwards
        subprocess.run([PY, os.path.join(SRC, "tools", "vibra_send.py"), "serial", "--port", links + "/dev",
                        "--format", "csv", "--rate", "1000", "--duration", "4"], check=True, timeout=30)
        _, err = rec.communicate(timeout=60)
    finally:
        socat.terminate()
        socat.wait()
    with open(report) as f:
        dev = json.load(f)["devices"][0]
    check(rec.returncode == 0 and dev["received"] == 4000 and dev["dropped_total"] == 0,
          "4000 CSV lines on a port without format=: received %d (%s)" % (dev["received"], err.strip()[-200:]))
    check("text lines detected" in err, "format=auto said what it chose")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        test_exports(tmp)
        test_malformed_counts(tmp)
        test_serial_auto(tmp)
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
