// pcmsim live demo: drawing pad -> MNIST-like 28x28 -> POST /api/classify -> bars, curves,
// energy. Plain JavaScript, no libraries, no network beyond the page's own server.
"use strict";

const T_MAX = 10 * 365 * 86400;  // s, the API's upper limit (10 years)
const SIDE = 28;                 // network input, pixels
const BOX = 20;                  // the digit's bounding box is scaled to fit BOX x BOX
const COLORS = ["#2f6fde", "#e0531f", "#1e9e62", "#9b45c9", "#c9a31e", "#2bb3c0", "#d43f8d", "#666666"];

const pad = document.getElementById("pad");
const padCtx = pad.getContext("2d", { willReadFrequently: true });
const preview = document.getElementById("preview");
const slider = document.getElementById("time");
const compensation = document.getElementById("compensation");
const seedInput = document.getElementById("seed");
const statusLine = document.getElementById("status");

// Everything a test (or a curious visitor, from the console) may want to read.
const state = {
  models: [],        // GET /api/models
  input: null,       // the 784 values last sent (row-major, 0..1)
  response: null,    // the last /api/classify answer
  requests: 0,       // answers received
  error: null,
};

// ---------- time slider: 103 positions, 12 per decade, 1 s .. 10 years ----------
function sliderTime() {
  const v = Number(slider.value);
  return v >= Number(slider.max) ? T_MAX : Math.min(T_MAX, Math.pow(10, v / 12));
}

function formatTime(t) {
  const units = [[365 * 86400, "year"], [30 * 86400, "month"], [86400, "day"], [3600, "h"], [60, "min"]];
  for (const [s, name] of units) {
    if (t >= s) {
      const n = t / s;
      const text = n >= 10 ? n.toFixed(0) : n.toFixed(1).replace(/\.0$/, "");
      const plural = name.length > 3 && text !== "1" ? "s" : "";
      return text + " " + name + plural;
    }
  }
  return (t >= 10 ? t.toFixed(0) : t.toFixed(1).replace(/\.0$/, "")) + " s";
}

// ---------- drawing ----------
function clearPad() {
  padCtx.fillStyle = "#000";
  padCtx.fillRect(0, 0, pad.width, pad.height);
}

let drawing = false;
let last = null;

function padPoint(ev) {
  const r = pad.getBoundingClientRect();
  return { x: (ev.clientX - r.left) * pad.width / r.width, y: (ev.clientY - r.top) * pad.height / r.height };
}

function strokeTo(p) {
  padCtx.strokeStyle = "#fff";
  padCtx.lineWidth = 20;
  padCtx.lineCap = "round";
  padCtx.lineJoin = "round";
  padCtx.beginPath();
  padCtx.moveTo(last.x, last.y);
  padCtx.lineTo(p.x, p.y);
  padCtx.stroke();
  last = p;
}

pad.addEventListener("pointerdown", (ev) => {
  ev.preventDefault();
  pad.setPointerCapture(ev.pointerId);
  drawing = true;
  last = padPoint(ev);
  strokeTo({ x: last.x + 0.01, y: last.y });  // a dot for a tap
});
pad.addEventListener("pointermove", (ev) => {
  if (!drawing) return;
  ev.preventDefault();
  strokeTo(padPoint(ev));
  scheduleClassify();  // live while drawing (rate-limited by one request in flight)
});
const endStroke = () => {
  if (!drawing) return;
  drawing = false;
  scheduleClassify();
};
pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);

document.getElementById("clear").addEventListener("click", () => {
  clearPad();
  state.input = null;
  drawPreview(null);
  renderResults(null);
});

// ---------- MNIST-like preprocessing ----------
// Grey levels of the pad, 0..1 (the red channel of white-on-black).
function padGrey() {
  const d = padCtx.getImageData(0, 0, pad.width, pad.height).data;
  const g = new Float64Array(pad.width * pad.height);
  for (let i = 0; i < g.length; i++) g[i] = d[4 * i] / 255;
  return g;
}

