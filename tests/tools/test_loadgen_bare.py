#!/usr/bin/env python3
"""vibra-loadgen against vibra-bare-server (the benchmark floor, QWebSocketServer like the recorder):
8 paced devices for 3 s, every sample acknowledged and counted once by the server; the JSON form and
redundant connections per device; the thread count does not grow with the number of devices; an
interrupted run (SIGINT) still drains and reports. Loopback only, bounded in time."""
import json
import os
import signal
import subprocess
import tempfile

from loadgen_util import LOADGEN, BareServer, check, finish, run_loadgen

RATE, BLOCK, DURATION = 16000, 256, 3.0
frames_expected = int(DURATION * RATE // BLOCK)  # 187 (the last partial block is not sent)

server = BareServer(token="s3cret")
try:
    # Token from the environment, summary on stdout.
    rc, doc, err = run_loadgen(["--url", server.url, "--devices", "8", "--duration", str(DURATION),
                                "--ramp", "0.5", "--progress", "1"], env={"VIBRASCOPE_TOKEN": "s3cret"})
    check(rc == 0, f"exit {rc}: {err[-800:]}")
    devices = doc["devices"] if doc else []
    check([d["name"] for d in devices] == [f"dev{i:04d}" for i in range(8)], "8 devices named dev0000..dev0007")
    for d in devices:
        check(d["frames_expected"] == frames_expected and d["frames_sent"] == frames_expected
              and d["frames_acked"] == frames_expected, f"{d['name']}: every frame sent and acknowledged: {d}")
        check(d["samples_acked"] == d["samples_sent"] == frames_expected * BLOCK, f"{d['name']}: samples {d}")
        check(d["frames_resent"] == 0 and d["reconnects"] == 0 and d["backlog_max_frames"] == 0,
              f"{d['name']}: no resends, reconnects or backlog on a healthy server: {d}")
    total = doc["total"] if doc else {}
    check(total.get("ok") is True and total.get("samples_acked") == 8 * frames_expected * BLOCK, f"total {total}")
    check(total.get("cpu_user_s", -1) >= 0 and total.get("cpu_us_per_device_s", 0) > 0, "own CPU time reported")
    check("devices streaming" in err, "progress lines on stderr")
    threads_8 = total.get("threads")

    # JSON block form, another prefix, --summary FILE (stdout then has the total only).
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "summary.json")
        rc, doc, err = run_loadgen(["--url", server.url, "--token", "s3cret", "--devices", "2", "--prefix", "js",
                                    "--format", "json", "--duration", "1", "--summary", path, "--progress", "0"])
        check(rc == 0, f"json form: exit {rc}: {err[-500:]}")
        check(doc is not None and list(doc) == ["total"], f"stdout has the total only with --summary: {doc}")
        with open(path) as f:
            full = json.load(f)
        check([d["frames_acked"] for d in full["devices"]] == [62, 62], f"json form acknowledged: {full['total']}")

    # Two redundant connections per device: the server stores each frame once.
    rc, doc, err = run_loadgen(["--url", server.url, "--token", "s3cret", "--devices", "2", "--prefix", "dup",
                                "--connections-per-device", "2", "--duration", "1", "--progress", "0"])
    check(rc == 0 and doc["total"]["frames_acked"] == 2 * 62, f"redundant connections: {rc} {err[-300:]}")
    check(doc["total"]["connects"] == 4, f"4 connections streamed: {doc['total']}")

    # Thread count is fixed: 48 devices use as many threads as 8.
    rc, doc, err = run_loadgen(["--url", server.url, "--token", "s3cret", "--devices", "48", "--prefix", "many",
                                "--duration", "1.5", "--progress", "0"])
    check(rc == 0 and doc["total"]["ok"], f"48 devices: {rc} {err[-300:]}")
    check(doc["total"]["threads"] == threads_8 == 1, f"threads: {threads_8} for 8, {doc['total']['threads']} for 48")

    # --threads shares the devices over a fixed number of event loops.
    rc, doc, err = run_loadgen(["--url", server.url, "--token", "s3cret", "--devices", "6", "--prefix", "thr",
                                "--threads", "2", "--duration", "1", "--progress", "0"])
    check(rc == 0 and doc["total"]["ok"] and doc["total"]["threads"] == 2,
          f"--threads 2: {rc} {doc and doc['total']} {err[-300:]}")

    # Interrupted: SIGINT once streaming, the run drains and every generated frame is acknowledged.
    p = subprocess.Popen([LOADGEN, "--url", server.url, "--token", "s3cret", "--devices", "3", "--prefix", "int",
                          "--duration", "60", "--progress", "0.5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    for line in p.stderr:
        if "3/3 devices streaming" in line:
            break
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    check(p.returncode == 0, f"interrupted run: exit {p.returncode}: {err[-300:]}")
    doc = json.loads(out)
    for d in doc["devices"]:
        check(0 < d["frames_expected"] < 60 * RATE // BLOCK and d["frames_acked"] == d["frames_expected"],
              f"interrupted: due frames all acknowledged: {d}")
finally:
    summary = server.stop()

# The server's own accounting: every frame once, contiguous, valid.
devs = summary["devices"]
for i in range(8):
    s = devs.get(f"dev{i:04d}", {})
    check(s.get("frames") == frames_expected and s.get("samples") == frames_expected * BLOCK,
          f"server stored dev{i:04d} exactly once: {s}")
    check(s.get("duplicates") == 0 and s.get("seq_gaps") == 0 and s.get("sample_gaps") == 0
          and s.get("sample_overlaps") == 0, f"server saw dev{i:04d} contiguous: {s}")
for name in ("dup0000", "dup0001"):
    s = devs.get(name, {})
    check(s.get("frames") == 62 and s.get("seq_gaps") == 0 and s.get("connections") == 2,
          f"redundant connections stored once: {s}")
t = summary["total"]
check(t["crc_errors"] == 0 and t["malformed"] == 0 and t["unauthorized"] == 0, f"server totals {t}")
finish()
