"""Edge recorders publish to a real redis-server (AOF everysec); a central recorder consumes them into one
database. Faults on the way: the consumer is killed (-9) mid-stream and restarted, Redis is restarted
mid-stream, a poison entry is added. Afterwards every published sample is in the central database exactly
once (sample indices checked), the poison entry is in the dead-letter stream, both sides balance."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from redis_util import Redis, check, finish, vibrascope, wait_until  # noqa: E402

tmp = tempfile.mkdtemp(prefix="vibra-scaleout-")
redis = Redis(aof=True)
url = f"redis://127.0.0.1:{redis.port}/plant"
consume = f"{url}?group=central&consumer=c1"
db = os.path.join(tmp, "central.db")
procs = []


def consumer():
    p = vibrascope(["record", "--consume", consume, "--db", db, "--raw", "-q",
                    "--report-json", os.path.join(tmp, "central.json")])
    procs.append(p)
    return p


def acked(key):
    g = redis.group_info(key, "central")
    return g is not None and int(g.get("entries-read") or 0) > 0 and int(g["pending"]) < int(g["entries-read"])


try:
    c1 = consumer()
    # two edge recorders, one device each (b at another rate), publishing to the same prefix
    edges = {
        "a": vibrascope(["record", "--source", "sim://a", "--publish", url, "--duration", "8", "-q",
                         "--report-json", os.path.join(tmp, "edge_a.json")]),
        "b": vibrascope(["record", "--source", "sim://b?rate=2000", "--publish", url, "--duration", "8", "-q",
                         "--report-json", os.path.join(tmp, "edge_b.json")]),
    }
    key = {d: "plant:{dev:%s}" % d for d in edges}
    wait_until(lambda: acked(key["a"]) and acked(key["b"]), 30, "the consumer to acknowledge entries")
    c1.send_signal(signal.SIGKILL)  # mid-stream: delivered and committed-but-unacked entries stay pending
    c1.wait(timeout=10)

    # a poison entry: well-formed stream entry, undecodable payload
    redis.cli("XADD", "plant:{dev:poison}", "*", "v", "1", "dev", "poison", "session", "1", "seq", "0",
              "first", "0", "t0", "0", "rate", "1000", "axes", "x", "unit", "g", "fmt", "f32le", "n", "4",
              "data", "abc")

    # restart Redis mid-stream (clean shutdown: the AOF holds everything acknowledged)
    time.sleep(0.0)  # (no wait needed: the edges are still publishing, checked below)
    check(all(p.poll() is None for p in edges.values()), "edges still running when Redis restarts")
    redis.stop(signal.SIGTERM)
    redis.start()

    c2 = consumer()
    for d, p in edges.items():
        p.wait(timeout=60)
        check(p.returncode == 0, f"edge {d} exit code {p.returncode}: {p.stderr.read()[-1500:]}")

    def drained():
        for d in edges:
            g = redis.group_info(key[d], "central")
            if g is None or g.get("lag") != "0" or g.get("pending") != "0":
                return False
        g = redis.group_info("plant:{dev:poison}", "central")
        return g is not None and g.get("pending") == "0" and g.get("lag") == "0"

    wait_until(drained, 60, "the consumer to catch up (lag 0, pending 0 on every stream)")
    c2.send_signal(signal.SIGTERM)
    c2.wait(timeout=60)
    err = c2.stderr.read()
    check(c2.returncode == 0, f"central exit code {c2.returncode}: {err[-2000:]}")
    rep = json.load(open(os.path.join(tmp, "central.json")))
    check(rep["balanced"], f"central session balances: {rep['devices']}")

    def rollups(d):
        con = sqlite3.connect(db)
        r = con.execute("SELECT count(*), sum(n), sum(mean * n) FROM rollup_1s r JOIN device v ON v.id = r.device_id "
                        "WHERE v.name = ?", (d,)).fetchone()
        con.close()
        return r
    before = rollups("a")
    check(before[0] > 0, f"rollups of a stored: {before}")

    # Every entry of device a delivered once more (as after a crash between commit and XACK): the relay ledger
    # keeps the database unchanged (raw blocks and 1 s rollups: the stored entries are acknowledged without
    # passing the engine again) and the session balances with dropped{already_stored}.
    redis.cli("XGROUP", "SETID", key["a"], "central", "0")
    c3 = consumer()
    wait_until(drained, 60, "the consumer to take the re-delivered entries")
    c3.send_signal(signal.SIGTERM)
    c3.wait(timeout=60)
    check(c3.returncode == 0, f"central (re-delivery) exit code {c3.returncode}: {c3.stderr.read()[-2000:]}")
    again = {d["device"]: d for d in json.load(open(os.path.join(tmp, "central.json")))["devices"]}
    check(rollups("a") == before, f"re-delivered entries not folded into the rollups again: {before} -> {rollups('a')}")

    # the edges' own accounting
    published = {}
    for d in edges:
        rep = json.load(open(os.path.join(tmp, f"edge_{d}.json")))
        pub = rep["devices"][0]["publish"]
        check(pub["balanced"], f"edge {d} balances: {pub}")
        check(pub["received"] == pub["published"] > 0, f"edge {d} published everything: {pub}")
        published[d] = pub
    # exactly once in the central database, sample indices contiguous from 0
    con = sqlite3.connect(db)
    for d, pub in published.items():
        rows = con.execute("SELECT first_sample, n FROM raw_block r JOIN device v ON v.id = r.device_id "
                           "WHERE v.name = ? ORDER BY first_sample", (d,)).fetchall()
        total = sum(n for _, n in rows)
        check(total == pub["published"], f"{d}: central holds {total} samples, edge published {pub['published']}")
        expect = 0
        for first, n in rows:
            if not check(first == expect, f"{d}: raw row at {first}, expected {expect} (gap or overlap)"):
                break
            expect = first + n
        ledger = con.execute("SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM relay_block r "
                             "JOIN device v ON v.id = r.device_id WHERE v.name = ?", (d,)).fetchone()
        check(ledger == (pub["entries"], pub["entries"], 0, pub["entries"] - 1),
              f"{d}: relay ledger {ledger} vs {pub['entries']} entries")
    check(con.execute("SELECT count(*) FROM device WHERE name = 'poison'").fetchone()[0] == 0,
          "the poison entry made no device")
    con.close()
    # the poison entry is in the dead-letter stream, with the reason
    dead = redis.cli("XRANGE", "plant:dead:central", "-", "+")
    check("reason" in dead and any("data size" in line for line in dead), f"dead-letter entry with reason: {dead}")
    a = again.get("a", {})
    check(a.get("stored") == 0 and a.get("dropped", {}).get("already_stored") == published["a"]["published"] and
          a.get("balanced"), f"re-delivered entries counted already_stored, nothing stored twice: {a}")
finally:
    for p in procs + list(globals().get("edges", {}).values()):
        if p.poll() is None:
            p.kill()
            p.wait()
    redis.stop(signal.SIGKILL)
finish()