// Area-weighted resampling: the source rectangle (x0, y0, w, h) onto tw x th target pixels,
// every target pixel the mean of the source area it covers (anti-aliased, deterministic).
function resampleArea(src, sw, x0, y0, w, h, tw, th) {
  const out = new Float64Array(tw * th);
  const fx = w / tw, fy = h / th;
  for (let ty = 0; ty < th; ty++) {
    const sy0 = y0 + ty * fy, sy1 = sy0 + fy;
    for (let tx = 0; tx < tw; tx++) {
      const sx0 = x0 + tx * fx, sx1 = sx0 + fx;
      let sum = 0;
      for (let y = Math.floor(sy0); y < Math.ceil(sy1); y++) {
        const wy = Math.min(sy1, y + 1) - Math.max(sy0, y);
        for (let x = Math.floor(sx0); x < Math.ceil(sx1); x++) {
          const wx = Math.min(sx1, x + 1) - Math.max(sx0, x);
          sum += wx * wy * src[y * sw + x];
        }
      }
      out[ty * tw + tx] = sum / (fx * fy);
    }
  }
  return out;
}

// The pad as a 28x28 MNIST-style input, or null when nothing is drawn: the bounding box of
// the ink is scaled (aspect kept) so its longer side is 20 pixels, then placed so that its
// centre of mass sits at the middle of the 28x28 field (shifted by whole pixels).
function preprocess(grey, w, h) {
  let minX = w, minY = h, maxX = -1, maxY = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (grey[y * w + x] > 0.05) {
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
  }
  if (maxX < 0) return null;
  const bw = maxX - minX + 1, bh = maxY - minY + 1;
  const scale = BOX / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale)), th = Math.max(1, Math.round(bh * scale));
  const small = resampleArea(grey, w, minX, minY, bw, bh, tw, th);
  let mass = 0, cx = 0, cy = 0;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = small[y * tw + x];
      mass += v;
      cx += v * x;
      cy += v * y;
    }
  }
  cx /= mass;
  cy /= mass;
  // Pixel centres: the centre of mass (cx + 0.5, cy + 0.5) goes to the field's middle (14, 14).
  const ox = Math.round(SIDE / 2 - (cx + 0.5)), oy = Math.round(SIDE / 2 - (cy + 0.5));
  const out = new Array(SIDE * SIDE).fill(0);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const X = x + ox, Y = y + oy;
      if (X >= 0 && X < SIDE && Y >= 0 && Y < SIDE) out[Y * SIDE + X] = Math.min(1, Math.max(0, small[y * tw + x]));
    }
  }
  // Three decimals: the JSON stays small, and the values sent are exactly the ones shown.
  return out.map((v) => Math.round(v * 1000) / 1000);
}

function drawPreview(input) {
  const ctx = preview.getContext("2d");
  const img = ctx.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const v = input ? Math.round(input[i] * 255) : 0;
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  const tmp = document.createElement("canvas");
  tmp.width = tmp.height = SIDE;
  tmp.getContext("2d").putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, 0, 0, preview.width, preview.height);
}

// ---------- classification (one request in flight; the latest state wins) ----------
let inFlight = false;
let pending = false;

function scheduleClassify() {
  if (inFlight) {
    pending = true;
    return;
  }
  classifyNow();
}

