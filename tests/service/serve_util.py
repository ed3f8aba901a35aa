"""Helpers for the `vibrascope serve` tests: start a real server process on a free loopback port, call it with
http.client, read its metrics. Loopback only; every wait is bounded by a deadline."""
import base64
import http.client
import json
import os
import socket
import struct
import subprocess
import time

VIBRASCOPE = os.environ["VIBRASCOPE"]
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg, flush=True)
    return cond


def finish():
    if failures:
        print(f"{len(failures)} check(s) failed")
        raise SystemExit(1)
    print("all checks passed")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(cond, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


class Server:
    def __init__(self, args, port=None, env=None):
        self.port = port or free_port()
        self.args = [VIBRASCOPE, "serve", "--http", f"127.0.0.1:{self.port}", "-q"] + args
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen(self.args, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=e)
        wait_until(self._up, 20, "the server to accept connections")

    def _up(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"serve exited early ({self.proc.returncode}): {self.proc.stderr.read()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def request(self, method, path, token=None, body=None, headers=None, timeout=30):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        if token:
            h["Authorization"] = f"Bearer {token}"
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            h["Content-Type"] = "application/json"
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data, dict(r.getheaders())

    def json(self, method, path, token=None, body=None):
        status, data, _ = self.request(method, path, token, body)
        try:
            return status, json.loads(data)
        except ValueError:
            return status, data

    def metrics(self, token):
        status, data, headers = self.request("GET", "/metrics", token)
        assert status == 200, f"/metrics answered {status}"
        return data.decode(), headers

    def stop(self, sig=None, timeout=60):
        import signal as _s
        self.proc.send_signal(sig or _s.SIGTERM)
        try:
            _, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        self.stderr = err
        return self.proc.returncode


def metric_values(text):
    """{(name, frozenset(labels)): value} parsed with python3-prometheus-client (an independent parser)."""
    from prometheus_client.parser import text_string_to_metric_families
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def metric(values, name, **labels):
    return values.get((name, frozenset(labels.items())))


def json_block(seq, first, n, rate=1000.0, axes=1, value=lambda i: float(i)):
    """A JSON block (docs/protocol.md) with float32 "data": sample i of axis a = value(first + i) + a."""
    raw = b"".join(struct.pack("<" + "f" * axes, *[value(first + i) + a for a in range(axes)]) for i in range(n))
    return {"v": 1, "seq": seq, "first": first, "rate_hz": rate, "axes": axes, "fmt": "f32", "n": n,
            "data": base64.b64encode(raw).decode()}
