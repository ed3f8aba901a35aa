#!/usr/bin/env python3
"""End to end for the inputs: `vibrascope record` from a serial pty (socat + the reference sender, COBS frames at
16 kHz x 3) and from a WebSocket SensorServer peer into SQLite, checked with Python's sqlite3 module:
sample counts, accounting identity, gaps, reconnects, units and the mean of the recorded signal against the
reference signal computed here.
"""
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

SRC = os.environ.get("VIBRA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
VIBRASCOPE = os.environ["VIBRASCOPE"]
PY = "/usr/bin/python3"
sys.path.insert(0, os.path.join(SRC, "tools"))
import vibra_send  # noqa: E402

failures = []


def check(cond, msg):
    print(("ok:   " if cond else "FAIL: ") + msg)
    if not cond:
        failures.append(msg)


def device_row(db, name):
    con = sqlite3.connect(db)
    row = con.execute(
        "SELECT d.rate_hz, d.axes, d.unit, sd.received, sd.stored, sd.dropped_total, sd.gaps_detected, "
        "sd.gaps_inferred, sd.samples_missing, sd.reconnects, sd.frames FROM session_device sd "
        "JOIN device d ON d.id = sd.device_id WHERE d.name = ?", (name,)).fetchone()
    rollup = con.execute("SELECT sum(n), sum(n * mean) FROM rollup_1s r JOIN device d ON d.id = r.device_id "
                         "WHERE d.name = ? AND axis = 0", (name,)).fetchone()
    con.close()
    return row, rollup


def test_serial(tmp):
    links = os.path.join(tmp, "pty")
    os.mkdir(links)
    socat = subprocess.Popen(["socat", "pty,raw,echo=0,link=%s/dev" % links, "pty,raw,echo=0,link=%s/host" % links])
    try:
        for _ in range(500):
            if os.path.exists(links + "/dev") and os.path.exists(links + "/host"):
                break
            time.sleep(0.01)
        db = os.path.join(tmp, "serial.db")
        rec = subprocess.Popen([VIBRASCOPE, "record", "--source", "serial://%s/host?format=frame&id=pty" % links,
                                "--db", db, "--duration", "4", "-q"], stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)  # the recorder opens the port
        subprocess.run([PY, os.path.join(SRC, "tools", "vibra_send.py"), "serial", "--port", links + "/dev",
                        "--format", "frame", "--rate", "16000", "--duration", "2"], check=True, timeout=30)
        _, err = rec.communicate(timeout=30)
        print(err)
        check(rec.returncode == 0, "serial record exit code %s" % rec.returncode)
    finally:
        socat.terminate()
        socat.wait()
    row, rollup = device_row(db, "pty")
    check(row is not None, "device 'pty' recorded")
    if row is None:
        return
    rate, axes, unit, received, stored, dropped, gd, gi, missing, reconnects, frames = row
    check(rate == 16000 and axes == 3 and unit == "g", "device row: %s Hz, %s axes, %s" % (rate, axes, unit))
    check(received == 32000, "received %d == 32000 samples" % received)
    check(received == stored + dropped and dropped == 0, "stored %d + dropped %d == received" % (stored, dropped))
    check(gd == 0 and gi == 0 and missing == 0, "no gaps (%d, %d, %d)" % (gd, gi, missing))
    check(frames == 125, "frames %d == 125" % frames)
    n, weighted = rollup
    want = sum(vibra_send.test_value(i, 0) for i in range(32000)) / 32000.0
    check(n == 32000, "rollups cover %s samples" % n)
    check(n and abs(weighted / n - want) < 1e-3, "mean of axis x %.6f == reference %.6f" % (weighted / n if n else 0, want))


def test_websocket(tmp):
    peer = subprocess.Popen([PY, os.path.join(SRC, "tests", "io", "ws_peers.py"), "sensorserver"],
                            stdout=subprocess.PIPE, text=True)
    try:
        port = int(peer.stdout.readline().split()[1])
        db = os.path.join(tmp, "ws.db")
        uri = "ws://127.0.0.1:%d/sensor/connect?type=android.sensor.accelerometer&rate=200&id=phone" % port
        rec = subprocess.run([VIBRASCOPE, "record", "--source", uri, "--db", db, "--duration", "3", "-q"],
                             capture_output=True, text=True, timeout=60)
        print(rec.stderr)
        check(rec.returncode == 0, "ws record exit code %s" % rec.returncode)
    finally:
        peer.kill()
        peer.wait()
    row, rollup = device_row(db, "phone")
    check(row is not None, "device 'phone' recorded")
    if row is None:
        return
    rate, axes, unit, received, stored, dropped, gd, gi, missing, reconnects, frames = row
    check(rate == 200 and axes == 3 and unit == "m/s2", "device row: %s Hz, %s axes, %s" % (rate, axes, unit))
    check(received == 380, "received %d == 380 events" % received)
    check(received == stored + dropped and dropped == 0, "stored %d + dropped %d == received" % (stored, dropped))
    check(gi == 1 and gd == 0 and missing == 20, "one inferred gap of 20 samples (%d, %d, %d)" % (gi, gd, missing))
    check(reconnects == 1, "reconnects %d == 1" % reconnects)
    n, weighted = rollup
    idx = [i for i in range(400) if not 300 <= i < 320]
    want = sum(i * 0.01 for i in idx) / len(idx)
    check(n == 380 and abs(weighted / n - want) < 1e-4, "mean of x %.5f == reference %.5f" % (weighted / n if n else 0, want))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        test_serial(tmp)
        test_websocket(tmp)
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
