#!/usr/bin/env python3
"""`vibrascope serve --config FILE` (TOML): the installed default configuration passes --check-config; a
file using every key passes; every kind of mistake (TOML syntax, unknown key, wrong type, bad value, unknown
trigger key, unreadable token file) exits 2 naming FILE:LINE and the key (lines found in the file by this
test); options on the command line override the file; SIGHUP applies sources added/removed, alarm rules and
tokens, names what needs a restart, and keeps running unchanged when the new file has errors. Loopback only,
bounded in time."""
import os
import re
import signal
import subprocess
import tempfile
import time

from serve_util import VIBRASCOPE, Server, check, finish, free_port, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
INSTALLED = os.path.join(HERE, "..", "..", "installer", "vibrascope.toml")


def check_config(path, *extra):
    p = subprocess.run([VIBRASCOPE, "serve", "--check-config", path, *extra], capture_output=True, text=True,
                       timeout=60)
    return p.returncode, p.stdout + p.stderr


def line_of(text, needle):
    for n, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(needle)


def devices(srv, token):
    st, r = srv.json("GET", "/api/devices", token)
    return sorted(d["device"] for d in r["devices"]) if st == 200 else st


with tempfile.TemporaryDirectory() as tmp:
    # --- the installed default configuration
    rc, out = check_config(INSTALLED)
    check(rc == 0 and "OK" in out, f"installer/vibrascope.toml passes --check-config: {rc} {out}")

    # --- every key
    tok = os.path.join(tmp, "control.token")
    rtok = os.path.join(tmp, "read.token")
    open(tok, "w").write("ctl-from-file\n")
    open(rtok, "w").write("reader-from-file\n")
    full = os.path.join(tmp, "full.toml")
    open(full, "w").write(f"""
sources = ["sim://a", "sim://b?profile=bearing"]
db = "{tmp}/full.db"
parquet = "{tmp}/pq"
rotate = "1min"
raw = true
durable = false
retain_raw = "2d"
retain_rollups = "30d"
alarms = ["velocity>4.5,hysteresis=0.5", "crest>6,delay=3"]
alarm_zone = "C"
workers = 2
max_devices = 50
duration = 3600
quiet = true
verbose = false
report_json = "{tmp}/report.json"
trigger_dir = "{tmp}/trig"

[http]
listen = "127.0.0.1:8080"
token_file = "{tok}"
read_tokens = ["r1"]
read_token_files = ["{rtok}"]
max_body = 65536
max_connections = 32
header_timeout = 5
idle_timeout = 7.5

[webhooks]
urls = ["http://127.0.0.1:9/a", "https://example.invalid/b"]
attempts = 4
timeout = 2.5
queue = 10
dead_letter = "{tmp}/dead.jsonl"

[[triggers]]
name = "hi"
device = "b"
when = "rms>0.5,hysteresis=0.1"
pre = "2s"
post = "3s"
holdoff = "1min"

[[triggers]]
name = "ext"
device = "a"
external = true
pre = "1s"
post = "1s"
max = "5min"

[[triggers]]
name = "sch"
device = "a"
every = "10min"
duration = "30s"
""")
    rc, out = check_config(full)
    check(rc == 0 and "2 source(s), 3 alarm rule(s), 3 trigger(s), 2 webhook(s)" in out,
          f"a file with every key passes: {rc} {out}")

    # --- mistakes: exit 2, FILE:LINE: key 'K'
    cases = [
        ('db = "x.db"\ncolour = "blue"\n', "colour = ", "colour", "unknown key"),
        ('db = "x.db"\n[http]\nmax_body = "big"\n', "max_body", "http.max_body", "expected an integer"),
        ('db = "x.db"\n[http]\n\nmax_connections = 0\n', "max_connections", "http.max_connections",
         "--max-connections must be"),
        ('db = "x.db"\n\nalarms = ["rms>0.5", "velocity>>4"]\n', "alarms", "alarms[1]", "alarm rule"),
        ('db = "x.db"\nworkers = 2\nsources = ["sim://a",\n', None, None, "TOML syntax"),
        ('db = "x.db"\n[[triggers]]\nname = "t"\ndevice = "a"\ncolor = "red"\n', "color", "triggers[0].color",
         "unknown trigger key"),
        ('db = "x.db"\n[[triggers]]\nname = "t"\ndevice = "a"\npre = "2 parsecs"\nexternal = true\n', "[[triggers]]",
         "triggers[0]", "pre must be a duration"),
        (f'db = "x.db"\n[http]\ntoken_file = "{tmp}/missing"\n', "token_file", "http.token_file", "cannot read"),
        ('db = "x.db"\n[webhooks]\nurls = ["ftp://x/y"]\n', "urls", "webhooks.urls[0]", "--webhook must be"),
        ('db = "x.db"\n[http]\nlisten = "0.0.0.0:8080"\n', "listen", "http.listen", "needs --token"),
        ('sources = ["nosuch://x"]\ndb = "x.db"\n', None, None, "source 'nosuch://x'"),
        ('[http]\nwhat = 1\n', "what", "http.what", "unknown key in [http]"),
        ('db = "x.db"\n# café in a comment is fine\nalarm_zone = "é"\n', 'alarm_zone', None, "\\uXXXX escape"),
    ]
    for i, (text, needle, key, why) in enumerate(cases):
        path = os.path.join(tmp, f"bad{i}.toml")
        open(path, "w").write(text)
        rc, out = check_config(path)
        where = (f"{path}:{line_of(text, needle)}" + (f": key '{key}'" if key else "")) if needle else path
        check(rc == 2 and where in out and why in out, f"case {i}: exit 2 with '{where}' and '{why}': {rc} {out}")
    rc, out = check_config(os.path.join(tmp, "nonexistent.toml"))
    check(rc == 2 and "cannot open" in out, f"a missing file: {rc} {out}")
    # The command line overrides a bad value of the file.
    rc, out = check_config(os.path.join(tmp, "bad2.toml"), "--max-connections", "9")
    check(rc == 0, f"--max-connections on the command line overrides the file's bad value: {rc} {out}")

    # --- a running server: command line over file, then SIGHUP
    cfg = os.path.join(tmp, "serve.toml")
    port = free_port()

    def write(text):
        open(cfg + ".new", "w").write(text)
        os.replace(cfg + ".new", cfg)

    write(f'sources = ["sim://a"]\ndb = "{tmp}/s.db"\n[http]\nlisten = "127.0.0.1:{free_port()}"\n'
          f'token = "one"\nread_tokens = ["reader"]\n[[triggers]]\nname = "ext"\ndevice = "a"\nexternal = true\n')
    srv = Server(["--config", cfg], port=port)  # --http on the command line overrides [http] listen
    try:
        check(devices(srv, "one") == ["a"], f"configured source runs, file token works: {devices(srv, 'one')}")
        check(devices(srv, "reader") == ["a"], "read token from the file works")
        st, r = srv.json("GET", "/api/triggers", "one")
        check(st == 200 and [t["name"] for t in r["triggers"]] == ["ext"], f"trigger from [[triggers]]: {r}")
        write(f'sources = ["sim://b", "sim://c"]\ndb = "{tmp}/other.db"\nalarms = ["rms>0.0001"]\n[http]\n'
              f'listen = "127.0.0.1:{free_port()}"\ntoken = "two"\n[[triggers]]\nname = "ext2"\ndevice = "b"\n'
              f'external = true\npre = "250ms"\npost = "250ms"\n')
        srv.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: devices(srv, "two") == ["b", "c"], 15, "sources b and c instead of a")
        check(devices(srv, "one") == 401 and devices(srv, "reader") == 401, "old tokens refused after reload")
        wait_until(lambda: any(e["device"] in ("b", "c") for e in srv.json(
            "GET", "/api/events?type=alarm", "two")[1].get("events", [])), 20, "the reloaded alarm rule to fire")
        st, r = srv.json("GET", "/api/triggers", "two")
        check(st == 200 and [t["name"] for t in r["triggers"]] == ["ext2"], f"triggers replaced on reload: {r}")
        check(srv.json("POST", "/api/triggers/ext/on", "two")[0] == 404, "the old trigger is gone")
        st, r = srv.json("POST", "/api/triggers/ext2/on", "two")
        check(st == 200 and r["changed"], f"the new external trigger switches on: {st} {r}")
        time.sleep(0.5)  # the window's length; nothing to wait for
        st, r = srv.json("POST", "/api/triggers/ext2/off", "two")
        check(st == 200 and not r["on"], f"and off: {r}")
        wait_until(lambda: srv.json("GET", "/api/triggers", "two")[1]["windows_stored"] == 1, 20,
                   "the reloaded trigger to store its window")
        stored = [f for _, _, fs in os.walk(os.path.join(tmp, "triggers", "ext2", "b")) for f in fs]
        check(len(stored) == 1 and stored[0].endswith(".parquet"), f"one window file for ext2/b: {stored}")
        write('db = "broken.db"\nsources = [\n')
        srv.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)  # nothing may change: there is no event to wait for, only that everything stays
        check(devices(srv, "two") == ["b", "c"], "a broken file on SIGHUP changes nothing")
    finally:
        rc = srv.stop()
    err = srv.stderr
    check(rc == 0, f"clean exit, every device balanced: {rc} {err[-1500:]}")
    for line in ["reload: source removed: sim://a (device a)", "reload: source added: sim://b (device b)",
                 "reload: alarms: 1 rule(s) now", "reload: triggers: 1 now", "needs a restart (running values kept): db\n",
                 "TOML syntax", "the configuration has errors; nothing changed"]:
        check(line in err, f"stderr tells '{line}'")
    check("http.listen" not in err, "--http on the command line still overrides the file after a reload")
    check(re.search(r"^\s+a\s+\d+\s+\d+\s+0\s+0\s+yes", err, re.M) is not None, f"removed device a balanced: {err}")
finish()
