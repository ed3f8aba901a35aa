#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reference sender for the Vibrascope frame protocol (docs/protocol.md).

Firmware authors: the functions crc32c(), cobs_encode(), encode_frame() and json_block() are the whole
protocol in ~100 lines of plain Python; port them to C. The command line streams a deterministic test signal:

  vibra_send.py example                         print the worked example of docs/protocol.md
  vibra_send.py serial --port /dev/ttyACM0 --format frame --rate 16000 --axes 3 --duration 5
  vibra_send.py serial --port /dev/pts/7 --format csv --header
  vibra_send.py ws --url 'ws://127.0.0.1:8765/ingest?device=a' --token T --duration 5

Test signal (exact integers, so receivers can check every value):
  raw(i, a) = ((i * 7 + a * 1000) % 2000) - 1000   for sample index i and axis a
"""
import argparse
import asyncio
import base64
import json
import math
import struct
import sys
import time

HEADER = struct.Struct("<BBBBHBBIHHQqdf")  # 44 bytes, see docs/protocol.md
assert HEADER.size == 44
FMT = {"i16": (1, "h", 2), "i32": (2, "i", 4), "f32": (3, "f", 4)}
UNIT = {"g": 0, "m/s2": 1}


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), reflected poly 0x82F63B78, init/xorout 0xFFFFFFFF. Bitwise, no tables."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def cobs_encode(data: bytes) -> bytes:
    """COBS: no 0x00 in the output; the caller appends the 0x00 delimiter."""
    out = bytearray([0])
    code_at, code = 0, 1
    for b in data:
        if b == 0:
            out[code_at] = code
            code_at, code = len(out), 1
            out.append(0)
            continue
        out.append(b)
        code += 1
        if code == 0xFF:
            out[code_at] = code
            code_at, code = len(out), 1
            out.append(0)
    out[code_at] = code
    return bytes(out)


def encode_frame(dev, seq, first, samples, rate_hz, axes=3, fmt="i16", scale=1.0, unit="g", t0_ns=0, utc=False):
    """samples: interleaved raw values (x0 y0 z0 x1 ...), len = n * axes. Returns the frame (no COBS)."""
    code, ch, _ = FMT[fmt]
    n = len(samples) // axes
    head = HEADER.pack(1, 1, 1 if utc else 0, UNIT[unit], dev, axes, code, seq, n, 0, first, t0_ns, rate_hz, scale)
    body = head + struct.pack("<%d%s" % (len(samples), ch), *samples)
    return body + struct.pack("<I", crc32c(body))


def json_block(dev, seq, first, samples, rate_hz, axes=3, fmt="i16", scale=1.0, unit="g", t0_ns=0, utc=False):
    """The JSON form of the same block (payload base64-encoded)."""
    _, ch, _ = FMT[fmt]
    payload = struct.pack("<%d%s" % (len(samples), ch), *samples)
    return json.dumps({"v": 1, "dev": dev, "seq": seq, "first": first, "t0_ns": t0_ns, "utc": utc,
                       "rate_hz": rate_hz, "axes": axes, "fmt": fmt, "scale": scale, "unit": unit,
                       "n": len(samples) // axes, "data": base64.b64encode(payload).decode()},
                      separators=(",", ":"))


def test_value(i, a):
    return ((i * 7 + a * 1000) % 2000) - 1000


def block_values(first, n, axes):
    return [test_value(first + k, a) for k in range(n) for a in range(axes)]


def paced_blocks(args):
    """Yields (seq, first, n) at the sample clock: block k is due at t_start + first / rate."""
    start = time.monotonic()
    total = int(args.duration * args.rate) if args.duration > 0 else None
    seq, first = args.start_seq, args.start_sample
    while total is None or first - args.start_sample < total:
        n = args.block if total is None else min(args.block, total - (first - args.start_sample))
        due = start + (first - args.start_sample + n) / args.rate
        if not args.unpaced:
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        yield seq, first, n
        seq += 1
        first += n


def cmd_example(_args):
    samples = [1000, -1000, 16384, 1001, -999, 16383]  # 2 samples x 3 axes, int16 counts
    f = encode_frame(dev=7, seq=42, first=1000, samples=samples, rate_hz=16000.0, axes=3, fmt="i16",
                     scale=1.0 / 16384, unit="g")
    print("frame (%d bytes):" % len(f), f.hex(" "))
    print("crc32c:", "%08x" % crc32c(f[:-4]))
    print("cobs + delimiter:", (cobs_encode(f) + b"\0").hex(" "))
    print("json:", json_block(7, 42, 1000, samples, 16000.0, scale=1.0 / 16384))


def cmd_serial(args):
    import serial  # python3-serial
    port = serial.Serial(args.port, args.baud, timeout=1)
    if args.format == "frame":
        port.write(b"\0")  # lets the receiver start at a frame boundary
    elif args.header:
        cols = (["t_us"] if args.time else []) + list("xyz"[: args.axes])
        port.write((",".join(cols) + "\r\n").encode())
    for seq, first, n in paced_blocks(args):
        if args.format == "frame":
            f = encode_frame(args.dev, seq, first, block_values(first, n, args.axes), args.rate, args.axes,
                             args.fmt, args.scale)
            port.write(cobs_encode(f) + b"\0")
        else:
            lines = []
            for k in range(n):
                vals = [str(test_value(first + k, a)) for a in range(args.axes)]
                if args.time:
                    vals.insert(0, str(round((first + k) * 1e6 / args.rate)))
                lines.append(",".join(vals) + "\r\n")
            port.write("".join(lines).encode())
    port.flush()


async def ws_run(args):
    import websockets  # python3-websockets
    headers = {"Authorization": "Bearer " + args.token} if args.token else {}
    blocks = paced_blocks(args)
    window = {}  # seq -> encoded message, bounded by --window
    acked = args.start_seq - 1
    sent_total = 0
    done = False
    while not done:
        try:
            async with websockets.connect(args.url, extra_headers=headers, max_size=None) as ws:
                hello = json.loads(await ws.recv())
                if not args.ignore_hello:
                    acked = max(acked, hello.get("ack", -1))
                for s in [s for s in window if s <= acked]:
                    del window[s]
                for s in sorted(window):  # resend the unacknowledged frames
                    await ws.send(window[s])
                for seq, first, n in blocks:
                    vals = block_values(first, n, args.axes)
                    msg = (json_block if args.json else encode_frame)(args.dev, seq, first, vals, args.rate,
                                                                       args.axes, args.fmt, args.scale)
                    window[seq] = msg
                    while len(window) > args.window:
                        window.pop(min(window))  # oldest unacked frame lost: the receiver sees a gap
                    await ws.send(msg)
                    sent_total += 1
                    if args.drop_after and sent_total == args.drop_after:
                        args.drop_after = 0  # test: vanish before reading the ack of what was just sent
                        raise ConnectionResetError("simulated disconnect")
                    while True:
                        try:
                            reply = json.loads(await asyncio.wait_for(ws.recv(), 0.0001))
                        except asyncio.TimeoutError:
                            break
                        if "ack" in reply:
                            acked = max(acked, reply["ack"])
                            for s in [s for s in window if s <= acked]:
                                del window[s]
                # drain acks for everything sent
                deadline = time.monotonic() + 5
                while window and time.monotonic() < deadline:
                    reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
                    if "ack" in reply:
                        acked = max(acked, reply["ack"])
                        for s in [s for s in window if s <= acked]:
                            del window[s]
                done = True
        except websockets.exceptions.InvalidStatusCode as e:
            # The handshake itself was refused (e.g. 401 for a wrong token): retrying will not help.
            print("vibra_send: refused by the server (HTTP %s)" % e.status_code, file=sys.stderr)
            sys.exit(3)
        except (OSError, ConnectionResetError, websockets.exceptions.ConnectionClosed) as e:
            code = getattr(getattr(e, "rcvd", None), "code", None)
            if code in (4401, 4403):
                # Closed by the server for authentication: final, not a network hiccup.
                print("vibra_send: refused by the server (close code %d: wrong or missing token)" % code,
                      file=sys.stderr)
                sys.exit(3)
            print("vibra_send: connection lost (%s), reconnecting" % e, file=sys.stderr)
            await asyncio.sleep(0.2)
    print(json.dumps({"acked": acked, "unacked": len(window)}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("example")
    for name in ("serial", "ws"):
        s = sub.add_parser(name)
        s.add_argument("--rate", type=float, default=16000.0)
        s.add_argument("--axes", type=int, default=3, choices=(1, 2, 3))
        s.add_argument("--block", type=int, default=256, help="samples per axis per frame")
        s.add_argument("--fmt", default="i16", choices=sorted(FMT))
        s.add_argument("--scale", type=float, default=1.0)
        s.add_argument("--dev", type=int, default=1)
        s.add_argument("--duration", type=float, default=5.0, help="seconds of samples (0 = forever)")
        s.add_argument("--start-seq", type=int, default=0)
        s.add_argument("--start-sample", type=int, default=0)
        s.add_argument("--unpaced", action="store_true", help="send as fast as possible")
    s = sub.choices["serial"]
    s.add_argument("--port", required=True)
    s.add_argument("--baud", type=int, default=921600)
    s.add_argument("--format", default="frame", choices=("frame", "csv"))
    s.add_argument("--header", action="store_true", help="csv: print a header line first")
    s.add_argument("--time", action="store_true", help="csv: add a t_us time column")
    s = sub.choices["ws"]
    s.add_argument("--url", required=True)
    s.add_argument("--token", default="")
    s.add_argument("--json", action="store_true", help="send JSON blocks instead of binary frames")
    s.add_argument("--window", type=int, default=1024, help="max unacknowledged frames kept for resending")
    s.add_argument("--drop-after", type=int, default=0, help="test: drop the connection after N frames")
    s.add_argument("--ignore-hello", action="store_true",
                   help="test: resend every unacknowledged frame after a reconnect (server must de-duplicate)")
    args = p.parse_args()
    if args.cmd == "example":
        cmd_example(args)
    elif args.cmd == "serial":
        cmd_serial(args)
    else:
        asyncio.run(ws_run(args))

if __name__ == "__main__":
    main()
