"""Interaction benchmark in a real headless Chromium (Debian's): prints a table with the floor beside every figure
and the issue's targets; asserts nothing.

  .venv/bin/python bench/interaction.py [--repeats 20] [--drag-moves 200] [--rounds 2]

The floor is bench/floor_app.py (one page with a 28 × 28 picture and a slider, and a second page like it),
measured first in the same run the same way: what Streamlit itself costs on this machine at this moment.
Measures
- start: from launching `streamlit run` to the health endpoint answering, and to the first page fully rendered;
- per page: from a widget change (the key press or click, timed inside the page) to the updated picture in the
  DOM (a MutationObserver sees the new image), p50/p95 over --repeats interactions, and the server's CPU for each
  (from /proc, until the app is idle again);
- page switches: --rounds rounds through every page by the sidebar, click to the new title with the app idle;
- a new session's first page (a new tab of a browser that has the app's JavaScript): server CPU;
- the Latent explorer's first render: click on its link to both scatter plots drawn;
- live drag: time from each slider input event to the decoded digit drawn on the canvas, per slider model;
- server memory: resident set size after start, after 10 sessions have each rendered a page, and after closing them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from measuring import idle, percentile, process_cpu, rss_mb
from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from aemodels_app.pages import registry
from labtools.appserver import CHROMIUM_ARGS, ROOT, chromium_path, serve_app
from labtools.browser import IDLE, MAPS_DRAWN, click_map, digit_index_box, settle, sidebar_choice

WATCH_JS = """
(target) => {
  const find = () => {
    if (target.caption) {
      for (const box of document.querySelectorAll('[data-testid="stImageContainer"]')) {
        const caption = box.querySelector('[data-testid="stImageCaption"]');
        if (caption && caption.innerText.includes(target.caption)) return box.querySelector('img')?.src || null;
      }
      return null;
    }
    const images = document.querySelectorAll('[data-testid="stMain"] [data-testid="stImage"] img');
    return images[target.index || 0]?.src || null;
  };
  const bench = window.__bench = { start: null, end: null, before: find() };
  if (!window.__benchListeners) {
    window.__benchListeners = true;
    const mark = () => {
      if (window.__bench && window.__bench.start === null) window.__bench.start = performance.now();
    };
    document.addEventListener('keydown', (e) => {
      if (['Enter', 'ArrowRight', 'ArrowLeft'].includes(e.key)) mark();
    }, true);
    document.addEventListener('pointerdown', mark, true);
  }
  if (window.__benchObserver) window.__benchObserver.disconnect();
  window.__benchObserver = new MutationObserver(() => {
    const now = find();
    if (bench.start !== null && bench.end === null && now && now !== bench.before) bench.end = performance.now();
  });
  window.__benchObserver.observe(
    document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['src'] });
}
"""


class Server:
    """The server's CPU seconds so far (from /proc), for the CPU one interaction costs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def cpu(self) -> float:
        return process_cpu(self.pid)


def timed(page: Page, target: dict, action, *, server: Server, cpu: list[float], retries: int = 0) -> float:
    """Milliseconds from the triggering input event to the watched picture changing; the server CPU seconds the
    interaction cost (until the app is idle again) go to `cpu`. retries: for clicks that can land on what is
    already shown (a scatter point next to the current one), try again, timing the retry."""
    page.evaluate(WATCH_JS, target)
    before = server.cpu()
    for attempt in range(retries + 1):
        action()
        try:
            page.wait_for_function(
                "window.__bench.end !== null", timeout=10_000 if attempt < retries else 60_000, polling=50
            )
            break
        except PlaywrightTimeout:
            if attempt == retries:
                raise
            settle(page)
            page.evaluate("window.__bench.start = null")
            before = server.cpu()
    elapsed = page.evaluate("window.__bench.end - window.__bench.start")
    settle(page)
    cpu.append(server.cpu() - before)
    return elapsed


