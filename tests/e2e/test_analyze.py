#!/usr/bin/env python3
"""`vibrascope analyze` against independent references: analytic values for a simulated sine, numpy/scipy
(Welch with the same conventions) for a CSV file, and the bearing defect of a simulated faulty bearing."""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy import signal, stats

VIBRASCOPE = os.environ["VIBRASCOPE"]
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)


def analyze(*args):
    p = subprocess.run([VIBRASCOPE, "analyze", *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def close(a, b, rel):
    return abs(a - b) <= rel * abs(b)


# 1. Simulated 1 g 0-pk sine at 100 Hz (dsp.md section 3 values).
rc, out, err = analyze("--source", "sim://s?profile=sine&axes=1&freq=100&amp=1&duration=8", "--json")
check(rc == 0, f"sine: exit {rc} {err}")
doc = json.loads(out)
check(doc["schema"] == "vibrascope.analyze/2" and doc["sample_rate_hz"] == 16000 and doc["samples"] == 128000, "header")
ax = doc["axes"][0]
check(close(ax["rms"], 1 / math.sqrt(2), 1e-6), f"rms {ax['rms']}")
check(close(ax["crest_factor"], math.sqrt(2), 1e-6), f"crest {ax['crest_factor']}")
check(close(ax["kurtosis"], 1.5, 1e-6), f"kurtosis {ax['kurtosis']}")
check(close(ax["velocity_rms_mm_s"], 11.036, 0.005), f"velocity {ax['velocity_rms_mm_s']}")
check(ax["zone"] == "D", f"zone {ax['zone']}")
top = ax["spectral_peaks"][0]
check(abs(top["line_hz"] - 101.5625) < 1e-9 and top["line"] == 26, f"peak line {top['line_hz']}")
check(close(top["line_rms"], 0.637, 0.002), f"off-bin Hann line RMS {top['line_rms']} (0.7071 x 0.901 scalloping)")
check(close(top["band_rms"], 0.70709, 1e-3), f"band RMS around the peak {top['band_rms']}")
# Interpolated: the tone's own frequency and RMS, and its velocity (dsp.md section 3: 11.036 mm/s).
check(abs(top["hz"] - 100.0) < 0.01 * 3.90625, f"interpolated frequency {top['hz']}")
check(abs(top["offset_lines"] + 0.4) < 0.01, f"offset {top['offset_lines']}")
check(close(top["rms"], 1 / math.sqrt(2), 5e-4) and close(top["peak"], 1.0, 5e-4), f"corrected amplitude {top}")
check(close(top["velocity_mm_s"], 11.036, 1e-3), f"peak velocity {top['velocity_mm_s']}")
check(doc["notes"] == [] and doc["velocity_band_hz"] == [10, 1000], f"no band note at 16 kHz: {doc['notes']}")

# 2. A CSV file: two tones plus noise; compare with numpy and scipy.signal.welch (same conventions).
rng = np.random.default_rng(7)
fs = 8000
n = fs * 6
t = np.arange(n) / fs
x = 0.3 * np.sin(2 * np.pi * 250 * t) + 0.05 * np.sin(2 * np.pi * 1250 * t) + rng.normal(0, 0.02, n) + 0.1
y = 0.2 * np.sin(2 * np.pi * 62.5 * t) + rng.normal(0, 0.01, n)
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "run.csv")
    with open(path, "w") as f:
        f.write("ax,ay\n")
        for a, b in zip(x.astype(np.float32), y.astype(np.float32)):
            f.write(f"{a!r},{b!r}\n")
    rc, out, err = analyze("--source", f"file://{path}?rate={fs}&tcol=none", "--fft", "2048", "--json", "--peaks", "3")
    check(rc == 0, f"csv: exit {rc} {err}")
    doc = json.loads(out)
    check(doc["samples"] == n, f"csv samples {doc['samples']}")
    for i, (sig, name) in enumerate(((x, "x"), (y, "y"))):
        sig32 = sig.astype(np.float32).astype(np.float64)
        ax = doc["axes"][i]
        check(close(ax["dc"], sig32.mean(), 1e-5) or abs(ax["dc"] - sig32.mean()) < 1e-6, f"{name} dc {ax['dc']}")
        check(close(ax["rms"], sig32.std(), 1e-5), f"{name} rms {ax['rms']} vs {sig32.std()}")
        check(close(ax["kurtosis"], stats.kurtosis(sig32, fisher=False, bias=True), 1e-4), f"{name} kurtosis")
        f, p = signal.welch(sig32, fs=fs, window="hann", nperseg=2048, noverlap=1024, scaling="spectrum")
        k = int(np.argmax(p[1:])) + 1
        top = ax["spectral_peaks"][0]
        check(abs(top["line_hz"] - f[k]) < 1e-9, f"{name} peak line {top['line_hz']} vs {f[k]}")
        check(close(top["line_rms"], math.sqrt(p[k]), 2e-3),
              f"{name} line RMS {top['line_rms']} vs scipy {math.sqrt(p[k])}")
        # The synthesised tones: x 0.3 at 250 Hz, y 0.2 at 62.5 Hz (interpolated within 0.05 line, 1 %).
        tone_hz, tone_amp = (250.0, 0.3) if name == "x" else (62.5, 0.2)
        check(abs(top["hz"] - tone_hz) < 0.05 * fs / 2048, f"{name} interpolated {top['hz']} vs {tone_hz}")
        check(close(top["rms"], tone_amp / math.sqrt(2), 0.01), f"{name} tone RMS {top['rms']}")

    rc, out, err = analyze("--source", f"file://{path}?rate={fs}&tcol=none&loop=1")
    check(rc == 2 and "never ends" in err, f"looping file refused: {rc} {err}")
    rc, out, err = analyze("--source", f"file://{tmp}/missing.csv?rate=100")
    check(rc == 1 and "missing.csv" in err, f"missing file: {rc} {err}")

# 3. Bearing: outer-race defect of a 6205 at 1800 r/min (BPFO 107.54 Hz) found in the envelope spectrum.
rc, out, err = analyze("--source", "sim://b?profile=bearing&duration=10&shaft=30&defect=107.54",
                       "--envelope", "2000:4500", "--bearing", "9,7.94,39.04,0", "--rpm", "1800", "--json")
check(rc == 0, f"bearing: exit {rc} {err}")
doc = json.loads(out)
for ax in doc["axes"]:
    d = {x["name"]: x for x in ax["bearing_defects"]}
    check(abs(d["BPFO"]["expected_hz"] - 107.54) < 0.01, f"BPFO expected {d['BPFO']['expected_hz']}")
    check(d["BPFO"]["detected"] and abs(d["BPFO"]["frequency_hz"] - 107.54) < 0.01 and d["BPFO"]["margin_db"] > 20,
          f"BPFO detected {d['BPFO']}")
    check(not any(x["detected"] for n, x in d.items() if n != "BPFO"), f"only BPFO detected {d}")
    check(abs(ax["envelope_peaks"][0]["hz"] - 107.54) < 0.01, f"top envelope peak {ax['envelope_peaks'][0]}")

# 4. Bad arguments.
for args, text in ((["--source", "sim://a?duration=1", "--fft", "1000"], "power of two"),
                   (["--source", "sim://a?duration=1", "--window", "kaiser"], "unknown --window"),
                   (["--source", "sim://a?duration=1", "--bearing", "9,7.94,39.04,0"], "go together"),
                   (["--source", "sim://a?duration=1", "--severity", "iso9999"], "unknown --severity"),
                   (["--source", "sim://a?duration=1", "--band", "100:10"], "--band")):
    rc, out, err = analyze(*args)
    check(rc == 2 and text in err, f"{args}: {rc} {err}")

print(f"{0 if failures else 1} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
