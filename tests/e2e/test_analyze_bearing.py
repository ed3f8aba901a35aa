#!/usr/bin/env python3
"""`vibrascope analyze` bearing verdicts and interpolated readings end to end, on the built-in simulator
(backend/io/SimSignalGenerator: periodic impacts exciting a damped resonance, shaft 1x-3x, noise):

1. healthy machines (profile=machine, several seeds, speeds, noise levels): no defect line detected;
2. outer-race faults (profile=bearing, defect = BPFO with -1.5 .. +1 % slip, several speeds and resonances):
   BPFO detected within 1 % of the simulated rate, nothing else detected;
3. impacts at the BPFI rate without shaft modulation (the simulator has none): BPFI is not detected, and the
   reason is the missing shaft sidebands (the rule asks for them);
4. the same faulty record through record --raw -> export --level raw -> a one-column CSV -> file:// gives
   the same verdict and frequency as the simulator directly;
5. a 1 kHz record: the default velocity band is clamped to 0.45 x rate with a note; shaft harmonics are
   interpolated (29.5 Hz reads 29.5, not the line centre); --help points at docs/dsp.md.
The expected values are the simulator's parameters and the bearing formulas (docs/dsp.md section 9).
"""
import csv
import json
import math
import os
import subprocess
import sys
import tempfile

VIBRASCOPE = os.environ["VIBRASCOPE"]
failures = []
GEOMETRY = "9,7.94,39.04,0"  # 6205: BPFO 3.5848 x, BPFI 5.4152 x shaft


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)