async function classifyNow() {
  const input = preprocess(padGrey(), pad.width, pad.height);
  state.input = input;
  drawPreview(input);
  if (!input) {
    renderResults(null);
    return;
  }
  const t = sliderTime();
  const body = {
    pixels: input,
    t_seconds: t,
    compensation: compensation.checked,
    seed: Math.max(0, Math.floor(Number(seedInput.value) || 0)),
  };
  inFlight = true;
  try {
    const res = await fetch("api/classify", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const answer = await res.json();
    if (!res.ok) throw new Error(answer.error || ("HTTP " + res.status));
    state.response = answer;
    state.error = null;
    renderResults(answer);
    statusLine.textContent = "classified at t = " + formatTime(answer.t_seconds) +
      (answer.compensation ? ", compensated" : ", uncompensated") + ", read-noise draw " + answer.seed;
  } catch (e) {
    state.error = String(e.message || e);
    statusLine.textContent = "error: " + state.error;
  } finally {
    state.requests++;
    inFlight = false;
    if (pending) {
      pending = false;
      scheduleClassify();
    }
  }
}

// ---------- rendering ----------
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function formatJoules(j) {
  if (j === null || j === undefined || !isFinite(j)) return "n/a";
  const units = [[1, "J"], [1e-3, "mJ"], [1e-6, "\u00b5J"], [1e-9, "nJ"], [1e-12, "pJ"]];
  for (const [s, name] of units) if (Math.abs(j) >= s) return (j / s).toPrecision(3) + " " + name;
  return (j / 1e-15).toPrecision(3) + " fJ";
}

function pathLabel(m) {
  return m.analog ? m.backend + " on " + m.device : m.backend + " (digital)";
}

function renderResults(answer) {
  const box = document.getElementById("results");
  box.textContent = "";
  const byName = new Map(answer ? answer.results.map((r) => [r.name, r]) : []);
  state.models.forEach((m, k) => {
    const card = el("div", "model");
    card.dataset.model = m.name;
    const r = byName.get(m.name);
    card.appendChild(el("span", "pred", r ? String(r.predicted) : "\u2013"));
    const title = el("h3", null, m.name);
    title.style.color = COLORS[k % COLORS.length];
    card.appendChild(title);
    card.appendChild(el("div", "meta", pathLabel(m)));
    for (let c = 0; c < m.classes; c++) {
      const p = r ? r.probabilities[c] : 0;
      const row = el("div", "bar-row" + (r && r.predicted === c ? " top" : ""));
      row.appendChild(el("span", null, String(c)));
      const track = el("div", "bar-track");
      const bar = el("div", "bar");
      bar.style.width = (100 * p).toFixed(1) + "%";
      track.appendChild(bar);
      row.appendChild(track);
      row.appendChild(el("span", "pct", r ? (100 * p).toFixed(1) + "%" : ""));
      card.appendChild(row);
    }
    card.appendChild(el("div", "energy", "this inference: " + (r ? formatJoules(r.energy_J) : "\u2013")));
    box.appendChild(card);
  });
  renderEnergy(byName);
  renderCurves();
}

function renderEnergy(byName) {
  const body = document.querySelector("#energy tbody");
  body.textContent = "";
  for (const m of state.models) {
    const tr = el("tr");
    const r = byName.get(m.name);
    tr.appendChild(el("td", null, m.name));
    tr.appendChild(el("td", null, pathLabel(m)));
    tr.appendChild(el("td", null, formatJoules(m.energy_per_inference_J)));
    tr.appendChild(el("td", null, r ? formatJoules(r.energy_J) : "\u2013"));
    body.appendChild(tr);
  }
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

// Accuracy vs log time, drawn by hand: analog runs from /summary/accuracy_vs_time, digital
// runs as flat lines at their test accuracy.
function renderCurves() {
  const box = document.getElementById("curves");
  box.textContent = "";
  const W = 900, H = 280, L = 52, R = 150, T = 12, B = 34;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "xMidYMid meet", role: "img" });
  const ys = [];
  for (const m of state.models) {
    if (m.accuracy_vs_time) ys.push(...m.accuracy_vs_time.mean, ...m.accuracy_vs_time.mean_uncompensated);
    else if (m.accuracy !== null) ys.push(m.accuracy);
  }
  if (!ys.length) return;
  let lo = Math.floor(Math.min(...ys) * 20) / 20, hi = Math.min(1, Math.ceil(Math.max(...ys) * 50) / 50);
  if (hi - lo < 0.05) lo = hi - 0.05;
  const lx0 = 0, lx1 = Math.log10(T_MAX);
  const X = (t) => L + (Math.log10(t) - lx0) / (lx1 - lx0) * (W - L - R);
  const Y = (a) => T + (hi - a) / (hi - lo) * (H - T - B);
  // Axes and grid.
  for (const [t, name] of [[1, "1 s"], [60, "1 min"], [3600, "1 h"], [86400, "1 day"], [2592000, "1 month"],
                           [31536000, "1 year"], [T_MAX, "10 y"]]) {
    root.appendChild(svg("line", { x1: X(t), x2: X(t), y1: T, y2: H - B, stroke: "#e6e8ee" }));
    root.appendChild(svg("text", { x: X(t), y: H - B + 16, "text-anchor": "middle" }, name));
  }
  const step = (hi - lo) > 0.2 ? 0.05 : 0.01;
  for (let a = Math.ceil(lo / step) * step; a <= hi + 1e-9; a += step) {
    root.appendChild(svg("line", { x1: L, x2: W - R, y1: Y(a), y2: Y(a), stroke: "#e6e8ee" }));
    root.appendChild(svg("text", { x: L - 6, y: Y(a) + 4, "text-anchor": "end" }, (100 * a).toFixed(0) + "%"));
  }
  root.appendChild(svg("text", { x: (L + W - R) / 2, y: H - 2, "text-anchor": "middle" }, "time since programming"));
  // The slider's time.
  const now = sliderTime();
  root.appendChild(svg("line", { x1: X(now), x2: X(now), y1: T, y2: H - B, stroke: "#888", "stroke-width": 1.5 }));
  let legendY = T + 10;
  state.models.forEach((m, k) => {
    const color = COLORS[k % COLORS.length];
    const line = (times, acc, dash) => {
      const pts = times.map((t, i) => `${X(Math.max(1, t)).toFixed(1)},${Y(acc[i]).toFixed(1)}`).join(" ");
      root.appendChild(svg("polyline", { points: pts, fill: "none", stroke: color, "stroke-width": 2,
                                         "stroke-dasharray": dash ? "5,4" : "none" }));
      times.forEach((t, i) => root.appendChild(svg("circle", { cx: X(Math.max(1, t)), cy: Y(acc[i]), r: 3, fill: color })));
    };
    if (m.accuracy_vs_time) {
      line(m.accuracy_vs_time.time_s, m.accuracy_vs_time.mean, false);
      line(m.accuracy_vs_time.time_s, m.accuracy_vs_time.mean_uncompensated, true);
    } else if (m.accuracy !== null) {
      line([1, T_MAX], [m.accuracy, m.accuracy], false);
    }
    root.appendChild(svg("rect", { x: W - R + 10, y: legendY - 8, width: 12, height: 4, fill: color }));
    root.appendChild(svg("text", { x: W - R + 28, y: legendY - 3 }, m.name));
    legendY += 16;
  });
  box.appendChild(root);
}

