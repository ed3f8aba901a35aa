#!/usr/bin/env python3
"""The man pages the build generated (<build>/man/man1, cmake/VibraManPages.cmake) against the binary's help.

Independent of scripts/help2roff's parser: the commands come from `vibrascope --help` by a plain scan, the
options from each `vibrascope <command> --help`, and the pages are read as man renders them. Checks: one page
per command plus vibrascope(1); every page renders with groff -ww and man --warnings without a single warning;
every option the help lists (long and short form) appears in the rendered page; the NAME line carries the
command's summary; the version in the footer is the binary's.
"""
import gzip
import os
import re
import subprocess
import sys

binary = os.environ["VIBRASCOPE"]
mandir = os.path.join(os.environ["VIBRA_BINARY_DIR"], "man", "man1")
env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="200")
failures = []


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=60, env=env, **kw)


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL", msg)
    return cond


top = run([binary, "--help"]).stdout
commands = {}
in_commands = False
for line in top.splitlines():
    if line == "Commands:":
        in_commands = True
    elif in_commands and not line.strip():
        break
    elif in_commands:
        name, summary = line.split(None, 1)
        commands[name] = summary.strip()
check(len(commands) >= 5, f"vibrascope --help lists {len(commands)} commands")
version = run([binary, "--version"]).stdout.split()[-1]

pages = {"vibrascope": None, **{f"vibrascope-{c}": c for c in commands}}
present = sorted(f for f in os.listdir(mandir) if f.endswith(".1.gz"))
check(present == sorted(f"{p}.1.gz" for p in pages), f"pages in {mandir}: {present}, expected {sorted(pages)}")

for page, command in pages.items():
    path = os.path.join(mandir, f"{page}.1.gz")
    if not check(os.path.exists(path), f"{path} missing"):
        continue
    roff = gzip.open(path, "rt", encoding="ascii").read()
    groff = run(["groff", "-ww", "-man", "-Tutf8", "-z"], input=roff)
    check(groff.returncode == 0 and not groff.stderr.strip(), f"groff -ww {page}: {groff.stderr.strip()}")
    man = run(["man", "--warnings", "-l", path])
    check(man.returncode == 0 and not man.stderr.strip(), f"man --warnings -l {page}: {man.stderr.strip()}")
    text = re.sub(r".\x08", "", man.stdout)  # no overstrike even if man was told to
    check(f"vibrascope {version}" in text, f"{page}: footer lacks 'vibrascope {version}'")
    help_text = run([binary] + ([command] if command else []) + ["--help"]).stdout
    options = set(re.findall(r"^ +(?:(-[a-zA-Z]), )?(--[a-z][a-z0-9-]*)", help_text, re.M))
    check(options, f"{page}: no options found in the help")
    for short, long in options:
        check(long in text, f"{page}: {long} missing")
        if short:
            check(re.search(rf"(?<![\w-]){re.escape(short)}\b", text), f"{page}: {short} missing")
    if command:
        name_line = text.split("NAME", 1)[1].strip().splitlines()[0]
        check(commands[command].split()[0] in name_line, f"{page}: NAME '{name_line}' lacks the summary")
        check("vibrascope(1)" in text, f"{page}: SEE ALSO lacks vibrascope(1)")
    else:
        for c in commands:
            check(f"vibrascope-{c}(1)" in text, f"vibrascope(1) does not refer to vibrascope-{c}(1)")
    print(f"ok   {page}: {len(options)} options, no warnings")

print(f"man pages: {len(pages)} checked, {len(failures)} failures")
sys.exit(1 if failures else 0)
