"""An edge cut off from Redis for longer than its outbound buffer holds: the edge's link runs through a TCP relay
that is cut while it publishes. The edge drops the newest blocks once its buffer (buffer=N) is full and counts
them (dropped_buffer_overflow in its report), then resumes after the relay is restored. Afterwards the edge's
published + dropped equals what it produced, the central database holds everything published exactly once, and
the hole is a counted gap at the centre (gaps_detected, samples_missing = the edge's dropped samples), not a
silent one."""
import json
import os
import signal
import sqlite3
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from redis_util import Proxy, Redis, check, finish, free_port, vibrascope, wait_until  # noqa: E402

BUFFER = 96  # blocks: with 256-sample blocks at 16 kHz about 1.5 s of the simulator
tmp = tempfile.mkdtemp(prefix="vibra-cutoff-")
redis = Redis(aof=True)
proxy = Proxy(redis.port)
central_url = f"redis://127.0.0.1:{redis.port}/plant"
edge_url = f"redis://127.0.0.1:{proxy.port}/plant?buffer={BUFFER}"
edge_port = free_port()
key = "plant:{dev:e1}"
procs = []


def metric(name, **labels):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{edge_port}/metrics", timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return None
    sel = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{{sel}}} " if sel else f"{name} "):
            return float(line.split()[-1])
    return None


def overflow():
    return metric("vibrascope_redis_publish_dropped_samples_total", device="e1", reason="buffer_overflow") or 0


try:
    central = vibrascope(["record", "--consume", f"{central_url}?group=central&consumer=c1", "--db",
                          os.path.join(tmp, "central.db"), "--raw", "-q", "--report-json",
                          os.path.join(tmp, "central.json")])
    edge = vibrascope(["serve", "--http", f"127.0.0.1:{edge_port}", "--source", "sim://e1", "--publish", edge_url,
                       "--db", os.path.join(tmp, "edge.db"), "-q", "--report-json", os.path.join(tmp, "edge.json")])
    procs += [central, edge]
    wait_until(lambda: (metric("vibrascope_redis_published_samples_total", device="e1") or 0) > 0, 30,
               "the edge to publish")
    g = lambda: redis.group_info(key, "central")  # noqa: E731
    wait_until(lambda: g() is not None and int(g().get("entries-read") or 0) > 0, 30, "the centre to read")

    proxy.cut()
    wait_until(lambda: metric("vibrascope_redis_publish_connected") == 0, 30, "the edge to see the link down")
    # longer than the buffer holds: blocks are being dropped, then some more
    wait_until(lambda: overflow() > 0, 60, "the edge's buffer to overflow")
    first = overflow()
    wait_until(lambda: overflow() > first + 4 * 256, 60, "more blocks to be dropped")
    check(metric("vibrascope_redis_publish_buffered_blocks") == BUFFER, "the buffer is full while cut off")
    proxy.restore()
    wait_until(lambda: metric("vibrascope_redis_publish_connected") == 1, 30, "the edge to reconnect")
    published_then = metric("vibrascope_redis_published_samples_total", device="e1")
    wait_until(lambda: metric("vibrascope_redis_publish_buffered_blocks") < BUFFER / 2 and
               metric("vibrascope_redis_published_samples_total", device="e1") > published_then + BUFFER * 256, 30,
               "the edge to publish its buffer and new blocks after the reconnect")
    edge.send_signal(signal.SIGTERM)
    edge.wait(timeout=60)
    check(edge.returncode == 0, f"edge exit code {edge.returncode}: {edge.stderr.read()[-1500:]}")
    wait_until(lambda: g().get("lag") == "0" and g().get("pending") == "0", 60, "the centre to catch up")
    central.send_signal(signal.SIGTERM)
    central.wait(timeout=60)
    check(central.returncode == 0, f"central exit code {central.returncode}: {central.stderr.read()[-1500:]}")

    dev = json.load(open(os.path.join(tmp, "edge.json")))["devices"][0]
    pub = dev["publish"]
    dropped = pub["dropped_buffer_overflow"]
    check(dropped > 0 and dropped % 256 == 0, f"the edge counted whole dropped blocks: {pub}")
    check(pub["received"] == pub["published"] + dropped and pub["balanced"],
          f"edge: produced = published + dropped(buffer_overflow): {pub}")
    check(pub["dropped_tap_overflow"] == pub["dropped_rejected"] == pub["dropped_unpublished"] == 0,
          f"no other drop reasons: {pub}")
    check(pub["received"] == dev["received"], f"the publisher saw every block the edge produced: {dev}")

    rep = json.load(open(os.path.join(tmp, "central.json")))
    c = rep["devices"][0]
    check(rep["balanced"], f"central session balances: {c}")
    check(c["gaps"] == 1 and c["samples_missing"] == dropped,
          f"the hole is one counted gap of {dropped} samples at the centre: {c}")
    con = sqlite3.connect(os.path.join(tmp, "central.db"))
    rows = con.execute("SELECT first_sample, n FROM raw_block ORDER BY first_sample").fetchall()
    check(sum(n for _, n in rows) == pub["published"], f"central holds {sum(n for _, n in rows)} samples, "
          f"the edge published {pub['published']}")
    holes, expect = [], 0
    for first, n in rows:
        check(first >= expect, f"overlap at {first} (expected {expect})")
        if first > expect:
            holes.append((expect, first - expect))
        expect = first + n
    check(len(holes) == 1 and holes[0][1] == dropped, f"one hole of the dropped samples: {holes}, dropped {dropped}")
    ledger = con.execute("SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM relay_block").fetchone()
    check(ledger == (pub["entries"], pub["entries"], 0, pub["entries"] - 1),
          f"relay ledger {ledger}: one row per published entry, seq without holes ({pub['entries']} entries)")
    gap = con.execute("SELECT count(*), sum(samples) FROM event WHERE kind = 'gap'").fetchone()
    check(gap == (1, dropped), f"the gap is an event at the centre: {gap}")
    con.close()
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    proxy.close()
    redis.stop(signal.SIGKILL)
finish()
