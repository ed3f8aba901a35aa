"""Helpers for the Redis Streams tests: a real redis-server (Debian) on a free loopback port in a temporary
directory, redis-cli for inspection, vibrascope processes. Every wait is a polled condition with a deadline."""
import os
import signal
import socket
import subprocess
import tempfile
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


def wait_until(cond, seconds, what, state=None):
    """Polls cond until it is true; on timeout fails with what (and state(), the observed state)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}" + (f": {state()}" if state else ""))


class Redis:
    """redis-server with AOF (appendfsync everysec), as docs/scaling.md asks for."""

    def __init__(self, aof=True):
        self.dir = tempfile.mkdtemp(prefix="vibra-redis-")
        self.port = free_port()
        self.aof = aof
        self.proc = None
        self.start()

    def start(self):
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir, "--save", "",
                "--logfile", os.path.join(self.dir, "redis.log")]
        if self.aof:
            args += ["--appendonly", "yes", "--appendfsync", "everysec"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: self.ping(), 10, "redis-server to answer PING")

    def ping(self):
        try:
            return self.cli("PING") == ["PONG"]
        except subprocess.SubprocessError:
            return False

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=20)

    def cli(self, *args):
        out = subprocess.run(["redis-cli", "--raw", "-p", str(self.port), *args], capture_output=True, timeout=10,
                             check=True)
        return out.stdout.decode("latin-1").splitlines()

    def group_info(self, key, group):
        """XINFO GROUPS as a dict for one group (lag, pending, ...), or None."""
        try:
            lines = self.cli("XINFO", "GROUPS", key)
        except subprocess.SubprocessError:
            return None
        info, i = {}, 0
        groups = []
        while i + 1 < len(lines):
            k, v = lines[i], lines[i + 1]
            if k == "name" and info:
                groups.append(info)
                info = {}
            info[k] = v
            i += 2
        if info:
            groups.append(info)
        for g in groups:
            if g.get("name") == group:
                return g
        return None


def vibrascope(args, **kw):
    return subprocess.Popen([VIBRASCOPE, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kw)


class Proxy:
    """A TCP relay on a loopback port to target_port, to cut one client's link: cut() closes every relayed
    connection and refuses new ones (the port stays bound, so nothing else can take it); restore() accepts
    again."""

    def __init__(self, target_port):
        import threading
        self.target = target_port
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.conns = []
        self.open = True
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import threading
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                if not self.open:
                    c.close()
                    continue
                try:
                    u = socket.create_connection(("127.0.0.1", self.target), timeout=5)
                except OSError:
                    c.close()
                    continue
                self.conns += [c, u]
            threading.Thread(target=self._pipe, args=(c, u), daemon=True).start()
            threading.Thread(target=self._pipe, args=(u, c), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        with self.lock:
            self.open = False
            self.cuts += 1
            for c in self.conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                c.close()
            self.conns = []

    def restore(self):
        with self.lock:
            self.open = True

    def close(self):
        self.cut()
        self.sock.close()
