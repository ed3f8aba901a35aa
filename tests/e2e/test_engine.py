#!/usr/bin/env python3
"""The pooled engine end to end (issue: one engine for 1000 devices):

1. Overload: 384 paced 16 kHz tri-axial simulators on one DSP worker offer far more than this machine can
   generate and process. The recorder's memory stays under its bound, the run ends within a few seconds of
   --duration (wall clock), a simulator that falls behind skips ahead (a counted gap) instead of bursting,
   and received = stored + dropped{reason} holds for every device (checked in the report JSON and in the
   database's session rows).
2. Alarms headless: a bearing simulator with --alarm-zone C and a threshold rule raises events; record prints
   them, the database's event table holds them, and `query events --json` lists them.
3. Ingest devices that come, go and change format while recording: accounting exact per device.

Loopback only, bounded in time."""
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

VIBRASCOPE = os.environ["VIBRASCOPE"]
SENDER = os.path.join(os.environ["VIBRA_SOURCE_DIR"], "tools", "vibra_send.py")
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def vm_hwm_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def session_rows(db):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT d.name, sd.received, sd.stored, sd.dropped_total FROM session_device sd "
                       "JOIN device d ON d.id = sd.device_id").fetchall()
    con.close()
    return rows


def overload(tmp):
    devices, duration = 384, 10.0
    db = os.path.join(tmp, "overload.db")
    report = os.path.join(tmp, "overload.json")
    args = [VIBRASCOPE, "record", "--db", db, "--duration", str(duration), "--workers", "1", "-q",
            "--report-json", report]
    for i in range(devices):
        args += ["-s", f"sim://o{i}"]
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    while p.poll() is None and time.monotonic() - t0 < duration + 60:
        peak = max(peak, vm_hwm_kb(p.pid))
        time.sleep(0.2)
    if p.poll() is None:
        p.kill()
    _, err = p.communicate(timeout=30)
    wall = time.monotonic() - t0
    print(f"overload: {devices} devices, exit {p.returncode}, {wall:.1f} s wall, peak RSS {peak / 1024:.0f} MB")
    check(p.returncode == 0, f"overload: exit {p.returncode}: {err[-800:]}")
    # Ends within a few seconds of --duration: nothing unbounded to drain.
    check(wall < duration + 8, f"overload: took {wall:.1f} s for --duration {duration}")
    # The stated bound (docs/architecture.md, Bounds): 80 MB + 0.5 MB per headless device (measured: ~0.25).
    bound_mb = 80 + 0.5 * devices
    check(peak / 1024 < bound_mb, f"overload: peak RSS {peak / 1024:.0f} MB above the bound {bound_mb:.0f} MB")
    with open(report) as f:
        r = json.load(f)
    check(r["schema"] == "vibrascope.record-report/1" and len(r["devices"]) == devices, "overload: report lists every device")
    check(r["balanced"], "overload: report balanced")
    gaps = sum(d["gaps"] for d in r["devices"])
    missing = sum(d["samples_missing"] for d in r["devices"])
    received = sum(d["received"] for d in r["devices"])
    offered = devices * 16000 * duration
    print(f"overload: received {received} of {offered:.0f} offered, {gaps} gaps, {missing} samples skipped")
    # Whether 384 devices on one worker overload the machine depends on the machine: when the simulators fell
    # behind (received well short of offered), they must have skipped ahead as counted gaps; a machine that kept
    # up has nothing to skip, and the bounds above are what the test holds it to.
    if received < 0.97 * offered:
        check(gaps > 0 and missing > 0, "overload: simulators that fell behind skipped ahead as counted gaps")
    else:
        print("overload: this machine kept up with every simulator (no skips to check)")
    for d in r["devices"]:
        dropped = sum(d["dropped"].values())
        if d["received"] != d["stored"] + dropped:
            check(False, f"overload: {d['device']}: {d['received']} != {d['stored']} + {dropped}")
            break
    rows = session_rows(db)
    check(len(rows) == devices, f"overload: a session row per device ({len(rows)})")
    bad = [row for row in rows if row[1] != row[2] + row[3]]
    check(not bad, f"overload: session rows balance: {bad[:3]}")