def switch_pages(
    page: Page, server: Server, titles: list[tuple[str, str]], rounds: int, by_page: dict | None = None
) -> tuple[list, list]:
    """Milliseconds from a click on a page's link in the sidebar to its title on the screen and the app idle, and
    the server CPU seconds of each switch; `rounds` times through `titles` ((link text, heading)). by_page, if
    given, collects the milliseconds by link text."""
    times, cpu = [], []
    for _ in range(rounds):
        for link, heading in titles:
            before, began = server.cpu(), time.perf_counter()
            page.locator('[data-testid="stSidebarNav"] a').filter(has_text=link).first.click()
            page.locator("h1").filter(has_text=heading).first.wait_for(timeout=60_000)
            page.wait_for_selector(IDLE, timeout=60_000)
            times.append((time.perf_counter() - began) * 1000)
            settle(page)
            cpu.append(server.cpu() - before)
            if by_page is not None:
                by_page.setdefault(link, []).append(times[-1])
    return times, cpu


def new_sessions(browser, url: str, server: Server, path: str, n: int) -> list[float]:
    """Server CPU seconds of a new session's first page (a new tab of a browser that has the app's JavaScript)."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    warm = context.new_page()
    warm.goto(f"{url}/{path}")
    settle(warm)
    cpu = []
    for _ in range(n):
        tab = context.new_page()
        before = server.cpu()
        tab.goto(f"{url}/{path}")
        settle(tab)
        tab.wait_for_selector('[data-testid="stMain"] [data-testid="stImage"] img, .js-plotly-plot', timeout=60_000)
        settle(tab)
        cpu.append(server.cpu() - before)
        tab.close()
    context.close()
    return cpu


def explorer_first_render(page: Page, url: str, n: int) -> list[float]:
    """Milliseconds from a click on the Latent explorer's link to both of its maps drawn (every dot), from the
    Start page of a warmed-up session each time."""
    times = []
    for _ in range(n):
        page.goto(url)
        settle(page)
        began = time.perf_counter()
        page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Latent explorer").first.click()
        page.wait_for_function(MAPS_DRAWN, timeout=60_000, polling="raf")
        times.append((time.perf_counter() - began) * 1000)
        settle(page)
    return times


def first_render(browser, url: str):
    """A new browser context on the app's first page, returned once a picture of it is drawn: (context, page)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector('[data-testid="stImage"] img', timeout=60_000)
    settle(page)
    return context, page