def run(*args, timeout=120):
    p = subprocess.run([VIBRASCOPE, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def analyze_json(source, rpm, *extra):
    rc, out, err = run("analyze", "--source", source, "--envelope", "2000:5000", "--bearing", GEOMETRY,
                       "--rpm", str(rpm), "--json", *extra)
    check(rc == 0, f"{source}: exit {rc} {err}")
    return json.loads(out) if rc == 0 else None


def kinematic(shaft_hz):
    k = 7.94 / 39.04
    return {"BPFO": 4.5 * shaft_hz * (1 - k), "BPFI": 4.5 * shaft_hz * (1 + k)}


# 1. Healthy machines: nothing detected on any line.
for seed, shaft, noise in ((1, 29.5, 0.01), (2, 20.0, 0.05), (3, 45.0, 0.2), (4, 12.5, 0.1), (5, 37.0, 0.02)):
    doc = analyze_json(f"sim://h?profile=machine&axes=1&duration=10&seed={seed}&shaft={shaft}&noise={noise}",
                       shaft * 60)
    if not doc:
        continue
    check(doc["schema"] == "vibrascope.analyze/2", "schema")
    for d in doc["axes"][0]["bearing_defects"]:
        check(not d["detected"], f"healthy seed {seed}: {d['name']} detected: {d['reasons']}")
        for key in ("expected_hz", "found", "frequency_hz", "offset_pct", "level", "margin_db", "threshold_db",
                    "harmonics", "confidence", "reasons"):
            check(key in d, f"field {key} in {d['name']}")
        check(("sidebands" in d) == (d["name"] == "BPFI"), f"sidebands only for BPFI: {d['name']}")

# 2. Outer-race faults with slip at several speeds and resonances.
for shaft, slip, resonance, noise in ((30.0, -0.012, 3000, 0.05), (20.0, 0.008, 4200, 0.1),
                                      (45.0, -0.015, 2600, 0.05), (12.5, 0.0, 3500, 0.02)):
    true_hz = kinematic(shaft)["BPFO"] * (1 + slip)
    doc = analyze_json(f"sim://o?profile=bearing&axes=1&duration=10&shaft={shaft}&defect={true_hz}"
                       f"&resonance={resonance}&noise={noise}", shaft * 60)
    if not doc:
        continue
    d = {x["name"]: x for x in doc["axes"][0]["bearing_defects"]}
    bpfo = d["BPFO"]
    check(bpfo["detected"], f"BPFO at {shaft} Hz, slip {slip}: {bpfo['reasons']}")
    if bpfo["detected"]:
        check(abs(bpfo["frequency_hz"] / true_hz - 1) < 0.01, f"BPFO {bpfo['frequency_hz']} vs {true_hz}")
        check(abs(bpfo["offset_pct"] - 100 * slip) < 0.1, f"offset {bpfo['offset_pct']} vs {100 * slip}")
        check(any(h["present"] for h in bpfo["harmonics"]) and bpfo["confidence"] >= 0.5, f"confirmed {bpfo}")
    for name, x in d.items():
        check(name == "BPFO" or not x["detected"], f"outer race at {shaft} Hz: {name} detected {x['reasons']}")

# 3. Impacts at the BPFI rate but no shaft modulation: harmonics present, sidebands missing -> not detected.
shaft = 30.0
bpfi = kinematic(shaft)["BPFI"]
doc = analyze_json(f"sim://i?profile=bearing&axes=1&duration=10&shaft={shaft}&defect={bpfi}", shaft * 60)
if doc:
    d = {x["name"]: x for x in doc["axes"][0]["bearing_defects"]}["BPFI"]
    check(d["found"] and abs(d["frequency_hz"] / bpfi - 1) < 0.01, f"BPFI line found {d['frequency_hz']}")
    check(any(h["present"] for h in d["harmonics"]), f"BPFI harmonics {d['harmonics']}")
    check(not any(s["present"] for s in d["sidebands"]) and not d["detected"], f"BPFI without sidebands {d}")
    check(any("sidebands missing" in r for r in d["reasons"]), f"reason {d['reasons']}")

# 4. Record -> raw export -> file: same verdict as the simulator directly.
fault = f"sim://r?profile=bearing&axes=1&duration=10&shaft=30&defect={kinematic(30)['BPFO'] * 0.99}"
direct = analyze_json(fault, 1800)
with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "rec.db")
    rc, _, err = run("record", "--source", fault + "&paced=0", "--db", db, "--raw")
    check(rc == 0, f"record: {rc} {err}")
    raw = os.path.join(tmp, "raw.csv")
    rc, _, err = run("export", "--db", db, "--level", "raw", "--out", raw)
    check(rc == 0, f"export: {rc} {err}")
    samples = os.path.join(tmp, "x.csv")
    with open(raw, newline="") as f, open(samples, "w") as g:
        for row in csv.DictReader(f):
            g.write(row["x_g"] + "\n")
    rc, out, err = run("analyze", "--source", f"file://{samples}?rate=16000&tcol=none", "--envelope", "2000:5000",
                       "--bearing", GEOMETRY, "--rpm", "1800")
    check(rc == 0 and "BPFO  107.54 Hz: detected at 106.4" in out, f"text verdict from the file: {rc} {out} {err}")
    check(out.count("not detected") == 4, f"four lines not detected: {out}")
    filed = analyze_json(f"file://{samples}?rate=16000&tcol=none", 1800)
    if direct and filed:
        a = {x["name"]: x for x in direct["axes"][0]["bearing_defects"]}["BPFO"]
        b = {x["name"]: x for x in filed["axes"][0]["bearing_defects"]}["BPFO"]
        check(a["detected"] and b["detected"] and abs(a["frequency_hz"] - b["frequency_hz"]) < 1e-6,
              f"record/export route {b['frequency_hz']} vs direct {a['frequency_hz']}")

# 5. 1 kHz: the default band is clamped with a note; the shaft harmonics are interpolated.
rc, out, err = run("analyze", "--source", "sim://k?rate=1000&axes=1&duration=20&noise=0.001", "--rpm", "1770",
           "--json")
check(rc == 0, f"1 kHz: exit {rc} {err}")
if rc == 0:
    doc = json.loads(out)
    check(doc["velocity_band_hz"] == [10, 450] and len(doc["notes"]) == 1 and "0.45" in doc["notes"][0],
          f"band clamp {doc['velocity_band_hz']} {doc['notes']}")
    harm = doc["axes"][0]["shaft_harmonics"]
    for h, amp in zip(harm, (0.05, 0.025, 0.0125)):  # simulator defaults: x axis 0.05 g, 2x half, 3x quarter
        check(abs(h["frequency_hz"] - 29.5 * h["order"]) < 0.01, f"{h['order']}x at {h['frequency_hz']}")
        check(abs(h["rms"] / (amp / math.sqrt(2)) - 1) < 0.005, f"{h['order']}x RMS {h['rms']}")
        v = amp / math.sqrt(2) * 9.80665 / (2 * math.pi * 29.5 * h["order"]) * 1000
        check(abs(h["velocity_mm_s"] / v - 1) < 0.005, f"{h['order']}x velocity {h['velocity_mm_s']} vs {v}")
rc, out, err = run("analyze", "--source", "sim://k?rate=1000&axes=1&duration=20", "--band", "10:600")
check(rc == 2 and "Nyquist" in err, f"explicit band above Nyquist: {rc} {err}")
rc, out, err = run("analyze", "--help")
check(rc == 0 and "docs/dsp.md" in out, "help points at docs/dsp.md")

print(f"{0 if failures else 1} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
