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
import re
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
        rows, blocks = con.execute("SELECT count(*), sum(blocks) FROM raw_block WHERE device_id=?", (dev_id,)).fetchone()
        check(rows * 5 < blocks, f"{name}: contiguous blocks gathered into rows ({blocks} blocks in {rows} rows)")
    # Raw storage on disk (pages of the table and its indexes, from dbstat) vs the float32 size of the samples:
    # rows of ~64 KiB fill their overflow pages (one row per block took 1.36x)
    pages = con.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'raw_block%'").fetchone()[0]
    f32 = con.execute("SELECT sum(n * axes * 4) FROM raw_block").fetchone()[0]
    print(f"raw storage: {pages} bytes of pages for {f32} bytes of float32 = {pages / f32:.3f}x")
    check(pages < 0.95 * f32, f"raw overhead {pages / f32:.3f}x of float32 (want < 0.95)")

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
    # after the stop the latest state keeps the last known velocity and zone: the final partial second has none
    rc, out, _ = run(["query", "latest", "--db", db, "--json"])
    for d in json.loads(out)["devices"] if rc == 0 else []:
        t_vel, vel = con.execute(
            "SELECT r.t_ns, max(r.velocity_rms) FROM rollup_1s r JOIN device d ON d.id=r.device_id WHERE d.name=? "
            "AND r.velocity_rms IS NOT NULL GROUP BY r.t_ns ORDER BY r.t_ns DESC LIMIT 1", (d["device"],)).fetchone()
        check(d["velocity_rms_mm_s"] == vel and d["velocity_time_utc"] is not None and
              int(d["time_ns"]) >= t_vel, f"latest {d['device']}: velocity {d['velocity_rms_mm_s']} == newest known {vel}")
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
    # --level raw: the envelope from the raw samples, against the samples exported here (numpy)
    raw_csv = os.path.join(tmp, "a_env.csv")
    rc, _, err = run(["export", "--db", db, "--out", raw_csv, "--level", "raw", "--device", "a", "--epoch-ns"])
    rows = [line.split(",") for line in open(raw_csv).read().splitlines()[1:]] if rc == 0 else []
    t_ns = np.array([int(r[0]) for r in rows], dtype=np.int64)
    # the CSV holds float32 values as their shortest text: parse as float32, then widen exactly
    data = np.array([[np.float32(v) for v in r[3:6]] for r in rows], dtype=np.float32).astype(np.float64).reshape(-1, 3)
    frm, to, points = t0 + 10**9, t0 + 2 * 10**9, 20
    rc, out, err = run(["query", "range", "--db", db, "--device", "a", "--from", f"{frm}ns", "--to", f"{to}ns",
                        "--points", str(points), "--level", "raw", "--json"])
    doc = json.loads(out) if rc == 0 else {}
    bucket = (to - frm) // points
    check(rc == 0 and doc.get("level") == "raw" and int(doc.get("bucket_ns", 0)) == bucket, f"range --level raw: {err}")
    for p in doc.get("points", []):
        t = int(p["time_ns"])
        sel = (t_ns >= t) & (t_ns < t + bucket)
        x = data[sel]
        ok = p["samples"] == len(x) and all(
            p["axes"][a]["min"] == x[:, a].min() and p["axes"][a]["max"] == x[:, a].max() and
            abs(p["axes"][a]["mean"] - x[:, a].mean()) < 1e-9 for a in range(3))
        check(ok, f"raw envelope bucket {t}: {p['samples']} samples vs {len(x)}")
    check(len(doc.get("points", [])) == points, f"raw envelope: {len(doc.get('points', []))} points")
    rc, out, err = run(["query", "range", "--db", db, "--device", "a", "--from", f"{frm}ns", "--to", f"{to}ns",
                        "--points", "4", "--level", "raw"])
    check(rc == 0 and "at level raw" in out, f"range --level raw as a table: {rc} {err} {out[-200:]}")
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
        (["query", "everything", "--db", db], 2, "latest, range, asof, events or compare"),
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


