"""Shared helpers of the vibra-loadgen tests: binaries from the environment, the bare server as a
subprocess, a check() collector. Synchronisation is on events (the server's "listening" line, process
exit), with deadlines; nothing waits on a bare sleep."""
import json
import os
import re
import signal
import socket
import subprocess
import sys

LOADGEN = os.environ["LOADGEN"]
BARE_SERVER = os.environ["BARE_SERVER"]
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg, flush=True)
    return cond


def finish():
    print(f"{'all' if not failures else len(failures)} {'passed' if not failures else 'failed'}")
    sys.exit(1 if failures else 0)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BareServer:
    """vibra-bare-server on a free port; stop() returns its JSON summary."""

    def __init__(self, token=""):
        args = [BARE_SERVER, "--listen", "127.0.0.1:0"] + (["--token", token] if token else [])
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, "VIBRASCOPE_TOKEN": ""})
        line = self.proc.stderr.readline()  # blocks until the server listens (or exits)
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if not m:
            raise RuntimeError(f"bare server did not start: {line!r} {self.proc.stderr.read()}")
        self.port = int(m.group(1))
        self.url = f"ws://127.0.0.1:{self.port}/ingest"

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=30)
        check(self.proc.returncode == 0, f"bare server exit {self.proc.returncode}: {err[-500:]}")
        return json.loads(out)


def run_loadgen(args, timeout=90, env=None):
    """Runs vibra-loadgen to completion; returns (returncode, parsed stdout or None, stderr)."""
    p = subprocess.run([LOADGEN, *args], capture_output=True, text=True, timeout=timeout,
                       env={**os.environ, **(env or {})})
    try:
        doc = json.loads(p.stdout) if p.stdout.strip() else None
    except json.JSONDecodeError as e:
        check(False, f"loadgen stdout is not one JSON document: {e}: {p.stdout[:300]!r}")
        doc = None
    return p.returncode, doc, p.stderr
