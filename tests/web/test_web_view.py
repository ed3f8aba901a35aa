"""The browser view of `vibrascope serve` in a real headless Chromium (DevTools protocol, tests/web/browser.py)
against a real server with simulated devices, including the bearing simulator:

 - a wrong token is refused (the page shows it; the live stream closes with 4401);
 - the devices page lists every device with the values /api/latest gives for the same second, in the same
   order for every sort key;
 - the device page draws non-blank plots (pixels of the plot colour inside each canvas of a screenshot), lists
   the bearing simulator's peak at the analytic frequency (impacts every 1/defect s ringing a resonance: the
   comb line k x defect nearest the damped resonance) and a sine's off-bin frequency (interpolated);
 - read tokens get no controls, control tokens do;
 - a phone-sized screen does not scroll sideways, and the dark scheme applies;
 - a killed and restarted server is reconnected to (the page shows "stale"/"reconnecting", then live data).
Screenshots go to $VIBRA_WEB_SCREENSHOTS (docs/images when regenerating the user guide) or the build dir."""
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ["VIBRA_SOURCE_DIR"], "tests", "service"))
sys.path.insert(0, os.path.dirname(__file__))
from serve_util import Server, check, finish, free_port, wait_until  # noqa: E402

try:
    from browser import Browser, find_chromium  # noqa: E402
except ImportError as e:  # python3-websockets missing
    print(f"SKIP: {e} (scripts/install-deps --test)")
    raise SystemExit(0)
from PIL import Image  # noqa: E402

if not find_chromium():
    print("SKIP: chromium is not installed (scripts/install-deps --test installs Debian's 'chromium')")
    raise SystemExit(0)

CTL, RD = "ctl-secret", "read-secret"
DEFECT, RESONANCE, SINE = 100.0, 3000.0, 1234.56
tmp = tempfile.mkdtemp(prefix="vibra-web-")
shots = os.environ.get("VIBRA_WEB_SCREENSHOTS") or os.path.join(os.environ.get("VIBRA_BINARY_DIR", tmp), "web-shots")
os.makedirs(shots, exist_ok=True)
port = free_port()
args = ["--source", "sim://a?profile=machine",
        "--source", f"sim://brg?profile=bearing&defect={DEFECT:g}&resonance={RESONANCE:g}",
        "--source", f"sim://s?profile=sine&axes=1&freq={SINE}&amp=0.5&noise=0.001",
        "--db", os.path.join(tmp, "h.db"), "--token", CTL, "--read-token", RD]
server = Server(args, port=port)
base = f"http://127.0.0.1:{port}/"


def latest(sort="device", order="asc"):
    status, body = server.json("GET", f"/api/latest?sort={sort}&order={order}", RD)
    assert status == 200, body
    return body["devices"]


DOM_ROWS = """JSON.stringify([...document.querySelectorAll('#devices tbody tr')].map(tr => {
  const c = k => tr.querySelector(`[data-k="${k}"]`).textContent;
  return {device: tr.dataset.device, t: tr.dataset.t, rate: c('rate'), sps: c('sps'), velocity: c('velocity'),
          zone: c('zone'), state: c('state'), dropped: c('dropped')};
}))"""


def rows_match(rows, api):
    """The DOM shows exactly what /api/latest says for the same second (formatted as the page formats)."""
    if [r["device"] for r in rows] != [d["device"] for d in api]:
        return False
    for r, d in zip(rows, api):
        if r["t"] != d["t"]:
            return False
        v = d["velocity_rms_mm_s"]
        if r["velocity"] != ("–" if v is None else f"{v:.3f}") or r["sps"] != str(d["samples"]):
            return False
        if r["zone"] != (d["zone"] or "–"):
            return False
    return True


def plot_pixels(png, rect, colour, tol=60):
    """Pixels within `tol` (per channel) of the series colour inside a canvas rectangle of a screenshot."""
    img = Image.open(png).convert("RGB")
    x0, y0, w, h = (int(round(v)) for v in (rect["x"], rect["y"], rect["w"], rect["h"]))
    crop = img.crop((x0, y0, x0 + w, y0 + h))
    return sum(1 for p in crop.getdata() if all(abs(a - b) <= tol for a, b in zip(p, colour)))


def hex_rgb(text):
    text = text.strip().lstrip("#")
    return tuple(int(text[i:i + 2], 16) for i in (0, 2, 4))