// ---------- wiring ----------
function onControls() {
  document.getElementById("time-label").textContent = formatTime(sliderTime());
  renderCurves();
  if (state.input) scheduleClassify();
}
slider.addEventListener("input", onControls);
compensation.addEventListener("change", onControls);
seedInput.addEventListener("change", onControls);

// Tick labels under the slider at their log positions.
function placeTicks() {
  const max = Number(slider.max);
  for (const span of document.querySelectorAll(".ticks span")) {
    const pos = Math.min(max, 12 * Math.log10(Number(span.dataset.t))) / max;
    span.style.left = (100 * pos).toFixed(2) + "%";
  }
}

async function start() {
  placeTicks();
  clearPad();
  drawPreview(null);
  try {
    const res = await fetch("api/models");
    const answer = await res.json();
    state.models = answer.models;
    statusLine.textContent = state.models.length + " model(s) loaded; draw a digit";
  } catch (e) {
    state.error = String(e.message || e);
    statusLine.textContent = "error: " + state.error;
  }
  onControls();
  renderResults(null);
  state.ready = true;
}

// For scripted use (the browser test): put a grey image (w x h values 0..1, row-major) on
// the pad, scaled to fill it, and classify as after a stroke.
window.pcmsimDemo = {
  state,
  preprocess,
  idle: () => !inFlight && !pending,
  drawGrey(values, w, h) {
    const img = padCtx.createImageData(w, h);
    for (let i = 0; i < w * h; i++) {
      const v = Math.round(255 * values[i]);
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
      img.data[4 * i + 3] = 255;
    }
    const tmp = document.createElement("canvas");
    tmp.width = w;
    tmp.height = h;
    tmp.getContext("2d").putImageData(img, 0, 0);
    clearPad();
    padCtx.imageSmoothingEnabled = true;
    padCtx.imageSmoothingQuality = "high";
    padCtx.drawImage(tmp, 0, 0, pad.width, pad.height);
    scheduleClassify();
  },
};
start();
