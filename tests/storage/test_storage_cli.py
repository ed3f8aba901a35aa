#!/usr/bin/env python3
"""End to end storage: `vibrascope record --raw` -> raw blocks decoded independently (zstd CLI + numpy) and
compared bit-exactly with `export --level raw`; per-second raw statistics vs the stored 1 s rollups;
1 min / 1 h exports; `query latest|range|asof` against direct SQL; retention while recording; disk full on a
tiny filesystem (tmpfs when we may mount, else the hidden --max-db-pages cap): clear error, non-zero exit,
committed data intact and balanced.
"""
import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

import numpy as np

VIBRASCOPE = os.environ["VIBRASCOPE"]
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)


def run(args, timeout=60):
    p = subprocess.run([VIBRASCOPE] + args, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def decode_block(blob, fmt, n, axes):
    """Independent decoder: the zstd command line tool, then numpy to undo the byte planes."""
    raw = subprocess.run(["zstd", "-d", "-c", "-q"], input=blob, capture_output=True, check=True).stdout
    count = n * axes
    assert len(raw) == 4 * count, (len(raw), count)
    b = np.frombuffer(raw, dtype=np.uint8)
    if fmt == 2:
        b = b.reshape(4, count).T.copy()
    return np.frombuffer(b.tobytes(), dtype="<f4").reshape(axes, n)


def test_raw_round_trip(tmp):
    db = os.path.join(tmp, "raw.db")
    rc, _, err = run(["record", "--source", "sim://a?profile=machine", "--source", "sim://b?profile=sine&rate=8000&axes=2",
                      "--db", db, "--duration", "2.5", "--raw", "-q"])
    check(rc == 0, f"record --raw exit {rc}: {err}")
    con = sqlite3.connect(db)
    check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity")
    devs = dict(con.execute("SELECT name, id FROM device"))
    for name, dev_id in devs.items():
        received, stored, dropped = con.execute(
            "SELECT received, stored, dropped_total FROM session_device WHERE device_id=?", (dev_id,)).fetchone()
        raw_n = con.execute("SELECT sum(n) FROM raw_block WHERE device_id=?", (dev_id,)).fetchone()[0]
        roll_n = con.execute("SELECT sum(n) FROM rollup_1s WHERE device_id=? AND axis=0", (dev_id,)).fetchone()[0]
        check(received == stored + dropped and dropped == 0, f"{name}: {received} = {stored} + {dropped}")
        check(raw_n == stored, f"{name}: raw samples {raw_n} == stored {stored}")
        check(roll_n == stored, f"{name}: rollups are derived from every sample: {roll_n} == {stored}")
        blocks = con.execute("SELECT first_sample, n FROM raw_block WHERE device_id=? ORDER BY t_ns", (dev_id,)).fetchall()
        contiguous = all(f1 == f0 + n0 for (f0, n0), (f1, _) in zip(blocks, blocks[1:]))
        check(contiguous and blocks[0][0] == 0, f"{name}: blocks contiguous from sample 0")
        check(con.execute("SELECT count(*) FROM event WHERE kind='gap'").fetchone()[0] == 0, "no gap events")

    # export --level raw for device a, compare bit-exactly with the independently decoded blocks
    out = os.path.join(tmp, "a_raw.csv")
    rc, _, err = run(["export", "--db", db, "--out", out, "--level", "raw", "--device", "a", "--epoch-ns"])
    check(rc == 0, f"export raw: {err}")
    with open(out, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    check(header == ["time_ns", "device", "sample_index", "x_g", "y_g", "z_g"], f"raw header {header}")
    exported = np.array([[np.float32(v) for v in r[3:6]] for r in rows], dtype=np.float32)
    idx = np.array([int(r[2]) for r in rows])
    decoded = []
    rate = con.execute("SELECT rate_hz FROM device WHERE name='a'").fetchone()[0]
    times_ok = True
    for t0, first, n, axes, fmt, blob in con.execute(
            "SELECT t_ns, first_sample, n, axes, fmt, data FROM raw_block WHERE device_id=? ORDER BY t_ns", (devs["a"],)):
        decoded.append(decode_block(blob, fmt, n, axes).T)
        k = int(np.searchsorted(idx, first))
        times_ok = times_ok and int(rows[k][0]) == t0
    decoded = np.concatenate(decoded)
    check(decoded.shape == exported.shape, f"shapes {decoded.shape} {exported.shape}")
    if decoded.shape == exported.shape:
        same = np.array_equal(decoded.view(np.uint32), exported.view(np.uint32))
        check(same, "export --level raw is bit-identical to the stored blocks")
    check(np.array_equal(idx, np.arange(len(idx))), "sample indices 0..N-1")
    check(times_ok, "block start times in the CSV equal t_ns")

    # per-second raw statistics vs the stored 1 s rollups (min/max exact, rms/mean to rounding)
    t_ns = np.array([int(r[0]) for r in rows], dtype=np.int64)
    sec = t_ns // 10**9 * 10**9
    for t, axis, n, mn, mx, mean, rms in con.execute(
            "SELECT t_ns, axis, n, min, max, mean, rms FROM rollup_1s WHERE device_id=? ORDER BY t_ns, axis", (devs["a"],)):
        x = decoded[sec == t][:, axis].astype(np.float64)
        check(len(x) == n, f"1 s bucket {t}: {len(x)} raw samples vs n={n}")
        if len(x) == n and n > 0:
            check(x.min() == mn and x.max() == mx, f"bucket {t} axis {axis}: min/max")
            check(abs(x.mean() - mean) < 1e-9 + 1e-9 * abs(mean), f"bucket {t} axis {axis}: mean")
            check(abs(x.std() - rms) < 1e-7 * max(1, rms), f"bucket {t} axis {axis}: rms {x.std()} vs {rms}")

    # 1 min / 1 h levels hold every stored sample
    for level in ("1m", "1h"):
        out = os.path.join(tmp, f"{level}.csv")
        rc, _, err = run(["export", "--db", db, "--out", out, "--level", level])
        with open(out, newline="") as f:
            table = list(csv.DictReader(f))
        total = {d: sum(int(r["samples"]) for r in table if r["device"] == d) for d in devs}
        stored = dict(con.execute("SELECT d.name, sd.stored FROM session_device sd JOIN device d ON d.id = sd.device_id"))
        check(rc == 0 and total == stored, f"export --level {level}: samples {total} vs stored {stored}")
    rc, _, err = run(["export", "--db", db, "--out", os.path.join(tmp, "x.csv"), "--level", "5m"])
    check(rc == 2 and "--level" in err, f"bad --level: {rc} {err}")
    con.close()
    return db


def test_query(tmp, db):
    con = sqlite3.connect(db)
    rc, out, err = run(["query", "latest", "--db", db, "--json", "--sort", "rms", "--desc"])
    check(rc == 0, f"query latest: {err}")
    doc = json.loads(out)
    check(doc["total"] == 2 and len(doc["devices"]) == 2, f"latest: {doc.get('total')}")
    rms = [d["rms"] for d in doc["devices"]]
    check(rms == sorted(rms, reverse=True), f"sorted by rms desc: {rms}")
    for d in doc["devices"]:
        t, want = con.execute("SELECT max(l.t_ns), max(l.rms) FROM device_latest l JOIN device d ON d.id=l.device_id "
                              "WHERE d.name=?", (d["device"],)).fetchone()
        check(int(d["time_ns"]) == t and abs(d["rms"] - want) < 1e-12, f"latest {d['device']} matches SQL")
        newest = con.execute("SELECT max(t_ns) FROM rollup_1s r JOIN device d ON d.id=r.device_id WHERE d.name=?",
                             (d["device"],)).fetchone()[0]
        check(t == newest, "device_latest is the newest second")
    rc, out, _ = run(["query", "latest", "--db", db, "--json", "--sort", "velocity", "--desc"])
    vel = [d["velocity_rms_mm_s"] for d in json.loads(out)["devices"]]
    known = [v for v in vel if v is not None]
    check(rc == 0 and known == sorted(known, reverse=True) and vel[:len(known)] == known,
          f"sorted by velocity desc, devices without one last: {vel}")
    rc, out, _ = run(["query", "latest", "--db", db, "--json", "--sort", "time"])
    times = [int(d["time_ns"]) for d in json.loads(out)["devices"]]
    check(rc == 0 and times == sorted(times), f"sorted by time asc: {times}")
    rc, out, _ = run(["query", "latest", "--db", db, "--json", "--limit", "1", "--offset", "1", "--sort", "device"])
    doc = json.loads(out)
    check(rc == 0 and [d["device"] for d in doc["devices"]] == ["b"], f"paginated: {out[:200]}")
    rc, out, _ = run(["query", "latest", "--db", db])
    check(rc == 0 and out.splitlines()[0].split()[:3] == ["device", "time_utc", "samples"], f"table: {out[:200]}")

    t0, t1 = con.execute("SELECT min(t_ns), max(t_ns) FROM rollup_1s").fetchone()
    rc, out, err = run(["query", "range", "--db", db, "--device", "a", "--from", f"{t0}ns", "--to", f"{t1 + 10**9}ns",
                        "--points", "2", "--json"])
    doc = json.loads(out) if rc == 0 else {}
    n1s = con.execute("SELECT count(*) FROM rollup_1s r JOIN device d ON d.id=r.device_id WHERE d.name='a' AND axis=0").fetchone()[0]
    check(rc == 0 and doc["level"] == "1s" and len(doc["points"]) == n1s, f"range 1s: {err} {doc.get('level')}")
    if rc == 0:
        mx = con.execute("SELECT max FROM rollup_1s r JOIN device d ON d.id=r.device_id WHERE d.name='a' AND axis=0 "
                         "ORDER BY t_ns LIMIT 1").fetchone()[0]
        check(doc["points"][0]["axes"][0]["max"] == mx, "range envelope max")
    rc, out, err = run(["query", "range", "--db", db, "--device", "a", "--from", "2026-01-01T00:00:00Z",
                        "--to", "2026-12-31T00:00:00Z", "--points", "100", "--json"])
    check(rc == 0 and json.loads(out)["level"] == "1h", f"a year at 100 points -> 1h: {err}")
    rc, out, err = run(["query", "asof", "--db", db, "--device", "b", "--at", f"{t1 + 5 * 10**8}ns", "--json"])
    check(rc == 0 and int(json.loads(out)["time_ns"]) == t1, f"asof: {err} {out[:120]}")
    rc, out, _ = run(["query", "asof", "--db", db, "--device", "b", "--at", "2000-01-01T00:00:00Z", "--json"])
    check(rc == 0 and out.strip() == "null", "asof before any data -> null")
    for args, want_rc, text in [
        (["query", "latest", "--db", db, "--sort", "loudness"], 2, "--sort"),
        (["query", "range", "--db", db, "--device", "a", "--from", "x", "--to", "1"], 2, "not a time"),
        (["query", "range", "--db", db, "--from", "1", "--to", "2"], 2, "--device"),
        (["query", "asof", "--db", db, "--device", "zz", "--at", "1"], 1, "no device 'zz'"),
        (["query", "latest", "--db", os.path.join(tmp, "missing.db")], 1, "does not exist"),
        (["query", "everything", "--db", db], 2, "latest, range, asof or events"),
    ]:
        rc, out, err = run(args)
        check(rc == want_rc and text in err, f"{args}: {rc} {err.strip()}")
    con.close()


def test_query_events(tmp, db):
    """`query events` against the event table read directly: filters, pagination, JSON and text."""
    con = sqlite3.connect(db)
    dev = dict(con.execute("SELECT name, id FROM device"))
    t0 = con.execute("SELECT min(t_ns) FROM rollup_1s").fetchone()[0]
    rows = [(dev["a"], t0 + 1 * 10**9, "alarm", "raised", "velocity>4.5", "velocity", 1, 7.75, 4.5, "vel y 7.75"),
            (dev["b"], t0 + 2 * 10**9, "alarm", "raised", "zone>=C", "zone", None, 2.0, 2.0, "zone C"),
            (dev["a"], t0 + 3 * 10**9, "alarm", "cleared", "velocity>4.5", "velocity", 1, 3.5, 4.5, "vel y 3.5")]
    con.executemany("INSERT INTO event(device_id, session_id, t_ns, kind, state, rule, metric, axis, value, threshold, "
                    "detail) VALUES(?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute("INSERT INTO event(device_id, session_id, t_ns, kind, first_sample, samples, detail) "
                "VALUES(?, 1, ?, 'gap', 1000, 250, 'detected')", (dev["b"], t0 + 4 * 10**9))
    con.commit()

    def sql_events(where="1", args=()):
        return con.execute("SELECT e.id, coalesce(d.name, ''), e.t_ns, e.kind FROM event e LEFT JOIN device d ON "
                           f"d.id = e.device_id WHERE {where} ORDER BY e.t_ns, e.id", args).fetchall()

    rc, out, err = run(["query", "events", "--db", db, "--json"])
    doc = json.loads(out) if rc == 0 else {}
    want = sql_events()
    check(rc == 0 and doc["total"] == len(want) and
          [(e["id"], e["device"] or "", int(e["time_ns"]), e["kind"]) for e in doc["events"]] == want,
          f"events --json equals SQL: {err} {out[:300]}")
    if rc == 0:
        first = next(e for e in doc["events"] if e["kind"] == "alarm")
        check(first["state"] == "raised" and first["rule"] == "velocity>4.5" and first["metric"] == "velocity" and
              first["axis"] == "y" and first["value"] == 7.75 and first["threshold"] == 4.5,
              f"alarm fields: {first}")
        gap = next(e for e in doc["events"] if e["kind"] == "gap")
        check(gap["first_sample"] == 1000 and gap["samples"] == 250 and gap["axis"] is None, f"gap fields: {gap}")
    rc, out, err = run(["query", "events", "--db", db, "--json", "--device", "a", "--type", "alarm",
                        "--from", f"{t0 + 2 * 10**9}ns"])
    got = [(e["id"], e["device"], int(e["time_ns"]), e["kind"]) for e in json.loads(out)["events"]] if rc == 0 else None
    check(got == sql_events("d.name='a' AND e.kind='alarm' AND e.t_ns >= ?", (t0 + 2 * 10**9,)),
          f"events --device a --type alarm --from: {got} {err}")
    rc, out, err = run(["query", "events", "--db", db, "--json", "--to", f"{t0 + 2 * 10**9}ns", "--limit", "5"])
    check(rc == 0 and [e["kind"] for e in json.loads(out)["events"]] ==
          [k for (_, _, _, k) in sql_events("e.t_ns < ?", (t0 + 2 * 10**9,))], f"events --to is exclusive: {out[:200]}")
    rc, out, err = run(["query", "events", "--db", db, "--json", "--limit", "1", "--offset", "1"])
    doc = json.loads(out) if rc == 0 else {}
    check(rc == 0 and doc["total"] == len(want) and [e["id"] for e in doc["events"]] == [want[1][0]],
          f"events paginated: {out[:200]}")
    rc, out, err = run(["query", "events", "--db", db, "--type", "alarm"])
    lines = out.splitlines()
    check(rc == 0 and lines[0].split() == ["time_utc", "device", "kind", "state", "rule", "metric", "axis", "value",
                                           "threshold", "detail"] and len(lines) == 2 + 3 and
          lines[-1] == "(3 of 3 events, offset 0)" and "velocity>4.5" in lines[1], f"events table: {out}")
    for args, want_rc, text in [
        (["query", "events", "--db", db, "--device", "zz"], 1, "no device 'zz'"),
        (["query", "events", "--db", db, "--from", "yesterday"], 2, "not a time"),
        (["query", "latest", "--db", db, "--type", "alarm"], 2, "--type"),
    ]:
        rc, out, err = run(args)
        check(rc == want_rc and text in err, f"{args}: {rc} {err.strip()}")
    con.close()


def test_retention(tmp):
    db = os.path.join(tmp, "ret.db")
    rc, _, err = run(["record", "--source", "sim://r?rate=4000", "--db", db, "--duration", "5", "--raw",
                      "--retain-raw", "1s", "--retain-rollups", "2s", "-q"])
    check(rc == 0, f"record with retention: {err}")
    con = sqlite3.connect(db)
    stored = con.execute("SELECT stored FROM session_device").fetchone()[0]
    raw_n, min_end = con.execute("SELECT sum(n), min(end_ns) FROM raw_block").fetchone()
    stopped = con.execute("SELECT stopped_ns FROM session").fetchone()[0]
    check(raw_n < stored, f"retention deleted old raw blocks while recording ({raw_n} of {stored} left)")
    # retention runs every 2 s: nothing older than retain + 2 s + a commit may be left
    check(min_end >= stopped - (1 + 2.6) * 10**9, f"oldest raw block ends {(stopped - min_end) / 1e9:.2f} s before stop")
    n1s = con.execute("SELECT count(*) FROM rollup_1s").fetchone()[0]
    check(n1s <= 3 * 5, f"old 1 s rollups deleted: {n1s} left")
    rc, _, err = run(["record", "--source", "sim://r", "--db", db, "--retain-raw", "7 days", "--raw"])
    check(rc == 2 and "--retain-raw" in err, f"bad duration: {rc} {err}")
    rc, _, err = run(["record", "--source", "sim://r", "--db", db, "--retain-raw", "7d"])
    check(rc == 2 and "--raw" in err, f"--retain-raw without --raw: {rc} {err}")
    con.close()


def check_full_database(tmp, db_dir, extra, label):
    db = os.path.join(db_dir, "full.db")
    rc, _, err = run(["record", "--source", "sim://f?rate=16000", "--source", "sim://g?rate=16000", "--db", db,
                      "--raw", "-q", "--duration", "30"] + extra, timeout=60)
    print(label, err)
    check(rc == 1, f"{label}: exit code {rc} (want 1)")
    check("full" in err and "Everything committed before the failure is intact" in err, f"{label}: message: {err}")
    check("UNBALANCED" not in err and "write_error" in err, f"{label}: accounting balanced with write_error: {err}")
    copy = os.path.join(tmp, f"copy_{label}")
    os.makedirs(copy, exist_ok=True)
    for suffix in ("", "-wal"):
        if os.path.exists(db + suffix):
            shutil.copy(db + suffix, os.path.join(copy, "full.db" + suffix))
    con = sqlite3.connect(os.path.join(copy, "full.db"))
    check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"{label}: integrity after disk full")
    for dev_id, stored in con.execute("SELECT device_id, stored FROM session_device").fetchall():
        raw_n = con.execute("SELECT coalesce(sum(n), 0) FROM raw_block WHERE device_id=?", (dev_id,)).fetchone()[0]
        check(raw_n == stored and stored > 0, f"{label}: committed raw samples {raw_n} == accounted stored {stored}")
    con.close()
    # the recorder restarts on the copy (space available): recovery runs and passes quick_check
    rc, _, err = run(["record", "--source", "sim://f", "--db", os.path.join(copy, "full.db"), "--duration", "1", "-q"])
    check(rc == 0 and "quick_check ok" in err, f"{label}: restart after disk full: {rc} {err}")


def test_damaged_files(tmp, db):
    """A truncated and a corrupted copy of a real history are refused by every command and left untouched."""
    data = open(db, "rb").read()
    cases = {"truncated.db": data[:3000], "corrupt.db": data[:16] + b"\xa5" * 84 + data[100:]}
    for name, content in cases.items():
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(content)
        for args in (["record", "--source", "sim://a", "--db", path, "--duration", "0.5"],
                     ["export", "--db", path, "--out", os.path.join(tmp, "o.csv")],
                     ["query", "latest", "--db", path]):
            rc, _, err = run(args)
            check(rc == 1 and path in err, f"{name} {args[0]}: exit {rc}: {err.strip()}")
        check(open(path, "rb").read() == content, f"{name} untouched")
        check(not os.path.exists(path + "-wal") and not os.path.exists(path + "-shm"), f"{name}: no sidecar files left")


def test_disk_full(tmp):
    mnt = os.path.join(tmp, "tiny")
    os.makedirs(mnt)
    mounted = False
    if os.geteuid() == 0:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1536k", "tmpfs", mnt],
                                 capture_output=True).returncode == 0
    try:
        if mounted:
            check_full_database(tmp, mnt, [], "tmpfs")
        else:
            print("tmpfs not available: only the max_page_count stand-in runs")
    finally:
        if mounted:
            subprocess.run(["umount", mnt])
    os.makedirs(os.path.join(tmp, "cap"))
    check_full_database(tmp, os.path.join(tmp, "cap"), ["--max-db-pages", "300"], "max_page_count")


with tempfile.TemporaryDirectory() as tmp:
    db = test_raw_round_trip(tmp)
    test_query(tmp, db)
    test_query_events(tmp, db)
    test_retention(tmp)
    test_damaged_files(tmp, db)
    test_disk_full(tmp)

print(f"{0 if failures else 1} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
