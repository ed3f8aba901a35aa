"""A real headless Chromium driven over the DevTools protocol (CDP) with python3-websockets: navigate, evaluate
JavaScript, set the viewport and colour scheme, take PNG screenshots. No npm, no WebDriver. Every wait has a
deadline."""
import asyncio
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time

import websockets


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    def __init__(self, width=1280, height=900):
        exe = find_chromium()
        if not exe:
            raise FileNotFoundError("chromium not found (Debian package 'chromium'; scripts/install-deps --test)")
        self.profile = tempfile.mkdtemp(prefix="vibra-chromium-")
        args = [exe, "--headless=new", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", "--disable-dev-shm-usage",
                "--remote-debugging-port=0", f"--user-data-dir={self.profile}", f"--window-size={width},{height}",
                "--hide-scrollbars", "--force-device-scale-factor=1", "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run its sandbox as root
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not os.path.exists(port_file) or os.path.getsize(port_file) == 0:
            if self.proc.poll() is not None:
                raise RuntimeError("chromium exited: " + self.proc.stderr.read().decode(errors="replace")[-2000:])
            if time.time() > deadline:
                raise TimeoutError("chromium did not open its DevTools port within 30 s")
            time.sleep(0.05)
        port = int(open(port_file).read().split()[0])
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.ws = self.loop.run_until_complete(
            websockets.connect(f"ws://127.0.0.1:{port}{open(port_file).read().split()[1]}", max_size=None))
        self.next_id = 0
        target = self._cmd("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self._cmd("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.cmd("Page.enable")
        self.cmd("Runtime.enable")
        self.set_viewport(width, height)

    def _cmd(self, method, params=None, session=None, timeout=60):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        my_id = self.next_id

        async def run():
            await self.ws.send(json.dumps(msg))
            while True:
                reply = json.loads(await self.ws.recv())
                if reply.get("id") == my_id:
                    return reply

        reply = self.loop.run_until_complete(asyncio.wait_for(run(), timeout))
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def cmd(self, method, params=None, timeout=60):
        return self._cmd(method, params, self.session, timeout)

    def navigate(self, url):
        self.cmd("Page.navigate", {"url": url})

    def eval(self, expression):
        r = self.cmd("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"page script failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait(self, expression, seconds, what):
        """Polls a JavaScript expression until it is truthy (returns its value) or the deadline passes."""
        deadline = time.time() + seconds
        last = None
        while time.time() < deadline:
            try:
                value = self.eval(expression)
                if value:
                    return value
                last = value
            except RuntimeError as e:  # e.g. the page is still loading: not a value, keep polling
                last = str(e)
            time.sleep(0.1)
        raise AssertionError(f"timed out after {seconds} s waiting for {what} (last value: {last!r})")

    def set_viewport(self, width, height, mobile=False):
        self.cmd("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})

    def set_dark(self, dark):
        self.cmd("Emulation.setEmulatedMedia",
                 {"features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})

    def screenshot(self, path, full_page=False):
        params = {"format": "png", "captureBeyondViewport": full_page}
        data = base64.b64decode(self.cmd("Page.captureScreenshot", params)["data"])
        with open(path, "wb") as f:
            f.write(data)
        return path

    def close(self):
        try:
            self.loop.run_until_complete(self.ws.close())
        except Exception:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)
