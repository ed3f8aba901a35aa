#!/usr/bin/env python3
"""`vibrascope serve` under Type=notify: with $NOTIFY_SOCKET pointing at a datagram socket of this test (what
systemd does), the server sends READY=1 once HTTP answers, WATCHDOG=1 pings while the engine makes progress
(WATCHDOG_USEC set), RELOADING=1 then READY=1 on SIGHUP, and STOPPING=1 on SIGTERM before it exits 0."""
import os
import signal
import socket
import tempfile
import time

from serve_util import Server, check, finish

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.2)
    messages = []

    def drain(seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                messages.append(sock.recv(4096).decode())
            except socket.timeout:
                pass

    srv = Server(["--source", "sim://a", "--db", os.path.join(tmp, "h.db")],
                 env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"})
    drain(2.0)
    check(any(m.startswith("READY=1") for m in messages), f"READY=1 sent: {messages[:3]}")
    pings = sum(m == "WATCHDOG=1" for m in messages)
    check(pings >= 5, f"watchdog pings every 200 ms while progressing: {pings}")
    messages.clear()
    srv.proc.send_signal(signal.SIGHUP)
    drain(1.0)
    reload_at = messages.index("RELOADING=1") if "RELOADING=1" in messages else None
    check(reload_at is not None and any(m.startswith("READY=1") for m in messages[reload_at:]),
          f"SIGHUP: RELOADING=1 then READY=1: {messages[:5]}")
    rc = srv.stop()
    drain(0.5)
    check(any(m.startswith("STOPPING=1") for m in messages), f"STOPPING=1 on SIGTERM: {messages[-3:]}")
    check(rc == 0, f"clean exit: {rc}")
finish()
