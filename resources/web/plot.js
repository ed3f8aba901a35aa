// Vibrascope browser view: a small canvas plotter (no dependencies). Linear or logarithmic axes, lines,
// min/max bands, point labels; sized for the device pixel ratio; colours from the page's CSS variables so
// light and dark schemes both work. SPDX-License-Identifier: GPL-3.0-or-later
"use strict";

const VibraPlot = (() => {
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

  function niceStep(span, target) {
    const raw = span / Math.max(1, target);
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const n = raw / mag;
    return (n < 1.5 ? 1 : n < 3.5 ? 2 : n < 7.5 ? 5 : 10) * mag;
  }

  function linearTicks(lo, hi, target) {
    if (!(hi > lo)) return [lo];
    const step = niceStep(hi - lo, target);
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }

  function logTicks(lo, hi) {
    const out = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      const v = Math.pow(10, e);
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
    }
    return out;
  }

  function fmt(v) {
    const a = Math.abs(v);
    if (a === 0) return "0";
    if (a >= 1e4 || a < 1e-3) return v.toExponential(0).replace("e+", "e");
    if (a >= 100) return v.toFixed(0);
    if (a >= 1) return String(Number(v.toFixed(2)));
    return String(Number(v.toPrecision(2)));
  }

  // Prepares a canvas for drawing at its CSS size; returns the 2D context and size in CSS pixels.
  function setup(canvas) {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(50, canvas.clientWidth);
    const h = Math.max(50, canvas.clientHeight);
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    return { ctx, w, h };
  }

  // opts: {x: {min, max, log, label}, y: {min, max, log, label}, series: [{x, y, color, band: {lo, hi}}],
  //        labels: [{x, y, text}], message}
  function draw(canvas, opts) {
    const { ctx, w, h } = setup(canvas);
    const fg = css("--fg") || "#222";
    const grid = css("--grid") || "#ddd";
    const pad = { l: 54, r: 10, t: 8, b: 34 };
    const pw = w - pad.l - pad.r;
    const ph = h - pad.t - pad.b;
    const X = opts.x;
    const Y = opts.y;
    const tx = X.log ? (v) => (Math.log10(v) - Math.log10(X.min)) / (Math.log10(X.max) - Math.log10(X.min))
                     : (v) => (v - X.min) / (X.max - X.min);
    const ty = Y.log ? (v) => (Math.log10(v) - Math.log10(Y.min)) / (Math.log10(Y.max) - Math.log10(Y.min))
                     : (v) => (v - Y.min) / (Y.max - Y.min);
    const px = (v) => pad.l + tx(v) * pw;
    const py = (v) => pad.t + (1 - ty(Y.log ? Math.max(v, Y.min) : v)) * ph;
    ctx.font = "11px system-ui, sans-serif";
    ctx.lineWidth = 1;
    ctx.strokeStyle = grid;
    ctx.fillStyle = fg;
    const xt = X.log ? logTicks(X.min, X.max) : linearTicks(X.min, X.max, Math.max(2, pw / 80));
    const yt = Y.log ? logTicks(Y.min, Y.max) : linearTicks(Y.min, Y.max, Math.max(2, ph / 40));
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const v of xt) {
      const x = px(v);
      ctx.beginPath(); ctx.moveTo(x, pad.t); ctx.lineTo(x, pad.t + ph); ctx.stroke();
      ctx.fillText(fmt(v), x, pad.t + ph + 3);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const v of yt) {
      const y = py(v);
      ctx.beginPath(); ctx.moveTo(pad.l, y); ctx.lineTo(pad.l + pw, y); ctx.stroke();
      ctx.fillText(fmt(v), pad.l - 4, y);
    }
    ctx.strokeStyle = fg;
    ctx.strokeRect(pad.l, pad.t, pw, ph);
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    if (X.label) ctx.fillText(X.label, pad.l + pw / 2, h - 1);
    if (Y.label) {
      ctx.save(); ctx.translate(11, pad.t + ph / 2); ctx.rotate(-Math.PI / 2);
      ctx.textBaseline = "middle"; ctx.fillText(Y.label, 0, 0); ctx.restore();
    }
    ctx.save();
    ctx.beginPath(); ctx.rect(pad.l, pad.t, pw, ph); ctx.clip();
    for (const s of opts.series || []) {
      ctx.strokeStyle = s.color || css("--accent");
      ctx.fillStyle = s.color || css("--accent");
      ctx.lineWidth = s.width || 1.2;
      if (s.band) { // filled min/max envelope
        const { x, lo, hi } = s.band;
        ctx.beginPath();
        for (let i = 0; i < x.length; i++) ctx.lineTo(px(x[i]), py(hi[i]));
        for (let i = x.length - 1; i >= 0; i--) ctx.lineTo(px(x[i]), py(lo[i]) + 0.5);
        ctx.closePath();
        ctx.globalAlpha = 0.85; ctx.fill(); ctx.globalAlpha = 1;
        continue;
      }
      ctx.beginPath();
      let started = false;
      for (let i = 0; i < s.x.length; i++) {
        const xv = s.x[i], yv = s.y[i];
        if (!Number.isFinite(yv) || (X.log && !(xv > 0))) { started = false; continue; }
        if (!started) { ctx.moveTo(px(xv), py(yv)); started = true; } else ctx.lineTo(px(xv), py(yv));
      }
      ctx.stroke();
    }
    ctx.restore();
    ctx.fillStyle = fg;
    ctx.strokeStyle = fg;
    ctx.textAlign = "left";
    ctx.textBaseline = "bottom";
    const placed = []; // label x positions: a label closer than 70 px to a placed one is left out
    for (const l of opts.labels || []) {
      const x = px(l.x), y = py(l.y);
      if (placed.some((p) => Math.abs(p - x) < 70)) continue;
      placed.push(x);
      ctx.beginPath(); ctx.arc(x, y, 2.5, 0, 2 * Math.PI); ctx.fill();
      ctx.fillText(l.text, Math.min(x + 4, pad.l + pw - ctx.measureText(l.text).width - 2), Math.max(y - 3, pad.t + 12));
    }
    if (opts.message) {
      ctx.textAlign = "center"; ctx.textBaseline = "middle";
      ctx.fillText(opts.message, pad.l + pw / 2, pad.t + ph / 2);
    }
  }

  // Range of finite positive (log) or finite values, widened a little; fallback when empty.
  function range(arrays, log, fallback) {
    let lo = Infinity, hi = -Infinity;
    for (const a of arrays) for (const v of a) {
      if (!Number.isFinite(v) || (log && !(v > 0))) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!(hi >= lo)) return fallback;
    if (log) return { min: lo / 1.5, max: hi * 2 };
    const m = (hi - lo) * 0.05 || Math.abs(hi) * 0.1 || 1;
    return { min: lo - m, max: hi + m };
  }

  return { draw, range, fmt };
})();
