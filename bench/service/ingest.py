#!/usr/bin/env python3
"""HTTP ingest vs WebSocket ingest into one `vibrascope serve` (never part of ctest): the same Python client
pushes the same JSON blocks (docs/protocol.md, 16 kHz x 3 axes f32, --block samples each) as fast as the server
takes them, once through `POST /api/ingest` (--batch blocks per request, keep-alive, 429 answered by resending
the rest) and once through WebSocket `/ingest` (python3-websockets, one message per block), each to its own
device of the same server, which records into SQLite. Time runs from the first byte sent until the server's
/api/devices counts every sample received for that device. Reported: samples/s per axis for each path and the
ratio HTTP/WebSocket; the final report must balance with nothing dropped.

  bench/service/ingest.py --build build/dev [--blocks 600] [--block 1600] [--batch 16]

The client is Python on the same 2-vCPU machine: both figures include its cost (base64 is precomputed; only
the JSON envelope is built per block)."""
import argparse
import asyncio
import base64
import http.client
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

import websockets

TOKEN = "bench-token"
RATE = 16000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def received(port, device):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/devices", headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        for d in json.load(r)["devices"]:
            if d["device"] == device:
                return d["counters"]["received"]
    return 0


def blocks(n, size):
    raw = b"".join(struct.pack("<fff", 0.001 * (i % 100), 0.5, -0.25) for i in range(size))
    data = base64.b64encode(raw).decode()
    return [json.dumps({"v": 1, "seq": s, "first": s * size, "rate_hz": RATE, "axes": 3, "fmt": "f32", "n": size,
                        "data": data}) for s in range(n)]


def wait_received(port, device, total, t0):
    deadline = time.time() + 300
    while received(port, device) < total:
        if time.time() > deadline:
            sys.exit(f"{device}: not every sample arrived")
        time.sleep(0.02)
    return time.perf_counter() - t0


def run_http(port, msgs, batch, total):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t0 = time.perf_counter()
    retries = 0
    i = 0
    while i < len(msgs):
        body = "[" + ",".join(msgs[i:i + batch]) + "]"
        c.request("POST", "/api/ingest?device=http", body=body,
                  headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        r = c.getresponse()
        answer = json.loads(r.read())
        if r.status == 202:
            i += batch
        elif r.status == 429:  # blocks up to ack were taken: resend the rest
            retries += 1
            i = answer["ack"] + 1
            time.sleep(0.005)
        else:
            sys.exit(f"POST /api/ingest: {r.status} {answer}")
    return wait_received(port, "http", total, t0), retries


async def run_ws(port, msgs, total):
    url = f"ws://127.0.0.1:{port}/ingest?device=ws&token={TOKEN}"
    async with websockets.connect(url, max_size=None) as ws:
        t0 = time.perf_counter()
        for m in msgs:
            await ws.send(m)
        return await asyncio.get_running_loop().run_in_executor(None, wait_received, port, "ws", total, t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build/dev")
    ap.add_argument("--blocks", type=int, default=600)
    ap.add_argument("--block", type=int, default=1600)
    ap.add_argument("--batch", type=int, default=16)
    args = ap.parse_args()
    port = free_port()
    msgs = blocks(args.blocks, args.block)
    total = args.blocks * args.block
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        srv = subprocess.Popen([os.path.join(args.build, "app", "vibrascope"), "serve", "--http", f"127.0.0.1:{port}",
                                "--token", TOKEN, "-q", "--db", os.path.join(tmp, "i.db"), "--report-json", report],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        try:
            deadline = time.time() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if time.time() > deadline or srv.poll() is not None:
                        sys.exit("server did not start")
                    time.sleep(0.05)
            ws_s = asyncio.run(run_ws(port, msgs, total))
            http_s, retries = run_http(port, msgs, args.batch, total)
        finally:
            srv.send_signal(signal.SIGTERM)
            _, err = srv.communicate(timeout=120)
        rep = json.load(open(report))
    print(f"{args.blocks} blocks x {args.block} samples x 3 axes f32 per path, HTTP batches of {args.batch}; "
          f"{time.strftime('%H:%M UTC', time.gmtime())}\n")
    print("| path | seconds | samples/s per axis | vs WebSocket |")
    print("|---|---:|---:|---:|")
    print(f"| WebSocket `/ingest` | {ws_s:.2f} | {total / ws_s:,.0f} | 1.00 |")
    print(f"| `POST /api/ingest` | {http_s:.2f} | {total / http_s:,.0f} | {ws_s / http_s:.2f} |")
    dropped = sum(d["dropped_total"] for d in rep["devices"])
    print(f"\n429 answers (resent): {retries}; dropped {dropped}; balanced {rep['balanced']}; exit {srv.returncode}")
    if dropped or not rep["balanced"] or srv.returncode:
        print(err[-2000:], file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
