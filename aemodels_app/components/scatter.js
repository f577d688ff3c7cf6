// The Latent explorer's map of the sample digits' codes, drawn on a canvas: 2,000 dots in a few milliseconds,
// where the chart library took 0.7 s to draw two such charts after 0.8 s to load itself.
// A click on a dot (or, on a 2-d latent plane, on any spot) marks it at once, here, and sends the trigger value
// "clicked" ({index} or {point: [x, y]}); the page answers with the digit or the decoded spot. Drag to pan, the
// buttons zoom, the legend's buttons hide and show a class. The same data from a later run redraws nothing but
// the marks.

const PAD = { left: 58, right: 14, top: 34, bottom: 48 };
const HIT = { mouse: 10, pen: 14, touch: 24 }; // px: how near a pointer must be to a dot to hit it

function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (raw <= m * power) return m * power;
  return 10 * power;
}

function ticks(lo, hi, count) {
  const step = niceStep(hi - lo, count);
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push([v, v.toFixed(digits)]);
  return out;
}

function build(parent) {
  const root = document.createElement("div");
  root.className = "aemodels-scatter";
  const title = document.createElement("div");
  title.className = "title";
  const stage = document.createElement("div");
  stage.className = "stage";
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  const tip = document.createElement("div");
  tip.className = "tip";
  tip.hidden = true;
  const tools = document.createElement("div");
  tools.className = "tools";
  const legend = document.createElement("div");
  legend.className = "legend";
  legend.setAttribute("role", "group");
  stage.append(canvas, tip, tools);
  root.append(title, stage, legend);
  parent.append(root);
  const s = { root, title, stage, canvas, tip, tools, legend, hidden: new Set(), view: null, builds: 0 };
  for (const [text, label, action] of [
    ["+", "Zoom in", () => zoom(s, 1 / 1.5)],
    ["−", "Zoom out", () => zoom(s, 1.5)],
    ["⟲", "Reset the view", () => { s.view = null; draw(s); }],
  ]) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = text;
    button.title = label;
    button.setAttribute("aria-label", label);
    button.onclick = action;
    tools.append(button);
  }
  new ResizeObserver(() => draw(s)).observe(stage);
  listen(s);
  root.__scatter = s;
  return s;
}

function load(s, data) {
  s.version = data.version;
  s.view = null;
  s.hidden.clear();
  s.builds += 1;
  s.root.dataset.builds = String(s.builds);
  s.legend.replaceChildren(
    Object.assign(document.createElement("span"), { className: "legend-title", textContent: "label" }),
    ...data.colours.map((colour, digit) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "entry";
      button.setAttribute("aria-pressed", "true");
      button.title = `Hide or show the ${digit}s`;
      const dot = document.createElement("span");
      dot.className = "dot";
      dot.style.background = colour;
      button.append(dot, String(digit));
      button.onclick = () => {
        if (s.hidden.has(digit)) s.hidden.delete(digit);
        else s.hidden.add(digit);
        button.setAttribute("aria-pressed", String(!s.hidden.has(digit)));
        draw(s);
      };
      return button;
    }),
  );
}

// The data range shown: the data's padded bounds (or the zoomed/panned view), widened on one axis where the two
// axes must share a scale (a VAE's prior circles stay circles).
function frame(s) {
  const { data } = s;
  const width = s.stage.clientWidth;
  const height = data.height;
  const plot = { x0: PAD.left, x1: Math.max(PAD.left + 10, width - PAD.right), y0: PAD.top, y1: height - PAD.bottom };
  let [xlo, xhi, ylo, yhi] = s.view || data.bounds;
  if (data.equal) {
    const perX = (xhi - xlo) / (plot.x1 - plot.x0), perY = (yhi - ylo) / (plot.y1 - plot.y0);
    const per = Math.max(perX, perY);
    const cx = (xlo + xhi) / 2, cy = (ylo + yhi) / 2;
    const hw = (per * (plot.x1 - plot.x0)) / 2, hh = (per * (plot.y1 - plot.y0)) / 2;
    [xlo, xhi, ylo, yhi] = [cx - hw, cx + hw, cy - hh, cy + hh];
  }
  const sx = (x) => plot.x0 + ((x - xlo) / (xhi - xlo)) * (plot.x1 - plot.x0);
  const sy = (y) => plot.y1 - ((y - ylo) / (yhi - ylo)) * (plot.y1 - plot.y0);
  const dx = (px) => xlo + ((px - plot.x0) / (plot.x1 - plot.x0)) * (xhi - xlo);
  const dy = (py) => ylo + ((plot.y1 - py) / (plot.y1 - plot.y0)) * (yhi - ylo);
  return { width, height, plot, range: [xlo, xhi, ylo, yhi], sx, sy, dx, dy };
}

