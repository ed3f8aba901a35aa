#!/usr/bin/python3
"""Golden vectors for the Vibrascope DSP tests, computed with scipy (Debian 12: scipy 1.10.1, numpy 1.24.2).

Run with /usr/bin/python3 from anywhere:
    /usr/bin/python3 tests/dsp/golden/make_golden.py            # (re)write the files next to this script
    /usr/bin/python3 tests/dsp/golden/make_golden.py --check     # regenerate in memory, compare with the files

Outputs (next to this script):
    <signal>.f32        input signal, little-endian float32 (the exact samples the C++ test feeds)
    golden.json         per signal: sample rate, Welch spectra (density and spectrum scaling) for several
                        window/size/overlap cases, band and velocity RMS, moments; decimator outputs
    *.f64               long reference vectors (Welch densities psd_*, decimator outputs), little-endian float64

Conventions reproduced here (documented in docs/dsp.md):
  * periodic windows: scipy.signal.get_window(name, N)
  * mean removal: window-weighted, x - sum(w x) / sum(w) per segment (passed to welch as a detrend callable)
  * band: lines with f1 <= f_k <= f2 (bin centres, inclusive)
  * velocity: sum psd[k] * c^2 / (2 pi f_k)^2 * df over the band, DC excluded, * 1000 -> mm/s
  * decimator: per stage Kaiser-windowed sinc, firwin(numtaps, cutoff, window=('kaiser', beta), fs=1), causal
    upfirdn(h, x, down=q) -- an independent implementation of the C++ design rules.
"""
import json
import math
import os
import sys

import numpy as np
from scipy import signal, stats

HERE = os.path.dirname(os.path.abspath(__file__))
G = 9.80665


def gen_signals():
    rng = np.random.default_rng(20261123)
    sig = {}
    fs = 16000.0
    t = np.arange(int(fs * 4)) / fs
    sig["sine_offbin"] = (fs, (1.0 + 1.0 * np.sin(2 * np.pi * 100.0 * t)).astype(np.float32))
    t = np.arange(int(fs * 3)) / fs
    x = (0.1 * rng.standard_normal(t.size) + 0.3 * np.sin(2 * np.pi * 50.0 * t + 0.4)
         + 0.2 * np.sin(2 * np.pi * 1234.5 * t) + 0.05)
    sig["noise_tones"] = (fs, x.astype(np.float32))
    fs2 = 10000.0
    n = int(fs2 * 3)
    x = 0.2 * rng.standard_normal(n)
    for start in range(37, n, 613):  # impacts: decaying 2.5 kHz bursts
        k = np.arange(min(120, n - start))
        x[start:start + k.size] += np.exp(-k / 20.0) * np.sin(2 * np.pi * 2500.0 * k / fs2)
    sig["impacts"] = (fs2, (x + 9.81).astype(np.float32))
    return sig


def weighted_detrend(win):
    s1 = win.sum()

    def f(d):
        return d - (d @ win)[..., None] / s1
    return f


def welch_case(x, fs, window, nperseg, overlap):
    win = signal.get_window(window, nperseg)
    noverlap = int(round(overlap * nperseg))
    x64 = x.astype(np.float64)
    f, pd = signal.welch(x64, fs, window=win, nperseg=nperseg, noverlap=noverlap,
                         detrend=weighted_detrend(win), scaling="density", average="mean")
    _, ps = signal.welch(x64, fs, window=win, nperseg=nperseg, noverlap=noverlap,
                         detrend=weighted_detrend(win), scaling="spectrum", average="mean")
    df = fs / nperseg
    enbw = fs * np.sum(win ** 2) / np.sum(win) ** 2
    segments = (x.size - noverlap) // (nperseg - noverlap)
    return {"window": window, "nperseg": nperseg, "overlap": overlap, "segments": int(segments),
            "binHz": df, "enbwHz": enbw, "psd": pd.tolist(), "spectrumPeakLine": int(np.argmax(ps[1:]) + 1),
            "spectrumPeak": float(np.max(ps[1:])), "lastLineHz": float(f[-1])}


def band_rms(psd, df, f1, f2):
    k = np.arange(psd.size)
    fk = k * df
    sel = (fk >= f1 - 1e-9 * df) & (fk <= f2 + 1e-9 * df)
    return float(math.sqrt(np.sum(psd[sel]) * df))


def velocity_mm_s(psd, df, f1, f2, c):
    k = np.arange(psd.size)
    fk = k * df
    sel = (fk >= f1 - 1e-9 * df) & (fk <= f2 + 1e-9 * df) & (k > 0)
    v2 = np.sum(psd[sel] * c * c / (2 * np.pi * fk[sel]) ** 2) * df
    return float(1000 * math.sqrt(v2))


def moments(x):
    x = x.astype(np.float64)
    mean = float(np.mean(x))
    rms = float(np.std(x))
    peak = float(np.max(np.abs(x - mean)))
    return {"count": int(x.size), "min": float(np.min(x)), "max": float(np.max(x)), "mean": mean, "rms": rms,
            "peak": peak, "peakToPeak": float(np.ptp(x)), "crestFactor": peak / rms,
            "kurtosis": float(stats.kurtosis(x, fisher=False, bias=True))}


