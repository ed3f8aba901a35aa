#!/usr/bin/env python3
"""`vibrascope serve --trigger`: on the `bearing` simulator an alarm trigger stores a window holding exactly the
pre + post samples around the second that raised the alarm (sample indices and times checked), an external
ON/OFF trigger stores [on - pre, off + post), a schedule stores whole aligned windows, an alarm trigger on a
band-RMS rule (band(2000-5000), the bearing's impact resonances) stores its window; after kill -9 and a
restart on the same directory every window file is complete and none is written twice. Files are read with
DuckDB and hyparquet (tests/e2e/parquet_dump.mjs). Loopback only, bounded in time."""
import json
import os
import signal
import subprocess
import tempfile
import time

from serve_util import Server, check, finish, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
DUMP = os.path.join(HERE, "..", "e2e", "parquet_dump.mjs")
RATE = 16000


def dump(directory, tmp):
    out = os.path.join(tmp, "dump.json")
    p = subprocess.run(["node", DUMP, directory, out], capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, f"both Parquet readers read every window: {p.stderr[-1500:]}")
    return {f["file"]: f for f in json.load(open(out))["files"]}


def windows(directory):
    found = []
    for root, _, files in os.walk(directory):
        found += [os.path.join(root, f) for f in files]
    return found


with tempfile.TemporaryDirectory() as tmp:
    tdir = os.path.join(tmp, "trig")
    args = ["--source", "sim://brg?profile=bearing", "--db", os.path.join(tmp, "h.db"), "--trigger-dir", tdir,
            "--trigger", "name=hi;device=brg;when=rms>0.001,delay=2;pre=1s;post=500ms;holdoff=1h",
            "--trigger", "name=ext;device=brg;external;pre=250ms;post=250ms",
            "--trigger", "name=sch;device=brg;every=2s;duration=1s",
            # delay=2: the raising second starts >= 1 s after the stream, so [T - pre, T + post) holds data.
            "--trigger", "name=bnd;device=brg;when=band(2000-5000)>0.05,delay=2;pre=500ms;post=500ms;holdoff=1h"]
    srv = Server(args)
    try:
        # The window must start after the stream did (earlier data does not exist: counted incomplete).
        # A full second, not just the first (UTC-aligned, possibly a few ms long) bucket: then the stream is
        # older than the external trigger's pre-time whenever ON arrives.
        wait_until(lambda: any(d.get("samples") == RATE for d in srv.json("GET", "/api/latest")[1].get("devices", [])),
                   15, "a full second of data")
        st, on = srv.json("POST", "/api/triggers/ext/on")
        check(st == 200 and on["on"] and on["changed"], f"external ON: {on}")
        st, again = srv.json("POST", "/api/triggers/ext/on")
        check(st == 200 and not again["changed"], f"ON twice changes nothing: {again}")
        time.sleep(1.0)
        st, off = srv.json("POST", "/api/triggers/ext/off")
        check(st == 200 and not off["on"], f"external OFF: {off}")
        st, err = srv.json("POST", "/api/triggers/sch/on")
        check(st == 409, f"a schedule trigger cannot be switched: {st}")
        st, err = srv.json("POST", "/api/triggers/nosuch/on")
        check(st == 404, f"unknown trigger: {st}")
        wait_until(lambda: srv.json("GET", "/api/triggers")[1]["windows_stored"] >= 5, 30, "five stored windows")
        wait_until(lambda: all([w for w in windows(os.path.join(tdir, n)) if w.endswith(".parquet")]
                               for n in ("hi", "ext", "sch", "bnd")), 30, "a window of every trigger")
        st, trig = srv.json("GET", "/api/triggers")
        # the events reach the database with the writer's next commit, which may come after the window files
        def raised_both():
            st, ev = srv.json("GET", "/api/events?device=brg&type=alarm")
            rules = {e["rule"].split("(")[0].split(">")[0] for e in ev.get("events", []) if e["state"] == "raised"}
            return ev if {"rms", "band"} <= rules else None
        ev = wait_until(raised_both, 15, "the rms and band alarms in the events table")
    finally:
        srv.stop()
    files = dump(tdir, tmp)
    raised = min(int(e["t_ns"]) for e in ev["events"] if e["state"] == "raised" and e["rule"].startswith("rms"))
    hi = f"hi/brg/brg_{raised - 1_000_000_000}.parquet"
    check(hi in files, f"alarm window named by its start (raise {raised} - pre): {sorted(files)}")
    if hi in files:
        f = files[hi]
        idx = [int(v) for v in f["columns"]["sample_index"]]
        t = [int(v) for v in f["columns"]["t"]]
        check(f["rows"] == int(1.5 * RATE), f"alarm window holds pre + post = 1.5 s = {int(1.5 * RATE)} samples: {f['rows']}")
        check(idx == list(range(idx[0], idx[0] + len(idx))), "alarm window sample indices contiguous")
        check(raised - 1_000_000_000 <= t[0] < raised - 1_000_000_000 + 1e9 / RATE, f"first sample at window start: {t[0]}")
        check(t[-1] < raised + 500_000_000 <= t[-1] + 1e9 / RATE, f"last sample just before the end: {t[-1]}")
        check(sorted(f["schema"][i]["name"] for i in range(len(f["schema"])))[-3:] == ["x", "y", "z"], "axis columns")
    # Raised once per axis (x, y, z), all in the same second: one window (holdoff), named by that second - pre.
    band_raised = sorted({int(e["t_ns"]) for e in ev["events"] if e["state"] == "raised" and e["rule"].startswith("band(")})
    check(len(band_raised) == 1, f"the band-RMS alarm raised in one second (hysteresis, no chatter): {band_raised}")
    bnd = [k for k in files if k.startswith("bnd/")]
    check(bnd == [f"bnd/brg/brg_{r - 500_000_000}.parquet" for r in band_raised[:1]],
          f"band-RMS window named by its start (raise - pre): {bnd} vs {band_raised}")
    for k in bnd:
        check(files[k]["rows"] == RATE, f"{k}: pre + post = 1 s of samples ({files[k]['rows']})")
    ext_start = int(on["window_start_ns"])
    ext_end = int(off["window_end_ns"])
    ext = f"ext/brg/brg_{ext_start}.parquet"
    check(ext in files, f"external window named by on - pre: {sorted(files)}")
    if ext in files:
        t = [int(v) for v in files[ext]["columns"]["t"]]
        expect = (ext_end - ext_start) * RATE / 1e9
        check(abs(files[ext]["rows"] - expect) <= 1, f"external window holds [on-pre, off+post): {files[ext]['rows']} vs {expect}")
        check(ext_start <= t[0] < ext_start + 1e9 / RATE and t[-1] < ext_end, "external window bounds")
    sch = [k for k in files if k.startswith("sch/")]
    check(len(sch) >= 1, f"schedule windows stored: {sch}")
    for k in sch:
        start = int(k.rsplit("_", 1)[1].split(".")[0])
        check(start % 2_000_000_000 == 0 and files[k]["rows"] == RATE, f"{k}: aligned, exactly 1 s of samples ({files[k]['rows']})")

    # kill -9 while windows are being written, restart on the same directory: complete files only, none twice.
    kdir = os.path.join(tmp, "kill")
    kargs = ["--source", "sim://brg?profile=bearing", "--db", os.path.join(tmp, "k.db"), "--trigger-dir", kdir,
             "--trigger", "name=sch;device=brg;every=1s;duration=800ms"]
    for round_ in range(3):
        srv = Server(kargs)
        wait_until(lambda: srv.json("GET", "/api/triggers")[1]["windows_stored"] >= 2, 30, "two windows")
        time.sleep(0.45)  # mid-window
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait()
    srv = Server(kargs)
    wait_until(lambda: srv.json("GET", "/api/triggers")[1]["windows_stored"] >= 1, 30, "a window after restart")
    srv.stop()
    names = windows(kdir)
    check(not [n for n in names if n.endswith(".partial")], f"no partial file left after a restart: {names}")
    base = [os.path.basename(n) for n in names]
    check(len(base) == len(set(base)), "every window stored once")
    files = dump(kdir, tmp)
    for k, f in files.items():
        idx = [int(v) for v in f["columns"]["sample_index"]]
        check(f["rows"] == int(0.8 * RATE) and idx == list(range(idx[0], idx[0] + len(idx))),
              f"{k}: complete window of 0.8 s after kill -9 rounds ({f['rows']})")
finish()