browser = Browser()
try:
    # --- a wrong token is refused ---
    browser.navigate(base + "#/?token=wrong")
    browser.wait("!document.getElementById('auth').hidden && __vibra.link === 'refused' && "
                 "!location.href.includes('token=')", 20, "the token prompt")
    page = json.loads(browser.eval("JSON.stringify({error: document.getElementById('auth-error').textContent, "
                                   "stored: sessionStorage.getItem('vibrascope.token'), href: location.href})"))
    check("refused" in page["error"], f"the page says the token was refused: {page}")
    check(browser.eval("document.querySelectorAll('#devices tbody tr').length") == 0, "no data without a token")
    check(browser.eval("sessionStorage.getItem('vibrascope.token')") == "wrong", "the token lives in sessionStorage")
    check(browser.eval("localStorage.length") == 0, "nothing in localStorage")
    check("token=" not in browser.eval("location.href"), "the token is removed from the address bar")

    # --- devices page with a read token: values and order as /api/latest ---
    browser.navigate(base + "#/?token=" + RD)
    browser.wait("document.querySelectorAll('#devices tbody tr').length === 3 && __vibra.link === 'live'",
                 30, "three devices on the devices page")
    for sort, order in [("device", "asc"), ("velocity", "desc"), ("rms", "asc"), ("device", "desc")]:
        browser.eval(f"""(() => {{ const s = document.getElementById('sort'), o = document.getElementById('order');
            s.value = '{sort}'; o.value = '{order}'; s.dispatchEvent(new Event('change')); return true; }})()""")

        def same():
            rows = json.loads(browser.eval(DOM_ROWS))
            return rows_match(rows, latest(sort, order))
        try:
            wait_until(same, 30, f"the devices page to match /api/latest?sort={sort}&order={order}")
        except AssertionError as e:
            check(False, f"{e}: page {browser.eval(DOM_ROWS)} api {latest(sort, order)}")
    browser.eval("""(() => { const s = document.getElementById('sort'), o = document.getElementById('order');
        s.value = 'device'; o.value = 'asc'; s.dispatchEvent(new Event('change')); return true; })()""")
    rows = json.loads(browser.eval(DOM_ROWS))
    check(all(r["rate"] == "16000" and r["state"] == "live" and r["dropped"] == "0" for r in rows),
          f"rate, state and dropped shown: {rows}")
    check(browser.eval("document.getElementById('controls').hidden") is True, "a read token gets no controls")
    check(browser.eval("document.getElementById('access').textContent") == "read-only", "read-only badge")
    browser.screenshot(os.path.join(shots, "web-devices.png"))

    # --- device page: plots drawn, peaks at the analytic frequencies ---
    browser.navigate(base + "#/device/brg")
    browser.wait("__vibra.frames >= 5 && document.querySelectorAll('#axis-2 li.peak').length > 0", 30,
                 "display frames of brg")
    peaks = browser.eval("[...document.querySelectorAll('#axis-0 li.peak')].map(l => Number(l.dataset.f))")
    # Impacts every 1/DEFECT s: a comb of lines at k x DEFECT; the ring-down weights them by the resonance,
    # so the highest is the comb line nearest the damped resonance (3000 x sqrt(1 - 0.05^2) = 2996 Hz).
    check(abs(peaks[0] - RESONANCE) < 0.5, f"the bearing peak is listed at {RESONANCE} Hz: {peaks}")
    check(all(abs(p / DEFECT - round(p / DEFECT)) < 0.01 for p in peaks if p > 1000),
          f"the peaks above 1 kHz sit on the {DEFECT} Hz comb: {peaks}")
    label = browser.eval("document.querySelector('#axis-0 li.peak').textContent")
    check(label.startswith("3000.0") or label.startswith("2999.9"), f"the peak label reads ~3000 Hz: {label}")
    time.sleep(0.5)  # let the newest frame paint (the frame counter above already advanced)
    png = browser.screenshot(os.path.join(shots, "web-device-light.png"), full_page=True)
    accent = hex_rgb(browser.eval("getComputedStyle(document.documentElement).getPropertyValue('--accent')"))
    rects = json.loads(browser.eval("""JSON.stringify([...document.querySelectorAll('#axes canvas')].map(c => {
        const r = c.getBoundingClientRect(); return {x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height,
        label: c.getAttribute('aria-label')}; }))"""))
    check(len(rects) == 6, f"a time and a spectrum plot per axis: {rects}")
    for r in rects:
        n = plot_pixels(png, r, accent)
        check(n > 500, f"{r['label']}: {n} pixels of the plot colour (non-blank plot)")
    readout = browser.eval("document.querySelector('#readouts dd[data-k=\"velocity RMS\"]').textContent")
    check(readout.endswith("mm/s") and readout[0].isdigit(), f"velocity readout: {readout}")

    # --- download a range through /api/export: the same bytes the API gives for the same query ---
    browser.eval("""(() => { document.getElementById('export-from').value =
        document.getElementById('export-from').value; // default: the last hour
      document.getElementById('export-form').requestSubmit(); return true; })()""")
    exp = json.loads(browser.wait("__vibra.lastExport && JSON.stringify(__vibra.lastExport)", 30, "the download"))
    status, body, _ = server.request("GET", "/api/export?" + exp["query"], RD)
    check(status == 200 and exp["bytes"] > 0, f"export answered {status}, page got {exp['bytes']} bytes")
    check(body.decode().split("\n")[0] == exp["head"].split("\n")[0],
          f"the page's CSV starts like the API's: {exp['head'][:120]!r}")
    check(exp["head"].count("\n") >= 2, "header and at least one row of 1 s rollups")

    browser.navigate(base + "#/device/s")
    browser.wait("__vibra.frames >= 3 && __vibra.lastFrame.device === 's' && "
                 "document.querySelectorAll('#axis-0 li.peak').length > 0", 30, "display frames of s")
    f0 = browser.eval("Number(document.querySelector('#axis-0 li.peak').dataset.f)")
    bin_hz = browser.eval("__vibra.lastFrame.bin_hz")
    check(abs(f0 - SINE) < 0.1 * bin_hz, f"the sine's interpolated peak {f0} Hz is within 0.1 bin of {SINE} Hz")

    # --- phone width, dark scheme ---
    browser.set_dark(True)
    browser.set_viewport(390, 844, mobile=True)
    browser.navigate(base + "#/device/brg")
    browser.wait("__vibra.frames >= 3 && __vibra.lastFrame.device === 'brg'", 30, "frames on a phone screen")
    time.sleep(0.5)
    check(browser.eval("document.documentElement.scrollWidth") <= 390, "no sideways scrolling at 390 px")
    bg = browser.eval("getComputedStyle(document.body).backgroundColor")
    check(bg in ("rgb(20, 23, 27)",), f"dark background under prefers-color-scheme: dark ({bg})")
    browser.screenshot(os.path.join(shots, "web-device-phone-dark.png"))
    browser.set_dark(False)
    browser.set_viewport(1280, 900)

    # --- a control token gets the controls ---
    browser.navigate(base + "#/?token=" + CTL)
    browser.wait("__vibra.access === 'control' && !document.getElementById('controls').hidden", 20,
                 "controls for the control token")

    # --- kill -9 and restart: the page goes stale, then reconnects by itself ---
    browser.wait("document.querySelectorAll('#devices tbody tr').length === 3 && __vibra.link === 'live'", 20,
                 "live devices page")
    before = browser.eval("__vibra.reconnects")
    server.proc.kill()
    server.proc.wait()
    browser.wait("__vibra.link !== 'live' && document.body.classList.contains('stale')", 20,
                 "the page to show the lost link")
    state = browser.eval("document.getElementById('link').textContent")
    check("reconnecting" in state or "stale" in state, f"the link badge says so: {state}")
    server = Server(args, port=port)
    browser.wait(f"__vibra.link === 'live' && __vibra.reconnects > {before} && "
                 "document.querySelectorAll('#devices tbody tr').length === 3", 40, "the page to reconnect")
    try:
        wait_until(lambda: rows_match(json.loads(browser.eval(DOM_ROWS)), latest()), 30,
                   "fresh values after the restart")
    except AssertionError as e:
        check(False, f"{e}: page {browser.eval(DOM_ROWS)} api {latest()}")
    check(not browser.eval("document.body.classList.contains('stale')"), "no longer stale")
finally:
    browser.close()
    rc = server.stop()
check(rc == 0, f"serve exited {rc} (every device balanced)")
finish()
