"""CPU seconds one session's steps cost the server and the browser, one session alone on an idle machine.

  .venv/bin/python bench/step_cost.py [--browser PATH] [--repeats 3]

The steps of bench/load.py (its functions); it explains that benchmark's latencies: on
one machine the browsers' share of every step competes with the server for the same cores.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

import load
from measuring import cpu_seconds, idle, name_values
from playwright.async_api import Page, async_playwright

from labtools.appserver import CHROMIUM_ARGS, serve_app


async def measure(
    executable: str, repeats: int, *, warm_cache: bool = False, env: dict[str, str] | None = None
) -> dict[str, list[tuple[float, float, float]]]:
    """Per step: (wall seconds, server CPU seconds, browser CPU seconds) of every session but the first. Each
    session is a new tab (a new Streamlit session); with warm_cache all tabs share one browser context, so the
    app's JavaScript, fonts and the live decoder's weights come from the browser's cache after the first session,
    as for a returning user; else every session is a new context that downloads everything again."""
    load.ARTIFACTS.mkdir(exist_ok=True)
    upload = load.photo(load.ARTIFACTS)
    costs: dict[str, list[tuple[float, float, float]]] = {}
    with serve_app(log=load.ARTIFACTS / "step-cost-streamlit.log", env=env) as (url, server, _):
        ours = lambda p, command: int(p) == server.pid or b"chrom" in command[0]  # noqa: E731

        async def timed(name: str, step) -> None:
            before, began = cpu_seconds(ours), time.perf_counter()
            await step()
            seconds, after = time.perf_counter() - began, cpu_seconds(ours)
            used = {p: s - before.get(p, 0.0) for p, s in after.items()}
            costs.setdefault(name, []).append((seconds, used.pop(server.pid, 0.0), sum(used.values())))

        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            shared = await browser.new_context(viewport={"width": 1200, "height": 900}) if warm_cache else None
            for number in range(repeats):  # a fresh session each time; the first also warms the server's caches
                context = shared or await browser.new_context(viewport={"width": 1200, "height": 900})
                page = await context.new_page()

                steps: list[tuple[str, Callable[[], Awaitable[None]]]] = [
                    ("first page (latent sliders, live dragging off)", partial(first_page, page, url)),
                    ("digit", partial(load.pick_digit, page, 100 + number)),
                    ("slider", partial(load.move_slider, page)),
                    ("switch to Denoising, choose Upload", partial(load.to_uploader, page)),
                    ("upload", partial(load.upload_photo, page, upload)),
                    ("switch back to the sliders", partial(load.back_to_sliders, page)),
                ]
                for name, step in steps:
                    if number:  # the first session warms the server (imports, models, caches) and is not counted
                        await timed(name, step)
                    else:
                        await step()
                await (page.close() if shared else context.close())
                if not number:
                    idle([server.pid])  # the app's warm-up thread, started by the first page, has finished
            await browser.close()
    return costs


async def first_page(page: Page, url: str) -> None:
    await load.first_page(page, url)
    await load.server_sliders(page)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", help="path of the Chromium to drive (default as in bench/load.py)")
    parser.add_argument("--repeats", type=int, default=3, help="sessions, one after another (the first only warms up)")
    parser.add_argument("--warm-cache", action="store_true", help="sessions are tabs of one browser (cached assets)")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="set in the server's environment"
    )
    args = parser.parse_args()
    env = name_values(args.env)
    executable = load.browser_path(args.browser)
    if executable is None:
        raise SystemExit("Chromium is not installed: apt-get install chromium-headless-shell (or chromium)")
    costs = asyncio.run(measure(executable, args.repeats, warm_cache=args.warm_cache, env=env))
    print(
        f"\nOne session at a time ({Path(executable).name}, "
        f"{'tabs of one browser: cached assets' if args.warm_cache else 'a new browser context each'}): medians "
        f"over {args.repeats - 1} sessions after a warm-up session\n"
    )
    print("| step | wall time | server CPU | browser CPU |")
    print("| --- | --- | --- | --- |")
    total = [0.0, 0.0]
    for name, rows in costs.items():
        wall, server, browser = (statistics.median(column) for column in zip(*rows, strict=True))
        print(f"| {name} | {wall:.2f} s | {server:.2f} s | {browser:.2f} s |")
        if not name.startswith("first"):
            total[0] += server
            total[1] += browser
    print(f"| one loop of the load test (all but the first page) | | {total[0]:.2f} s | {total[1]:.2f} s |")


if __name__ == "__main__":
    main()
