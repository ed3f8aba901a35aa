#!/usr/bin/env python3
"""The dashboard stops like `record` on SIGTERM and SIGINT: the recording it runs (--record DB) is finished,
its session row closed clean with the accounting identity received = stored + dropped, and it exits 0.

Independent reader: Python's sqlite3. Runs the real GUI binary on the offscreen platform; synchronises on the
database (polled with a deadline), never on sleeps.
"""
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_record_export import check, failures, wait_for_stored  # noqa: E402

VIBRASCOPE = os.environ["VIBRASCOPE"]


def run_and_stop(tmp, sig, name):
    db = os.path.join(tmp, f"{name}.db")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    p = subprocess.Popen([VIBRASCOPE, "--no-restore", "--source", "sim://g?profile=sine", "--record", db],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    wait_for_stored(db, 16001, p)
    p.send_signal(sig)
    try:
        _, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
        check(False, f"{name}: the dashboard did not exit within 30 s of the signal")
    check(p.returncode == 0, f"{name}: exit code {p.returncode} (expected 0): {err.strip()[-400:]}")
    con = sqlite3.connect(db)
    sessions = con.execute("SELECT id, clean, stopped_ns FROM session").fetchall()
    check(len(sessions) == 1, f"{name}: one session, got {sessions}")
    sid, clean, stopped = sessions[-1]
    check(clean == 1 and stopped is not None, f"{name}: session closed clean (clean={clean}, stopped={stopped})")
    received, stored, dropped = con.execute(
        "SELECT received, stored, dropped_total FROM session_device WHERE session_id=?", (sid,)).fetchone()
    check(received == stored + dropped and received > 16000,
          f"{name}: received {received} = stored {stored} + dropped {dropped}")
    print(f"{name}: exit {p.returncode}, clean={clean}, received {received}, stored {stored}, dropped {dropped}")


with tempfile.TemporaryDirectory() as tmp:
    run_and_stop(tmp, signal.SIGTERM, "sigterm")
    run_and_stop(tmp, signal.SIGINT, "sigint")
print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
