#!/usr/bin/python3
"""Browser live view benchmark (docs/performance.md, "Browser live view").

Starts `vibrascope serve` recording 16 simulated tri-axial 16 kHz devices into SQLite, then measures in the
same run:
  1. the server's CPU while recording with no viewer (the floor);
  2. the server's CPU with N browser-like viewers (python3-websockets clients, each on one device's display
     stream at 10 frames/s plus its summaries, like the device page) for N = 1, 4, 20, as extra CPU per
     viewer in % of one core and as a ratio to the floor;
  3. one real headless Chromium on a device page next to the 20 viewers: the page's own draw time per
     display frame (parse + 6 canvases) and the frames it drew;
  4. the recorder's loss with 20 viewers connected: every device's dropped counter, and the exact balance
     received = stored + dropped that `serve` checks at its exit (exit 0).
Usage: bench/web/run.py [--vibrascope build/dev/app/vibrascope] [--seconds 10]"""
import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "web"))
import websockets  # noqa: E402

TOKEN = "bench"
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


class Viewers:
    """N display-stream clients in one asyncio thread; counts messages and bytes."""

    def __init__(self, port, devices, n):
        self.port, self.devices, self.n = port, devices, n
        self.messages = self.bytes = 0
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self.run()), daemon=True)
        self.thread.start()
        if not self.ready.wait(30):
            raise TimeoutError("viewers did not connect")

    async def one(self, device, opened):
        url = f"ws://127.0.0.1:{self.port}/stream?view=display&device={device}&hz=10&token={TOKEN}"
        async with websockets.connect(url, max_size=None) as ws:
            opened()
            while not self.stop.is_set():
                try:
                    m = await asyncio.wait_for(ws.recv(), 0.5)
                except asyncio.TimeoutError:
                    continue
                self.messages += 1
                self.bytes += len(m)

    async def run(self):
        count = 0

        def opened():
            nonlocal count
            count += 1
            if count == self.n:
                self.ready.set()
        await asyncio.gather(*(self.one(self.devices[i % len(self.devices)], opened) for i in range(self.n)))

    def close(self):
        self.stop.set()
        self.thread.join(10)


def measure(pid, seconds):
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - c0) / (time.monotonic() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vibrascope", default=os.path.join(HERE, "..", "..", "build", "dev", "app", "vibrascope"))
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--devices", type=int, default=16)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="vibra-webbench-")
    port = free_port()
    devices = [f"d{i:02d}" for i in range(a.devices)]
    args = [a.vibrascope, "serve", "-q", "--http", f"127.0.0.1:{port}", "--token", TOKEN,
            "--db", os.path.join(tmp, "h.db")]
    for i, d in enumerate(devices):
        args += ["--source", f"sim://{d}?profile={'bearing' if i % 2 else 'machine'}"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while True:
        try:
            if len(get(port, "/api/latest")["devices"]) == a.devices:
                break
        except OSError:
            pass
        if time.time() > deadline or proc.poll() is not None:
            raise SystemExit("serve did not come up")
        time.sleep(0.2)
    time.sleep(2)
    results = {}
    floor = measure(proc.pid, a.seconds)
    results["floor_cpu"] = floor
    print(f"recording {a.devices} devices, no viewer: server CPU {floor * 100:.1f} % of a core")
    for n in (1, 4, 20):
        v = Viewers(port, devices, n)
        time.sleep(1)
        m0, b0 = v.messages, v.bytes
        t0 = time.monotonic()
        cpu = measure(proc.pid, a.seconds)
        dt = time.monotonic() - t0
        rate, bw = (v.messages - m0) / dt / n, (v.bytes - b0) / dt / n
        per = (cpu - floor) / n
        results[n] = dict(cpu=cpu, per_viewer=per, msgs=rate, bytes=bw)
        print(f"{n:2d} viewers: server CPU {cpu * 100:.1f} % (+{per * 100:.2f} % of a core per viewer, "
              f"{per / floor:.3f} x the floor), {rate:.1f} messages/s and {bw / 1024:.0f} KiB/s per viewer")
        if n != 20:
            v.close()
            continue
        # One real browser on a device page next to the 20 viewers.
        try:
            from browser import Browser
            b = Browser()
            b.navigate(f"http://127.0.0.1:{port}/#/device/{devices[1]}?token={TOKEN}")
            b.wait("window.__vibra && __vibra.frames >= 10", 30, "frames in chromium")
            f0 = b.eval("__vibra.frames")
            b.eval("(__vibra.drawMs = [], true)")
            time.sleep(a.seconds)
            draw = b.eval("__vibra.drawMs")
            f1 = b.eval("__vibra.frames")
            b.close()
            draw.sort()
            results["chromium"] = dict(frames=(f1 - f0) / a.seconds, median=statistics.median(draw),
                                       p95=draw[int(0.95 * (len(draw) - 1))])
            print(f"chromium device page: {(f1 - f0) / a.seconds:.1f} frames/s drawn, draw time per frame "
                  f"median {results['chromium']['median']:.2f} ms, p95 {results['chromium']['p95']:.2f} ms")
        except Exception as e:  # noqa: BLE001 - the benchmark still reports the rest
            print(f"chromium: not measured ({e})")
        dropped = {d["device"]: d["counters"]["dropped"] for d in get(port, "/api/devices")["devices"]}
        metrics = urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})).read().decode()
        viewer_drops = [ln for ln in metrics.splitlines() if ln.startswith('vibrascope_viewer_frames_total{result="dropped"}')]
        v.close()
        results["dropped"] = sum(dropped.values())
        print(f"recorder loss with 20 viewers: {sum(dropped.values())} samples dropped over {a.devices} devices; "
              f"{viewer_drops[0] if viewer_drops else ''}")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    print(f"serve exit {proc.returncode} (0 = every device balanced: received = stored + dropped)")
    if proc.returncode != 0:
        print(err[-2000:])
    return 0 if proc.returncode == 0 and results.get("dropped") == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
