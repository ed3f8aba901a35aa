"""The browser view's live feed, WebSocket /stream?view=display on a real `vibrascope serve`, driven by
python3-websockets and raw sockets:

 - token: none or wrong -> closed with 4401; a read token is enough; bad parameters -> 1008; all counted;
 - a display frame decodes as documented (docs/service.md): envelope and spectrum decimated (never a point per
   sample), a sine's peak at its frequency with its RMS amplitude (0.5 0-pk -> 0.3536 RMS);
 - the display DSP runs only while watched (vibrascope_viewer_watched_devices back to 0 after the viewer left);
 - fan-out is bounded: beyond --max-viewers the next viewer is closed with 1013 (counted); a viewer that never
   reads loses frames (counted) while the recorder loses nothing;
 - /ingest and the raw /stream relay still reach the ingest server on the same port;
 - /metrics stays valid (python3-prometheus-client; promtool when installed)."""
import asyncio
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ["VIBRA_SOURCE_DIR"], "tests", "service"))
from serve_util import Server, check, finish, metric, metric_values, wait_until  # noqa: E402

try:
    import websockets
except ImportError:
    print("SKIP: python3-websockets missing (scripts/install-deps --test)")
    raise SystemExit(0)

CTL, RD = "ctl", "rd"
SINE, AMP = 500.0, 0.5
tmp = tempfile.mkdtemp(prefix="vibra-webstream-")
server = Server(["--source", f"sim://s?profile=sine&axes=1&freq={SINE:g}&amp={AMP:g}&noise=0.0001",
                 "--source", "sim://brg?profile=bearing", "--db", os.path.join(tmp, "h.db"),
                 "--token", CTL, "--read-token", RD, "--max-viewers", "3", "--viewer-queue-bytes", "65536"])
url = f"ws://127.0.0.1:{server.port}"


def metrics():
    return metric_values(server.metrics(RD)[0])


def decode(message):
    n = struct.unpack_from("<I", message, 0)[0]
    head = json.loads(message[4:4 + n])
    off, arrays = 4 + n, {}
    for part in head["layout"]:
        arrays[(part["name"], part["axis"])] = struct.unpack_from(f"<{part['n']}f", message, off)
        off += 4 * part["n"]
    check(off == len(message), f"layout covers the message exactly ({off} of {len(message)} bytes)")
    return head, arrays


async def close_code(path):
    try:
        async with websockets.connect(url + path) as ws:
            await asyncio.wait_for(ws.recv(), 10)
            await asyncio.wait_for(ws.recv(), 10)
    except websockets.ConnectionClosed as e:
        return e.code
    return None


async def frames_of(device, count, token=RD):
    out, summaries = [], []
    async with websockets.connect(f"{url}/stream?view=display&device={device}&hz=10&token={token}",
                                  max_size=None) as ws:
        while len(out) < count:
            m = await asyncio.wait_for(ws.recv(), 20)
            if isinstance(m, bytes):
                out.append(decode(m))
            else:
                summaries.append(json.loads(m))
    return out, summaries


