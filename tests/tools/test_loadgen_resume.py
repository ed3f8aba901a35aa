#!/usr/bin/env python3
"""vibra-loadgen against an independent peer: a python3-websockets ingest server written here, with its own
frame decoding and its own table-driven CRC-32C. Once per device, mid-run, the server keeps a few frames
without storing or acknowledging them and then aborts the connection (as a crash would). The load generator
must reconnect, resume from the server's hello ack + 1, and deliver every frame exactly once: sequence
numbers and sample indices contiguous, every value the ramp pattern of tools/vibra_send.py, t0 in UTC."""
import asyncio
import json
import os
import struct
import subprocess
import sys
import threading
import time
from urllib.parse import parse_qs, urlparse

import websockets  # python3-websockets

from loadgen_util import LOADGEN, check, finish

TOKEN, DEVICES, RATE, BLOCK, DURATION = "tok", 4, 4000, 64, 4.0
DROP_AT, UNSTORED = 60, 5  # after storing seq 60, receive 5 more frames without storing them, then abort
EXPECTED = int(DURATION * RATE // BLOCK)  # 250 frames per device

HEADER = struct.Struct("<BBBBHBBIHHQqdf")


def _crc_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = _crc_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283

stored = {}    # device -> list of (seq, first_sample, t0_ns)
problems = []  # frame-level errors seen by the server
dropped = set()
connections = {}
auth_failures = 0


async def handler(ws, path):
    global auth_failures
    q = parse_qs(urlparse(path).query)
    name = q.get("device", [""])[0]
    if ws.request_headers.get("Authorization") != "Bearer " + TOKEN:
        auth_failures += 1
        await ws.close(4401, "unauthorized")
        return
    connections[name] = connections.get(name, 0) + 1
    frames = stored.setdefault(name, [])
    await ws.send(json.dumps({"ack": frames[-1][0] if frames else -1}))
    unstored = 0
    async for msg in ws:
        if not isinstance(msg, bytes):
            problems.append(f"{name}: text message {msg[:80]!r}")
            continue
        (ver, typ, flags, unit, dev, axes, fmt, seq, n, _res, first, t0, rate, scale) = HEADER.unpack_from(msg)
        body, (crc,) = msg[:-4], struct.unpack_from("<I", msg, len(msg) - 4)
        if crc32c(body) != crc or len(msg) != 44 + n * axes * 2 + 4:
            problems.append(f"{name}: bad CRC or length at seq {seq}")
            continue
        if name in dropped or len(frames) <= DROP_AT:
            pass
        elif unstored < UNSTORED:  # simulated crash: received, never stored, never acknowledged
            unstored += 1
            continue
        else:
            dropped.add(name)
            ws.transport.abort()
            return
        expect = frames[-1][0] + 1 if frames else 0
        if seq != expect:
            problems.append(f"{name}: seq {seq} after stored {expect - 1} (gap or duplicate)")
            continue
        if (ver, typ, flags & 1, unit, axes, fmt, n, rate) != (1, 1, 1, 0, 3, 1, BLOCK, RATE) or \
                abs(scale - 1 / 16384) > 1e-12:
            problems.append(f"{name}: header fields {(ver, typ, flags, unit, axes, fmt, n, rate, scale)}")
        if first != seq * BLOCK:
            problems.append(f"{name}: first_sample {first} for seq {seq}")
        values = struct.unpack_from("<%dh" % (n * axes), msg, 44)
        want = [((first + k) * 7 + a * 1000) % 2000 - 1000 for k in range(n) for a in range(axes)]
        if list(values) != want:
            problems.append(f"{name}: samples of seq {seq} differ from the ramp pattern")
        frames.append((seq, first, t0))
        await ws.send(json.dumps({"ack": seq}))


def serve(loop, ready, stop):
    asyncio.set_event_loop(loop)

    async def main():
        async with websockets.serve(handler, "127.0.0.1", 0, max_size=None) as srv:
            ready.append(srv.sockets[0].getsockname()[1])
            await stop

    loop.run_until_complete(main())


loop = asyncio.new_event_loop()
stop = loop.create_future()
ready = []
thread = threading.Thread(target=serve, args=(loop, ready, stop), daemon=True)
thread.start()
deadline = time.time() + 10
while not ready and time.time() < deadline:
    time.sleep(0.01)  # polled with a deadline until the server thread has bound its port
port = ready[0]

p = subprocess.run([LOADGEN, "--url", f"ws://127.0.0.1:{port}/ingest", "--token", TOKEN, "--devices", str(DEVICES),
                    "--prefix", "pump", "--rate", str(RATE), "--block", str(BLOCK), "--duration", str(DURATION),
                    "--signal", "ramp", "--window", "512", "--drain", "10", "--progress", "0"],
                   capture_output=True, text=True, timeout=90)
loop.call_soon_threadsafe(stop.set_result, None)
thread.join(10)

check(p.returncode == 0, f"loadgen exit {p.returncode}: {p.stderr[-800:]}")
doc = json.loads(p.stdout)
check(not problems, f"server-side frame checks: {problems[:5]}")
check(auth_failures == 0, "bearer token sent")
now_ns = time.time_ns()
for i in range(DEVICES):
    name = f"pump{i:04d}"
    frames = stored.get(name, [])
    check([f[0] for f in frames] == list(range(EXPECTED)), f"{name}: seq 0..{EXPECTED - 1} exactly once "
          f"(got {len(frames)}, first/last {frames[:1]} {frames[-1:]})")
    check([f[1] for f in frames] == [k * BLOCK for k in range(EXPECTED)], f"{name}: sample indices contiguous")
    if frames:
        t00 = frames[0][2]
        check(abs(t00 - now_ns) < 120e9, f"{name}: t0 is UTC now-ish: {t00} vs {now_ns}")
        check(all(abs(t0 - t00 - round(first * 1e9 / RATE)) <= 1 for _, first, t0 in frames),
              f"{name}: t0 advances exactly with the sample index")
    check(name in dropped and connections.get(name) == 2, f"{name}: dropped once, reconnected once: "
          f"{connections.get(name)}")
for d in doc["devices"]:
    check(d["frames_acked"] == d["frames_sent"] == d["frames_expected"] == EXPECTED, f"{d['name']}: acked {d}")
    check(d["reconnects"] == 1 and d["disconnects"] == 1, f"{d['name']}: one reconnect reported: {d}")
    check(d["frames_resent"] >= UNSTORED, f"{d['name']}: the unstored frames were resent: {d}")
    check(d["unsent_frames"] == 0 and d["unacked_frames"] == 0, f"{d['name']}: nothing left over: {d}")
check(doc["total"]["ok"] is True and doc["total"]["reconnects"] == DEVICES, f"total {doc['total']}")
finish()
