"""`serve --publish` on an edge and `serve --consume` on the centre expose the Redis families on /metrics
(checked with promtool when installed): the edge's published samples, the centre's lag, pending and acked
entries per device stream."""
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from redis_util import Redis, check, finish, free_port, vibrascope, wait_until  # noqa: E402
import tempfile  # noqa: E402

tmp = tempfile.mkdtemp(prefix="vibra-redis-serve-")
redis = Redis(aof=False)
url = f"redis://127.0.0.1:{redis.port}/site"
edge_port, central_port = free_port(), free_port()
procs = []


def metrics(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
            return r.read().decode()
    except OSError:
        return ""


def value(text, name, **labels):
    sel = ",".join(f'{k}="{v}"' for k, v in labels.items())
    m = re.search(rf"^{name}{{{re.escape(sel)}}} (\S+)$" if sel else rf"^{name} (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


try:
    edge = vibrascope(["serve", "--http", f"127.0.0.1:{edge_port}", "--source", "sim://m1", "--publish", url,
                       "--db", os.path.join(tmp, "edge.db"), "-q"])
    central = vibrascope(["serve", "--http", f"127.0.0.1:{central_port}", "--consume",
                          f"{url}?group=g&consumer=c", "--db", os.path.join(tmp, "central.db"), "--raw", "-q"])
    # a second edge in features mode (rollups and events): the centre's features consumer
    thin = vibrascope(["record", "--source", "sim://f1", "--publish", f"{url}?mode=features", "--duration", "60",
                       "-q"])
    procs += [edge, central, thin]
    wait_until(lambda: (value(metrics(edge_port), "vibrascope_redis_published_samples_total", device="m1") or 0) > 0,
               30, "the edge to publish")
    wait_until(lambda: (value(metrics(central_port), "vibrascope_redis_entries_total", device="m1",
                              result="acked") or 0) > 0, 30, "the centre to acknowledge entries")
    wait_until(lambda: (value(metrics(central_port), "vibrascope_redis_features_entries_total",
                              result="acked") or 0) > 0, 30, "the centre to acknowledge feature entries")
    e, c = metrics(edge_port), metrics(central_port)
    check(value(c, "vibrascope_redis_features_connected") == 1 and
          value(c, "vibrascope_redis_features_entries_total", result="rollup") >=
          value(c, "vibrascope_redis_features_entries_total", result="acked") > 0,
          "centre features consumer connected, rollups handed to the writer and acked")
    check(value(e, "vibrascope_redis_publish_connected") == 1, "edge publisher connected")
    check(value(e, "vibrascope_redis_publish_dropped_samples_total", device="m1", reason="buffer_overflow") == 0,
          "no buffer overflow")
    check(value(c, "vibrascope_redis_consume_connected") == 1, "centre consumer connected")
    wait_until(lambda: value(metrics(central_port), "vibrascope_redis_stream_lag", device="m1") is not None, 10,
               "lag to be known")
    check(value(metrics(central_port), "vibrascope_redis_stream_pending", device="m1") is not None, "pending shown")
    check(value(metrics(central_port), "vibrascope_redis_stream_owned", device="m1") == 1,
          "the only consumer of the group owns the device's stream")
    if shutil.which("promtool"):
        for text in (e, c):
            r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
            problems = [l for l in (r.stdout + r.stderr).splitlines() if "redis" in l]
            check(not problems, f"promtool on the redis families: {problems}")
    for p in (edge, central):
        p.send_signal(signal.SIGTERM)
    for p in (edge, central):
        p.wait(timeout=60)
        check(p.returncode == 0, f"exit code {p.returncode}: {p.stderr.read()[-1500:]}")
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    redis.stop(signal.SIGKILL)
finish()
