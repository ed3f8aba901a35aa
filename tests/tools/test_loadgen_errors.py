#!/usr/bin/env python3
"""vibra-loadgen failure paths: usage errors exit 2 naming the problem; nothing listening, an unknown host,
a server that is not a WebSocket server, a refused token: exit 1 naming the URL, promptly; a server that
never acknowledges: the run still ends after --duration + --drain (exit 3) and the summary shows the backlog
and the unacknowledged frames instead of dropping them."""
import asyncio
import json
import socket
import subprocess
import threading
import time

import websockets  # python3-websockets

from loadgen_util import LOADGEN, BareServer, check, finish, free_port, run_loadgen

# Usage errors: exit 2, the message names the option.
for args, text in ((["--devices", "4"], "--url is required"),
                   (["--url", "ws://127.0.0.1:1/ingest", "--devices", "0"], "--devices '0'"),
                   (["--url", "ws://127.0.0.1:1/ingest", "--nonsense"], "unknown option '--nonsense'"),
                   (["--url", "ws://127.0.0.1:1/ingest", "--format", "xml"], "frame or json"),
                   (["--url", "ws://127.0.0.1:1/ingest", "--block", "30000"], "65536-byte"),
                   (["--url", "wss://127.0.0.1:1/ingest"], "wss:// is not supported"),
                   (["--url", "ws://127.0.0.1:1/ingest?device=x"], "device= is set per device")):
    p = subprocess.run([LOADGEN, *args], capture_output=True, text=True, timeout=30)
    check(p.returncode == 2 and text in p.stderr and p.stdout == "", f"{args}: exit {p.returncode}: {p.stderr!r}")
p = subprocess.run([LOADGEN, "--help"], capture_output=True, text=True, timeout=30)
check(p.returncode == 0 and "--connections-per-device" in p.stdout, "--help prints the usage")

# Nothing listening: exit 1 at the first refused connection, naming the URL (no summary of a run that never ran).
url = f"ws://127.0.0.1:{free_port()}/ingest"
rc, doc, err = run_loadgen(["--url", url, "--devices", "3", "--duration", "30"], timeout=30)
check(rc == 1 and f"cannot connect to {url}" in err and "refused" in err, f"refused: {rc} {err!r}")
rc, doc, err = run_loadgen(["--url", "ws://no-such-host.invalid:8765/ingest"], timeout=60)
check(rc == 1 and "cannot resolve 'no-such-host.invalid'" in err, f"unknown host: {rc} {err!r}")

# A TCP server that answers HTTP 404 instead of upgrading.
lsock = socket.socket()
lsock.bind(("127.0.0.1", 0))
lsock.listen()


def http_404():
    conn, _ = lsock.accept()
    conn.recv(4096)
    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    conn.close()


threading.Thread(target=http_404, daemon=True).start()
url = f"ws://127.0.0.1:{lsock.getsockname()[1]}/ingest"
rc, doc, err = run_loadgen(["--url", url, "--duration", "30"], timeout=30)
check(rc == 1 and f"cannot connect to {url}" in err and "404 Not Found" in err, f"HTTP 404: {rc} {err!r}")
lsock.close()

# A wrong token against the bare server (closes with 4401): exit 1, told so.
server = BareServer(token="right")
rc, doc, err = run_loadgen(["--url", server.url, "--token", "wrong", "--devices", "2", "--duration", "30"], timeout=30)
check(rc == 1 and server.url in err and "refused the token" in err, f"wrong token: {rc} {err!r}")
summary = server.stop()
check(summary["total"]["unauthorized"] >= 1 and summary["total"]["frames"] == 0, f"server refused: {summary['total']}")

# A server that says hello and then never acknowledges anything.
received = []


async def silent(ws, path):
    await ws.send(json.dumps({"ack": -1}))
    async for msg in ws:
        received.append(len(msg))


def serve(loop, ready, stop):
    asyncio.set_event_loop(loop)

    async def main():
        async with websockets.serve(silent, "127.0.0.1", 0) as srv:
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
rc, doc, err = run_loadgen(["--url", f"ws://127.0.0.1:{ready[0]}/ingest", "--devices", "2", "--duration", "1.5",
                            "--drain", "1", "--window", "8", "--progress", "0"], timeout=60)
loop.call_soon_threadsafe(stop.set_result, None)
thread.join(10)
check(rc == 3, f"never acknowledged: exit 3 (finished, not everything acknowledged): {rc} {err[-300:]}")
expected = int(1.5 * 16000 // 256)
for d in (doc or {}).get("devices", []):
    check(d["frames_expected"] == expected and d["frames_sent"] == 8 and d["frames_acked"] == 0,
          f"{d['name']}: the window (8 frames) was sent, nothing acknowledged: {d}")
    check(d["unacked_frames"] == 8 and d["unsent_frames"] == expected - 8, f"{d['name']}: shortfall reported: {d}")
    check(d["backlog_max_frames"] == expected - 8 and d["late_s"] > 0, f"{d['name']}: backlog reported: {d}")
check(doc and doc["total"]["ok"] is False and doc["total"]["unsent_frames"] == 2 * (expected - 8),
      f"total not ok: {doc and doc['total']}")
check(len(received) == 16, f"the server got exactly the two windows: {len(received)}")
finish()