def test_malformed_input_in_session_row(tmp):
    """Frames dropped without a known sample count (malformed CSV lines) are stored in the session row."""
    src = os.path.join(tmp, "bad.csv")
    with open(src, "w") as f:
        for i in range(5000):
            f.write(f"{i};{-i}\n")
            if i in (100, 2000, 4321):
                f.write("not a number;x\n")
    db = os.path.join(tmp, "bad.db")
    rc, _, err = run(["record", "--source", f"file://{src}?realtime=0&rate=1000&id=bad", "--db", db, "-q"])
    check(rc == 0, f"record from a file with malformed lines: {rc} {err}")
    con = sqlite3.connect(db)
    row = con.execute("SELECT received, stored, dropped_total, frames_dropped_total, frames_dropped_json "
                      "FROM session_device").fetchone()
    check(row is not None and row[:2] == (5000, 5000) and row[2] == 0 and row[3] == 3 and
          json.loads(row[4]) == {"malformed": 3}, f"malformed lines in the session row: {row}")
    con.close()


def corrupt_table(src, dst, table):
    """Copy src to dst and overwrite the root page of `table` with garbage (a real damaged page)."""
    shutil.copy(src, dst)
    con = sqlite3.connect(dst)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_schema WHERE name=?", (table,)).fetchone()[0]
    con.close()
    check(not os.path.exists(dst + "-wal") or os.path.getsize(dst + "-wal") == 0, "checkpointed copy")
    with open(dst, "r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(bytes([0xFF, 0x13, 0x37, 0xA5] * (page_size // 4)))


def test_corrupt_pages(tmp):
    """An SQLite error while querying is an error (exit 1 with the message), never an empty or fallback answer."""
    db = os.path.join(tmp, "good.db")
    rc, _, err = run(["record", "--source", "sim://a", "--source", "sim://b", "--db", db, "--duration", "2.5", "-q"])
    check(rc == 0, f"record: {err}")
    con = sqlite3.connect(db)
    t_last = con.execute("SELECT max(t_ns) FROM rollup_1s").fetchone()[0]
    con.execute("INSERT INTO event(device_id, session_id, t_ns, kind, detail) VALUES(1, 1, ?, 'alarm', 'x')", (t_last,))
    con.commit()
    con.close()
    later = f"{t_last + 120 * 10**9}ns"  # the 1 min bucket has ended: a fallback could answer from it
    outputs = [os.path.join(tmp, "c.csv"), os.path.join(tmp, "c.parquet")]
    cases = [
        ("device_latest", ["query", "latest"]),
        ("device_latest", ["query", "latest", "--json"]),
        ("rollup_1s", ["query", "asof", "--device", "a", "--at", later]),
        ("rollup_1s", ["query", "range", "--device", "a", "--from", f"{t_last - 10**9}ns", "--to", f"{t_last}ns"]),
        ("rollup_1s", ["export", "--out", outputs[0]]),
        ("rollup_1s", ["export", "--format", "parquet", "--out", outputs[1]]),
        ("event", ["query", "events"]),
    ]
    for table, args in cases:
        rc, out, err = run(args[:1] + ["--db", db] + args[1:])
        check(rc == 0 and "malformed" not in err, f"intact: {args}: {rc} {err}")
        for f in outputs:
            if os.path.exists(f):
                os.remove(f)
        bad = os.path.join(tmp, f"bad_{table}.db")
        corrupt_table(db, bad, table)
        rc, out, err = run(args[:1] + ["--db", bad] + args[1:])
        check(rc == 1 and "malformed" in err and bad in err,
              f"corrupt {table}: {args} -> exit {rc}, stderr {err.strip()[:200]!r}, stdout {out[:100]!r}")
        check(not any(os.path.exists(f) or os.path.exists(f + ".partial") for f in outputs),
              f"corrupt {table}: no export file left")


def read_only_commands(db, out_dir):
    """Commands a user runs on a finished history: (args, output file or None)."""
    csv_out = os.path.join(out_dir, "ro.csv")
    return [(["query", "latest", "--db", db, "--json"], None),
            (["query", "range", "--db", db, "--device", "a", "--from", "2000-01-01T00:00:00Z", "--to",
              "2100-01-01T00:00:00Z", "--points", "50", "--json"], None),
            (["query", "events", "--db", db, "--json"], None),
            (["export", "--db", db, "--out", csv_out], csv_out)]


def run_as(user, args):
    if user is None:
        return run(args)
    p = subprocess.run(["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", VIBRASCOPE] + args,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def check_read_only_dir(tmp, label, ro_dir, db_name, out_dir, user=None):
    """query/export on a history in a directory nobody may write give the same answers as on a writable copy,
    say that they read it read-only, and leave the directory untouched."""
    before = sorted(os.listdir(ro_dir))
    ro_db, rw_db = os.path.join(ro_dir, db_name), os.path.join(tmp, "rw_" + db_name)
    for (ro_args, ro_file), (rw_args, rw_file) in zip(read_only_commands(ro_db, out_dir),
                                                      read_only_commands(rw_db, os.path.join(tmp, "rw_out"))):
        rc, out, err = run_as(user, ro_args)
        rc2, out2, _ = run(rw_args)
        check(rc == 0 and "read-only" in err, f"{label}: {ro_args[:2]} in a read-only directory: {rc} {err.strip()}")
        if ro_file:
            same = rc == 0 and open(ro_file, "rb").read() == open(rw_file, "rb").read()
        else:
            same = out.replace(ro_db, rw_db) == out2
        check(rc2 == 0 and same, f"{label}: {ro_args[:2]} answers as on the writable copy")
    check(sorted(os.listdir(ro_dir)) == before, f"{label}: nothing created next to the database: {os.listdir(ro_dir)}")


def make_pending_wal_copy(db, dst):
    """dst (+ dst-wal, no -shm): a copy taken while a writer had committed data only in its WAL."""
    work = dst + ".work"
    shutil.copy(db, work)
    con = sqlite3.connect(work)
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("INSERT INTO event(t_ns, kind) VALUES(1, 'x')")
    con.commit()
    shutil.copy(work, dst)
    shutil.copy(work + "-wal", dst + "-wal")
    con.close()
    os.remove(work)


def test_read_only(tmp, db):
    """Finished histories open read-only when their directory is not writable: a read-only tmpfs, an immutable
    directory (chattr +i) and another user's directory (setpriv to nobody) as root; chmod 555 otherwise."""
    os.makedirs(os.path.join(tmp, "rw_out"), exist_ok=True)
    shutil.copy(db, os.path.join(tmp, "rw_h.db"))
    ran = []
    if os.geteuid() == 0:
        mnt = os.path.join(tmp, "ro_mnt")
        os.makedirs(mnt)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mnt], capture_output=True).returncode == 0:
            try:
                shutil.copy(db, os.path.join(mnt, "h.db"))
                make_pending_wal_copy(db, os.path.join(mnt, "w.db"))
                subprocess.run(["mount", "-o", "remount,ro", mnt], check=True)
                check_read_only_dir(tmp, "read-only tmpfs", mnt, "h.db", os.path.join(tmp, "rw_out"))
                rc, _, err = run(["query", "latest", "--db", os.path.join(mnt, "w.db")])
                check(rc == 1 and "copy both files to a writable directory" in err,
                      f"read-only with pending WAL data: {rc} {err.strip()}")
                ran.append("tmpfs")
            finally:
                subprocess.run(["umount", mnt])
        imm = os.path.join(tmp, "immutable")
        os.makedirs(imm)
        shutil.copy(db, os.path.join(imm, "h.db"))
        if subprocess.run(["chattr", "+i", imm], capture_output=True).returncode == 0:
            try:
                check_read_only_dir(tmp, "immutable directory", imm, "h.db", os.path.join(tmp, "rw_out"))
                ran.append("chattr")
            finally:
                subprocess.run(["chattr", "-i", imm])
        if shutil.which("setpriv"):
            # nobody (uid/gid 65534) may read the history but not write its directory (root owns it)
            other, out = os.path.join(tmp, "other"), os.path.join(tmp, "other_out")
            os.makedirs(other)
            os.makedirs(out)
            shutil.copy(db, os.path.join(other, "h.db"))
            os.chmod(tmp, 0o755)
            os.chmod(other, 0o555)
            os.chmod(os.path.join(other, "h.db"), 0o644)
            os.chmod(out, 0o777)
            try:
                check_read_only_dir(tmp, "another user's directory", other, "h.db", out, user=65534)
                ran.append("setpriv")
            finally:
                os.chmod(tmp, 0o700)
    else:
        ro = os.path.join(tmp, "chmod")
        os.makedirs(ro)
        shutil.copy(db, os.path.join(ro, "h.db"))
        os.chmod(ro, 0o555)
        try:
            check_read_only_dir(tmp, "chmod 555", ro, "h.db", os.path.join(tmp, "rw_out"))
            ran.append("chmod")
        finally:
            os.chmod(ro, 0o755)
    print("read-only directories tested:", ran)
    check(ran, "at least one way to make a directory read-only was available")


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
    closed = con.execute("SELECT stopped_ns IS NOT NULL, clean FROM session").fetchone()
    # the recorder's final table: device, received, stored, dropped, gaps, balanced, reasons
    report = {m.group(1): tuple(int(x) for x in m.group(2, 3, 4)) for m in
              re.finditer(r"^\s+(\w+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+(?:yes|no)\b", err, re.M)
              if m.group(1) != "TOTAL"}
    for name, dev_id, received, stored, dropped, dropped_json in con.execute(
            "SELECT d.name, sd.device_id, sd.received, sd.stored, sd.dropped_total, sd.dropped_json "
            "FROM session_device sd JOIN device d ON d.id = sd.device_id").fetchall():
        raw_n = con.execute("SELECT coalesce(sum(n), 0) FROM raw_block WHERE device_id=?", (dev_id,)).fetchone()[0]
        check(raw_n == stored and stored > 0, f"{label}: committed raw samples {raw_n} == accounted stored {stored}")
        if closed[0]:
            # the recorder closed the session with its final accounting: the DB says what was lost
            check(closed[1] == 0 and (received, stored, dropped) == report.get(name) and
                  json.loads(dropped_json).get("write_error", 0) > 0,
                  f"{label}: {name}: session row {received}/{stored}/{dropped} {dropped_json} == report "
                  f"{report.get(name)}, not clean")
    if closed[0]:
        check(con.execute("SELECT count(*) FROM event WHERE kind='write_error'").fetchone()[0] <= 1,
              f"{label}: at most one write_error event")
    print(f"{label}: session closed after the failure: {bool(closed[0])}")
    con.close()
    # the recorder restarts on the copy (space available); a session left open is recovered (quick_check)
    rc, _, err = run(["record", "--source", "sim://f", "--db", os.path.join(copy, "full.db"), "--duration", "1", "-q"])
    check(rc == 0 and (closed[0] or "quick_check ok" in err), f"{label}: restart after disk full: {rc} {err}")
    if label == "max_page_count":
        check(closed[0], f"{label}: the session row is closed with its accounting (updates need no new pages)")


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
    test_malformed_input_in_session_row(tmp)
    test_corrupt_pages(tmp)
    test_read_only(tmp, db)
    test_retention(tmp)
    test_damaged_files(tmp, db)
    test_disk_full(tmp)

print(f"{0 if failures else 1} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
