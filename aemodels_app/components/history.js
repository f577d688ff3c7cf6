// One entry in the browser's history per view. When the sidebar's navigation switches pages, Streamlit's frontend
// drops the query string: it pushes the new page's path without it, and then, when the server writes the view into
// the URL at the end of that run (state.sync_url), pushes the same path again with the query. Back then needed two
// presses to leave a page (Reconstruction -> Denoising -> Sampling -> Explorer, then Back, Back: still Sampling).
// Here a push that keeps the path a page switch pushed in the same script run replaces that entry instead of adding
// one. Every other push (a new digit, a new setting: one entry each, as before) and Streamlit's own replaces during
// Back and Forward are left as they are.
export default function () {
  if (window.__aemodelsHistory) return;
  window.__aemodelsHistory = true;
  const scriptState = () => document.querySelector('[data-testid="stApp"]')?.getAttribute("data-test-script-state");
  let runs = 0; // script runs finished since this page was loaded
  let switched = null; // { path, run }: the page switch pushed in the run under way
  const push = window.history.pushState.bind(window.history);
  window.history.pushState = function (state, title, url) {
    const next = new URL(url, window.location.href);
    const here = window.location.pathname;
    if (switched && switched.run === runs && next.pathname === here && here === switched.path && scriptState() !== "notRunning") {
      switched = null;
      return window.history.replaceState(state, title, url);
    }
    switched = next.pathname !== here ? { path: next.pathname, run: runs } : null;
    return push(state, title, url);
  };
  const watch = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return window.setTimeout(watch, 200);
    let last = scriptState();
    new MutationObserver(() => {
      const now = scriptState();
      if (now === "notRunning" && last !== "notRunning") runs += 1;
      last = now;
    }).observe(app, { attributes: true, attributeFilter: ["data-test-script-state"] });
  };
  watch();
}
