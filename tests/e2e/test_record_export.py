#!/usr/bin/env python3
"""End to end: `vibrascope record` on sine simulators (paced, real time) -> SQLite -> `vibrascope export` -> CSV.

Checks against the simulator's known truth with independent readers (Python's csv and sqlite3 modules):
row count, 1 s timestamp spacing, per-axis AC RMS = amplitude/sqrt(2), DC = offset, accounting identity
received = stored + dropped per device, and the CLI's error handling (exit codes 1 and 2, files untouched).
"""
import csv
import datetime as dt
import math
import os
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


def run(args, timeout=60):
    p = subprocess.run([VIBRASCOPE] + args, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def test_record_export(tmp):
    db = os.path.join(tmp, "rec.db")
    out = os.path.join(tmp, "rec.csv")
    amps = {"a": (1.0, 0.5, 0.25), "b": (2.0, 2.0, 2.0)}
    offs = {"a": (0.0, 0.0, 0.0), "b": (0.0, 0.0, 1.0)}
    rc, _, err = run(["record", "--source", "sim://a?profile=sine&freq=100,200,300&amp=1,0.5,0.25",
                      "--source", "sim://b?profile=sine&freq=50&amp=2&offset=0,0,1&rate=8000",
                      "--db", db, "--duration", "3.5"], timeout=60)
    print(err)
    check(rc == 0, f"record exit code {rc}")
    check("received" in err and "UNBALANCED" not in err, "record summary balanced")
    status_lines = [l for l in err.splitlines() if l.startswith("[")]
    check(len(status_lines) >= 2, f"one status line per second, got {len(status_lines)}")

    con = sqlite3.connect(db)
    check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity_check")
    check(con.execute("PRAGMA journal_mode").fetchone()[0] == "wal", "WAL mode")
    sess = con.execute("SELECT id, started_ns, stopped_ns, clean FROM session").fetchall()
    check(len(sess) == 1 and sess[0][3] == 1 and sess[0][2] > sess[0][1], f"one clean session: {sess}")
    rows = con.execute("SELECT d.name, d.rate_hz, sd.received, sd.stored, sd.dropped_total FROM session_device sd "
                       "JOIN device d ON d.id = sd.device_id ORDER BY d.name").fetchall()
    check(len(rows) == 2, f"two devices accounted: {rows}")
    for name, rate, received, stored, dropped in rows:
        check(received == stored + dropped, f"{name}: received {received} != stored {stored} + dropped {dropped}")
        check(dropped == 0, f"{name}: dropped {dropped}")
        # 3.5 s of real time at the device rate (paced): allow scheduling slack
        check(abs(received - 3.5 * rate) < 0.1 * rate, f"{name}: received {received} for 3.5 s at {rate} Hz")
        n = con.execute("SELECT sum(n) FROM rollup_1s r JOIN device d ON d.id = r.device_id "
                        "WHERE d.name = ? AND axis = 0", (name,)).fetchone()[0]
        check(n == stored, f"{name}: rollup samples {n} == stored {stored}")
    con.close()

    rc, _, err = run(["export", "--db", db, "--out", out])
    check(rc == 0, f"export exit code {rc}: {err}")
    with open(out, newline="") as f:
        table = list(csv.DictReader(f))
    header = list(table[0].keys()) if table else []
    check(header[:3] == ["time_utc", "device", "samples"], f"header starts {header[:3]}")
    check("x_rms_g" in header and "z_mean_g" in header, "units in column names")
    for dev in ("a", "b"):
        drows = [r for r in table if r["device"] == dev]
        check(4 <= len(drows) <= 5, f"{dev}: {len(drows)} rows for 3.5 s")
        times = [dt.datetime.strptime(r["time_utc"], "%Y-%m-%dT%H:%M:%S.%fZ") for r in drows]
        for t0, t1 in zip(times, times[1:]):
            check((t1 - t0).total_seconds() == 1.0, f"{dev}: spacing {t1 - t0}")
        check(all(t.microsecond == 0 for t in times), f"{dev}: buckets on whole UTC seconds")
        full = [r for r in drows if int(r["samples"]) == (16000 if dev == "a" else 8000)]
        check(len(full) >= 2, f"{dev}: at least two complete seconds")
        for r in full:
            for i, ax in enumerate("xyz"):
                want_rms = amps[dev][i] / math.sqrt(2)
                got = float(r[f"{ax}_rms_g"])
                check(abs(got - want_rms) < 1e-4 * amps[dev][i], f"{dev}.{ax} rms {got} vs {want_rms}")
                check(abs(float(r[f"{ax}_mean_g"]) - offs[dev][i]) < 1e-5, f"{dev}.{ax} mean")
                check(abs(float(r[f"{ax}_kurtosis"]) - 1.5) < 1e-3, f"{dev}.{ax} kurtosis of a sine")
                check(abs(float(r[f"{ax}_max_g"]) - offs[dev][i] - amps[dev][i]) < 1e-3 * amps[dev][i], f"{dev}.{ax} max")

    # Filters: one device, a time window of exactly the first complete second of device a.
    first_full = [r for r in table if r["device"] == "a" and int(r["samples"]) == 16000][0]["time_utc"]
    t = dt.datetime.strptime(first_full, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
    out2 = os.path.join(tmp, "one.csv")
    rc, _, err = run(["export", "--db", db, "--out", out2, "--device", "a", "--from", first_full,
                      "--to", str(int(t.timestamp()) + 1), "--epoch-ns"])
    check(rc == 0, f"filtered export: {err}")
    with open(out2, newline="") as f:
        sub = list(csv.DictReader(f))
    check(len(sub) == 1 and sub[0]["device"] == "a" and int(sub[0]["time_ns"]) == int(t.timestamp()) * 10**9,
          f"filtered export rows: {sub}")

    # Empty range: header only, not an error.
    out3 = os.path.join(tmp, "empty.csv")
    rc, _, err = run(["export", "--db", db, "--out", out3, "--from", "2000-01-01T00:00:00Z", "--to", "2000-01-02"])
    check(rc == 0 and open(out3).read().count("\n") == 1, f"empty export gives the header only ({rc}, {err})")


def test_bad_input(tmp):
    cases = [
        (["record", "--source", "nope://x", "--db", os.path.join(tmp, "n.db")], 2, "unknown source scheme"),
        (["record", "--source", "sim://a?rate=abc", "--db", os.path.join(tmp, "n.db")], 2, "'rate'"),
        (["record", "--source", "sim://a", "--db", os.path.join(tmp, "no/such/dir/x.db"), "--duration", "1"], 1,
         "cannot open database"),
        (["record", "--db", os.path.join(tmp, "n.db")], 2, "--source"),
        (["record", "--source", "sim://a", "--db", os.path.join(tmp, "n.db"), "--duration", "-1"], 2, "--duration"),
        (["record", "--source", "sim://a", "--source", "sim://a", "--db", os.path.join(tmp, "n.db")], 2, "exists already"),
        (["export", "--db", os.path.join(tmp, "missing.db"), "--out", os.path.join(tmp, "o.csv")], 1, "does not exist"),
        (["export", "--db", os.path.join(tmp, "n.db"), "--out", os.path.join(tmp, "o.csv"), "--from", "yesterday"], 2,
         "not a time"),
        (["frobnicate"], 2, "unexpected argument"),
        (["record", "--bogus"], 2, "Unknown option"),
    ]
    for args, want_rc, text in cases:
        rc, out, err = run(args)
        check(rc == want_rc, f"{args}: exit {rc}, want {want_rc}; stderr: {err.strip()}")
        check(text in err, f"{args}: message should mention {text!r}: {err.strip()}")
    check(not os.path.exists(os.path.join(tmp, "n.db")), "failed commands leave no database behind")

    # A foreign SQLite file and a non-SQLite file are refused and left untouched.
    foreign = os.path.join(tmp, "foreign.db")
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE t(x)")
    con.execute("INSERT INTO t VALUES (42)")
    con.commit()
    con.close()
    text = os.path.join(tmp, "notes.txt")
    with open(text, "w") as f:
        f.write("not a database\n" * 100)
    for path, msg in ((foreign, "another application"), (text, "not a usable SQLite database")):
        before = open(path, "rb").read()
        rc, _, err = run(["record", "--source", "sim://a", "--db", path, "--duration", "1"])
        check(rc == 1 and msg in err, f"{path}: exit {rc}, {err.strip()}")
        check(open(path, "rb").read() == before, f"{path} untouched")

    # A database from a newer Vibrascope is refused.
    newer = os.path.join(tmp, "newer.db")
    con = sqlite3.connect(newer)
    con.execute(f"PRAGMA application_id = {0x56425343}")
    con.execute("PRAGMA user_version = 999")
    con.execute("CREATE TABLE device(id)")
    con.commit()
    con.close()
    rc, _, err = run(["record", "--source", "sim://a", "--db", newer, "--duration", "1"])
    check(rc == 1 and "newer Vibrascope" in err, f"newer schema: {rc} {err.strip()}")

    rc, out, _ = run(["--help"])
    check(rc == 0 and "record" in out and "export" in out, "--help lists the commands")
    rc, out, _ = run(["--version"])
    check(rc == 0 and out.startswith("vibrascope "), "--version")


def wait_for_stored(db, n, proc, deadline_s=30):
    """Polls the database until the newest session has committed more than n received samples."""
    import time
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        check(proc.poll() is None, "still running while waiting for data")
        if proc.poll() is not None:
            return
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
            row = con.execute("SELECT coalesce(max(received), 0) FROM session_device WHERE session_id = "
                              "(SELECT max(id) FROM session)").fetchone()
            con.close()
            if row[0] >= n:
                return
        except sqlite3.Error:
            pass  # not created yet
        time.sleep(0.1)
    check(False, f"no session with {n} received samples within {deadline_s} s")


def test_signal_stops_cleanly(tmp):
    db = os.path.join(tmp, "sig.db")
    p = subprocess.Popen([VIBRASCOPE, "record", "--source", "sim://s?profile=sine", "--db", db, "--quiet"],
                         stderr=subprocess.PIPE, text=True)
    wait_for_stored(db, 16001, p)
    p.send_signal(15)
    _, err = p.communicate(timeout=30)
    check(p.returncode == 0, f"SIGTERM exit code {p.returncode}: {err}")
    check("SIGTERM" in err, "stop reason reported")
    con = sqlite3.connect(db)
    received, stored, dropped = con.execute("SELECT received, stored, dropped_total FROM session_device").fetchone()
    clean = con.execute("SELECT clean FROM session").fetchone()[0]
    check(clean == 1 and received == stored + dropped and received > 16000, f"after SIGTERM: {received} {stored} {dropped} clean={clean}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        test_record_export(tmp)
        test_bad_input(tmp)
        test_signal_stops_cleanly(tmp)

    print(f"{0 if failures else 1} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)
