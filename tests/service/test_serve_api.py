#!/usr/bin/env python3
"""`vibrascope serve`: every route against a real server process (tokens, parameters, history vs sqlite3, export,
metrics through python3-prometheus-client and promtool), HTTP ingest exactly once across retries and 429,
limits (413, 431, slowloris 408, too many connections) refused and counted while two simulators keep recording
without loss, WebSocket /ingest on the same port. Loopback only, bounded in time."""
import asyncio
import csv
import io
import json
import os
import socket
import sqlite3
import subprocess
import tempfile
import time

from serve_util import Server, check, finish, json_block, metric, metric_values, wait_until

READ, CONTROL = "r3ad", "c0ntrol"

with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "h.db")
    srv = Server(["--source", "sim://a", "--source", "sim://b?profile=sine&freq=100", "--db", db, "--raw",
                  "--token", CONTROL, "--read-token", READ, "--max-body", "4194304", "--header-timeout", "1",
                  "--max-connections", "40"])
    try:
        # --- health and auth ---
        st, body, _ = srv.request("GET", "/healthz")
        check(st == 200 and json.loads(body)["status"] == "alive", f"/healthz without a token: {st} {body}")
        for tok in (None, "wrong"):
            st, body, hdr = srv.request("GET", "/readyz", tok)
            check(st == 401 and b"ready" not in body and hdr.get("WWW-Authenticate") == "Bearer",
                  f"/readyz with token {tok!r} is 401 without detail: {st} {body}")
        wait_until(lambda: srv.json("GET", "/readyz", READ)[0] == 200, 15, "readiness")
        st, body, _ = srv.request("GET", "/nope", READ)
        check(st == 404, f"unknown route 404: {st}")
        st, body, _ = srv.request("DELETE", "/api/latest", READ)
        check(st == 405, f"wrong method 405: {st}")
        st, body, _ = srv.request("POST", "/api/recording/stop", READ)
        check(st == 403, f"a read token cannot stop recording: {st}")

        # --- live routes ---
        wait_until(lambda: srv.json("GET", "/api/latest", READ)[1].get("total") == 2, 15, "both devices' first second")
        st, devs = srv.json("GET", "/api/devices", READ)
        check(st == 200 and sorted(d["device"] for d in devs["devices"]) == ["a", "b"], f"/api/devices: {devs}")
        st, lat = srv.json("GET", "/api/latest?sort=rms&order=desc&count=1", READ)
        rms = {d["device"]: d["rms"] for d in srv.json("GET", "/api/latest", READ)[1]["devices"]}
        check(st == 200 and lat["total"] == 2 and len(lat["devices"]) == 1, f"latest count=1: {lat}")
        check(lat["devices"][0]["device"] == max(rms, key=rms.get), f"sort=rms desc puts the larger RMS first: {lat} {rms}")
        st, lat2 = srv.json("GET", "/api/latest?sort=device&order=desc&offset=1", READ)
        check([d["device"] for d in lat2["devices"]] == ["a"], f"order=desc offset=1: {lat2}")
        for bad, param in (("sort=colour", "sort"), ("order=up", "order"), ("count=0", "count"), ("offset=-1", "offset")):
            st, err = srv.json("GET", f"/api/latest?{bad}", READ)
            check(st == 400 and err.get("parameter") == param, f"{bad} -> 400 naming {param}: {st} {err}")

        # --- history routes against sqlite3 ---
        wait_until(lambda: sqlite3.connect(db).execute(
            "SELECT count(*) FROM rollup_1s r JOIN device d ON d.id = r.device_id WHERE d.name='b'").fetchone()[0] >= 3,
            20, "three committed seconds of b")
        con = sqlite3.connect(db)
        rows = con.execute("SELECT r.t_ns FROM rollup_1s r JOIN device d ON d.id=r.device_id WHERE d.name='b' "
                           "ORDER BY r.t_ns").fetchall()
        t_from, t_to = rows[0][0], rows[-1][0] + 1_000_000_000
        n_secs = len({r[0] for r in rows})
        st, hist = srv.json("GET", f"/api/history?device=b&from={t_from}ns&to={t_to}ns&points={n_secs}", READ)
        check(st == 200 and hist["level"] == "1s" and len(hist["points"]) == n_secs,
              f"history over {n_secs} stored seconds gives them all at 1 s: {st} {str(hist)[:300]}")
        st, err = srv.json("GET", "/api/history?device=b&from=yesterday&to=1", READ)
        check(st == 400 and err.get("parameter") == "from", f"bad 'from' -> 400 naming it: {err}")
        st, err = srv.json("GET", f"/api/history?device=nosuch&from={t_from}ns&to={t_to}ns", READ)
        check(st == 404, f"unknown device -> 404: {st} {err}")
        st, asof = srv.json("GET", f"/api/asof?device=b&t={rows[1][0] + 500_000_000}ns", READ)
        check(st == 200 and int(asof["t_ns"]) == rows[1][0], f"asof gives the second containing t: {asof}")
        st, ev = srv.json("GET", "/api/events?type=alarm", READ)
        check(st == 200 and ev["total"] == 0, f"no alarms configured, none listed: {ev}")
        st, data, hdr = srv.request("GET", f"/api/export?device=b&from={t_from}ns&to={t_to}ns&level=1s&format=csv", READ)
        table = list(csv.DictReader(io.StringIO(data.decode())))
        check(st == 200 and hdr.get("Transfer-Encoding") == "chunked" and len(table) == n_secs,
              f"CSV export streams every stored second ({n_secs}): {st} {len(table)} {hdr}")
        st, data, hdr = srv.request("GET", f"/api/export?device=b&level=1s&format=parquet", READ)
        check(st == 200 and data[:4] == b"PAR1" and data[-4:] == b"PAR1", f"Parquet export is a whole file: {st} {data[:8]}")
        st, err = srv.json("GET", "/api/export?format=xlsx", READ)
        check(st == 400 and err.get("parameter") == "format", f"bad format -> 400: {err}")

        # --- HTTP ingest: exactly once across retries ---
        blocks = [json_block(seq, seq * 100, 100) for seq in range(10)]
        st, r = srv.json("POST", "/api/ingest?device=h1", CONTROL, blocks[:6])
        check(st == 202 and r["accepted"] == 6 and r["ack"] == 5, f"first 6 blocks accepted: {st} {r}")
        st, r = srv.json("POST", "/api/ingest?device=h1", CONTROL, {"blocks": blocks})  # a retry overlapping 6
        check(st == 202 and r["accepted"] == 4 and r["duplicates"] == 6 and r["ack"] == 9, f"retry: {st} {r}")
        st, r = srv.json("POST", "/api/ingest?device=h1", CONTROL, blocks[9])
        check(st == 202 and r["accepted"] == 0 and r["duplicates"] == 1, f"single duplicate block: {st} {r}")
        st, r = srv.json("POST", "/api/ingest?device=h1", READ, blocks[0])
        check(st == 403, f"a read token cannot ingest: {st}")
        bad = dict(blocks[0], seq=20, rate_hz=-5)
        st, r = srv.json("POST", "/api/ingest?device=h1", CONTROL, [json_block(21, 2000, 10), bad])
        check(st == 400 and r["errors"][0]["index"] == 1 and r["errors"][0]["field"] == "rate_hz",
              f"invalid block -> 400 with index and field, nothing taken: {st} {r}")
        st, r = srv.json("POST", "/api/ingest?device=h1", CONTROL, b"{not json")
        check(st == 400 and r["errors"][0]["field"] == "body", f"invalid JSON -> 400: {r}")
        st, r = srv.json("POST", "/api/ingest?device=bad/name", CONTROL, blocks[0])
        check(st == 400 and r.get("parameter") == "device", f"bad device name -> 400: {r}")
        # 429: 100 blocks of 16384 samples exceed the input queue's sample budget in one request.
        big = [json_block(s, s * 16384, 16384, rate=1000.0) for s in range(100)]
        statuses, sent, deadline = [], 0, time.time() + 60
        while sent < len(big) and time.time() < deadline:
            st, r = srv.json("POST", "/api/ingest?device=h2", CONTROL, big[sent:sent + 40])
            statuses.append(st)
            if st in (202, 429):
                sent = r["ack"] + 1
            if st == 429:
                time.sleep(0.2)
        check(429 in statuses and sent == 100, f"queue full -> 429, retries after 'ack' complete the upload: {statuses} {sent}")

        # --- limits: 413, 431, slowloris, too many connections ---
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.sendall(b"POST /api/ingest?device=h1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer c0ntrol\r\n"
                  b"Content-Length: 100000000\r\n\r\n")
        resp = s.recv(4096)
        s.close()
        check(resp.startswith(b"HTTP/1.1 413"), f"oversized body refused before reading it: {resp[:60]}")
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.sendall(b"GET /healthz HTTP/1.1\r\n" + b"X-Pad: " + b"a" * 20000 + b"\r\n\r\n")
        resp = s.recv(4096)
        s.close()
        check(resp.startswith(b"HTTP/1.1 431"), f"oversized head -> 431: {resp[:60]}")
        slow = []
        for _ in range(10):
            c = socket.create_connection(("127.0.0.1", srv.port))
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finishes the head
            slow.append(c)
        closed = 0
        for c in slow:
            c.settimeout(10)
            data = c.recv(4096)
            closed += data.startswith(b"HTTP/1.1 408")
            c.close()
        check(closed == 10, f"slowloris connections answered 408 and closed: {closed}/10")
        many = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(45)]
        refused = 0
        for c in many[40:]:
            c.settimeout(5)
            refused += c.recv(4096).startswith(b"HTTP/1.1 503")
        for c in many:
            c.close()
        check(refused >= 5, f"connections beyond --max-connections get 503: {refused}")

        # --- WebSocket /ingest on the same port ---
        import websockets

        async def ws_ingest():
            uri = f"ws://127.0.0.1:{srv.port}/ingest?device=w1"
            async with websockets.connect(uri, extra_headers={"Authorization": f"Bearer {CONTROL}"}) as ws:
                hello = json.loads(await ws.recv())
                await ws.send(json.dumps(json_block(0, 0, 50)))
                ack = json.loads(await ws.recv())
            try:
                async with websockets.connect(f"ws://127.0.0.1:{srv.port}/ingest?device=w2") as ws:
                    await ws.recv()
                code = None
            except websockets.exceptions.ConnectionClosed as e:
                code = e.code
            return hello, ack, code

        hello, ack, code = asyncio.run(ws_ingest())
        check(hello == {"ack": -1} and ack == {"ack": 0}, f"WebSocket ingest on the HTTP port: {hello} {ack}")
        check(code == 4401, f"WebSocket without a token closed with 4401: {code}")

        # --- metrics: independent parser, promtool, the refusals counted ---
        text, hdr = srv.metrics(READ)
        check(hdr.get("Content-Type", "").startswith("text/plain; version=0.0.4"), f"content type: {hdr}")
        pc = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
        check(pc.returncode == 0, f"promtool check metrics: {pc.stdout} {pc.stderr}")
        m = metric_values(text)
        check(metric(m, "vibrascope_http_refused_total", reason="body_too_large") >= 1, "413 counted")
        check(metric(m, "vibrascope_http_refused_total", reason="head_too_large") >= 1, "431 counted")
        check(metric(m, "vibrascope_http_refused_total", reason="head_timeout") >= 10, "slowloris counted")
        check(metric(m, "vibrascope_http_refused_total", reason="too_many_connections") >= 5, "connection cap counted")
        check(metric(m, "vibrascope_http_ingest_rejected_total", reason="queue_full") >= 1, "429 counted")
        check(metric(m, "vibrascope_samples_received_total", device="h1") == 1000,
              f"h1 received exactly 10 blocks x 100 samples once: {metric(m, 'vibrascope_samples_received_total', device='h1')}")
        check(metric(m, "vibrascope_samples_received_total", device="h2") == 100 * 16384, "h2 received every block once")
        check(metric(m, "vibrascope_websocket_refused_total", reason="unauthorized") >= 1, "ws 4401 counted")
        check(metric(m, "vibrascope_http_requests_total", route="/api/latest", code="400") == 4, "400s by route")
        check(any(k[0] == "vibrascope_build_info" and v == 1 for k, v in m.items()), "build_info")
        check(metric(m, "vibrascope_db_commit_duration_seconds_count") > 0, "commit latency histogram")
    finally:
        rc = srv.stop()
    # The simulators recorded through all of it without loss.
    check(rc == 0, f"serve exits 0 with balanced accounting: {rc}\n{srv.stderr[-3000:]}")
    con = sqlite3.connect(db)
    for dev in ("a", "b"):
        row = con.execute("SELECT sd.received, sd.stored, sd.dropped_total FROM session_device sd JOIN device d ON "
                          "d.id = sd.device_id WHERE d.name = ?", (dev,)).fetchone()
        check(row and row[0] == row[1] and row[2] == 0 and row[0] > 0, f"{dev}: every received sample stored: {row}")
finish()
