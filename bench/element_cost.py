"""What the number of elements a run sends costs in the browser: the floor app (bench/floor_app.py) with 0, 4 and 8
rows like the Reconstruction page's model rows under its picture, each row drawn as Streamlit elements (13 a row)
or as one HTML element with the same content; a slider step to the floor's picture, timed in headless Chromium
the way bench/interaction.py times the app, with the server's CPU per step. The servers are started in turn, one
configuration after another, for --rounds rounds, so a drift of the machine's speed reaches every configuration.

  .venv/bin/python bench/element_cost.py [--repeats 12] [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics

from interaction import Server, first_render, slider_step, timed
from measuring import idle, percentile
from playwright.sync_api import sync_playwright

from labtools.appserver import CHROMIUM_ARGS, ROOT, chromium_path, serve_app

ROW_DELTAS = 14  # a row of elements: a keyed container, the columns and their 3 blocks, 3 pictures, 2 captions,
# its title, 2 metrics and the divider; the floor sends 3 (title, slider, picture); an HTML row 1
CONFIGURATIONS = [(0, "elements"), (4, "elements"), (4, "html"), (8, "elements"), (8, "html")]


def steps(browser, configuration: tuple[int, str], repeats: int, times: list[float], cpu: list[float]) -> None:
    """A fresh floor server with `configuration` (rows, kind): `repeats` slider steps, timed, after two untimed."""
    rows, kind = configuration
    env = {"FLOOR_ROWS": str(rows), "FLOOR_ROW_KIND": kind}
    log = ROOT / "test-artifacts" / "bench-elements.log"
    with serve_app(log=log, script="bench/floor_app.py", env=env) as (url, process, _):
        server = Server(process.pid)
        context, page = first_render(browser, url)
        idle([process.pid])
        for number in range(repeats + 2):  # the first two steps of a session are slower: not counted
            step = timed(page, {"caption": "Brightness"}, lambda n=number: slider_step(page, n), server=server, cpu=cpu)
            if number < 2:
                cpu.pop()
            else:
                times.append(step)
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=12, help="slider steps per configuration and round")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    times: dict[tuple[int, str], list[float]] = {c: [] for c in CONFIGURATIONS}
    cpu: dict[tuple[int, str], list[float]] = {c: [] for c in CONFIGURATIONS}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for _ in range(args.rounds):
            for configuration in CONFIGURATIONS:
                steps(browser, configuration, args.repeats, times[configuration], cpu[configuration])
        browser.close()
    print("| rows under the picture | deltas a run sends | slider step to the new picture | server CPU per step |")
    print("| --- | --- | --- | --- |")
    for rows, kind in CONFIGURATIONS:
        values = times[rows, kind]
        drawn = (
            "the floor"
            if rows == 0
            else f"{rows} rows as {'Streamlit elements' if kind == 'elements' else 'one HTML element each'}"
        )
        sent = 3 + rows * (ROW_DELTAS if kind == "elements" else 1)
        print(
            f"| {drawn} | {sent} | p50 {percentile(values, 0.5):.0f} ms, p95 {percentile(values, 0.95):.0f} ms "
            f"| median {statistics.median(cpu[rows, kind]) * 1000:.0f} ms |"
        )


if __name__ == "__main__":
    main()
