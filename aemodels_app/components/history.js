// One entry in the browser's history per view, with the view's query on the page it belongs to (the stories behind
// these rules: docs/performance.md and the history of this file).
//
// 1. A sidebar page switch: Streamlit's frontend pushes the new page's path without the query, then the server's URL
//    write (state.sync_url) pushes the same path with it. A push that keeps the path a page switch pushed in the same
//    script run replaces that entry instead of adding one: Back leaves a page in one press.
// 2. A switch the server makes (st.switch_page: a lesson's Start, Next and Back) can reach the URL after the message
//    with the new page's query when the browser is busy. A push to another path that follows a push of a new query,
//    with no input from the user in between, replaces that entry and keeps the query.
// Every other push (a new digit, a new setting: one entry each; a link the user clicks) and Streamlit's own
// replaces during Back and Forward are left as they are.
// 3. Streamlit reads none of a query of more than 1,000 parameters or 524,288 characters (it says so only in its
//    log, and the server never sees the query), while the address bar keeps them. Such a page is loaded again with
//    `?dropped=` and the number of parameters, which the server names in its note (state.dropped_note) and drops.
const MAX_FIELDS = 1000; // streamlit/runtime/state/query_params.py: CLIENT_STATE_QUERY_STRING_MAX_FIELDS
const MAX_LENGTH = 524288; // ... CLIENT_STATE_QUERY_STRING_MAX_LENGTH
export default function () {
  if (window.__aemodelsHistory) return;
  window.__aemodelsHistory = true;
  const query = window.location.search.slice(1);
  const fields = query ? query.split("&").length : 0;
  if (fields > MAX_FIELDS || query.length > MAX_LENGTH) {
    window.location.replace(`${window.location.pathname}?dropped=${fields}${window.location.hash}`);
    return;
  }
  const scriptState = () => document.querySelector('[data-testid="stApp"]')?.getAttribute("data-test-script-state");
  let runs = 0; // script runs finished since this page was loaded
  let switched = null; // { path, run }: the page switch pushed in the run under way
  let wrote = null; // the query the last push wrote on the same path, until the user's next input
  const push = window.history.pushState.bind(window.history);
  const replace = window.history.replaceState.bind(window.history);
  for (const input of ["pointerdown", "keydown", "click"]) {
    window.addEventListener(input, () => { wrote = null; }, true);
  }
  window.addEventListener("popstate", () => { wrote = null; switched = null; });
  window.history.pushState = function (state, title, url) {
    const next = new URL(url, window.location.href);
    const here = window.location.pathname;
    if (switched && switched.run === runs && next.pathname === here && here === switched.path && scriptState() !== "notRunning") {
      switched = null;
      wrote = null;
      return replace(state, title, url);
    }
    if (wrote !== null && next.pathname !== here && (next.search === "" || next.search === wrote)) {
      const query = wrote;
      wrote = null;
      switched = { path: next.pathname, run: runs };
      return replace(state, title, next.pathname + query + next.hash);
    }
    wrote = next.pathname === here && next.search !== window.location.search ? next.search : null;
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
