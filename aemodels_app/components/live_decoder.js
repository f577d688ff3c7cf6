// Live latent sliders: the selected model's decoder runs here, in the browser, on every slider movement.
// Weights come from aemodels.export (a JSON list of layers + one float32 buffer), served as static files.
// Python receives the code only when a slider is released (state value "z").

const decoders = new Map(); // url -> Promise<{manifest, weights, decode}>
const frameTimes = (window.__aemodelsFrameTimes = window.__aemodelsFrameTimes || []);
window.aemodelsDecoders = window.aemodelsDecoders || {};

// Every function below writes into an output buffer its decoder allocated once (makeDecoder): a drag decodes
// dozens of codes a second, and a new buffer per layer per frame kept the garbage collector busy.
function linear(x, layer, w, out) {
  const n = layer.in;
  for (let o = 0; o < layer.out; o++) {
    let sum = w[layer.b + o];
    const row = layer.w + o * n;
    for (let i = 0; i < n; i++) sum += w[row + i] * x[i];
    out[o] = sum;
  }
  return out;
}

// Convolutions run channels-last: activations are (height, width, channels) and each layer's weights are
// re-laid out once at load time so that the innermost loop is a contiguous dot product over input channels.

// torch.nn.ConvTranspose2d, channels-last, as a scatter: each nonzero input value (most are zero after a ReLU,
// and are skipped) adds its k x k kernel taps into the output. Weights re-laid out from torch's (in, out, k, k)
// to (in, ky, kx, out) so the innermost loop runs over contiguous output channels.
function prepareConvTranspose(layer, w, shape) {
  const [cin, h, wd] = shape;
  const { out: cout, k, stride: s, padding: p } = layer;
  const oh = (h - 1) * s - 2 * p + k, ow = (wd - 1) * s - 2 * p + k;
  const weights = new Float32Array(cin * k * k * cout);
  for (let ci = 0; ci < cin; ci++)
    for (let co = 0; co < cout; co++)
      for (let t = 0; t < k * k; t++) weights[(ci * k * k + t) * cout + co] = w[layer.w + (ci * cout + co) * k * k + t];
  return { kind: "scatter", cin, cout, k, s, p, h, wd, oh, ow, weights, bias: w.slice(layer.b, layer.b + cout),
           shape: [cout, oh, ow] };
}

function scatter(x, g, out) {
  const { cin, cout, k, s, p, h, wd, oh, ow, weights, bias } = g;
  for (let i = 0; i < oh * ow; i++) out.set(bias, i * cout);
  for (let iy = 0; iy < h; iy++) {
    for (let ix = 0; ix < wd; ix++) {
      const xbase = (iy * wd + ix) * cin;
      for (let ci = 0; ci < cin; ci++) {
        const v = x[xbase + ci];
        if (v === 0) continue;
        for (let ky = 0; ky < k; ky++) {
          const oy = iy * s - p + ky;
          if (oy < 0 || oy >= oh) continue;
          for (let kx = 0; kx < k; kx++) {
            const ox = ix * s - p + kx;
            if (ox < 0 || ox >= ow) continue;
            const obase = (oy * ow + ox) * cout, wbase = ((ci * k + ky) * k + kx) * cout;
            for (let co = 0; co < cout; co++) out[obase + co] += v * weights[wbase + co];
          }
        }
      }
    }
  }
  return out;
}

// torch.nn.Conv2d with zero padding, as the same gather. Torch's weights are (out, in, k, k).
function prepareConv(layer, w, shape) {
  const [cin, h, wd] = shape;
  const { out: cout, k, stride: s, padding: p } = layer;
  const oh = Math.floor((h + 2 * p - k) / s) + 1, ow = Math.floor((wd + 2 * p - k) / s) + 1;
  const taps = (size, outSize) => Array.from({ length: outSize }, (_, o) => {
    const list = [];
    for (let kk = 0; kk < k; kk++) {
      const i = o * s - p + kk;
      if (i >= 0 && i < size) list.push([i, kk]);
    }
    return list;
  });
  const weights = new Float32Array(cout * k * k * cin); // (out, ky, kx, in)
  for (let co = 0; co < cout; co++)
    for (let ci = 0; ci < cin; ci++)
      for (let t = 0; t < k * k; t++) weights[(co * k * k + t) * cin + ci] = w[layer.w + (co * cin + ci) * k * k + t];
  return { kind: "gather", cin, cout, k, oh, ow, rows: taps(h, oh), cols: taps(wd, ow), inWidth: wd, weights,
           bias: w.slice(layer.b, layer.b + cout), shape: [cout, oh, ow] };
}

