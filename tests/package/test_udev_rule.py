#!/usr/bin/env python3
"""60-vibrascope.rules against simulated USB serial devices: real udev rule processing, no hardware.

Each device (sysfs tree: USB device, interface, tty) is described for umockdev, and `udevadm test` runs on
its tty inside umockdev-run, in a private mount namespace with empty /dev and /run, so the links and
database entries udevadm creates never reach the real system. The user guide's local rule for an extra
device ID is installed in that namespace too, as the guide says. Asserts, per device, what the rule must do
(ModemManager ignore, dialout 0660, uaccess, /dev/vibrascope/<serial>) and, for a modem and an unlisted
product on a shared vendor ID, what it must not do.

Usage: test_udev_rule.py --rules PATH   (copies the rule to the namespace's /run/udev/rules.d)
       test_udev_rule.py --installed    (the rule the package installed in /lib/udev/rules.d)
Exit 77 (skipped) without root, unshare, umockdev-run or udevadm.
"""
import argparse
import grp
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
RULE_NAME = "60-vibrascope.rules"
# Inside the namespace: fresh /dev (null, pts) and /run, the rule (if given) in /run/udev/rules.d.
NAMESPACE_SCRIPT = r"""
set -e
mount -t tmpfs tmpfs /dev
mknod -m 666 /dev/null c 1 3
mkdir /dev/pts
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
ln -s pts/ptmx /dev/ptmx
mount -t tmpfs tmpfs /run
mkdir -p /run/udev/rules.d
if [ -n "$3" ]; then cp "$3" /run/udev/rules.d/60-vibrascope.rules; fi
printf '%s\n' "$4" > /run/udev/rules.d/59-vibrascope-local.rules
exec umockdev-run --device "$1" -- udevadm test "$2"
"""

USB = "/devices/pci0000:00/0000:00:14.0/usb1"
# The local rule docs/user-guide.md ("Add a device ID") tells users to write, verbatim.
LOCAL_RULE = ('SUBSYSTEM=="tty", KERNEL=="ttyUSB[0-9]*|ttyACM[0-9]*", ATTRS{idVendor}=="1209", '
              'ATTRS{idProduct}=="0001", ENV{VIBRASCOPE_DEVICE}="1"')


class Device:
    def __init__(self, name, vid, pid, serial, tty, iface="00", driver="ftdi_sio", port=1):
        self.name, self.vid, self.pid, self.serial, self.tty = name, vid, pid, serial, tty
        self.iface, self.driver, self.port = iface, driver, port

    def umockdev(self):
        dev = f"{USB}/1-{self.port}"
        intf = f"{dev}/1-{self.port}:1.{int(self.iface)}"
        lines = [f"P: {dev}", f"N: bus/usb/001/{self.port + 1:03d}", "E: DEVTYPE=usb_device", "E: DRIVER=usb",
                 "E: SUBSYSTEM=usb", f"A: idVendor={self.vid}", f"A: idProduct={self.pid}",
                 "A: manufacturer=Test", f"A: product={self.name}", "A: bDeviceClass=00", "A: busnum=1",
                 f"A: devnum={self.port + 1}"]
        if self.serial:
            lines.append(f"A: serial={self.serial}")
        cls = "02" if self.driver == "cdc_acm" else "ff"
        lines += ["", f"P: {intf}", "E: DEVTYPE=usb_interface", f"E: DRIVER={self.driver}", "E: SUBSYSTEM=usb",
                  f"A: bInterfaceNumber={self.iface}", f"A: bInterfaceClass={cls}", "A: bInterfaceSubClass=02",
                  "A: bInterfaceProtocol=01", ""]
        if self.tty.startswith("ttyUSB"):
            lines += [f"P: {intf}/{self.tty}", f"E: DRIVER={self.driver}", "E: SUBSYSTEM=usb-serial",
                      "A: port_number=0", ""]
            tty = f"{intf}/{self.tty}/tty/{self.tty}"
            major = 188
        else:
            tty = f"{intf}/tty/{self.tty}"
            major = 166
        lines += [f"P: {tty}", f"N: {self.tty}", f"E: DEVNAME=/dev/{self.tty}", f"E: MAJOR={major}",
                  f"E: MINOR={int(self.tty[6:])}", "E: SUBSYSTEM=tty", ""]
        return "\n".join(lines), tty


def udev_test(device, rules, workdir):
    desc, syspath = device.umockdev()
    path = os.path.join(workdir, f"{device.tty}.umockdev")
    with open(path, "w") as f:
        f.write(desc)
    proc = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", NAMESPACE_SCRIPT, "sh",
                           path, "/sys" + syspath, rules or "", LOCAL_RULE],
                          capture_output=True, text=True, timeout=60)
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise AssertionError(f"{device.name}: udevadm test exited {proc.returncode}:\n{out}")
    props = {}
    for line in proc.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.replace("_", "").replace(".", "").isalnum() and key.upper() == key:
            props[key] = value
    if props.get("DEVNAME") != f"/dev/{device.tty}":
        raise AssertionError(f"{device.name}: udevadm did not process the simulated device:\n{out}")
    return props, out


