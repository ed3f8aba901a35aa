// Vibrascope browser view: devices page and device page over the live display stream
// (WebSocket /stream?view=display) and the HTTP API. Plain JavaScript, no build step, no CDN.
// SPDX-License-Identifier: GPL-3.0-or-later
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const STALE_MS = 3000;     // no message for this long: the view is stale
  const BACKOFF_MAX_MS = 8000;
  const TOKEN_KEY = "vibrascope.token";

  // Everything the page knows; exposed as window.__vibra for tests and benchmarks (read-only use).
  const S = {
    token: sessionStorage.getItem(TOKEN_KEY) || "",
    access: "",            // "read" | "control" once the token was accepted
    link: "connecting",    // connecting | live | stale | reconnecting | refused
    ws: null,
    backoffMs: 500,
    reconnects: 0,
    lastMessageMs: 0,
    messages: 0,
    frames: 0,             // display frames drawn
    drawMs: [],            // time spent drawing each display frame (newest 300)
    summaries: new Map(),  // device -> newest summary
    route: { page: "devices", device: "" },
    pendingFrame: null,
    events: [],
    storedEvents: [],
    timers: [],
  };
  window.__vibra = S;

  // ---- token and HTTP ----
  function takeTokenFromHash() {
    // "#/device/a?token=T" or "#token=T": saved to this tab's session storage and removed from the URL.
    const h = location.hash;
    const m = h.match(/[?&#]token=([^&]*)/);
    if (!m) return;
    S.token = decodeURIComponent(m[1]);
    sessionStorage.setItem(TOKEN_KEY, S.token);
    const clean = h.replace(/[?&]token=[^&]*/, "").replace(/^#token=[^&]*/, "#/");
    history.replaceState(null, "", clean || "#/");
  }

  class Unauthorized extends Error {}

  async function api(path, options = {}) {
    const headers = Object.assign({}, options.headers || {});
    if (S.token) headers.Authorization = "Bearer " + S.token;
    const r = await fetch(path, Object.assign({}, options, { headers, cache: "no-store" }));
    if (r.status === 401) {
      showAuth("The token was refused.");
      throw new Unauthorized("unauthorized");
    }
    return r;
  }

  async function apiJson(path, options) {
    const r = await api(path, options);
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
    return body;
  }

  function showAuth(message) {
    closeStream();
    S.access = "";
    setLink("refused", "token refused");
    $("auth").hidden = false;
    $("devices-page").hidden = true;
    $("device-page").hidden = true;
    $("auth-error").hidden = !message;
    $("auth-error").textContent = message || "";
    $("token").focus();
  }

  // ---- link state ----
  function setLink(state, text) {
    S.link = state;
    const b = $("link");
    b.dataset.state = state;
    b.textContent = text || state;
    document.body.classList.toggle("stale", state !== "live");
  }

  function closeStream() {
    if (S.ws) {
      const ws = S.ws;
      S.ws = null;
      ws.onclose = ws.onmessage = ws.onopen = ws.onerror = null;
      ws.close();
    }
  }

  function connect() {
    closeStream();
    const q = new URLSearchParams({ view: "display" });
    if (S.route.page === "device") { q.set("device", S.route.device); q.set("hz", "10"); }
    if (S.token) q.set("token", S.token);
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/stream?" + q);
    ws.binaryType = "arraybuffer";
    S.ws = ws;
    ws.onopen = () => { S.backoffMs = 500; };
    ws.onmessage = (ev) => {
      S.lastMessageMs = performance.now();
      S.messages++;
      if (S.link !== "live") setLink("live");
      if (typeof ev.data === "string") onSummary(JSON.parse(ev.data));
      else onFrame(ev.data);
    };
    ws.onclose = (ev) => {
      if (S.ws !== ws) return;
      S.ws = null;
      if (ev.code === 4401) { showAuth("The token was refused by the live stream."); return; }
      setLink("reconnecting", "reconnecting in " + (S.backoffMs / 1000).toFixed(1) + " s");
      setTimeout(() => { if (!S.ws && S.access) { S.reconnects++; connect(); } }, S.backoffMs);
      S.backoffMs = Math.min(S.backoffMs * 2, BACKOFF_MAX_MS);
    };
  }

  setInterval(() => {
    if (S.link === "live" && performance.now() - S.lastMessageMs > STALE_MS) setLink("stale", "stale");
    $("clock").textContent = new Date().toLocaleTimeString();
  }, 500);

  // ---- formatting ----
  const num = (v, d) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(d));
  function zoneBadge(z) {
    const s = document.createElement("span");
    s.className = "zone" + (z ? " zone-" + z : "");
    s.textContent = z || "–";
    return s;
  }

  // ---- devices page ----
  function sortKey(a, b, sort, desc) {
    // The order of /api/latest: NaN/unknown velocities last whatever the order; ties by device name.
    const dir = desc ? -1 : 1;
    if (sort === "time" && a.t !== b.t) return (a.t < b.t ? -1 : 1) * dir;
    if (sort === "rms" && a.rms !== b.rms) return ((a.rms ?? -1) - (b.rms ?? -1)) * dir;
    if (sort === "velocity") {
      const av = a.velocity_rms_mm_s, bv = b.velocity_rms_mm_s;
      const an = !Number.isFinite(av), bn = !Number.isFinite(bv);
      if (an !== bn) return an ? 1 : -1;
      if (!an && av !== bv) return (av - bv) * dir;
    }
    if (sort === "device" && desc) return a.device < b.device ? 1 : -1;
    return a.device < b.device ? -1 : 1;
  }

  function renderDevices() {
    const sort = $("sort").value, desc = $("order").value === "desc";
    const rows = [...S.summaries.values()].sort((a, b) => sortKey(a, b, sort, desc));
    const tbody = document.querySelector("#devices tbody");
    const cells = ["device", "state", "rate", "sps", "dropped", "age", "velocity", "zone", "alarms"];
    while (tbody.rows.length > rows.length) tbody.deleteRow(-1);
    rows.forEach((d, i) => {
      let tr = tbody.rows[i];
      if (!tr) {
        tr = tbody.insertRow();
        for (const k of cells) {
          const td = tr.insertCell();
          td.dataset.k = k;
          if (["rate", "sps", "dropped", "age", "velocity"].includes(k)) td.className = "num";
        }
        tr.addEventListener("click", () => { location.hash = "#/device/" + encodeURIComponent(tr.dataset.device); });
      }
      tr.dataset.device = d.device;
      tr.dataset.t = d.t || "";
      const c = (k) => tr.querySelector(`[data-k="${k}"]`);
      c("device").textContent = d.device;
      c("state").textContent = d.state || "";
      c("rate").textContent = num(d.rate_hz, 0);
      c("sps").textContent = d.samples_per_s ?? "–";
      c("dropped").textContent = d.dropped ?? "–";
      c("age").textContent = num(d.last_sample_age_s, 1);
      c("velocity").textContent = num(d.velocity_rms_mm_s, 3);
      c("zone").replaceChildren(zoneBadge(d.zone));
      c("alarms").textContent = (d.alarms || []).join("; ");
      c("alarms").className = d.alarms && d.alarms.length ? "alarm" : "";
    });
    $("devices-empty").hidden = rows.length > 0;
  }

  // ---- device page ----
  function readouts(d) {
    const items = [
      ["state", d.state], ["rate", num(d.rate_hz, 0) + " Hz"], ["samples/s", d.samples_per_s ?? "–"],
      ["dropped", d.dropped ?? "–"], ["last sample", num(d.last_sample_age_s, 1) + " s ago"],
      ["RMS (largest axis)", num(d.rms, 4) + " " + (d.unit || "")],
      ["velocity RMS", num(d.velocity_rms_mm_s, 3) + " mm/s"], ["alarms", (d.alarms || []).join("; ") || "none"],
    ];
    const dl = $("readouts");
    dl.replaceChildren();
    for (const [k, v] of items) {
      const dt = document.createElement("dt"); dt.textContent = k;
      const dd = document.createElement("dd"); dd.textContent = v; dd.dataset.k = k;
      dl.append(dt, dd);
    }
    $("device-state").textContent = d.state || "";
    drawGauge(d);
  }

  function drawGauge(d) {
    const canvas = $("gauge");
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || 220, h = canvas.clientHeight || 120;
    canvas.width = w * dpr; canvas.height = h * dpr;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const css = (n) => getComputedStyle(document.documentElement).getPropertyValue(n).trim();
    const lim = d.zone_limits_mm_s || [2.3, 4.5, 7.1];
    const max = lim[2] * 1.6;
    const cx = w / 2, cy = h - 12, r = Math.min(w / 2 - 8, h - 20);
    const ang = (v) => Math.PI + Math.PI * Math.min(Math.max(v / max, 0), 1);
    const bounds = [0, lim[0], lim[1], lim[2], max];
    ["--zone-A", "--zone-B", "--zone-C", "--zone-D"].forEach((c, i) => {
      ctx.beginPath(); ctx.strokeStyle = css(c); ctx.lineWidth = 14;
      ctx.arc(cx, cy, r, ang(bounds[i]), ang(bounds[i + 1])); ctx.stroke();
    });
    const v = d.velocity_rms_mm_s;
    if (Number.isFinite(v)) {
      ctx.strokeStyle = css("--fg"); ctx.lineWidth = 3; ctx.beginPath();
      ctx.moveTo(cx, cy); ctx.lineTo(cx + (r - 4) * Math.cos(ang(v)), cy + (r - 4) * Math.sin(ang(v))); ctx.stroke();
    }
    $("gauge-text").textContent = num(v, 2) + " mm/s · zone " + (d.zone || "–") +
      (d.severity_preset ? " (" + d.severity_preset + ")" : "");
  }

  function axisBlock(i, name) {
    let el = $("axis-" + i);
    if (el) return el;
    el = document.createElement("div");
    el.className = "axis";
    el.id = "axis-" + i;
    const h = document.createElement("h3"); h.textContent = "axis " + name;
    const t = document.createElement("canvas"); t.className = "plot time"; t.setAttribute("aria-label", "time signal " + name);
    const s = document.createElement("canvas"); s.className = "plot spectrum"; s.setAttribute("aria-label", "spectrum " + name);
    const p = document.createElement("ol"); p.className = "peaks";
    el.append(h, t, s, p);
    $("axes").append(el);
    return el;
  }

  // Binary display frame: u32 header length, JSON header, float32 arrays (see backend/service/DisplayFrame.h).
  function parseFrame(buf) {
    const dv = new DataView(buf);
    const n = dv.getUint32(0, true);
    const head = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n)));
    let off = 4 + n;
    const arrays = [];
    for (const l of head.layout) {
      arrays.push({ name: l.name, axis: l.axis, data: new Float32Array(buf, off, l.n) });
      off += l.n * 4;
    }
    return { head, arrays };
  }

  function onFrame(buf) {
    S.pendingFrame = buf;
    requestAnimationFrame(drawPending);
  }

  function drawPending() {
    const buf = S.pendingFrame;
    if (!buf || S.route.page !== "device") return;
    S.pendingFrame = null;
    const t0 = performance.now();
    const { head, arrays } = parseFrame(buf);
    if (head.device !== S.route.device) return;
    const unit = head.unit;
    head.axes.forEach((name, a) => {
      const get = (k) => arrays.find((x) => x.axis === a && x.name === k).data;
      const lo = get("env_min"), hi = get("env_max"), f = get("spec_f"), v = get("spec_v");
      const block = axisBlock(a, name);
      const [tc, sc] = block.querySelectorAll("canvas");
      const x = new Float32Array(lo.length);
      for (let i = 0; i < lo.length; i++) x[i] = -(lo.length - 1 - i) * head.env_pair_seconds;
      const yr = VibraPlot.range([lo, hi], false, { min: -1, max: 1 });
      VibraPlot.draw(tc, {
        x: { min: Math.min(-head.env_seconds, -1e-3), max: 0, label: "time (s)" },
        y: { min: yr.min, max: yr.max, label: unit },
        series: [{ band: { x, lo, hi } }],
        message: lo.length ? "" : "waiting for data",
      });
      const peaks = (head.peaks[a] || []).filter((p) => p.f > 0 && p.rms > 0);
      const sr = VibraPlot.range([v], true, { min: 1e-6, max: 1 });
      const fmin = f.length ? Math.max(f[0], 0.1) : 1, fmax = f.length ? f[f.length - 1] : head.rate_hz / 2;
      VibraPlot.draw(sc, {
        x: { min: fmin, max: Math.max(fmax, fmin * 10), log: true, label: "frequency (Hz)" },
        y: { min: sr.min, max: sr.max, log: true, label: unit + " RMS" },
        series: [{ x: f, y: v }],
        labels: peaks.slice(0, 3).map((p) => ({ x: p.f, y: p.rms, text: p.f.toFixed(1) + " Hz" })),
        message: f.length ? "" : "waiting for the first spectrum",
      });
      const ol = block.querySelector(".peaks");
      ol.replaceChildren(...peaks.map((p) => {
        const li = document.createElement("li");
        li.className = "peak";
        li.dataset.f = String(p.f);
        li.dataset.rms = String(p.rms);
        li.textContent = p.f.toFixed(2) + " Hz · " + VibraPlot.fmt(p.rms) + " " + unit + " RMS";
        return li;
      }));
    });
    if (head.summary) readouts(head.summary);
    S.frames++;
    S.lastFrame = { seq: head.seq, device: head.device, bin_hz: head.bin_hz, t_ns: head.t_ns };
    S.drawMs.push(performance.now() - t0);
    if (S.drawMs.length > 300) S.drawMs.shift();
  }

  function onSummary(msg) {
    if (msg.type !== "summary") return;
    if (S.route.page === "devices") {
      S.summaries = new Map(msg.devices.map((d) => [d.device, d]));
      renderDevices();
    } else if (msg.devices.length) {
      readouts(msg.devices[0]);
    }
    if (msg.events) { S.events = msg.events; renderEvents(); }
  }

  function renderEvents() {
    const seen = new Set();
    const all = [...S.events.slice().reverse(), ...S.storedEvents].filter((e) => {
      const k = e.t + "|" + e.detail;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    }).slice(0, 30);
    $("events").replaceChildren(...all.map((e) => {
      const li = document.createElement("li");
      li.textContent = new Date(e.t).toLocaleString() + " · " + e.type + (e.state ? " " + e.state : "") + " · " + e.detail;
      if (e.type === "alarm" && e.state === "raised") li.className = "alarm";
      return li;
    }));
    if (!all.length) $("events").innerHTML = "<li class=\"muted\">none</li>";
  }

  async function loadStoredEvents() {
    try {
      const r = await apiJson("/api/events?device=" + encodeURIComponent(S.route.device) + "&limit=20&order=desc");
      S.storedEvents = (r.events || []).slice().reverse();
    } catch (e) { S.storedEvents = []; }
    renderEvents();
  }

  async function loadTrend() {
    const hours = Number($("trend-hours").value);
    const to = Math.floor(Date.now() / 1000), from = to - hours * 3600;
    const canvas = $("trend");
    try {
      const r = await apiJson(`/api/history?device=${encodeURIComponent(S.route.device)}&from=${from}&to=${to}&points=400`);
      const pts = r.points || [];
      const series = [];
      const colors = ["--accent", "--accent2", "--accent3"];
      const nAxes = pts.length ? pts[0].axes.length : 0;
      const ys = [];
      for (let a = 0; a < nAxes; a++) {
        const x = pts.map((p) => (Number(p.t_ns) / 1e9 - to) / 60);
        const y = pts.map((p) => p.axes[a].velocity_rms_mm_s ?? NaN);
        ys.push(y);
        series.push({ x, y, color: getComputedStyle(document.documentElement).getPropertyValue(colors[a % 3]).trim() });
      }
      const yr = VibraPlot.range(ys, false, { min: 0, max: 1 });
      // Start the axis where the data starts when the history is shorter than the chosen range.
      const first = pts.length ? (Number(pts[0].t_ns) / 1e9 - to) / 60 : -hours * 60;
      VibraPlot.draw(canvas, {
        x: { min: Math.max(-hours * 60, Math.min(-1, first * 1.05)), max: 0, label: "minutes ago" },
        y: { min: Math.max(0, yr.min), max: yr.max, label: "velocity RMS (mm/s)" },
        series, message: pts.length ? "" : "no stored history in this range",
      });
      $("trend-status").textContent = pts.length + " points, level " + r.level + " (" + r.bucket_s + " s buckets)";
    } catch (e) {
      if (e instanceof Unauthorized) return;
      VibraPlot.draw(canvas, { x: { min: -hours * 60, max: 0 }, y: { min: 0, max: 1 }, message: "history unavailable" });
      $("trend-status").textContent = "history: " + e.message;
    }
  }

  function localInput(d) {
    const p = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  }

  async function download(ev) {
    ev.preventDefault();
    const from = new Date($("export-from").value), to = new Date($("export-to").value);
    if (!(to > from)) { $("export-status").textContent = "choose a 'to' after 'from'"; return; }
    const level = $("export-level").value, format = $("export-format").value;
    const q = new URLSearchParams({ device: S.route.device, from: from.toISOString(), to: to.toISOString(), level, format });
    $("export-status").textContent = "exporting…";
    try {
      const r = await api("/api/export?" + q);
      if (!r.ok) throw new Error((await r.json().catch(() => ({}))).error || "HTTP " + r.status);
      const blob = await r.blob();
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = `${S.route.device}_${level}.${format}`;
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
      S.lastExport = { bytes: blob.size, head: await blob.slice(0, 4096).text(), query: q.toString() };
      $("export-status").textContent = `downloaded ${blob.size} bytes`;
    } catch (e) {
      if (!(e instanceof Unauthorized)) $("export-status").textContent = "export failed: " + e.message;
    }
  }

  async function loadTriggers() {
    const box = $("trigger-controls");
    box.hidden = true;
    if (S.access !== "control") return;
    try {
      const r = await apiJson("/api/triggers");
      const mine = (r.triggers || []).filter((t) => t.device === S.route.device && t.kind === "external");
      box.hidden = !mine.length;
      $("triggers").replaceChildren(...mine.map((t) => {
        const li = document.createElement("li");
        li.textContent = t.name + " (" + (t.on ? "on" : "off") + ") ";
        for (const what of ["on", "off"]) {
          const b = document.createElement("button");
          b.type = "button"; b.textContent = what;
          b.onclick = async () => { await apiJson(`/api/triggers/${encodeURIComponent(t.name)}/${what}`, { method: "POST" }).catch(() => {}); loadTriggers(); };
          li.append(b);
        }
        return li;
      }));
    } catch (e) { /* no triggers */ }
  }

  async function recording(start) {
    $("control-status").textContent = start ? "starting…" : "stopping…";
    try {
      const r = await apiJson("/api/recording/" + (start ? "start" : "stop"), { method: "POST" });
      $("control-status").textContent = r.recording ? "recording" : "not recording";
    } catch (e) {
      if (!(e instanceof Unauthorized)) $("control-status").textContent = e.message;
    }
  }

  // ---- routing ----
  function parseRoute() {
    const m = location.hash.match(/^#\/device\/([^?]+)/);
    return m ? { page: "device", device: decodeURIComponent(m[1]) } : { page: "devices", device: "" };
  }

  function route() {
    S.route = parseRoute();
    S.timers.forEach(clearInterval);
    S.timers = [];
    $("auth").hidden = true;
    $("devices-page").hidden = S.route.page !== "devices";
    $("device-page").hidden = S.route.page !== "device";
    $("controls").hidden = S.access !== "control";
    if (S.route.page === "device") {
      $("device-name").textContent = S.route.device;
      $("axes").replaceChildren();
      $("readouts").replaceChildren();
      S.events = []; S.storedEvents = [];
      const now = new Date();
      $("export-to").value = localInput(now);
      $("export-from").value = localInput(new Date(now - 3600e3));
      loadTrend(); loadStoredEvents(); loadTriggers();
      S.timers.push(setInterval(loadTrend, 30000), setInterval(loadStoredEvents, 15000));
    } else {
      S.summaries = new Map();
      renderDevices();
    }
    setLink("connecting", "connecting");
    S.backoffMs = 500;
    connect();
  }

  async function start() {
    takeTokenFromHash();
    try {
      const s = await apiJson("/api/session");
      S.access = s.access;
      $("access").textContent = s.access === "control" ? "control" : "read-only";
    } catch (e) {
      if (!(e instanceof Unauthorized)) { setLink("reconnecting", "server unreachable"); setTimeout(start, 2000); }
      return;
    }
    route();
  }

  window.addEventListener("hashchange", () => {
    if (/[?&#]token=/.test(location.hash)) start(); // a new token in the address: check it first
    else if (S.access) route();
  });
  $("auth-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    S.token = $("token").value.trim();
    sessionStorage.setItem(TOKEN_KEY, S.token);
    $("token").value = "";
    start();
  });
  $("change-token").addEventListener("click", () => showAuth(""));
  $("sort").addEventListener("change", renderDevices);
  $("order").addEventListener("change", renderDevices);
  $("rec-start").addEventListener("click", () => recording(true));
  $("rec-stop").addEventListener("click", () => recording(false));
  $("trend-hours").addEventListener("change", loadTrend);
  $("export-form").addEventListener("submit", download);
  window.addEventListener("resize", () => { if (S.route.page === "device") loadTrend(); });
  start();
})();