// Per output pixel, the flat offsets of every contributing input pixel and kernel tap, computed once.
function tapTables(g) {
  const { cin, k, oh, ow, rows, cols, inWidth } = g;
  const start = new Int32Array(oh * ow + 1);
  const xs = [], ws = [];
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      for (const [iy, ky] of rows[oy]) {
        for (const [ix, kx] of cols[ox]) {
          xs.push((iy * inWidth + ix) * cin);
          ws.push((ky * k + kx) * cin);
        }
      }
      start[oy * ow + ox + 1] = xs.length;
    }
  }
  return { start, xs: Int32Array.from(xs), ws: Int32Array.from(ws) };
}

// x is channels-last (h, w, cin); the result is channels-last (oh, ow, cout).
function gather(x, g, out) {
  const { cin, cout, k, oh, ow, weights, bias } = g;
  const { start, xs, ws } = g.tables || (g.tables = tapTables(g));
  const perOut = k * k * cin;
  for (let pixel = 0; pixel < oh * ow; pixel++) {
    const first = start[pixel], last = start[pixel + 1];
    const obase = pixel * cout;
    for (let co = 0; co < cout; co++) {
      let sum = bias[co];
      const wco = co * perOut;
      for (let t = first; t < last; t++) {
        const xb = xs[t], wb = wco + ws[t];
        for (let ci = 0; ci < cin; ci++) sum += x[xb + ci] * weights[wb + ci];
      }
      out[obase + co] = sum;
    }
  }
  return out;
}

// (c, h, w) <-> (h, w, c)
function toChannelsLast(x, [c, h, w], out) {
  for (let ci = 0; ci < c; ci++) for (let i = 0; i < h * w; i++) out[i * c + ci] = x[ci * h * w + i];
  return out;
}

function toChannelsFirst(x, [c, h, w], out) {
  for (let ci = 0; ci < c; ci++) for (let i = 0; i < h * w; i++) out[ci * h * w + i] = x[i * c + ci];
  return out;
}

function makeDecoder(manifest, w) {
  // Walk the layers once to fix every shape, re-lay out the convolution weights and allocate each step's output.
  let shape = [manifest.latent_dim];
  const size = (dims) => dims.reduce((a, b) => a * b, 1);
  const steps = manifest.layers.map((layer) => {
    if (layer.op === "linear") {
      const before = shape; // a linear layer after a convolution reads it flattened channels-first, as torch does
      shape = [layer.out];
      const flat = before.length === 3 ? new Float32Array(size(before)) : null;
      return { op: "linear", layer, out: new Float32Array(layer.out), flat };
    }
    if (layer.op === "reshape") {
      shape = layer.shape;
      return { op: "reshape", shape: layer.shape, out: new Float32Array(size(layer.shape)) };
    }
    if (layer.op === "conv_transpose2d" || layer.op === "conv2d") {
      const g = (layer.op === "conv2d" ? prepareConv : prepareConvTranspose)(layer, w, shape);
      shape = g.shape;
      return { op: g.kind, g, out: new Float32Array(size(g.shape)) };
    }
    if (layer.op === "relu" || layer.op === "sigmoid") return { op: layer.op };
    throw new Error("unknown layer " + layer.op);
  });
  const input = new Float32Array(manifest.latent_dim);
  const pixels = shape.length === 3 ? new Float32Array(size(shape)) : null;
  // The returned pixels are the decoder's own buffer, overwritten by its next call: draw them, or copy them.
  return (z) => {
    input.set(z);
    let x = input;
    let spatial = null; // the (c, h, w) shape while activations are channels-last
    for (const step of steps) {
      if (step.op === "linear") {
        if (spatial) { x = toChannelsFirst(x, spatial, step.flat); spatial = null; }
        x = linear(x, step.layer, w, step.out);
      }
      else if (step.op === "relu") { for (let i = 0; i < x.length; i++) if (x[i] < 0) x[i] = 0; }
      else if (step.op === "reshape") { spatial = step.shape; x = toChannelsLast(x, spatial, step.out); }
      else if (step.op === "gather") { x = gather(x, step.g, step.out); spatial = step.g.shape; }
      else if (step.op === "scatter") { x = scatter(x, step.g, step.out); spatial = step.g.shape; }
      else if (step.op === "sigmoid") { for (let i = 0; i < x.length; i++) x[i] = 1 / (1 + Math.exp(-x[i])); }
    }
    if (spatial) x = toChannelsFirst(x, spatial, pixels);
    return x; // 784 pixels in [0, 1]
  };
}