def main():
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--rules")
    g.add_argument("--installed", action="store_true")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIPPED: needs root (private mount namespace for udevadm test)")
        return SKIP
    missing = [t for t in ("unshare", "umockdev-run", "udevadm") if not shutil.which(t)]
    if missing:
        print(f"SKIPPED: missing {', '.join(missing)} (scripts/install-deps --test)")
        return SKIP
    rules = None if a.installed else os.path.abspath(a.rules)
    if a.installed and not any(os.path.exists(os.path.join(d, RULE_NAME))
                               for d in ("/lib/udev/rules.d", "/usr/lib/udev/rules.d")):
        print(f"FAIL: {RULE_NAME} is not installed")
        return 1
    dialout = str(grp.getgrnam("dialout").gr_gid)

    # (device, expected /dev/vibrascope link or None, matched by the rule)
    cases = [
        (Device("FT232R", "0403", "6001", "VSCHK001", "ttyUSB0"), "vibrascope/VSCHK001", True),
        (Device("FT2232H port B", "0403", "6010", "VSCHK002", "ttyUSB1", iface="01", port=2),
         "vibrascope/VSCHK002-if01", True),
        (Device("CH340 without serial", "1a86", "7523", None, "ttyUSB2", driver="ch341", port=3), None, True),
        (Device("Arduino Uno R3", "2341", "0043", "85735313932351F0F1A1", "ttyACM0", driver="cdc_acm", port=4),
         "vibrascope/85735313932351F0F1A1", True),
        (Device("ESP32-S3 USB serial", "303a", "1001", "F4:12:FA:00:11:22", "ttyACM1", driver="cdc_acm",
                port=5), "vibrascope/F4:12:FA:00:11:22", True),
        (Device("Teensy serial", "16c0", "0483", "12345670", "ttyACM2", driver="cdc_acm", port=6),
         "vibrascope/12345670", True),
        # An ID added the documented way, in /etc/udev/rules.d/59-vibrascope-local.rules
        (Device("pid.codes test device (local rule)", "1209", "0001", "LOCAL0001", "ttyACM4", driver="cdc_acm",
                port=9), "vibrascope/LOCAL0001", True),
        # Negative controls: a USB modem, and another product on Teensy's shared vendor ID.
        (Device("Huawei modem", "12d1", "1506", "MODEM0001", "ttyUSB3", driver="option", port=7), None, False),
        (Device("V-USB device on 16c0", "16c0", "05dc", "VUSB0001", "ttyACM3", driver="cdc_acm", port=8),
         None, False),
    ]
    passed = failed = 0
    guide = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "user-guide.md")
    if LOCAL_RULE in open(guide).read():
        passed += 1
    else:
        print(f"FAIL docs/user-guide.md no longer shows the local rule this test checks: {LOCAL_RULE}")
        failed += 1
    with tempfile.TemporaryDirectory() as work:
        for dev, link, matched in cases:
            try:
                props, log = udev_test(dev, rules, work)
                links = props.get("DEVLINKS", "").split()
                tags = props.get("TAGS", "")
                problems = []
                if matched:
                    if props.get("VIBRASCOPE_DEVICE") != "1":
                        problems.append("VIBRASCOPE_DEVICE not set")
                    if props.get("ID_MM_DEVICE_IGNORE") != "1":
                        problems.append("ID_MM_DEVICE_IGNORE not 1")
                    if ":uaccess:" not in tags:
                        problems.append(f"no uaccess tag (TAGS={tags})")
                    ours = [ln for ln in log.splitlines() if RULE_NAME in ln]
                    if not any(f"GROUP {dialout}" in ln for ln in ours):
                        problems.append(f"{RULE_NAME} did not set GROUP {dialout} (dialout)")
                    if not any("MODE 0660" in ln for ln in ours):
                        problems.append(f"{RULE_NAME} did not set MODE 0660")
                    want = [f"/dev/{link}"] if link else []
                    have = [ln for ln in links if ln.startswith("/dev/vibrascope/")]
                    if have != want:
                        problems.append(f"/dev/vibrascope links {have}, expected {want}")
                else:
                    if "VIBRASCOPE_DEVICE" in props or "ID_MM_DEVICE_IGNORE" in props or ":uaccess:" in tags:
                        problems.append("matched a device the rule must leave alone: "
                                        f"VIBRASCOPE_DEVICE={props.get('VIBRASCOPE_DEVICE')}, "
                                        f"ID_MM_DEVICE_IGNORE={props.get('ID_MM_DEVICE_IGNORE')}, TAGS={tags}")
                    if any(ln.startswith("/dev/vibrascope/") for ln in links):
                        problems.append(f"got a /dev/vibrascope link: {links}")
                if problems:
                    raise AssertionError(f"{dev.name} ({dev.vid}:{dev.pid}): " + "; ".join(problems))
                print(f"ok   {dev.name} ({dev.vid}:{dev.pid}) -> "
                      + (", ".join(ln for ln in links if "vibrascope" in ln) or "no vibrascope link")
                      + ("" if matched else " (left alone)"))
                passed += 1
            except (AssertionError, subprocess.SubprocessError) as err:
                print(f"FAIL {err}")
                failed += 1
    print(f"udev rule: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
