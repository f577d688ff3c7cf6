"""What a user waits for on a cold server: the first visit to the heavy pages, a switch to the largest model,
and "Measure every model" (Manifold geometry) the first time and for a second push size.

Each scenario gets a fresh `streamlit run` (nothing cached) and a fresh browser context, in Debian's headless
Chromium; times run from the navigation or click to the page idle with its result drawn. `--root` measures
another checkout (for example an older commit's `git worktree`) with the same steps, for before/after figures.

Run: .venv/bin/python bench/first_visits.py [--repeats 3] [--root PATH] [--compare OTHER_PATH]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from labtools.appserver import CHROMIUM_ARGS, ROOT, chromium_path, serve_app
from labtools.browser import maps_drawn, settle, sidebar_choice

WAIT = 300_000


def drawn(charts: int) -> str:
    """A page's charts are drawn: its Plotly charts, or the Latent explorer's two canvas maps."""
    plotly = f"document.querySelectorAll('[data-testid=stPlotlyChart] .js-plotly-plot').length >= {charts}"
    return f"() => {plotly} || {maps_drawn(charts)}"


def visit(path: str, charts: int) -> Callable[[Page, str], None]:
    def step(page: Page, url: str) -> None:
        page.goto(f"{url}/{path}")
        page.wait_for_function(drawn(charts), timeout=WAIT)
        settle(page, timeout=WAIT)

    return step


def switch_to_vae50(page: Page, url: str) -> None:
    visit("anomaly", 2)(page, url)
    began = time.perf_counter()
    sidebar_choice(page, "Model", "vae50 —")
    page.get_by_text("vae50 reconstruction").first.wait_for(timeout=WAIT)
    settle(page, timeout=WAIT)
    page.evaluate(f"window.__measured = {time.perf_counter() - began}")


def measure_every_model(page: Page, url: str) -> None:
    page.goto(f"{url}/manifold")
    settle(page, timeout=WAIT)
    times = []
    for attempt in range(2):
        if attempt:  # a second push size: the slider's keyboard step
            page.locator('[data-testid="stSidebar"] [data-testid="stSlider"] input[type=range]').first.focus()
            page.keyboard.press("ArrowRight")
            settle(page, timeout=WAIT)
        began = time.perf_counter()
        page.get_by_role("button", name="Measure every model").click()
        page.wait_for_timeout(300)
        settle(page, timeout=WAIT)
        page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=WAIT)
        times.append(time.perf_counter() - began)
    page.evaluate(f"window.__measured = {times}")


def after_reading(title: str, charts: int, seconds: float = 10.0) -> Callable[[Page, str], None]:
    """A user opens the app, reads its first page for a while, then goes to a page through the sidebar."""

    def step(page: Page, url: str) -> None:
        page.goto(url)
        settle(page, timeout=WAIT)
        page.wait_for_timeout(seconds * 1000)
        began = time.perf_counter()
        page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
        page.wait_for_function(drawn(charts), timeout=WAIT)
        settle(page, timeout=WAIT)
        page.evaluate(f"window.__measured = {time.perf_counter() - began}")

    return step


SCENARIOS: dict[str, Callable[[Page, str], None]] = {
    "Anomaly detection after 10 s on the first page": after_reading("Anomaly detection", 2),
    "Latent explorer after 10 s on the first page": after_reading("Latent explorer", 2),
    "first visit: Anomaly detection (cold server)": visit("anomaly", 2),
    "first visit: Latent explorer (cold server)": visit("explorer", 2),
    "switch Anomaly detection to vae50": switch_to_vae50,
    "Measure every model: first / another push size": measure_every_model,
}


def run_once(browser: Browser, root: Path, scenario: Callable[[Page, str], None]) -> list[float]:
    with serve_app(root=root) as (url, _, _):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        began = time.perf_counter()
        scenario(page, url)
        elapsed = time.perf_counter() - began
        measured = page.evaluate("window.__measured === undefined ? null : window.__measured")
        context.close()
    return measured if isinstance(measured, list) else [measured or elapsed]


def summary(runs: list[list[float]]) -> str:
    columns = list(zip(*runs, strict=True))
    return " / ".join(f"{statistics.median(c):.1f} s" for c in columns)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3, help="fresh servers per scenario")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose app is measured")
    parser.add_argument(
        "--compare", type=Path, default=None, help="another checkout, measured in turn with --root (before/after)"
    )
    args = parser.parse_args()
    executable = chromium_path()
    if executable is None:
        raise SystemExit("Chromium is not installed: apt-get install chromium")
    roots = [args.root] + ([args.compare] if args.compare else [])
    print("checkouts: " + ", ".join(str(r) for r in roots) + " (medians; runs alternate between them)\n")
    print("| what | " + " | ".join(r.name for r in roots) + " |\n|" + " --- |" * (len(roots) + 1))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        for name, scenario in SCENARIOS.items():
            runs: dict[Path, list[list[float]]] = {root: [] for root in roots}
            for _ in range(args.repeats):
                for root in roots:  # alternating, so a slow spell of the machine hits both alike
                    runs[root].append(run_once(browser, root, scenario))
            print(f"| {name} | " + " | ".join(summary(runs[root]) for root in roots) + " |", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
