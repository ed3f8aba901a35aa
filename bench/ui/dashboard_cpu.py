#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Dashboard CPU benchmark (issue 9): the real `vibrascope` dashboard under Xvfb, fed by one 16 kHz tri-axial
device over a serial pty (socat; frames from tools/vibra_send.py's encoder, paced at the sample clock), 1 s time
window. Measures the whole process's CPU from /proc/PID/stat over a steady window and its redraw rate (the
dashboard's frame counter, printed by `--print-stats`), and the same for the floor measured in the same run:
the same process, source and settings with `--no-draw` (every device is still polled and the selected one's
display half still computed, but no view redraws). Reports CPU % of one core, redraws/s and the ratio to the
floor; the X server's CPU is listed separately (it composites what the process draws).

Usage (from the source tree; never part of ctest):
    bench/ui/dashboard_cpu.py [--build build/dev] [--seconds 25] [--warmup 5] [--rounds 2] [--json OUT]
Needs xvfb-run and socat. Re-runs itself under xvfb-run unless --inner is given.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
CLK_TCK = os.sysconf("SC_CLK_TCK")
TARGET_CPU = 12.0  # % of one core, whole process
TARGET_FPS = 30.0


def crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


def run_sender(port, rate, axes, block):
    """Streams frames at the sample clock forever (killed by the parent). vibra_send's own encoder with a
    table-driven CRC-32C (its bitwise one costs a third of a core at 16 kHz, which would disturb the run)."""
    sys.path.insert(0, os.path.join(SRC, "tools"))
    import vibra_send as vs
    table = crc32c_table()

    def fast_crc(data):
        crc = 0xFFFFFFFF
        for b in data:
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
        return crc ^ 0xFFFFFFFF

    assert fast_crc(b"123456789") == vs.crc32c(b"123456789") == 0xE3069283
    vs.crc32c = fast_crc
    # The test signal repeats every 2000 samples: precompute one period of interleaved values.
    period = [vs.test_value(i, a) for i in range(2000) for a in range(axes)]
    fd = os.open(port, os.O_WRONLY | os.O_NOCTTY)  # socat made it raw
    os.write(fd, b"\0")
    start = time.monotonic()
    seq = first = 0
    while True:
        due = start + (first + block) / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        k = first % 2000
        vals = (period * 2)[k * axes:(k + block) * axes] if k + block > 2000 else period[k * axes:(k + block) * axes]
        f = vs.encode_frame(1, seq & 0xFFFFFFFF, first, vals, rate, axes, "i16", 1.0 / 1000)
        data = vs.cobs_encode(f) + b"\0"
        while data:
            data = data[os.write(fd, data):]
        seq += 1
        first += block


def proc_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime (fields 14, 15)


def find_xvfb():
    """The Xvfb that xvfb-run (our parent) started: a child of our parent named Xvfb."""
    parent = os.getppid()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                s = f.read()
        except OSError:
            continue
        comm = s[s.index("(") + 1:s.rindex(")")]
        ppid = int(s.rsplit(")", 1)[1].split()[1])
        if comm == "Xvfb" and ppid == parent:
            return int(d)
    return None


def load_average():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def measure(app, host, seconds, warmup, no_draw, xvfb):
    """Runs one dashboard; returns its CPU %, redraws/s and counters over [warmup, warmup + seconds]."""
    cmd = [app, "--no-restore", "--source", "serial://%s?format=frame&id=pty" % host, "--time-window", "1",
           "--print-stats"] + (["--no-draw"] if no_draw else [])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    errors = []
    threading.Thread(target=lambda: errors.extend(proc.stderr), daemon=True).start()
    start = end = None
    try:
        for line in proc.stdout:
            stats = json.loads(line)
            sample = (time.monotonic(), proc_ticks(proc.pid), proc_ticks(xvfb) if xvfb else 0, stats)
            if start is None and stats["t_ms"] >= warmup * 1000:
                start = sample
            elif start is not None and stats["t_ms"] >= start[3]["t_ms"] + seconds * 1000:
                end = sample
                break
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if end is None:
        sys.exit("dashboard_cpu: vibrascope ended early (rc %s):\n%s" % (proc.returncode, "".join(errors)))
    wall = end[0] - start[0]
    span = (end[3]["t_ms"] - start[3]["t_ms"]) / 1000.0
    return {
        "mode": "floor (--no-draw)" if no_draw else "dashboard",
        "seconds": round(wall, 2),
        "cpu_pct": 100.0 * (end[1] - start[1]) / CLK_TCK / wall,
        "xvfb_cpu_pct": 100.0 * (end[2] - start[2]) / CLK_TCK / wall if xvfb else None,
        "redraws_per_s": (end[3]["frames"] - start[3]["frames"]) / span if not no_draw else 0.0,
        "polls_with_new_data_per_s": (end[3]["frames"] - start[3]["frames"]) / span,
        "samples_per_s": (end[3]["received"] - start[3]["received"]) / span,
        "dropped": end[3]["dropped"],
    }


def inner(args):
    app = os.path.abspath(os.path.join(args.build, "app", "vibrascope"))
    if not os.access(app, os.X_OK):
        sys.exit("dashboard_cpu: %s not found: build the vibrascope target first" % app)
    tmp = tempfile.mkdtemp(prefix="dashboard_cpu.")
    dev, host = os.path.join(tmp, "dev"), os.path.join(tmp, "host")
    socat = subprocess.Popen(["socat", "pty,raw,echo=0,link=" + dev, "pty,raw,echo=0,link=" + host])
    sender = None
    try:
        deadline = time.monotonic() + 10
        while not (os.path.exists(dev) and os.path.exists(host)):
            if time.monotonic() > deadline:
                sys.exit("dashboard_cpu: socat did not create the pty pair")
            time.sleep(0.02)
        sender = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--send", dev])
        xvfb = find_xvfb()
        load0 = load_average()
        runs = []
        for _ in range(args.rounds):
            for no_draw in (False, True):
                r = measure(app, host, args.seconds, args.warmup, no_draw, xvfb)
                runs.append(r)
                print("  %-18s cpu %5.1f %%  X server %5s %%  redraws/s %5.1f  samples/s %7.0f  dropped %d" % (
                    r["mode"], r["cpu_pct"],
                    "%.1f" % r["xvfb_cpu_pct"] if r["xvfb_cpu_pct"] is not None else "?",
                    r["redraws_per_s"], r["samples_per_s"], r["dropped"]), flush=True)
        load1 = load_average()
    finally:
        if sender:
            sender.kill()
            sender.wait()
        socat.terminate()
        socat.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    dash = [r for r in runs if r["mode"] == "dashboard"]
    floor = [r for r in runs if r["mode"] != "dashboard"]
    cpu = sum(r["cpu_pct"] for r in dash) / len(dash)
    fps = sum(r["redraws_per_s"] for r in dash) / len(dash)
    cpu_floor = sum(r["cpu_pct"] for r in floor) / len(floor)
    summary = {
        "command": " ".join(sys.argv),
        "load_average": [load0, load1],
        "cpu_pct": round(cpu, 2),
        "redraws_per_s": round(fps, 2),
        "floor_cpu_pct": round(cpu_floor, 2),
        "ratio_to_floor": round(cpu / cpu_floor, 2) if cpu_floor > 0 else None,
        "drawing_cpu_pct": round(cpu - cpu_floor, 2),
        "target": "cpu <= %.0f %% of one core at >= %.0f redraws/s" % (TARGET_CPU, TARGET_FPS),
        "target_met": cpu <= TARGET_CPU and fps >= TARGET_FPS,
        "runs": runs,
    }
    print("dashboard %.1f %% of one core at %.1f redraws/s; floor (--no-draw) %.1f %%; ratio %.2f; drawing %.1f %%"
          " (load average %.1f -> %.1f); target %s: %s" % (
              cpu, fps, cpu_floor, summary["ratio_to_floor"] or 0, cpu - cpu_floor, load0, load1,
              summary["target"], "met" if summary["target_met"] else "NOT met"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build/dev")
    p.add_argument("--seconds", type=float, default=25.0, help="measured window per run")
    p.add_argument("--warmup", type=float, default=5.0, help="seconds before the window starts")
    p.add_argument("--rounds", type=int, default=2, help="dashboard + floor pairs, alternated")
    p.add_argument("--json", help="write the figures here")
    p.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--send", metavar="PTY", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.send:
        run_sender(args.send, 16000.0, 3, 256)
        return
    if args.inner:
        inner(args)
        return
    for tool in ("xvfb-run", "socat"):
        if not shutil.which(tool):
            sys.exit("dashboard_cpu: %s is missing (scripts/install-deps --test)" % tool)
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1400x900x24", sys.executable, os.path.abspath(__file__), "--inner"]
    cmd += sys.argv[1:]
    sys.exit(subprocess.call(cmd))


if __name__ == "__main__":
    main()
