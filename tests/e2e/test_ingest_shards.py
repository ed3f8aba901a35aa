"""`record --listen --ingest-threads 3`: connections are spread over three ingest threads by device name.
Against real peers: vibra-loadgen (12 paced devices), a python3-websockets /stream subscriber of one device
(it must meet the shard of its device to be relayed every block), a client whose request line arrives in two
pieces, and one that never sends a request line (closed after the handshake deadline). Afterwards every
sample is acknowledged and stored exactly once per device, and more than one ingest thread did the work."""
import asyncio
import json
import os
import re
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import vibra_send as v  # noqa: E402
import websockets  # noqa: E402

VIBRASCOPE = os.environ["VIBRASCOPE"]
LOADGEN = os.environ["LOADGEN"]
failures = []
DEVICES, SECONDS, RATE = 12, 3, 16000


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg, flush=True)
    return cond


def wait_until(pred, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    check(False, f"timed out waiting for {what}")
    return False


def thread_cpu(pid):
    """CPU seconds per thread name of a process (from /proc)."""
    out = {}
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            name = open(f"/proc/{pid}/task/{t}/comm").read().strip()
            fields = open(f"/proc/{pid}/task/{t}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


async def subscribe(url, token, expected, result, ready):
    nxt = None
    async with websockets.connect(url, extra_headers={"Authorization": "Bearer " + token}, max_size=None) as ws:
        ready.set()
        deadline = time.monotonic() + 60
        while result["samples"] < expected and time.monotonic() < deadline:
            try:
                m = await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                break
            if isinstance(m, str):
                continue
            hdr = v.HEADER.unpack_from(m)
            n, first = hdr[8], hdr[10]
            if v.crc32c(m[:-4]) != struct.unpack_from("<I", m, len(m) - 4)[0]:
                result["bad_crc"] += 1
            if nxt is not None and first != nxt:
                result["gaps"] += 1
            nxt = first + n
            result["samples"] += n


with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "rec.db")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rec = subprocess.Popen([VIBRASCOPE, "record", "--listen", f"127.0.0.1:{port}", "--token", "tk", "--db", db,
                            "--ingest-threads", "3", "-q"], stderr=subprocess.PIPE, text=True)
    err_lines = []
    threading.Thread(target=lambda: err_lines.extend(rec.stderr), daemon=True).start()
    try:
        wait_until(lambda: any("listening on" in l for l in err_lines), 20, "the recorder to listen")
        # a client that never sends its request line holds no shard and is closed after the deadline
        silent = socket.create_connection(("127.0.0.1", port))
        silent_opened = time.monotonic()
        # a handshake whose request line arrives in two pieces is still routed and served
        split = socket.create_connection(("127.0.0.1", port))
        split.sendall(b"GET /ingest?dev")
        time.sleep(0.05)  # fault injection: the rest of the line comes later (not a synchronisation)
        split.sendall(b"ice=split&token=tk HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                      b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      b"Sec-WebSocket-Version: 13\r\n\r\n")
        split.settimeout(10)
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = split.recv(4096)
            if not chunk:
                break
            reply += chunk
        check(reply.startswith(b"HTTP/1.1 101"), f"split request line upgraded: {reply[:80]!r}")
        split.close()

        # a subscriber of dev0005 before the device exists: relayed every block once it streams
        sub = {"samples": 0, "gaps": 0, "bad_crc": 0}
        ready = threading.Event()
        per_device = SECONDS * RATE // 256 * 256  # whole blocks of 256
        t = threading.Thread(target=lambda: asyncio.run(subscribe(
            f"ws://127.0.0.1:{port}/stream?device=dev0005", "tk", per_device, sub, ready)), daemon=True)
        t.start()
        check(ready.wait(10), "subscriber connected")
        lg = subprocess.run([LOADGEN, "--url", f"ws://127.0.0.1:{port}/ingest", "--token", "tk", "--devices",
                             str(DEVICES), "--rate", str(RATE), "--axes", "3", "--block", "256", "--duration",
                             str(SECONDS)], capture_output=True, text=True, timeout=120)
        check(lg.returncode == 0, f"loadgen exit {lg.returncode}: {lg.stderr[-500:]}")
        summary = json.loads(lg.stdout)
        total = summary["total"]
        check(total["samples_acked"] == total["samples_expected"] == DEVICES * per_device,
              f"every sample acknowledged: {total['samples_acked']} of {total['samples_expected']}")
        t.join(30)
        check(sub["samples"] == per_device and sub["gaps"] == 0 and sub["bad_crc"] == 0,
              f"the subscriber of dev0005 got every block of it: {sub}")
        cpu = thread_cpu(rec.pid)
        busy = [n for n, s in cpu.items() if n.startswith("ingest-") and s > 0]
        print("ingest threads:", {n: s for n, s in cpu.items() if n.startswith("ingest-")})
        check(len(busy) >= 2, f"the devices were served by more than one ingest thread: {cpu}")
        wait_until(lambda: any("closed a connection that sent no request line" in l for l in err_lines), 30,
                   "the silent connection to be closed")
        silent.settimeout(5)
        try:
            check(silent.recv(1) == b"", "silent connection closed by the server")
        except OSError as e:
            check(False, f"silent connection: {e}")
        print(f"silent connection closed after {time.monotonic() - silent_opened:.1f} s")
    finally:
        rec.send_signal(signal.SIGTERM)
        rec.wait(timeout=60)
    check(rec.returncode == 0, f"recorder exit {rec.returncode}: {''.join(err_lines[-20:])}")
    con = sqlite3.connect(db)
    rows = con.execute("SELECT d.name, sd.received, sd.stored, sd.dropped_total FROM session_device sd "
                       "JOIN device d ON d.id = sd.device_id ORDER BY d.name").fetchall()
    lg_rows = [r for r in rows if r[0].startswith("dev")]
    check(len(lg_rows) == DEVICES, f"{DEVICES} devices recorded: {rows}")
    for name, received, stored, dropped in lg_rows:
        check(received == stored == per_device and dropped == 0, f"{name}: every sample once: {received} "
              f"received, {stored} stored, {dropped} dropped")

print(f"{'all' if not failures else len(failures)} {'passed' if not failures else 'failed'}")
sys.exit(1 if failures else 0)
