// Loads Streamlit's Plotly chart module while the browser has nothing else to do, so that the first chart the user
// opens does not wait for it. The module is 4.7 MB of JavaScript; evaluating it took 0.8 s of the Latent explorer's
// first render in headless Chromium (bench/interaction.py). Importing it by the same URL that Streamlit's own
// loader uses gives the one module instance both share. A missing or renamed file (another Streamlit version)
// only means no head start: the chart then loads as it always did. The server sends the file as it is (no
// compression work, ~10 ms of CPU) with a year's cache lifetime, so a browser fetches it once.
export default function (component) {
  const { data } = component;
  if (window.__aemodelsPreloaded === data.chunk) return;
  window.__aemodelsPreloaded = data.chunk;
  // A browser that asks to save data, or is on a 2G link, gets no download it did not ask for (4.7 MB).
  const link = navigator.connection;
  if (link && (link.saveData || ["slow-2g", "2g"].includes(link.effectiveType))) return;
  const loader = document.querySelector('script[type="module"][src*="/static/js/index."]');
  if (!loader || !data.chunk) return;
  const url = new URL(data.chunk, loader.src).href;
  const load = () => import(url).catch(() => {});
  if ("requestIdleCallback" in window) window.requestIdleCallback(load, { timeout: 4000 });
  else window.setTimeout(load, 1500);
}
