#!/usr/bin/env python3
"""End-to-end ingest benchmark: vibra-loadgen (a separate process) pushes N paced 16 kHz tri-axial devices
over WebSocket into a target server for D seconds; for each N it reports whether every sample was
acknowledged (and, for a recorder, accounted), the server's CPU over the steady-state window (utime+stime
from /proc/PID/stat), its peak RSS (VmHWM), and the ratio to the bare floor (vibra-bare-server: same
QWebSocketServer, validates and acknowledges, discards) measured in the same run at the same N. N is stepped
up until a run loses data or falls behind; the largest N held is reported.

  bench/e2e/run.py --build build/dev                      # the floor alone (loadgen + bare server)
  bench/e2e/run.py --build build/dev --target 'recorder:{build}/app/vibrascope record --listen {listen} --token {token} --db {tmp}/rec.db'
  bench/e2e/run.py --build build/dev --devices 64,256 --duration 20 --target 'raw:... --raw' --target 'parquet:... --parquet {tmp}/pq'

Target templates: {build} build dir, {listen} 127.0.0.1:PORT, {host}, {port}, {token}, {tmp} a fresh directory
per run, {db} = {tmp}/rec.db. When the command writes {db} (or --db-glob matches) and it has a session_device
table, the recorder's own accounting (received, dropped) is compared with the samples acknowledged.
A run "holds" N when every sample is acknowledged, the server lost none, and no device fell behind its sample
clock (late_devices == 0: the ack window never filled)."""
import argparse
import glob
import json
import os
import shlex
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15)