def floor(browser, repeats: int) -> dict[str, list[float]]:
    """The floor app (bench/floor_app.py) measured the way the app is: start, a slider to its picture, a page
    switch, a new session's first page; the server CPU of each."""
    launched = time.perf_counter()
    figures: dict[str, list[float]] = {}
    with serve_app(log=ROOT / "test-artifacts" / "bench-floor.log", script="bench/floor_app.py") as (url, process, _):
        server = Server(process.pid)
        context, page = first_render(browser, url)
        figures["start"] = [time.perf_counter() - launched]
        cpu: list[float] = []
        figures["widget"] = [
            timed(page, {"caption": "Brightness"}, lambda i=i: slider_step(page, i), server=server, cpu=cpu)
            for i in range(repeats)
        ]
        figures["widget cpu"] = cpu
        figures["switch"], figures["switch cpu"] = switch_pages(
            page, server, [("Other", "Other"), ("Floor", "Floor")], max(1, repeats // 2)
        )
        context.close()
        figures["first page cpu"] = new_sessions(browser, url, server, "", 5)
    return figures


def slider_step(page: Page, i: int) -> None:
    thumb = page.locator('[data-testid="stSlider"] input[type=range]').first
    thumb.focus()
    page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")


def set_index(page: Page, value: int) -> None:
    box = digit_index_box(page)
    box.fill(str(value))
    box.press("Enter")


def page_cases(page: Page):
    """(name, url path, watched picture, one interaction given its repetition number)."""

    def click_button(label):
        return lambda i: page.get_by_role("button", name=label).first.click()

    clicked = [-1]

    def click_point(i):  # a different digit every time (and on every retry): the shown one changes nothing
        clicked[0] = max(5 + 7 * i, clicked[0] + 3)
        click_map(page, 0, index=clicked[0])

    def server_sliders():
        page.locator('[data-testid="stToggle"], [data-testid="stCheckbox"]').filter(
            has_text="Live dragging"
        ).first.click()
        settle(page)

    index = lambda i: set_index(page, 10 + i)  # noqa: E731
    return [
        ("Reconstruction", "reconstruct", {"caption": "Input:"}, index, None),
        ("Denoising", "denoise", {"caption": "Denoising AE"}, index, None),
        ("Denoising (noise level)", "denoise", {"caption": "Denoising AE"}, lambda i: slider_step(page, i), None),
        (
            "Latent sliders (server)",
            "latent",
            {"caption": "Decoded from the sliders"},
            lambda i: slider_step(page, i),
            server_sliders,
        ),
        ("Sampling", "sample", {"index": 0}, click_button("Resample"), None),
        ("Latent explorer (click)", "explorer", {"caption": "Test digit #"}, click_point, None),
        ("Manifold geometry", "manifold", {"caption": "The digit"}, index, None),
        ("Anomaly detection", "anomaly", {"caption": "Per-pixel error"}, index, None),
        ("Inside the VAE", "inside_vae", {"caption": "Decoded from 8 draws"}, click_button("Draw ε again"), None),
        ("Sparse codes", "sparse", {"caption": "Its reconstruction"}, index, None),
    ]


def live_drag(page: Page, app_url: str, model: str, moves: int) -> list[float]:
    page.goto(f"{app_url}/latent")
    settle(page)
    if model != "vae16":
        sidebar_choice(page, "Model", f"{model} —")
    page.wait_for_selector(".live[data-ready=true]", timeout=60_000)
    page.evaluate("window.__aemodelsFrameTimes.length = 0")
    slider = page.locator(".live input[type=range]").first.bounding_box()
    if slider is None:
        raise RuntimeError("the live slider is not on the screen")
    y = slider["y"] + slider["height"] / 2
    page.mouse.move(slider["x"] + 2, y)
    page.mouse.down()
    for step in range(moves):
        phase = (step % 100) / 100 if (step // 100) % 2 == 0 else 1 - (step % 100) / 100
        page.mouse.move(slider["x"] + 2 + phase * (slider["width"] - 4), y)
    page.mouse.up()
    settle(page)
    return page.evaluate("window.__aemodelsFrameTimes.slice()")


def ms(values: list[float]) -> str:
    return f"p50 {percentile(values, 0.5):.0f} ms, p95 {percentile(values, 0.95):.0f} ms"


def cpu_ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.0f} ms"


SWITCHES = [  # a round through the app's pages by the sidebar: (link text, heading)
    ("Reconstruction", "Reconstruction"),
    ("Denoising", "Denoising"),
    ("Latent sliders", "Latent sliders"),
    ("Sampling", "Sampling"),
    ("Latent explorer", "Latent explorer"),
    ("Manifold geometry", "Manifold geometry"),
    ("A linear AE is PCA", "A linear AE is PCA"),
    ("Anomaly detection", "Anomaly detection"),
    ("Inside the VAE", "Inside the VAE"),
    ("Sparse codes", "Sparse codes"),
    ("Start here", "Start here"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20, help="interactions per page")
    parser.add_argument("--drag-moves", type=int, default=200, help="mouse moves per live drag")
    parser.add_argument("--sessions", type=int, default=10, help="sessions opened for the memory figure")
    parser.add_argument("--rounds", type=int, default=2, help="rounds through every page by the sidebar")
    args = parser.parse_args()
    executable = chromium_path()
    if executable is None:
        raise SystemExit("Chromium is not installed: apt-get install chromium")
    rows: list[tuple[str, str, str, str]] = []  # what, measured, the floor's, target (and whether it is met)

    def target(ok: bool, text: str) -> str:
        return f"{text}: {'met' if ok else 'NOT met'}"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        base = floor(browser, args.repeats)
        print("floor:", {k: round(percentile(v, 0.95), 3) for k, v in base.items()}, flush=True)
        floor_widget95, floor_switch95 = percentile(base["widget"], 0.95), percentile(base["switch"], 0.95)
        launched = time.perf_counter()
        with serve_app(log=ROOT / "test-artifacts" / "bench-streamlit.log") as (url, process, healthy):
            server = Server(process.pid)
            context, page = first_render(browser, url)
            first_page = time.perf_counter() - launched
            rss_start = rss_mb(process.pid)
            rows.append(("Start: `streamlit run` to health endpoint", f"{healthy:.1f} s", "", ""))
            rows.append(
                (
                    "Start: `streamlit run` to first page rendered",
                    f"{first_page:.1f} s",
                    f"{base['start'][0]:.1f} s",
                    target(first_page <= 1.5 * base["start"][0], "≤ 1.5× the floor's"),
                )
            )
            idle([process.pid])  # the app's warm-up thread, started by the first page, has finished

            for name, path, watched, action, setup in page_cases(page):
                page.goto(f"{url}/{path}")
                settle(page)
                if setup:
                    setup()
                cpu: list[float] = []
                retries = 3 if "explorer" in path else 0
                times = [
                    timed(page, watched, lambda i=i, action=action: action(i), server=server, cpu=cpu, retries=retries)
                    for i in range(args.repeats)
                ]
                p95 = percentile(times, 0.95)
                goal = (
                    target(p95 <= 300, "p95 ≤ 300 ms")
                    if "explorer" in path
                    else target(p95 <= 1.5 * floor_widget95, "p95 ≤ 1.5× the floor's p95")
                )
                rows.append((f"{name}: widget change to new picture", ms(times), ms(base["widget"]), goal))
                rows.append(
                    (
                        f"{name}: server CPU per interaction",
                        cpu_ms(cpu),
                        cpu_ms(base["widget cpu"]),
                        target(statistics.median(cpu) <= 0.060, "≤ 60 ms"),
                    )
                )
                print(rows[-2], rows[-1], flush=True)

            page.goto(url)
            settle(page)
            by_page: dict[str, list[float]] = {}
            switches, switch_cpu = switch_pages(page, server, SWITCHES, args.rounds, by_page)
            rows.append(
                (
                    "Page switch by the sidebar: click to the new page, app idle",
                    ms(switches),
                    ms(base["switch"]),
                    target(percentile(switches, 0.95) <= 2 * floor_switch95, "p95 ≤ 2× the floor's p95"),
                )
            )
            slowest = sorted(by_page.items(), key=lambda kv: -statistics.median(kv[1]))[:4]
            rows.append(
                (
                    "Page switch: the slowest pages to reach (medians)",
                    ", ".join(f"{link} {statistics.median(v):.0f} ms" for link, v in slowest),
                    "",
                    "",
                )
            )
            rows.append(
                (
                    "Page switch: server CPU",
                    cpu_ms(switch_cpu),
                    cpu_ms(base["switch cpu"]),
                    target(statistics.median(switch_cpu) <= 0.060, "≤ 60 ms"),
                )
            )
            first = new_sessions(browser, url, server, "", 5)
            rows.append(
                (
                    "A new session's first page (Start here): server CPU",
                    cpu_ms(first),
                    cpu_ms(base["first page cpu"]),
                    target(statistics.median(first) <= 0.300, "≤ 300 ms"),
                )
            )
            explorer = explorer_first_render(page, url, 5)
            rows.append(("Latent explorer: click on its link to both charts drawn", ms(explorer), "", ""))

            for model in ("vae16", "ae16", "vae2", "ae2"):
                frames = live_drag(page, url, model, args.drag_moves)
                rows.append(
                    (
                        f"Live drag {model}: input event to digit drawn",
                        f"p50 {percentile(frames, 0.5):.2f} ms, p95 {percentile(frames, 0.95):.2f} ms",
                        "",
                        f"n={len(frames)}, max {max(frames):.1f} ms",
                    )
                )
                print(rows[-1], flush=True)
            context.close()

            contexts = []
            pages = [p.url for p in registry().values() if p.repeat]  # every page but a long job's
            for i in range(args.sessions):
                ctx = browser.new_context(viewport={"width": 1200, "height": 900})
                tab = ctx.new_page()
                tab.goto(f"{url}/{pages[i % len(pages)]}")
                settle(tab)
                contexts.append(ctx)
            rss_sessions = rss_mb(process.pid)
            for ctx in contexts:
                ctx.close()
            time.sleep(5)
            rss_closed = rss_mb(process.pid)
        browser.close()
    rows.append(("Server RSS after start (one session)", f"{rss_start:.0f} MB", "", ""))
    rows.append(
        (
            f"Server RSS with {args.sessions} more sessions open",
            f"{rss_sessions:.0f} MB",
            "",
            f"{(rss_sessions - rss_start) / args.sessions:.1f} MB per session",
        )
    )
    rows.append(("Server RSS 5 s after closing them", f"{rss_closed:.0f} MB", "", ""))

    print(f"\nHeadless Chromium, {os.cpu_count()} cores; the floor is bench/floor_app.py measured in the same run\n")
    print("| what | measured | the floor | target |")
    print("| --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
