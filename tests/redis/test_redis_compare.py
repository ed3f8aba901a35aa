"""`vibrascope query compare`: the edge-vs-centre report against a real redis-server.

Phase 1: an edge publishes two devices (raw blocks) with no consumer running; five entries of device a are
deleted from its stream before the central recorder (--raw) reads it (as a retention shorter than an outage
would). The report must say b balanced (exit 0 with --device b) and a missing exactly the samples of the
deleted entries (their `n` fields, read from Redis before deleting), exit code 3.
Phase 2: an edge in features mode with a tiny outbound buffer loses its Redis (clean shutdown) long enough to
overflow; the report must say lost, with the exact buffer_overflow count of the edge's own report, and the
centre holds everything that was published."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from redis_util import VIBRASCOPE, Redis, check, finish, vibrascope, wait_until  # noqa: E402

tmp = tempfile.mkdtemp(prefix="vibra-compare-")
redis = Redis(aof=True)
url = f"redis://127.0.0.1:{redis.port}/plant"
central_db = os.path.join(tmp, "central.db")
procs = []


def consumer():
    p = vibrascope(["record", "--consume", f"{url}?group=central&consumer=c1", "--db", central_db, "--raw", "-q"])
    procs.append(p)
    return p


def drained(keys):
    for k in keys:
        g = redis.group_info(k, "central")
        if g is None or g.get("lag") != "0" or g.get("pending") != "0":
            return False
    return True


def compare(edge_db, *extra):
    r = subprocess.run([VIBRASCOPE, "query", "compare", "--edge", edge_db, "--central", central_db, "--json", *extra],
                       capture_output=True, text=True, timeout=60)
    doc = json.loads(r.stdout) if r.stdout.strip().startswith("{") else {}
    return r.returncode, {row["device"]: row for row in doc.get("rows", [])}, r


def stop(p):
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=60)
    check(p.returncode == 0, f"exit code {p.returncode}: {p.stderr.read()[-1500:]}")


try:
    # --- phase 1: entries deleted from the stream before the centre read them
    edge1_db = os.path.join(tmp, "edge1.db")
    e1 = vibrascope(["record", "--source", "sim://a?rate=2000", "--source", "sim://b?rate=2000", "--publish", url,
                     "--db", edge1_db, "--duration", "4", "-q", "--report-json", os.path.join(tmp, "edge1.json")])
    procs.append(e1)
    e1.wait(timeout=60)
    check(e1.returncode == 0, f"edge 1 exit code {e1.returncode}: {e1.stderr.read()[-1500:]}")
    # id and n of the first 40 entries (a server-side script: the binary data field never reaches the parser)
    script = ("local o = {} for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 40)) do "
              "local f = e[2] for j = 1, #f, 2 do if f[j] == 'n' then o[#o + 1] = e[1] o[#o + 1] = f[j + 1] end end "
              "end return o")
    out = redis.cli("EVAL", script, "1", "plant:{dev:a}")
    ids, ns = out[0::2], [int(n) for n in out[1::2]]
    check(len(ids) >= 20 and len(ids) == len(ns), f"read {len(ids)} entries of a ({len(ns)} n fields)")
    deleted = list(zip(ids, ns))[10:15]
    redis.cli("XDEL", "plant:{dev:a}", *[d for d, _ in deleted])
    lost_samples = sum(n for _, n in deleted)
    c = consumer()
    wait_until(lambda: drained(["plant:{dev:a}", "plant:{dev:b}"]), 60, "the centre to read both streams")
    stop(c)
    edge1 = {d["device"]: d["publish"] for d in json.load(open(os.path.join(tmp, "edge1.json")))["devices"]}
    rc, rows, r = compare(edge1_db)
    check(rc == 3, f"compare exits 3 when a device is missing: {rc} {r.stderr}")
    a, b = rows.get("a", {}), rows.get("b", {})
    check(a.get("verdict") == "missing" and a.get("missing") == lost_samples and a.get("missing_entries") == 5,
          f"a: missing exactly the {lost_samples} samples of the 5 deleted entries: {a}")
    check(a.get("published") == edge1["a"]["published"] and a.get("received") == edge1["a"]["received"],
          f"a: the edge's counts in the report are its own: {a} vs {edge1['a']}")
    con = sqlite3.connect(central_db)
    stored_a = con.execute("SELECT sum(n) FROM raw_block r JOIN device v ON v.id = r.device_id "
                           "WHERE v.name = 'a'").fetchone()[0]
    con.close()
    check(a.get("central_samples") == stored_a == edge1["a"]["published"] - lost_samples,
          f"a: central samples {a.get('central_samples')} = raw rows {stored_a} = published - deleted")
    check(b.get("verdict") == "balanced" and b.get("missing") == 0 and b.get("central_samples") == b.get("received"),
          f"b balanced: {b}")
    rc_b, rows_b, _ = compare(edge1_db, "--device", "b")
    check(rc_b == 0 and list(rows_b) == ["b"], f"compare --device b exits 0 with one row: {rc_b} {list(rows_b)}")
    rc_t, rows_t, _ = compare(edge1_db, "--to", "2000-01-01T00:00:00Z")
    check(rc_t == 0 and not rows_t, f"a range before the session has no rows: {rc_t} {rows_t}")
    text = subprocess.run([VIBRASCOPE, "query", "compare", "--edge", edge1_db, "--central", central_db],
                          capture_output=True, text=True, timeout=60)
    check(f"{lost_samples} published samples (5 entries) not at the centre" in text.stdout,
          f"the table names the missing samples: {text.stdout}")

    # --- phase 2: features mode, Redis away longer than the edge's buffer
    edge2_db = os.path.join(tmp, "edge2.db")
    c = consumer()
    e2 = vibrascope(["record", "--source", "sim://c?rate=2000", "--publish", f"{url}?mode=features&buffer=2",
                     "--alarm", "rms>0.04", "--db", edge2_db, "--duration", "14", "-q",
                     "--report-json", os.path.join(tmp, "edge2.json")])
    procs.append(e2)
    key = "plant:{dev:c}:features"
    wait_until(lambda: (redis.group_info(key, "central") or {}).get("entries-read", "0") not in ("0", None),
               30, "the centre to read c")
    redis.stop(signal.SIGTERM)

    def overflowed():
        try:
            con = sqlite3.connect(f"file:{edge2_db}?mode=ro", uri=True)
            v = con.execute("SELECT dropped_overflow FROM publish_device").fetchone()
            con.close()
            return v is not None and v[0] > 0
        except sqlite3.Error:
            return False

    wait_until(overflowed, 30, "the edge to count buffer overflow while Redis is down")
    redis.start()
    e2.wait(timeout=60)
    check(e2.returncode == 0, f"edge 2 exit code {e2.returncode}: {e2.stderr.read()[-1500:]}")
    wait_until(lambda: drained([key]), 60, "the centre to catch up with c")
    stop(c)
    pub = json.load(open(os.path.join(tmp, "edge2.json")))["devices"][0]["publish"]
    check(pub["dropped_buffer_overflow"] > 0, f"the edge dropped on overflow: {pub}")
    rc, rows, r = compare(edge2_db)
    row = rows.get("c", {})
    check(rc == 3, f"compare exits 3 on edge loss: {rc} {r.stderr}")
    check(row.get("verdict") == "lost" and row.get("dropped", {}).get("buffer_overflow") == pub["dropped_buffer_overflow"]
          and row.get("dropped_at_edge") == pub["received"] - pub["published"],
          f"c: lost exactly the edge's buffer overflow {pub['dropped_buffer_overflow']}: {row}")
    check(row.get("missing") == 0 and row.get("central_samples") == pub["published"] and row.get("mode") == "features",
          f"c: the centre holds everything published: {row}")
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    redis.stop(signal.SIGKILL)
finish()
