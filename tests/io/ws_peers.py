#!/usr/bin/env python3
"""Real WebSocket peers (python3-websockets 10.4) for the io tests. Loopback only.

  ws_peers.py sensorserver   server: replays SensorServer-shaped events, 2 connections, a 20-sample gap
  ws_peers.py frameserver    server: binary frames and JSON blocks mixed with bad messages and one 2 MB message
Servers print "PORT <n>" once listening and exit after serving (or after 30 s).
"""
import asyncio
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import vibra_send as v  # noqa: E402
import websockets  # noqa: E402

T0 = 3925657519043709
RATE = 200


def sensor_event(i):
    ts = T0 + i * 5_000_000 + (i % 3) * 100_000  # 200 Hz with 0.1 ms jitter
    return json.dumps({"values": [i * 0.01, 9.80665, -i * 0.001], "timestamp": ts, "accuracy": 3})


async def serve(handler, connections):
    done = asyncio.get_running_loop().create_future()
    count = {"n": 0}

    async def wrapped(ws, path):
        count["n"] += 1
        try:
            await handler(ws, path, count["n"])
        finally:
            if count["n"] >= connections and not done.done():
                done.set_result(True)

    async with websockets.serve(wrapped, "127.0.0.1", 0, max_size=None) as server:
        print("PORT", server.sockets[0].getsockname()[1], flush=True)
        try:
            await asyncio.wait_for(done, 30)
        except asyncio.TimeoutError:
            pass
        await asyncio.sleep(0.3)


async def sensorserver(ws, path, n):
    if "type=android.sensor.accelerometer" not in path or not path.startswith("/sensor/connect"):
        await ws.close(4003, "type missing")
        return
    samples = [i for i in range(400) if not 300 <= i < 320]
    part = samples[:200] if n == 1 else samples[200:]
    for i in part:
        await ws.send(sensor_event(i))
    await asyncio.sleep(0.2)
    await ws.close(1001 if n == 1 else 1000)


async def frameserver(ws, path, n):
    if n == 1:
        await ws.send(v.encode_frame(1, 0, 0, v.block_values(0, 64, 3), 1000.0))
        await ws.send(os.urandom(20))                                            # garbage, too short: malformed
        bad = bytearray(v.encode_frame(1, 1, 64, v.block_values(64, 64, 3), 1000.0))
        bad[60] ^= 0x40
        await ws.send(bytes(bad))                                                # CRC error (frame lost)
        await ws.send("{not json")                                               # malformed
        await ws.send(v.json_block(1, 2, 128, v.block_values(128, 64, 3), 1000.0))
        await ws.send(v.encode_frame(1, 2, 128, v.block_values(128, 64, 3), 1000.0))  # duplicate
        await asyncio.sleep(0.2)
        try:
            await ws.send(b"\x01" * (2 << 20))                                   # too big: client closes
            await asyncio.sleep(1)
        except websockets.exceptions.ConnectionClosed:
            pass
        return
    await ws.send(v.encode_frame(1, 3, 192, v.block_values(192, 64, 3), 1000.0))
    await asyncio.sleep(0.3)
    await ws.close()


def main():
    mode = sys.argv[1]
    if mode == "sensorserver":
        asyncio.run(serve(sensorserver, 2))
    elif mode == "frameserver":
        asyncio.run(serve(frameserver, 2))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
