#!/usr/bin/env python3
"""The files installer/ ships, validated by the tools distributions use, before anything is installed.

desktop-file-validate on the desktop entry; appstreamcli validate (no network) on the configured metainfo,
whose <modalias> list must name exactly the USB IDs of the udev rule; systemd-analyze verify on the unit
(pointed at this build's binary, since /usr/bin/vibrascope need not exist here) with no complaint about it;
systemd-sysusers on the sysusers.d file in a scratch root (a system user and group vibrascope in dialout); the
default configuration parses as TOML; the PNG icons have the size their directory names.
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import tomllib

src = os.environ["VIBRA_SOURCE_DIR"]
build = os.environ["VIBRA_BINARY_DIR"]
binary = os.environ["VIBRASCOPE"]
inst = os.path.join(src, "installer")
app_id = "org.vibrascope.Vibrascope"
failures = []


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=60, **kw)


def check(cond, msg, detail=""):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        failures.append(msg)
        if detail:
            print(detail)


r = run(["desktop-file-validate", os.path.join(inst, f"{app_id}.desktop")])
check(r.returncode == 0 and not r.stdout.strip(), "desktop-file-validate", r.stdout + r.stderr)

metainfo = os.path.join(build, "installer", f"{app_id}.metainfo.xml")
r = run(["appstreamcli", "validate", "--no-net", metainfo])
check(r.returncode == 0, "appstreamcli validate --no-net", r.stdout + r.stderr)

# The rule's USB IDs, read here with a different method than the CMake generator: every vendor[:product].
rules = open(os.path.join(inst, "60-vibrascope.rules")).read()
want = set()
for vendors, products in re.findall(r'^ATTRS\{idVendor\}=="([^"]+)"(?:, ATTRS\{idProduct\}=="([^"]+)")?', rules, re.M):
    for v in vendors.split("|"):
        for p in (products.split("|") if products else ["*"]):
            want.add(f"usb:v{v.upper()}p{p.upper()}" + ("d*" if p != "*" else ""))
have = set(re.findall(r"<modalias>([^<]+)</modalias>", open(metainfo).read()))
check(want and have == want, f"metainfo modaliases = the udev rule's {len(want)} USB IDs",
      f"missing {sorted(want - have)}, extra {sorted(have - want)}")

with tempfile.TemporaryDirectory() as tmp:
    unit = open(os.path.join(inst, "vibrascope.service")).read()
    check("ExecStart=/usr/bin/vibrascope serve " in unit, "unit starts /usr/bin/vibrascope serve")
    local = unit.replace("/usr/bin/vibrascope", binary)
    local = re.sub(r"^Documentation=.*\n", "", local, flags=re.M)  # man page not installed in a build tree
    path = os.path.join(tmp, "vibrascope.service")
    open(path, "w").write(local)
    r = run(["systemd-analyze", "verify", path])
    complaints = [ln for ln in (r.stdout + r.stderr).splitlines() if "vibrascope" in ln]
    check(r.returncode == 0 and not complaints, "systemd-analyze verify vibrascope.service", "\n".join(complaints))

if shutil.which("systemd-sysusers") and os.geteuid() == 0:  # writes files owned by root
    with tempfile.TemporaryDirectory() as root:
        # A root directory with this machine's groups (dialout) and no vibrascope account yet.
        os.makedirs(os.path.join(root, "etc"))
        for f in ("passwd", "group"):
            lines = [ln for ln in open(f"/etc/{f}") if not ln.startswith("vibrascope:")]
            lines = [re.sub(r"(,vibrascope\b|\bvibrascope,?)(?=[^:]*$)", "", ln) if ln.startswith("dialout:") else ln
                     for ln in lines]
            open(os.path.join(root, "etc", f), "w").writelines(lines)
        for f in ("shadow", "gshadow"):
            open(os.path.join(root, "etc", f), "w").close()
        r = run(["systemd-sysusers", f"--root={root}", os.path.join(inst, "vibrascope.sysusers")])
        passwd = {ln.split(":")[0]: ln.rstrip("\n").split(":") for ln in open(os.path.join(root, "etc", "passwd"))}
        group = {ln.split(":")[0]: ln.rstrip("\n").split(":") for ln in open(os.path.join(root, "etc", "group"))}
        user = passwd.get("vibrascope")
        check(r.returncode == 0 and user is not None and int(user[2]) < 1000 and user[5] == "/var/lib/vibrascope"
              and user[6].endswith("nologin") and group.get("vibrascope", [None, None, None])[2] == user[3],
              f"systemd-sysusers: system user vibrascope {user}", r.stdout + r.stderr)
        check("vibrascope" in group.get("dialout", ["", "", "", ""])[3].split(","),
              f"systemd-sysusers: vibrascope in dialout {group.get('dialout')}")

with open(os.path.join(inst, "vibrascope.toml"), "rb") as f:
    try:
        tomllib.load(f)
        check(True, "vibrascope.toml is valid TOML")
    except tomllib.TOMLDecodeError as err:
        check(False, f"vibrascope.toml: {err}")

icons = os.path.join(build, "installer", "icons")
if os.path.isdir(icons):
    for d in sorted(os.listdir(icons)):
        data = open(os.path.join(icons, d, f"{app_id}.png"), "rb").read(24)
        w, h = struct.unpack(">II", data[16:24])
        check(data[:8] == b"\x89PNG\r\n\x1a\n" and f"{w}x{h}" == d, f"icon {d}: PNG {w}x{h}")
else:
    print("note: no PNG icons in this build (rsvg-convert not found)")

print(f"installer files: {len(failures)} failures")
sys.exit(1 if failures else 0)
