// Live latent sliders: the selected model's decoder runs here, in the browser, on every slider movement.
// Weights come from aemodels.export (a JSON list of layers + one float32 buffer), served as static files.
// Python receives the code only when a slider is released (state value "z").

const decoders = new Map(); // url -> Promise<{manifest, weights, decode}>
const frameTimes = (window.__aemodelsFrameTimes = window.__aemodelsFrameTimes || []);
window.aemodelsDecoders = window.aemodelsDecoders || {};

function linear(x, layer, w) {
  const out = new Float32Array(layer.out);
  const n = layer.in;
  for (let o = 0; o < layer.out; o++) {
    let sum = w[layer.b + o];
    const row = layer.w + o * n;
    for (let i = 0; i < n; i++) sum += w[row + i] * x[i];
    out[o] = sum;
  }
  return out;
}

// torch.nn.ConvTranspose2d: every input pixel scatters a k x k patch of weights (in, out, k, k) into the output.
function convTranspose2d(x, shape, layer, w) {
  const [cin, h, wd] = shape;
  const { out: cout, k, stride: s, padding: p } = layer;
  const oh = (h - 1) * s - 2 * p + k, ow = (wd - 1) * s - 2 * p + k;
  const out = new Float64Array(cout * oh * ow);
  for (let co = 0; co < cout; co++) out.fill(w[layer.b + co], co * oh * ow, (co + 1) * oh * ow);
  for (let ci = 0; ci < cin; ci++) {
    for (let iy = 0; iy < h; iy++) {
      for (let ix = 0; ix < wd; ix++) {
        const v = x[(ci * h + iy) * wd + ix];
        if (v === 0) continue; // after a ReLU most inputs are zero
        for (let co = 0; co < cout; co++) {
          const wbase = layer.w + (ci * cout + co) * k * k;
          const obase = co * oh * ow;
          for (let ky = 0; ky < k; ky++) {
            const oy = iy * s - p + ky;
            if (oy < 0 || oy >= oh) continue;
            for (let kx = 0; kx < k; kx++) {
              const ox = ix * s - p + kx;
              if (ox < 0 || ox >= ow) continue;
              out[obase + oy * ow + ox] += v * w[wbase + ky * k + kx];
            }
          }
        }
      }
    }
  }
  return [Float32Array.from(out), [cout, oh, ow]];
}

// torch.nn.Conv2d: weights (out, in, k, k), zero padding.
function conv2d(x, shape, layer, w) {
  const [cin, h, wd] = shape;
  const { out: cout, k, stride: s, padding: p } = layer;
  const oh = Math.floor((h + 2 * p - k) / s) + 1, ow = Math.floor((wd + 2 * p - k) / s) + 1;
  const out = new Float32Array(cout * oh * ow);
  for (let co = 0; co < cout; co++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let sum = w[layer.b + co];
        for (let ci = 0; ci < cin; ci++) {
          const wbase = layer.w + (co * cin + ci) * k * k;
          for (let ky = 0; ky < k; ky++) {
            const iy = oy * s - p + ky;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < k; kx++) {
              const ix = ox * s - p + kx;
              if (ix < 0 || ix >= wd) continue;
              sum += x[(ci * h + iy) * wd + ix] * w[wbase + ky * k + kx];
            }
          }
        }
        out[(co * oh + oy) * ow + ox] = sum;
      }
    }
  }
  return [out, [cout, oh, ow]];
}

function makeDecoder(manifest, w) {
  return (z) => {
    let x = Float32Array.from(z);
    let shape = [x.length];
    for (const layer of manifest.layers) {
      if (layer.op === "linear") { x = linear(x, layer, w); shape = [layer.out]; }
      else if (layer.op === "relu") { for (let i = 0; i < x.length; i++) if (x[i] < 0) x[i] = 0; }
      else if (layer.op === "reshape") { shape = layer.shape; }
      else if (layer.op === "conv_transpose2d") { [x, shape] = convTranspose2d(x, shape, layer, w); }
      else if (layer.op === "conv2d") { [x, shape] = conv2d(x, shape, layer, w); }
      else if (layer.op === "sigmoid") { for (let i = 0; i < x.length; i++) x[i] = 1 / (1 + Math.exp(-x[i])); }
      else throw new Error("unknown layer " + layer.op);
    }
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

function draw(canvas, pixels) {
  const context = canvas.getContext("2d");
  const image = context.createImageData(28, 28);
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