def machine_busy_seconds():
    """CPU seconds spent busy by the whole machine so far (all cores, /proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]  # idle + iowait
    return (sum(v[:8]) - idle) / TICKS


def wait_quiet(max_cores, timeout):
    """Waits until other processes use at most max_cores (3-s samples) or timeout; returns the last busy."""
    deadline = time.time() + timeout
    while True:
        b0, t0 = machine_busy_seconds(), time.monotonic()
        time.sleep(3)
        busy = (machine_busy_seconds() - b0) / (time.monotonic() - t0)
        if busy <= max_cores or time.time() > deadline:
            return busy


def vm_hwm_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def recorder_accounting(paths):
    """(received, dropped) summed over session_device of the newest session, or None."""
    for path in paths:
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            row = con.execute("SELECT sum(received), sum(dropped_total) FROM session_device").fetchone()
            con.close()
            if row and row[0] is not None:
                return int(row[0]), int(row[1] or 0)
        except sqlite3.Error:
            continue
    return None


def measure(args, name, template, n):
    """One run of N devices against one server. Returns a dict of figures."""
    tmp = tempfile.mkdtemp(prefix=f"e2e-{name}-{n}-")
    port = free_port()
    subst = {"build": args.build, "listen": f"127.0.0.1:{port}", "host": "127.0.0.1", "port": port,
             "token": args.token, "tmp": tmp, "db": os.path.join(tmp, "rec.db")}
    cmd = shlex.split(template.format(**subst))
    srv_out, srv_err = open(os.path.join(tmp, "server.out"), "w"), open(os.path.join(tmp, "server.err"), "w")
    server = subprocess.Popen(cmd, stdout=srv_out, stderr=srv_err)
    res = {"target": name, "devices": n}
    lg = None
    if args.quiet_cores is not None:
        res["busy_before"] = wait_quiet(args.quiet_cores, args.quiet_timeout)
    try:
        if not wait_port(port, server):
            res["error"] = f"server did not listen (exit {server.poll()}), see {tmp}/server.err"
            res["held"] = False
            return res
        summary = os.path.join(tmp, "loadgen.json")
        lg = subprocess.Popen([os.path.join(args.build, "tools/loadgen/vibra-loadgen"), "--url",
                               f"ws://127.0.0.1:{port}/ingest", "--token", args.token, "--devices", str(n),
                               "--duration", str(args.duration), "--ramp", str(args.ramp), "--drain", str(args.drain),
                               "--progress", "0", "--summary", summary, *shlex.split(args.loadgen_args)],
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "loadgen.err"), "w"))
        start = time.monotonic()
        # Steady state: every device generating, i.e. from the end of the ramp (+1 s) to 1 s before the first
        # device stops. Sleeping here is the measurement window itself.
        t_a, t_b = args.ramp + 1.0, args.duration - 1.0
        time.sleep(max(0.0, t_a - (time.monotonic() - start)))
        s0, l0, m0, w0 = cpu_seconds(server.pid), cpu_seconds(lg.pid), machine_busy_seconds(), time.monotonic()
        time.sleep(max(0.0, t_b - (time.monotonic() - start)))
        s1, l1, m1, w1 = cpu_seconds(server.pid), cpu_seconds(lg.pid), machine_busy_seconds(), time.monotonic()
        # Cores used by everything else on the machine during the window (other builds on a shared box).
        res["others_cpu"] = max(0.0, ((m1 - m0) - (s1 - s0) - (l1 - l0)) / (w1 - w0))
        lg.wait(timeout=args.duration + args.ramp + args.drain + 60)
        res["server_cpu"] = (s1 - s0) / (w1 - w0)  # cores
        res["loadgen_cpu"] = (l1 - l0) / (w1 - w0)
        res["server_rss_mb"] = vm_hwm_mb(server.pid)
        res["loadgen_exit"] = lg.returncode
        try:
            with open(summary) as f:
                total = json.load(f)["total"]
        except (OSError, ValueError, KeyError) as e:
            res["error"] = f"no loadgen summary ({e}), exit {lg.returncode}, see {tmp}/loadgen.err"
            res["held"] = False
            return res
        res.update({k: total[k] for k in ("ok", "samples_expected", "samples_acked", "late_devices",
                                          "ack_latency_ms_max", "ack_latency_ms_mean", "connect_failures",
                                          "reconnects", "cpu_us_per_device_s")})
    finally:
        if lg is not None and lg.poll() is None:  # interrupted: stop the load generator first
            lg.send_signal(signal.SIGTERM)
            lg.wait(timeout=60)
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            res["error"] = "server did not stop within 60 s of SIGTERM"
        srv_out.close()
        srv_err.close()
    # The server's own accounting: the bare server's JSON, or a recorder database.
    server_loss = None
    try:
        with open(os.path.join(tmp, "server.out")) as f:
            bare = json.load(f)["total"]
        server_loss = bare["seq_gaps"] + bare["sample_gaps"] != 0 or bare["samples"] != res.get("samples_acked")
        res["server_samples"] = bare["samples"]
    except (OSError, ValueError, KeyError):
        acc = recorder_accounting([subst["db"]] + glob.glob(os.path.join(tmp, args.db_glob)))
        if acc:
            res["server_samples"], res["server_dropped"] = acc
            server_loss = acc[0] != res.get("samples_acked") or acc[1] != 0
    res["server_loss"] = server_loss
    res["zero_loss"] = bool(res.get("ok")) and res.get("samples_acked") == res.get("samples_expected") \
        and server_loss is not True
    res["held"] = res["zero_loss"] and res.get("late_devices") == 0 and "error" not in res
    res["per_device_us"] = res.get("server_cpu", 0) * 1e6 / n  # server CPU per device-second
    res["loadgen_per_device_us"] = res.get("loadgen_cpu", 0) * 1e6 / n
    if not args.keep:
        subprocess.run(["rm", "-rf", tmp])
    else:
        res["tmp"] = tmp
    return res


def row(r, floor=None):
    if "error" in r:
        return f"{r['devices']:>6}  {r['target']:<10} ERROR {r['error']}"
    ratio = f"{r['server_cpu'] / floor['server_cpu']:6.2f}" if floor and floor.get("server_cpu") else "     -"
    acc = "-" if r.get("server_samples") is None else ("yes" if r.get("server_loss") is False else "NO")
    return (f"{r['devices']:>6}  {r['target']:<10} {'yes' if r['zero_loss'] else 'NO':>5} {acc:>5} "
            f"{r['late_devices']:>5} {r['ack_latency_ms_max']:>8.0f} {r['server_cpu'] * 100:>8.1f} "
            f"{r['per_device_us']:>9.0f} {r['server_rss_mb']:>8.1f} {ratio} {r['loadgen_cpu'] * 100:>8.1f} "
            f"{r['loadgen_per_device_us']:>9.0f} {r['others_cpu'] * 100:>7.0f}  {'held' if r['held'] else 'NOT held'}")


HEADER = ("devices  target      loss0 acct0  late  ackmax  srv %cpu  srv us/dev  RSS MB  ratio  lg %cpu  lg us/dev"
          " others\n"
          "columns: loss0 = every sample acknowledged; acct0 = the server's own count matches (- = not available);\n"
          "late = devices that fell behind their sample clock (ack window full); ackmax = worst ack latency (ms);\n"
          "srv %cpu = server CPU over the steady-state window (100 = one core); us/dev = CPU us per device per s;\n"
          "ratio = target CPU / bare floor CPU at the same N in this run; lg = the load generator itself;\n"
          "others = %cpu of every other process on the machine during the window (a shared machine's noise).")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build/dev")
    p.add_argument("--devices", default="64,128,256,512,768,1000,1250,1500")
    p.add_argument("--duration", type=float, default=20.0, help="seconds of signal per device")
    p.add_argument("--ramp", type=float, default=5.0)
    p.add_argument("--drain", type=float, default=10.0)
    p.add_argument("--token", default="bench")
    p.add_argument("--target", action="append", default=[],
                   help="NAME:COMMAND template (repeatable); without it only the bare floor is measured")
    p.add_argument("--db-glob", default="*.db", help="recorder databases under {tmp} for the accounting check")
    p.add_argument("--loadgen-args", default="", help="extra vibra-loadgen options, e.g. '--tick-ms 20'")
    p.add_argument("--keep-going", action="store_true", help="measure every N even after one was not held")
    p.add_argument("--keep", action="store_true", help="keep the per-run directories (logs, databases)")
    p.add_argument("--json", help="also write every result as JSON lines to this file")
    p.add_argument("--quiet-cores", type=float, default=None,
                   help="before each run wait until the machine is at most this busy (cores, 3-s sample)")
    p.add_argument("--quiet-timeout", type=float, default=600, help="longest wait for --quiet-cores (s)")
    args = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup (finally) on SIGTERM too
    if args.duration < args.ramp + 4:
        p.error("--duration must exceed --ramp by at least 4 s (steady-state window)")
    bare = f"{args.build}/tools/loadgen/vibra-bare-server --listen {{listen}} --token {{token}}"
    targets = [("bare", bare)] + [tuple(t.split(":", 1)) for t in args.target]
    print(time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
          f"| {os.cpu_count()} cores | load {open('/proc/loadavg').read().split()[:3]}")
    print(f"{args.duration:g} s per device, ramp {args.ramp:g} s, 16 kHz x 3 axes int16, 256-sample frames"
          f"{' | loadgen ' + args.loadgen_args if args.loadgen_args else ''}")
    print(HEADER)
    out = open(args.json, "w") if args.json else None
    largest = {name: None for name, _ in targets}
    active = {name for name, _ in targets}
    for n in [int(x) for x in args.devices.split(",")]:
        floor = None
        for name, template in targets:
            if name not in active:
                continue
            r = measure(args, name, template, n)
            if name == "bare":
                floor = r
            print(row(r, floor if name != "bare" else None), flush=True)
            if out:
                out.write(json.dumps(r) + "\n")
                out.flush()
            if r["held"]:
                largest[name] = n
            elif not args.keep_going and name != "bare":
                active.discard(name)
        if not args.keep_going and "bare" in active and not floor["held"]:
            break  # the floor itself failed: the load generator or the machine is the limit
    print("largest N held: " + ", ".join(f"{k} {v if v else 'none'}" for k, v in largest.items()))


if __name__ == "__main__":
    sys.exit(main())