def stage_factors(r):
    f = []
    while r % 4 == 0:
        f.append(4)
        r //= 4
    if r % 2 == 0:
        f.append(2)
        r //= 2
    odd = []
    p = 3
    while r > 1:
        while r % p == 0:
            odd.append(p)
            r //= p
        p += 2
    return sorted(odd, reverse=True) + f


def kaiser_stage(q, remaining, pass_fraction=0.8, atten=70.0):
    pass_edge = pass_fraction * 0.5 / remaining
    stop_edge = min(0.5, 1.0 / q - pass_edge)
    width = stop_edge - pass_edge
    numtaps = int(math.ceil((atten - 7.95) / (2.285 * 2 * math.pi * width) + 1))
    if numtaps % 2 == 0:
        numtaps += 1
    numtaps = max(numtaps, 3)
    beta = signal.kaiser_beta(atten)
    h = signal.firwin(numtaps, 0.5 * (pass_edge + stop_edge), window=("kaiser", beta), fs=1.0)
    return h


def decimate_reference(x, factor):
    cur = x.astype(np.float64)
    remaining = factor
    delay = 0.0
    scale = 1
    taps = []
    for q in stage_factors(factor):
        h = kaiser_stage(q, remaining)
        taps.append(len(h))
        y = signal.upfirdn(h, cur, up=1, down=q)
        cur = y[: (cur.size + q - 1) // q]  # causal: outputs at n = 0, q, 2q, ... of this stage's input
        delay += (len(h) - 1) / 2 * scale
        scale *= q
        remaining //= q
    return cur, taps, delay


def build():
    files = {}
    sigs = gen_signals()
    out = {"generator": "tests/dsp/golden/make_golden.py", "scipy": __import__("scipy").__version__,
           "numpy": np.__version__, "signals": {}, "decimator": {}}
    cases = {
        "sine_offbin": [("hann", 4096, 0.5), ("hann", 16384, 0.5), ("flattop", 4096, 0.5)],
        "noise_tones": [("hann", 4096, 0.5), ("hamming", 3200, 0.75), ("blackmanharris", 1024, 0.5),
                        ("flattop", 2048, 0.0), ("boxcar", 256, 0.5)],
        "impacts": [("hann", 1024, 0.5), ("blackmanharris", 8192, 0.9)],
    }
    for name, (fs, x) in sigs.items():
        files[name + ".f32"] = x.astype("<f4").tobytes()
        entry = {"sampleRate": fs, "file": name + ".f32", "samples": int(x.size), "moments": moments(x),
                 "welch": []}
        for window, n, ov in cases[name]:
            c = welch_case(x, fs, window, n, ov)
            psd = np.asarray(c.pop("psd"))
            c["psdFile"] = "psd_%s_%s_%d_%d.f64" % (name, window, n, int(round(ov * 100)))
            c["lines"] = int(psd.size)
            files[c["psdFile"]] = psd.astype("<f8").tobytes()
            c["bandRms"] = {"0-fs/2": band_rms(psd, c["binHz"], 0, fs / 2),
                            "10-1000": band_rms(psd, c["binHz"], 10, 1000),
                            "1000-2000": band_rms(psd, c["binHz"], 1000, 2000)}
            c["velocityMmS"] = {"10-1000": velocity_mm_s(psd, c["binHz"], 10, 1000, G),
                                "2-1000": velocity_mm_s(psd, c["binHz"], 2, 1000, G)}
            entry["welch"].append(c)
        out["signals"][name] = entry
    # Decimator: the noise_tones signal through /4, /16, /12 and /64.
    fs, x = sigs["noise_tones"]
    for factor in (4, 12, 16, 64):
        y, taps, delay = decimate_reference(x, factor)
        fname = "decimated_%d.f64" % factor
        files[fname] = y.astype("<f8").tobytes()
        out["decimator"][str(factor)] = {"input": "noise_tones.f32", "file": fname, "outputs": int(y.size),
                                         "stageTaps": taps, "groupDelayInputSamples": delay}
    files["golden.json"] = (json.dumps(out, indent=1, sort_keys=True) + "\n").encode()
    return files


def main():
    files = build()
    if "--check" in sys.argv:
        bad = 0
        for name, data in files.items():
            path = os.path.join(HERE, name)
            if not os.path.exists(path):
                print("missing:", name)
                bad += 1
                continue
            old = open(path, "rb").read()
            if name.endswith(".json"):
                a, b = json.loads(old), json.loads(data)
                ok = compare_json(a, b, name)
            elif name.endswith(".f32"):
                ok = old == data
            else:
                a = np.frombuffer(old, "<f8")
                b = np.frombuffer(data, "<f8")
                ok = a.shape == b.shape and np.allclose(a, b, rtol=1e-12, atol=1e-14)
            if not ok:
                print("differs:", name)
                bad += 1
        print("golden check:", "OK" if bad == 0 else "%d file(s) differ" % bad)
        return 1 if bad else 0
    for name, data in files.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
    print("wrote", ", ".join(sorted(files)))
    return 0


def compare_json(a, b, where):
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            print(where, "keys differ")
            return False
        return all(compare_json(a[k], b[k], where + "." + k) for k in a if k not in ("scipy", "numpy"))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(compare_json(x, y, where) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        if not math.isclose(a, b, rel_tol=1e-10, abs_tol=1e-300):
            print(where, a, b)
            return False
        return True
    return a == b


if __name__ == "__main__":
    sys.exit(main())