def alarms(tmp):
    db = os.path.join(tmp, "alarms.db")
    # A healthy machine (about 2 mm/s, zone B) and a bearing with strong impacts (zone C/D, high crest factor).
    p = subprocess.run([VIBRASCOPE, "record", "-s", "sim://quiet", "-s", "sim://brg?profile=bearing&impact=3&shaftamp=0.3,0.2,0.1",
                        "--db", db, "--duration", "4", "--alarm-zone", "C", "--alarm", "crest>5,delay=1",
                        "--alarm", "band(2000-5000)>0.2", "-q"],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, f"alarms: exit {p.returncode}: {p.stderr[-500:]}")
    lines = [l for l in p.stderr.splitlines() if " ALARM " in l]
    print("\n".join(lines))
    check(any(" brg ALARM raised: zone" in l for l in lines), "alarms: zone alarm printed for brg")
    check(any(" brg ALARM raised: crest" in l for l in lines), "alarms: crest alarm printed for brg")
    # Impacts ring the bearing's resonances: about 0.48 g RMS in 2-5 kHz (the healthy machine: about 0.013 g).
    check(any(" brg ALARM raised: band(2000-5000) x" in l for l in lines), "alarms: band-RMS alarm printed for brg")
    check(not any(" quiet ALARM" in l for l in lines), "alarms: nothing for the healthy machine")
    con = sqlite3.connect(db)
    events = con.execute("SELECT d.name, e.kind, e.detail FROM event e JOIN device d ON d.id = e.device_id "
                         "WHERE e.kind = 'alarm'").fetchall()
    band = con.execute("SELECT e.metric, e.value, e.threshold FROM event e WHERE e.rule = 'band(2000-5000)>0.2' "
                       "AND e.state = 'raised'").fetchall()
    con.close()
    check(len(events) >= 2 and all(e[0] == "brg" for e in events), f"alarms: stored events: {events}")
    check(len(band) >= 1 and all(b[0] == "band(2000-5000)" and b[1] > 0.2 and b[2] == 0.2 for b in band),
          f"alarms: stored band-RMS events: {band}")
    q = subprocess.run([VIBRASCOPE, "query", "events", "--db", db, "--json"], capture_output=True, text=True, timeout=30)
    check(q.returncode == 0, f"alarms: query events exit {q.returncode}: {q.stderr}")
    try:
        doc = json.loads(q.stdout)
        listed = doc["events"] if isinstance(doc, dict) else doc
        alarm_rows = [e for e in listed if e.get("kind") == "alarm"]
        check(len(alarm_rows) == len(events), f"alarms: query events lists the stored alarms: {len(alarm_rows)} vs {len(events)}")
    except (ValueError, KeyError, TypeError) as e:
        check(False, f"alarms: query events --json is JSON with events: {e}: {q.stdout[:300]}")


def ingest_churn(tmp):
    port = free_port()
    db = os.path.join(tmp, "churn.db")
    rec = subprocess.Popen([VIBRASCOPE, "record", "--listen", f"127.0.0.1:{port}", "--token", "T", "--db", db, "-q",
                            "--report-json", os.path.join(tmp, "churn.json")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        check(wait_for_port(port), "churn: recorder listening")
        sent = {}
        # One device reconnects six times, changing rate and axes (a new stream format each time) and continuing
        # its sequence; twenty others come and go, four at a time.
        seq, sample = 0, 0
        for k, (rate, axes) in enumerate([(16000, 3), (8000, 1), (16000, 2), (4000, 3), (16000, 3), (8000, 2)]):
            n = rate // 4
            r = subprocess.run([sys.executable, SENDER, "ws", "--url", f"ws://127.0.0.1:{port}/ingest?device=morph",
                                "--token", "T", "--rate", str(rate), "--axes", str(axes), "--block", "125",
                                "--duration", "0.25", "--unpaced", "--start-seq", str(seq), "--start-sample",
                                str(sample)], capture_output=True, text=True, timeout=30)
            check(r.returncode == 0, f"churn: morph round {k}: {r.stderr[-300:]}")
            seq += n // 125
            sample += n
        sent["morph"] = sample
        for batch in range(5):
            procs = []
            for i in range(4):
                name = f"d{batch}{i}"
                procs.append((name, subprocess.Popen([sys.executable, SENDER, "ws", "--url",
                                                      f"ws://127.0.0.1:{port}/ingest?device={name}", "--token", "T",
                                                      "--rate", "8000", "--duration", "0.5", "--unpaced"],
                                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
            for name, pr in procs:
                _, e = pr.communicate(timeout=30)
                check(pr.returncode == 0, f"churn: {name}: {e[-300:]}")
                sent[name] = 4000
    finally:
        rec.send_signal(2)
        _, err = rec.communicate(timeout=60)
    check(rec.returncode == 0, f"churn: recorder exit {rec.returncode}: {err[-800:]}")
    rows = {name: (recv, st, dr) for name, recv, st, dr in session_rows(db)}
    for name, n in sent.items():
        got = rows.get(name)
        check(got is not None and got[0] == n and got[0] == got[1] + got[2] and got[2] == 0,
              f"churn: {name}: sent {n}, session row {got}")


with tempfile.TemporaryDirectory() as tmp:
    overload(tmp)
    alarms(tmp)
    ingest_churn(tmp)

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
