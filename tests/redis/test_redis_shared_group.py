"""Two central consumers in one group share the devices of two edge recorders (device leases), both writing
one central SQLite database (--raw). Faults on the way: one consumer is killed (-9) mid-stream (the other takes
its devices within the lease time and reclaims its pending entries), Redis is restarted mid-stream, the killed
consumer comes back under its name (the devices are shared out again, given back cleanly). Afterwards the
central database holds every published sample exactly once (sample indices contiguous, no duplicates, counts
equal the edges' published counts), both consumers stored some of it, and both sides' accounting balances."""
import json
import os
import signal
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from redis_util import Redis, check, finish, vibrascope, wait_until  # noqa: E402

LEASE_MS = 1500
tmp = tempfile.mkdtemp(prefix="vibra-shared-")
redis = Redis(aof=True)
url = f"redis://127.0.0.1:{redis.port}/plant"
db = os.path.join(tmp, "central.db")
devices = {"a": ["a1", "a2"], "b": ["b1", "b2"]}
key = {d: "plant:{dev:%s}" % d for e in devices.values() for d in e}
procs = []


def consumer(name):
    p = vibrascope(["record", "--consume", f"{url}?group=central&consumer={name}&lease_ms={LEASE_MS}", "--db", db,
                    "--raw", "-q", "--report-json", os.path.join(tmp, f"{name}.json")])
    procs.append(p)
    return p


def holders():
    """device -> consumer holding its lease (None: free)."""
    out = {}
    for d in key:
        v = redis.cli("GET", "plant:lease:{dev:%s}:central" % d)
        out[d] = v[0] if v and v[0] else None
    return out


def acked_by_group(d):
    g = redis.group_info(key[d], "central")
    return g is not None and int(g.get("entries-read") or 0) > int(g["pending"])


try:
    c1 = consumer("c1")
    c2 = consumer("c2")
    edges = {
        "a": vibrascope(["record", "--source", "sim://a1", "--source", "sim://a2", "--publish", url, "--duration",
                         "14", "-q", "--report-json", os.path.join(tmp, "edge_a.json")]),
        "b": vibrascope(["record", "--source", "sim://b1?rate=2000", "--source", "sim://b2", "--publish", url,
                         "--duration", "14", "-q", "--report-json", os.path.join(tmp, "edge_b.json")]),
    }
    procs += list(edges.values())

    # both consumers own devices (2 each: fair share of 4 streams over 2 members) and both have stored some
    def shared():
        h = holders()
        return (list(h.values()).count("c1") == 2 and list(h.values()).count("c2") == 2 and
                all(acked_by_group(d) for d in key))
    wait_until(shared, 40, "c1 and c2 to own two devices each and acknowledge entries",
               lambda: f"leases {holders()}, groups {[redis.group_info(k, 'central') for k in key.values()]}")
    mine = [d for d, c in holders().items() if c == "c1"]
    check(all(p.poll() is None for p in edges.values()), "edges still running when c1 is killed")
    c1.send_signal(signal.SIGKILL)  # mid-stream: its delivered-but-unacked entries stay pending under c1
    killed_at = time.monotonic()
    c1.wait(timeout=10)

    # c2 takes c1's devices once their leases expire (c1's heartbeats stop)
    wait_until(lambda: all(c == "c2" for c in holders().values()), 30, "c2 to take over c1's devices")
    failover = time.monotonic() - killed_at
    print(f"failover: c2 holds every device {failover:.2f} s after c1 was killed (lease_ms {LEASE_MS})")

    # restart Redis mid-stream (clean shutdown: the AOF holds everything acknowledged, leases included)
    check(all(p.poll() is None for p in edges.values()), "edges still running when Redis restarts")
    redis.stop(signal.SIGTERM)
    redis.start()

    # c1 comes back under its name: the devices are shared out again (c2 gives two back cleanly)
    c1 = consumer("c1")
    wait_until(lambda: sorted(holders().values(), key=str) == ["c1", "c1", "c2", "c2"], 40,
               "the devices to be shared again after c1 came back")
    for e, p in edges.items():
        p.wait(timeout=60)
        check(p.returncode == 0, f"edge {e} exit code {p.returncode}: {p.stderr.read()[-1500:]}")

    def drained():
        for d in key:
            g = redis.group_info(key[d], "central")
            if g is None or g.get("lag") != "0" or g.get("pending") != "0":
                return False
        return True
    wait_until(drained, 60, "the consumers to catch up (lag 0, pending 0 on every stream)")
    reports = {}
    for name, p in (("c1", c1), ("c2", c2)):
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=60)
        check(p.returncode == 0, f"{name} exit code {p.returncode}: {p.stderr.read()[-2000:]}")
        reports[name] = json.load(open(os.path.join(tmp, f"{name}.json")))
        check(reports[name]["balanced"], f"{name}'s session balances: {reports[name]['devices']}")
    check(all(c is None for c in holders().values()), f"clean stops release the leases: {holders()}")

    # the edges' own accounting
    published = {}
    for e, devs in devices.items():
        rep = json.load(open(os.path.join(tmp, f"edge_{e}.json")))
        for dev in rep["devices"]:
            pub = dev["publish"]
            check(pub["balanced"], f"edge {e} {dev['device']} balances: {pub}")
            check(pub["received"] == pub["published"] > 0, f"edge {e} {dev['device']} published everything: {pub}")
            published[dev["device"]] = pub
    check(sorted(published) == sorted(key), f"the edges published {sorted(published)}")

    con = sqlite3.connect(db)
    sessions_of = {}
    for d, pub in published.items():
        rows = con.execute("SELECT first_sample, n, session_id FROM raw_block r JOIN device v ON v.id = r.device_id "
                           "WHERE v.name = ? ORDER BY first_sample", (d,)).fetchall()
        total = sum(n for _, n, _ in rows)
        check(total == pub["published"], f"{d}: central holds {total} samples, edge published {pub['published']}")
        expect = 0
        for first, n, _ in rows:
            if not check(first == expect, f"{d}: raw row at {first}, expected {expect} (gap or overlap)"):
                break
            expect = first + n
        ledger = con.execute("SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM relay_block r "
                             "JOIN device v ON v.id = r.device_id WHERE v.name = ?", (d,)).fetchone()
        check(ledger == (pub["entries"], pub["entries"], 0, pub["entries"] - 1),
              f"{d}: relay ledger {ledger} vs {pub['entries']} entries")
        sessions_of[d] = {s for _, _, s in rows}
    # c1's devices were stored by (at least) the killed c1 and c2 after the takeover
    for d in mine:
        check(len(sessions_of[d]) >= 2, f"{d}: stored by c1 before the kill and by c2 after: sessions {sessions_of[d]}")
    # the live writer's session was not mistaken for a crashed one when the other process opened the database
    n_sessions = con.execute("SELECT count(*) FROM session").fetchone()[0]
    check(n_sessions == 3, f"three recording sessions (c1, c2, c1 again): {n_sessions}")
    unclean = con.execute("SELECT count(*) FROM session WHERE clean = 0").fetchone()[0]
    check(unclean == 1, f"exactly one unclean session (the killed c1): {unclean}")
    events = con.execute("SELECT session_id FROM event WHERE kind = 'unclean_shutdown'").fetchall()
    check(len(events) == 1, f"one unclean_shutdown event (the killed c1), none for a live writer: {events}")
    con.close()
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    redis.stop(signal.SIGKILL)
finish()
