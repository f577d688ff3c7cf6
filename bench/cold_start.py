"""A cold start, start to first page, against Streamlit's floor app: each started afresh `--repeats` times, in turn.

  .venv/bin/python bench/cold_start.py [--repeats 3]

The part of bench/interaction.py that measures a start (its `first_render`: `streamlit run` launched, then a new
browser context waits for the first page's first picture), repeated, so that its ratio to the floor's can be read
without the rest of that benchmark. Prints each start and the medians; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time

from interaction import first_render
from playwright.sync_api import sync_playwright

from labtools.appserver import CHROMIUM_ARGS, chromium_path, serve_app

TARGET = 1.5  # the app's start at most this many times the floor's (issue 34.11)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="starts of each, in turn")
    args = parser.parse_args()
    executable = chromium_path()
    if executable is None:
        raise SystemExit("Chromium is not installed: apt-get install chromium")
    seconds: dict[str, list[float]] = {"floor": [], "app": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        for repeat in range(args.repeats):
            for name, script in (("floor", "bench/floor_app.py"), ("app", "app.py")):
                launched = time.perf_counter()
                with serve_app(script=script) as (url, _, healthy):
                    context, _ = first_render(browser, url)
                    seconds[name].append(time.perf_counter() - launched)
                    context.close()
                print(f"{name:<6} start {repeat + 1}: {seconds[name][-1]:.2f} s (healthy after {healthy:.2f} s)")
        browser.close()
    floor, app = statistics.median(seconds["floor"]), statistics.median(seconds["app"])
    verdict = "met" if app <= TARGET * floor else "NOT met"
    print(f"median: floor {floor:.2f} s, app {app:.2f} s, ratio {app / floor:.2f} (target ≤ {TARGET}×: {verdict})")


if __name__ == "__main__":
    main()