function zoom(s, factor, around) {
  const f = frame(s);
  const [xlo, xhi, ylo, yhi] = f.range;
  const [cx, cy] = around || [(xlo + xhi) / 2, (ylo + yhi) / 2];
  s.view = [cx - (cx - xlo) * factor, cx + (xhi - cx) * factor, cy - (cy - ylo) * factor, cy + (yhi - cy) * factor];
  draw(s);
}

function draw(s) {
  if (!s.data) return;
  const { data, canvas } = s;
  const f = frame(s);
  const ratio = window.devicePixelRatio || 1;
  const w = Math.round(f.width * ratio), h = Math.round(f.height * ratio);
  if (canvas.width !== w || canvas.height !== h) { // setting a size clears and reallocates the canvas
    canvas.width = w;
    canvas.height = h;
    canvas.style.width = `${f.width}px`;
    canvas.style.height = `${f.height}px`;
  }
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, f.width, f.height);
  const style = getComputedStyle(s.root);
  const ink = style.color, font = style.fontFamily;
  const { plot } = f;
  const [xlo, xhi, ylo, yhi] = f.range;

  g.font = `12px ${font}`;
  g.lineWidth = 1;
  g.strokeStyle = "rgba(128, 128, 128, 0.18)";
  g.fillStyle = ink;
  g.textAlign = "center";
  g.textBaseline = "top";
  for (const [v, text] of ticks(xlo, xhi, Math.max(3, Math.round((plot.x1 - plot.x0) / 60)))) {
    const x = Math.round(f.sx(v)) + 0.5;
    g.beginPath(); g.moveTo(x, plot.y0); g.lineTo(x, plot.y1); g.stroke();
    g.fillText(text, x, plot.y1 + 6);
  }
  g.textAlign = "right";
  g.textBaseline = "middle";
  for (const [v, text] of ticks(ylo, yhi, Math.max(3, Math.round((plot.y1 - plot.y0) / 50)))) {
    const y = Math.round(f.sy(v)) + 0.5;
    g.beginPath(); g.moveTo(plot.x0, y); g.lineTo(plot.x1, y); g.stroke();
    g.fillText(text, plot.x0 - 6, y);
  }
  g.font = `13px ${font}`;
  g.textAlign = "center";
  g.textBaseline = "bottom";
  g.fillText(data.x_title, (plot.x0 + plot.x1) / 2, f.height - 4, plot.x1 - plot.x0);
  g.save();
  g.translate(14, (plot.y0 + plot.y1) / 2);
  g.rotate(-Math.PI / 2);
  g.textBaseline = "middle";
  g.fillText(data.y_title, 0, 0, plot.y1 - plot.y0);
  g.restore();

  g.save();
  g.beginPath();
  g.rect(plot.x0, plot.y0, plot.x1 - plot.x0, plot.y1 - plot.y0);
  g.clip();
  g.setLineDash([4, 3]);
  g.lineWidth = 1.3;
  g.strokeStyle = "rgba(60, 60, 60, 0.85)";
  for (const radius of data.circles) {
    g.beginPath();
    g.ellipse(f.sx(0), f.sy(0), Math.abs(f.sx(radius) - f.sx(0)), Math.abs(f.sy(radius) - f.sy(0)), 0, 0, 2 * Math.PI);
    g.stroke();
  }
  g.setLineDash([]);
  const radius = 2.6;
  g.globalAlpha = 0.7;
  for (let digit = 0; digit < 10; digit++) {
    if (s.hidden.has(digit)) continue;
    g.fillStyle = data.colours[digit];
    g.beginPath();
    for (let i = 0; i < data.x.length; i++) {
      if (data.labels[i] !== digit) continue;
      const x = f.sx(data.x[i]), y = f.sy(data.y[i]);
      g.moveTo(x + radius, y);
      g.arc(x, y, radius, 0, 2 * Math.PI);
    }
    g.fill();
  }
  g.globalAlpha = 1;
  g.font = `11px ${font}`;
  g.textBaseline = "bottom";
  for (const r of data.circles) { // the label on top of its circle, on a pale ground: legible over the dots
    const text = `${r}σ of the prior`, x = f.sx(0), y = f.sy(r) - 2, w = g.measureText(text).width + 6;
    g.fillStyle = "rgba(255, 255, 255, 0.75)";
    g.fillRect(x - w / 2, y - 14, w, 14);
    g.fillStyle = "dimgrey";
    g.fillText(text, x, y);
  }
  if (s.marked != null && s.marked < data.x.length) {
    const x = f.sx(data.x[s.marked]), y = f.sy(data.y[s.marked]);
    g.beginPath(); g.arc(x, y, 7, 0, 2 * Math.PI);
    g.fillStyle = "black"; g.fill();
    g.lineWidth = 2; g.strokeStyle = "white"; g.stroke();
  }
  if (s.spot) {
    const x = f.sx(s.spot[0]), y = f.sy(s.spot[1]);
    g.lineWidth = 3; g.strokeStyle = "black";
    g.beginPath(); g.moveTo(x - 7, y - 7); g.lineTo(x + 7, y + 7); g.moveTo(x + 7, y - 7); g.lineTo(x - 7, y + 7);
    g.stroke();
  }
  g.restore();
  s.frame = f;
  s.root.dataset.ready = "true";
}