function loadDecoder(url, name) {
  if (!decoders.has(url)) {
    decoders.set(url, (async () => {
      const [manifestResponse, weightsResponse] = await Promise.all([fetch(url + ".json"), fetch(url + ".bin")]);
      if (!manifestResponse.ok || !weightsResponse.ok) throw new Error("the decoder weights could not be downloaded");
      const manifest = await manifestResponse.json();
      const weights = new Float32Array(await weightsResponse.arrayBuffer());
      if (weights.length !== manifest.floats) throw new Error("the decoder weights are incomplete");
      const decode = makeDecoder(manifest, weights);
      window.aemodelsDecoders[name] = { decode: (z) => Array.from(decode(z)), manifest };
      return { manifest, decode };
    })());
  }
  return decoders.get(url);
}

const images = new WeakMap(); // canvas -> its ImageData, made once
function draw(canvas, pixels) {
  const context = canvas.getContext("2d");
  let image = images.get(canvas);
  if (!image) { image = context.createImageData(28, 28); images.set(canvas, image); }
  for (let i = 0; i < 784; i++) {
    const v = Math.round(Math.min(1, Math.max(0, pixels[i])) * 255);
    image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = v;
    image.data[4 * i + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

function build(root, data) {
  root.innerHTML = "";
  root.dataset.model = data.name;
  const figure = document.createElement("div");
  figure.className = "figure";
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 28;
  canvas.className = "digit";
  canvas.setAttribute("aria-label", "digit decoded in the browser");
  const status = document.createElement("div");
  status.className = "status";
  status.textContent = "Loading the decoder…";
  figure.append(canvas, status);
  const sliders = document.createElement("div");
  sliders.className = "sliders";
  root.append(figure, sliders);
  const inputs = [];
  data.order.forEach((dim, rank) => {
    const row = document.createElement("label");
    row.className = rank < data.shown ? "row" : "row extra";
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = `z${dim + 1}`;
    name.title = data.help[dim];
    const input = document.createElement("input");
    input.type = "range";
    input.min = data.low[dim];
    input.max = data.high[dim];
    input.step = (data.high[dim] - data.low[dim]) / 400;
    input.dataset.dim = dim;
    input.setAttribute("aria-label", `latent z${dim + 1}`);
    const value = document.createElement("span");
    value.className = "value";
    row.append(name, input, value);
    sliders.append(row);
    inputs[dim] = { input, value };
  });
  if (data.order.length > data.shown) {
    const more = document.createElement("button");
    more.type = "button";
    more.className = "more";
    more.textContent = `Show the other ${data.order.length - data.shown} dimensions`;
    more.onclick = () => { root.classList.toggle("all"); more.textContent = root.classList.contains("all") ? "Show fewer" : `Show the other ${data.order.length - data.shown} dimensions`; };
    sliders.append(more);
  }
  return { canvas, status, inputs };
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let root = parentElement.querySelector(".live");
  if (!root) {
    root = document.createElement("div");
    root.className = "live";
    parentElement.append(root);
  }
  if (root.dataset.model !== data.name || !root.__ui) {
    root.__ui = build(root, data);
    root.__version = null;
  }
  const ui = root.__ui;
  const z = (root.__z = root.__version === data.version ? root.__z : Float32Array.from(data.z));
  if (root.__version !== data.version) {
    root.__version = data.version;
    ui.inputs.forEach((entry, dim) => { if (entry) entry.input.value = z[dim]; });
  }
  const show = (dim) => { ui.inputs[dim].value.textContent = Number(z[dim]).toFixed(2); };
  ui.inputs.forEach((entry, dim) => entry && show(dim));

  let cancelled = false;
  loadDecoder(data.url, data.name).then(({ decode }) => {
    if (cancelled) return;
    ui.status.textContent = data.caption;
    root.dataset.ready = "true";
    const redraw = () => {
      const start = performance.now();
      draw(ui.canvas, decode(z));
      frameTimes.push(performance.now() - start);
      if (frameTimes.length > 20000) frameTimes.splice(0, 10000);
    };
    redraw();
    ui.inputs.forEach((entry, dim) => {
      if (!entry) return;
      entry.input.oninput = () => { z[dim] = Number(entry.input.value); show(dim); redraw(); };
      entry.input.onchange = () => setStateValue("z", { version: data.version, values: Array.from(z) });
    });
  }).catch((error) => {
    ui.status.textContent = "Live dragging is unavailable here (" + error.message + "). Switch off “Live dragging” to use the server's sliders.";
    root.dataset.ready = "error";
  });
  return () => { cancelled = true; };
}
