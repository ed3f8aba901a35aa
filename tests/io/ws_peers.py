#!/usr/bin/env python3
"""Real WebSocket peers (python3-websockets 10.4) for the io tests. Loopback only.

  ws_peers.py sensorserver   server: replays SensorServer-shaped events, 2 connections, a 20-sample gap
  ws_peers.py frameserver    server: binary frames and JSON blocks mixed with bad messages and one 2 MB message
  ws_peers.py subscribe URL TOKEN EXPECTED    client: records /stream frames until EXPECTED samples (20 s max)
  ws_peers.py badclient URL TOKEN            client: bad messages, one valid frame, then a 2 MB message
  ws_peers.py badtoken URL                   client: connects with a wrong token, reports the close code
  ws_peers.py slowsub URL TOKEN SECONDS       client: subscribes and never reads for SECONDS
  ws_peers.py huge URL TOKEN MB              client: sends one binary message of MB megabytes, reports the close
Servers print "PORT <n>" once listening and exit after serving (or after 30 s). Clients print one JSON line.
"""
import struct
import time
import asyncio
import json
import socket
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
    await asyncio.sleep(0.3)  # listening socket closed: no further connections are served


async def sensorserver(ws, path, n):
    if "type=android.sensor.accelerometer" not in path or not path.startswith("/sensor/connect"):
        await ws.close(4003, "type missing")
        return
    samples = [i for i in range(400) if not 300 <= i < 320]
    part = samples[:200] if n == 1 else samples[199:]  # the 2nd connection resends the last event: a duplicate
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


async def subscribe(url, token, expected):
    """Checks every relayed frame (CRC, float32 values = reference signal) and counts samples."""
    res = {"samples": 0, "frames": 0, "bad_crc": 0, "bad_values": 0, "gaps": 0, "ready": False}
    nxt = None
    deadline = time.monotonic() + 20
    async with websockets.connect(url, extra_headers={"Authorization": "Bearer " + token}, max_size=None) as ws:
        print("READY", flush=True)
        while res["samples"] < expected and time.monotonic() < deadline:
            try:
                m = await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                break
            if isinstance(m, str):
                continue
            hdr = v.HEADER.unpack_from(m)
            axes, fmt, n, first, scale = hdr[5], hdr[6], hdr[8], hdr[10], hdr[13]
            if v.crc32c(m[:-4]) != struct.unpack_from("<I", m, len(m) - 4)[0]:
                res["bad_crc"] += 1
                continue
            vals = struct.unpack_from("<%df" % (n * axes), m, 44)
            want = v.block_values(first, n, axes)
            res["bad_values"] += sum(1 for a, b in zip(vals, want) if a != b) + (fmt != 3) + (scale != 1.0)
            if nxt is not None and first != nxt:
                res["gaps"] += 1
            nxt = first + n
            res["frames"] += 1
            res["samples"] += n
    print(json.dumps(res), flush=True)


async def badclient(url, token):
    res = {}
    async with websockets.connect(url, extra_headers={"Authorization": "Bearer " + token}, max_size=None) as ws:
        res["hello"] = json.loads(await ws.recv())
        await ws.send(b"\x01\x02\x03")                                       # too short
        res["short"] = json.loads(await ws.recv())
        bad = bytearray(v.encode_frame(1, 0, 0, v.block_values(0, 32, 3), 1000.0))
        bad[50] ^= 1
        await ws.send(bytes(bad))                                               # CRC
        res["crc"] = json.loads(await ws.recv())
        await ws.send("{\"v\":1, nope")                                          # invalid JSON
        res["json"] = json.loads(await ws.recv())
        await ws.send(v.encode_frame(1, 0, 0, v.block_values(0, 32, 3), 1000.0))  # valid: connection survived
        res["valid"] = json.loads(await ws.recv())
        await ws.send(v.encode_frame(1, 0, 0, v.block_values(0, 32, 3), 1000.0))  # duplicate: acked again
        res["dup"] = json.loads(await ws.recv())
        await ws.send('{"a":"\\q"}')                                             # bad escape: the error quotes it
        res["backslash"] = json.loads(await ws.recv())                          # the reply is still valid JSON
        try:
            await ws.send(b"\x00" * (2 << 20))                                 # 2 MB
            while True:
                await asyncio.wait_for(ws.recv(), 5)
        except websockets.exceptions.ConnectionClosed as e:
            res["big_close"] = e.rcvd.code if e.rcvd else None
        except (OSError, asyncio.TimeoutError) as e:
            # Under load the server's 1009 close can race our still-running send and surface as a reset;
            # the server-side 'oversized' counter is the authority then.
            res["big_close"] = ws.close_code
            res["big_error"] = str(e)
    print(json.dumps(res), flush=True)


async def slowsub(url, token, seconds):
    async with websockets.connect(url, extra_headers={"Authorization": "Bearer " + token}, max_queue=1,
                                  read_limit=1024, max_size=None) as ws:
        # A small receive buffer, so the kernel cannot absorb what the server relays (loopback buffers
        # autotune to megabytes): the server's own bounded queue must overflow and count the drops.
        sock = ws.transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        print("READY", flush=True)
        await asyncio.sleep(seconds)  # the server's send queue for us fills up
        ws.transport.abort()
    print(json.dumps({"done": True}), flush=True)


async def huge(url, token, mb):
    res = {"close": None}
    payload = b"\x01" * (mb << 20)
    try:
        async with websockets.connect(url, extra_headers={"Authorization": "Bearer " + token}, max_size=None) as ws:
            await ws.recv()  # hello
            await asyncio.wait_for(ws.send(payload), 20)
            await asyncio.wait_for(ws.recv(), 10)
    except websockets.exceptions.ConnectionClosed as e:
        res["close"] = e.rcvd.code if e.rcvd else None
    except (OSError, asyncio.TimeoutError) as e:
        res["error"] = str(e)
    print(json.dumps(res), flush=True)


async def badtoken(url):
    try:
        async with websockets.connect(url, extra_headers={"Authorization": "Bearer wrong"}) as ws:
            await asyncio.wait_for(ws.recv(), 5)
            code = None
    except websockets.exceptions.ConnectionClosed as e:
        code = e.rcvd.code if e.rcvd else None
    print(json.dumps({"close": code}), flush=True)


def main():
    mode = sys.argv[1]
    if mode == "subscribe":
        asyncio.run(subscribe(sys.argv[2], sys.argv[3], int(sys.argv[4])))
        return
    if mode == "badclient":
        asyncio.run(badclient(sys.argv[2], sys.argv[3]))
        return
    if mode == "slowsub":
        asyncio.run(slowsub(sys.argv[2], sys.argv[3], float(sys.argv[4])))
        return
    if mode == "huge":
        asyncio.run(huge(sys.argv[2], sys.argv[3], int(sys.argv[4])))
        return
    if mode == "badtoken":
        asyncio.run(badtoken(sys.argv[2]))
        return
    if mode == "sensorserver":
        asyncio.run(serve(sensorserver, 2))
    elif mode == "frameserver":
        asyncio.run(serve(frameserver, 2))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