// The visible dot nearest to a canvas position, within `reach` px; -1 if none.
function nearest(s, px, py, reach) {
  const { data, frame: f } = s;
  let best = -1, bestD = reach * reach;
  for (let i = 0; i < data.x.length; i++) {
    if (s.hidden.has(data.labels[i])) continue;
    const ddx = f.sx(data.x[i]) - px, ddy = f.sy(data.y[i]) - py;
    const d = ddx * ddx + ddy * ddy;
    if (d <= bestD) { best = i; bestD = d; }
  }
  return best;
}

function listen(s) {
  const { canvas } = s;
  let press = null;
  const at = (event) => {
    const box = canvas.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  };
  const inside = (px, py) => {
    const p = s.frame.plot;
    return px >= p.x0 && px <= p.x1 && py >= p.y0 && py <= p.y1;
  };
  canvas.addEventListener("pointerdown", (event) => {
    const [px, py] = at(event);
    press = { px, py, view: s.frame.range.slice(), moved: false, id: event.pointerId };
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!s.frame) return;
    const [px, py] = at(event);
    if (press && event.pointerId === press.id) {
      if (Math.hypot(px - press.px, py - press.py) > 4) press.moved = true;
      if (press.moved) { // pan: the data point under the pointer at the press stays under it
        const [xlo, xhi, ylo, yhi] = press.view;
        const p = s.frame.plot;
        const ux = ((px - press.px) / (p.x1 - p.x0)) * (s.frame.range[1] - s.frame.range[0]);
        const uy = ((py - press.py) / (p.y1 - p.y0)) * (s.frame.range[3] - s.frame.range[2]);
        s.view = [xlo - ux, xhi - ux, ylo + uy, yhi + uy];
        s.tip.hidden = true;
        draw(s);
        return;
      }
    }
    const hit = nearest(s, px, py, HIT[event.pointerType] || HIT.mouse);
    const clickable = s.data.clickable && (hit >= 0 || (s.data.plane && inside(px, py)));
    canvas.style.cursor = clickable ? "pointer" : "grab";
    if (hit < 0) { s.tip.hidden = true; return; }
    const label = s.data.labels[hit];
    s.tip.textContent = s.data.clickable ? `digit #${hit} · label ${label}` : `label ${label}`;
    s.tip.style.left = `${Math.min(px + 12, s.frame.width - 150)}px`;
    s.tip.style.top = `${Math.max(py - 30, 0)}px`;
    s.tip.hidden = false;
  });
  canvas.addEventListener("pointerleave", () => { s.tip.hidden = true; });
  canvas.addEventListener("pointercancel", () => { press = null; }); // the page took the gesture (a scroll)
  canvas.addEventListener("pointerup", (event) => {
    if (!press || event.pointerId !== press.id) return;
    const moved = press.moved;
    press = null;
    if (moved || !s.data.clickable) return;
    const [px, py] = at(event);
    const hit = nearest(s, px, py, HIT[event.pointerType] || HIT.mouse);
    if (hit >= 0) {
      s.marked = hit;
      s.spot = null;
      draw(s);
      s.send("clicked", { index: hit, at: Date.now() });
    } else if (s.data.plane && inside(px, py)) {
      s.spot = [s.frame.dx(px), s.frame.dy(py)];
      s.marked = null;
      draw(s);
      s.send("clicked", { point: s.spot, at: Date.now() });
    }
  });
  canvas.addEventListener("dblclick", () => { s.view = null; draw(s); });
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const s = parentElement.querySelector(".aemodels-scatter")?.__scatter || build(parentElement);
  s.send = setTriggerValue;
  s.data = data;
  if (s.version !== data.version) load(s, data);
  // What the page says is marked: a click's digit (in both maps), a link's, or a clicked spot of this plane.
  const marks = `${data.marked}|${data.spot}`;
  if (s.marks !== marks) {
    s.marks = marks;
    s.marked = data.marked;
    s.spot = data.spot;
  }
  s.title.textContent = data.title;
  s.canvas.setAttribute("aria-label", `${data.title}: ${data.x_title} against ${data.y_title}`);
  s.stage.style.height = `${data.height}px`;
  draw(s);
}
