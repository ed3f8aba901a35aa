"""The dashboard watches published devices live and read-only: `vibrascope --source redis://HOST:PORT/PREFIX`.

The real GUI binary (offscreen platform) is started while Redis is still down (it must come up, say so on
stderr and keep retrying), then a real redis-server (AOF everysec) and real edge recorders
(`record --source sim://… --publish`) appear: the dashboard's own `--print-stats` lines (device count, samples
received, gaps, drops) show the devices arriving and their samples flowing, a second edge that starts later is
discovered, a Redis restart is survived (samples keep flowing afterwards, no gap: the edge re-sends what Redis
lacks and the watcher resumes from its last id), and Redis is left as the edges wrote it (no consumer group,
no group command ever ran). SIGTERM closes the dashboard with exit 0. Every wait is a polled condition with a
deadline."""
import json
import os
import signal
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
from redis_util import VIBRASCOPE, Redis, check, finish, vibrascope, wait_until  # noqa: E402

redis = Redis(aof=True)
redis.stop()  # the dashboard starts first, while nothing listens on the port
url = f"redis://127.0.0.1:{redis.port}/plant"
procs = []
stats = []  # --print-stats lines of the dashboard
errors = []  # its stderr lines


def pump(stream, out, parse):
    for line in stream:
        line = line.strip()
        if parse:
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        else:
            out.append(line)


def last():
    return stats[-1] if stats else {}


def flowing(devices, more_than):
    """The dashboard shows `devices` devices and has received more than `more_than` samples since."""
    s = last()
    return s.get("devices") == devices and s.get("received", 0) > more_than


try:
    gui = subprocess.Popen([VIBRASCOPE, "--no-restore", "--source", url, "--print-stats"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    procs.append(gui)
    threading.Thread(target=pump, args=(gui.stdout, stats, True), daemon=True).start()
    threading.Thread(target=pump, args=(gui.stderr, errors, False), daemon=True).start()

    # Redis unreachable: the window is up (stats every second), no devices, the reason on stderr.
    wait_until(lambda: len(stats) >= 2, 30, "the dashboard's stats while Redis is down")
    check(last().get("devices") == 0, f"no devices while Redis is down: {last()}")
    wait_until(lambda: any("Connection refused" in e and "retrying" in e for e in errors), 20,
               "the dashboard to say Redis is unreachable")
    check(gui.poll() is None, "the dashboard keeps running while Redis is down")

    redis.start()
    edge_a = vibrascope(["record", "--source", "sim://a?rate=2000&axes=2", "--publish", url, "-q"])
    procs.append(edge_a)
    wait_until(lambda: flowing(1, 4000), 30, "device a in the dashboard with samples flowing")
    check(any("connected" in e for e in errors), "the dashboard says when it is connected")

    edge_b = vibrascope(["record", "--source", "sim://b?rate=1000", "--publish", url, "-q"])
    procs.append(edge_b)
    base = last()["received"]
    wait_until(lambda: flowing(2, base + 4000), 30, "device b discovered while watching")

    # Redis restarts mid-stream (clean shutdown; AOF): the dashboard reconnects and samples keep flowing.
    before = last()["received"]
    redis.stop(signal.SIGTERM)
    redis.start()
    wait_until(lambda: flowing(2, before + 20000), 40, "samples flowing again after the Redis restart")
    s = last()
    check(s["gaps"] == 0 and s["missing"] == 0, f"no gap across the Redis restart (AOF): {s}")
    check(s["dropped"] == 0, f"nothing dropped in the dashboard: {s}")
    check(s["frames"] > 0, f"the dashboard drew the watched devices: {s}")

    # Read-only: no consumer group on the streams, no group command ever ran on this server.
    for dev in ("a", "b"):
        key = "plant:{dev:%s}" % dev
        groups = [line for line in redis.cli("XINFO", "GROUPS", key) if line.strip()]
        check(groups == [], f"{key}: no consumer group ({groups})")
    cmdstats = "\n".join(redis.cli("INFO", "commandstats"))
    for cmd in ("xgroup", "xreadgroup", "xack", "xclaim", "xautoclaim", "xdel", "xtrim", "del"):
        check(f"cmdstat_{cmd}:" not in cmdstats and f"cmdstat_{cmd}|" not in cmdstats,
              f"{cmd} never ran (the watcher writes nothing)")
    check("cmdstat_xread:" in cmdstats, "the watcher read with XREAD")

    gui.send_signal(signal.SIGTERM)
    check(gui.wait(timeout=30) == 0, f"the dashboard exits 0 on SIGTERM (got {gui.returncode})")
    print(f"dashboard: {last()}")
finally:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
    redis.stop(signal.SIGKILL)
finish()
