#!/usr/bin/env python3
"""`vibrascope record --listen`: a device pushes frames with tools/vibra_send.py (python3-websockets) to /ingest;
the recorder stores every sample exactly once, in the database and in Parquet (--parquet: a device that arrives
while recording reaches the sink); a wrong token is refused and counted; `devices --json` lists
ports as JSON. Loopback only, bounded in time."""
import json
import os
import signal
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


def wait_for_port(port, seconds=10):
    """Until something accepts connections on 127.0.0.1:port (the recorder or dashboard is listening)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "ingest.db")
    pq = os.path.join(tmp, "pq")
    port = free_port()
    rec = subprocess.Popen([VIBRASCOPE, "record", "--listen", f"127.0.0.1:{port}", "--token", "s3cret", "--db", db,
                            "--parquet", pq, "--rotate", "1s"],
                           stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port)
        good = subprocess.run(["/usr/bin/python3", SENDER, "ws", "--url", f"ws://127.0.0.1:{port}/ingest?device=pump",
                               "--token", "s3cret", "--rate", "16000", "--duration", "2", "--unpaced"],
                              capture_output=True, text=True, timeout=60)
        check(good.returncode == 0, f"sender exit {good.returncode}: {good.stderr[-500:]}")
        acked = json.loads(good.stdout.strip().splitlines()[-1])
        check(acked.get("unacked") == 0, f"every frame acknowledged: {acked}")
        bad = subprocess.run(["/usr/bin/python3", SENDER, "ws", "--url", f"ws://127.0.0.1:{port}/ingest?device=intruder",
                              "--token", "wrong", "--rate", "16000", "--duration", "0.5"],
                             capture_output=True, text=True, timeout=30)
        check(bad.returncode == 3 and "refused" in bad.stderr, f"wrong token: sender told so ({bad.returncode}: {bad.stderr[-300:]})")
        time.sleep(1.5)  # one status line with the refusals
    finally:
        rec.send_signal(signal.SIGTERM)
        _, err = rec.communicate(timeout=30)
    print(err[-2000:])
    check(rec.returncode == 0, f"recorder exit {rec.returncode}")
    check("device 'pump' connected" in err, "device announced")
    check(any("1 unauthorized" in l for l in err.splitlines()), "wrong token refused and counted once")
    con = sqlite3.connect(db)
    rows = con.execute("SELECT d.name, sd.received, sd.stored, sd.dropped_total FROM session_device sd "
                       "JOIN device d ON d.id = sd.device_id").fetchall()
    check([r[0] for r in rows] == ["pump"], f"only the authorized device was recorded: {rows}")
    if rows:
        name, received, stored, dropped = rows[0]
        check(received == 32000 and stored == 32000 and dropped == 0, f"every sample exactly once: {rows[0]}")
    rate = con.execute("SELECT rate_hz FROM device WHERE name='pump'").fetchone()
    check(rate and rate[0] == 16000, f"rate from the frames: {rate}")
    # The device that arrived while recording reached the Parquet sink too: every sample once, read back by
    # both oracles (DuckDB and hyparquet), and the sink's own accounting balances.
    check(any("pump (parquet): received 32000 = written 32000 + dropped 0" in l for l in err.splitlines()),
          "parquet accounting of the ingest device")
    dump_json = os.path.join(tmp, "pq.json")
    p = subprocess.run(["node", os.path.join(os.path.dirname(os.path.abspath(__file__)), "parquet_dump.mjs"), pq,
                        dump_json], capture_output=True, text=True, timeout=120)
    dump = json.load(open(dump_json)) if os.path.exists(dump_json) else {"files": [], "errors": ["no output"]}
    check(p.returncode == 0 and not dump["errors"], f"parquet files read by both oracles: {p.stderr[-300:]}")
    files = [f for f in dump["files"] if f["file"].startswith("pump/")]
    idx = [int(v) for f in sorted(files, key=lambda f: f["file"]) for v in f["columns"]["sample_index"]]
    check(len(files) >= 1 and idx == list(range(32000)), f"parquet rows of pump: {len(idx)} in {len(files)} files")
    check(not [f for f in dump["files"] if not f["file"].startswith("pump/")], "only the authorized device")

    for args, text in ((["--listen", "127.0.0.1:notaport", "--db", db], "--listen must be HOST:PORT"),
                       (["--listen", "0.0.0.0:8765", "--db", db], "needs --token"),
                       (["--listen", "127.0.0.1:8765"], "needs --db"),
                       (["--source", "sim://a", "--token", "x", "--db", db], "--token goes with --listen")):
        p = subprocess.run([VIBRASCOPE, "record", *args], capture_output=True, text=True, timeout=30,
                           env={**os.environ, "VIBRASCOPE_TOKEN": ""})
        check(p.returncode == 2 and text in p.stderr, f"{args}: {p.returncode} {p.stderr.strip()}")

# The dashboard (offscreen) with --listen: a device pushing frames appears as a channel and is recorded.
with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "gui.db")
    port = free_port()
    gui = subprocess.Popen([VIBRASCOPE, "--no-restore", "--source", "sim://local?profile=sine", "--listen",
                            f"127.0.0.1:{port}", "--token", "tk", "--record", db, "--screenshot",
                            os.path.join(tmp, "gui.png"), "--screenshot-delay", "5000"],
                           stderr=subprocess.PIPE, text=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    wait_for_port(port)
    snd = subprocess.run(["/usr/bin/python3", SENDER, "ws", "--url", f"ws://127.0.0.1:{port}/ingest?device=gui1",
                          "--token", "tk", "--rate", "16000", "--duration", "1.5", "--unpaced"],
                         capture_output=True, text=True, timeout=60)
    check(snd.returncode == 0, f"sender to the dashboard: {snd.returncode} {snd.stderr[-300:]}")
    _, gerr = gui.communicate(timeout=60)
    check(gui.returncode == 0, f"dashboard exit {gui.returncode}: {gerr[-500:]}")
    con = sqlite3.connect(db)
    rows = dict(((r[0], r[1:]) for r in con.execute(
        "SELECT d.name, sd.received, sd.stored FROM session_device sd JOIN device d ON d.id = sd.device_id")))
    check(rows.get("gui1") == (24000, 24000), f"dashboard recorded the pushed device exactly: {rows}")

p = subprocess.run([VIBRASCOPE, "devices", "--json"], capture_output=True, text=True, timeout=30)
check(p.returncode == 0 and isinstance(json.loads(p.stdout), list), f"devices --json: {p.returncode} {p.stdout[:200]}")

print(f"{0 if failures else 1} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