async def main():
    # --- tokens and parameters ---
    check(await close_code("/stream?view=display") == 4401, "no token: 4401")
    check(await close_code("/stream?view=display&token=nope") == 4401, "wrong token: 4401")
    check(await close_code(f"/stream?view=display&token={RD}&hz=0") == 1008, "hz=0: 1008")
    m = metrics()
    check(metric(m, "vibrascope_viewer_refused_total", reason="unauthorized") == 2, "unauthorized counted")
    check(metric(m, "vibrascope_viewer_refused_total", reason="bad_request") == 1, "bad request counted")
    check(metric(m, "vibrascope_viewer_watched_devices") == 0, "nothing watched before a viewer")

    # --- frames: decimated, the sine's peak exact ---
    frames, summaries = await frames_of("s", 25)
    head, arrays = frames[-1]
    check(head["device"] == "s" and head["unit"] == "g" and head["axes"] == ["x"], f"header {head}")
    env = arrays[("env_min", 0)]
    check(0 < len(env) <= 512, f"envelope decimated to at most 512 pairs ({len(env)})")
    check(all(lo <= hi for lo, hi in zip(env, arrays[("env_max", 0)])), "min <= max in every pair")
    check(max(arrays[("env_max", 0)]) <= AMP * 1.01 and min(env) >= -AMP * 1.01, "envelope within the amplitude")
    f, v = arrays[("spec_f", 0)], arrays[("spec_v", 0)]
    check(0 < len(f) <= 600 and list(f) == sorted(f), f"spectrum decimated to {len(f)} increasing points")
    fft_lines = head["fft_size"] // 2
    check(len(f) < fft_lines, f"fewer points than lines ({len(f)} < {fft_lines})")
    top = max(range(len(v)), key=lambda i: v[i])
    check(abs(f[top] - SINE) <= head["bin_hz"], f"largest decimated line at {f[top]} Hz (sine {SINE} Hz)")
    peak = head["peaks"][0][0]
    check(abs(peak["f"] - SINE) < 0.05 * head["bin_hz"], f"interpolated peak {peak['f']} Hz")
    check(abs(peak["rms"] - AMP / 2 ** 0.5) < 0.01 * AMP, f"peak RMS {peak['rms']} (expected {AMP / 2 ** 0.5:.4f})")
    check(all(h["seq"] < n["seq"] for (h, _), (n, _) in zip(frames, frames[1:])), "sequences increase")
    check(summaries and summaries[-1]["type"] == "summary" and summaries[-1]["devices"][0]["device"] == "s",
          "summary messages for the shown device")
    s0 = summaries[-1]["devices"][0]
    # ISO 10816-3 group 2, rigid foundation (the default preset): A/B 1.4, B/C 2.8, C/D 4.5 mm/s
    check(s0["rate_hz"] == 16000 and s0["dropped"] == 0 and s0["zone_limits_mm_s"] == [1.4, 2.8, 4.5],
          f"summary fields {s0}")
    wait_until(lambda: metric(metrics(), "vibrascope_viewer_watched_devices") == 0, 10,
               "the display watch to be released after the viewer left")

    # --- the devices page's feed: summaries of every device ---
    async with websockets.connect(f"{url}/stream?view=display&token={RD}") as ws:
        msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
        check(sorted(d["device"] for d in msg["devices"]) == ["brg", "s"], f"every device summarised: {msg}")
        check(metric(metrics(), "vibrascope_viewer_watched_devices") == 0, "a summary viewer watches no display")

    # --- bounded fan-out ---
    socks = [await websockets.connect(f"{url}/stream?view=display&device=brg&token={RD}", max_size=None)
             for _ in range(3)]
    wait_until(lambda: metric(metrics(), "vibrascope_viewer_connections") == 3, 10, "three viewers")
    check(await close_code(f"/stream?view=display&token={RD}") == 1013, "the 4th viewer is refused with 1013")
    check(metric(metrics(), "vibrascope_viewer_refused_total", reason="too_many_viewers") == 1, "counted")
    wait_until(lambda: metric(metrics(), "vibrascope_viewer_watched_devices") == 1, 10,
               "three viewers of brg to share one display watch")
    for ws in socks:
        await ws.close()
    wait_until(lambda: metric(metrics(), "vibrascope_viewer_connections") == 0, 10, "viewers gone")


asyncio.run(main())

# --- a viewer that never reads: frames dropped (counted), the recorder loses nothing ---
raw = socket.socket()
raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
raw.connect(("127.0.0.1", server.port))
raw.sendall((f"GET /stream?view=display&device=brg&hz=30&token={RD} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            .encode())
wait_until(lambda: (metric(metrics(), "vibrascope_viewer_frames_total", result="dropped") or 0) > 0, 90,
           "frames dropped for the viewer that does not read")
status, devices = server.json("GET", "/api/devices", RD)
check(all(d["counters"]["dropped"] == 0 for d in devices["devices"]), f"the recorder dropped nothing: {devices}")
raw.close()


# --- /ingest and the raw relay still go to the ingest server ---
async def ingest_still_routed():
    async with websockets.connect(f"{url}/ingest?device=pushed&token={CTL}") as ws:
        check(json.loads(await asyncio.wait_for(ws.recv(), 10)).get("ack") == -1, "/ingest answers its ack")
    async with websockets.connect(f"{url}/stream?device=s&token={CTL}") as ws:  # the raw relay (no view)
        check(ws.open, "/stream without view=display reaches the relay")

asyncio.run(ingest_still_routed())

text = server.metrics(RD)[0]
if shutil.which("promtool"):
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    check(p.returncode == 0, f"promtool check metrics: {p.stdout}{p.stderr}")
rc = server.stop()
check(rc == 0, f"serve exited {rc}")
finish()
