"""Server CPU per interaction on every page, one protocol user at a time (labtools/protocol.py): the figure each
speed fix of the server was measured by, before and after.

  .venv/bin/python bench/page_cost.py [--repeats 12] [--root OTHER_CHECKOUT] [--env NAME=VALUE] [--arg --opt=value]

A fresh server, one warm-up user through the load test's steps, the app idle again; then on each page the
interaction a user repeats there (a new test digit from the sidebar, a latent slider step with live dragging off,
Resample, Draw ε again), --repeats times, each followed by 0.25 s for the server's work after the run. Prints the
mean server CPU per interaction (from /proc, in 10 ms ticks, so a mean over repeats, not a median) and, as the
protocol user saw them, the median time from the request to the run's first picture and to its end.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from dataclasses import dataclass
from pathlib import Path

from measuring import idle, name_values, process_cpu
from protocol_load import warm

from aemodels_app.pages import registry
from labtools.appserver import ROOT, serve_app
from labtools.protocol import Client, first_page, first_slider

CASES = [(p.url, p.repeat) for p in registry().values() if p.repeat]  # (path, Page.repeat): all but a long job


@dataclass
class Cost:
    cpu: float  # mean server CPU seconds per interaction
    first_picture: float | None  # median seconds from the request to the run's first picture (None: no picture)
    finished: float | None  # median seconds from the request to the run's end

    def cells(self) -> list[str]:
        return [milliseconds(seconds) for seconds in (self.cpu, self.first_picture, self.finished)]


def milliseconds(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds * 1000:.0f} ms"


def median_of(values: list[float | None]) -> float | None:
    """The median of the values that came (None: a run that sent no picture)."""
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def mean_of(values: list[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.mean(present) if present else None


async def measure(url: str, pid: int, repeats: int) -> dict[str, Cost]:
    client = Client(url)
    result = {}
    try:
        await first_page(client)
        for path, action in CASES:
            await client.switch(path)
            if path == "latent" and client.current("latent_live"):
                await client.set("latent_live", False)
            for number in range(2):  # the page's first runs fill its caches
                await client.set("digit_index", 5 + number)
            await asyncio.to_thread(idle, [pid])
            costs, runs = [], []
            for number in range(repeats):
                before = process_cpu(pid)
                if action == "digit":
                    runs.append(await client.set("digit_index", 40 + number))
                elif action == "slider":
                    runs.append(await client.set(*first_slider(client)))
                else:
                    runs.append(await client.click(action))
                await asyncio.sleep(0.25)
                costs.append(process_cpu(pid) - before)
            cost = result[path or "start"] = Cost(
                statistics.mean(costs),
                median_of([run.first_picture for run in runs]),
                median_of([run.finished for run in runs]),
            )
            print(f"{path or 'start'}: " + " | ".join(cost.cells()), flush=True)
    finally:
        await client.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=12)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose app.py runs (a before/after)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="in the server's environment")
    parser.add_argument("--arg", action="append", default=[], help="an extra `streamlit run` option, e.g. --arg=--x=y")
    args = parser.parse_args()
    env = name_values(args.env)
    with serve_app(log=ROOT / "test-artifacts" / "page-cost.log", root=args.root, env=env, extra_args=args.arg) as (
        url,
        server,
        _,
    ):
        asyncio.run(warm(url))
        idle([server.pid])
        result = asyncio.run(measure(url, server.pid, args.repeats))
    what = ", ".join([str(args.root) if args.root != ROOT else "this checkout", *args.env, *args.arg])
    print(f"\n({what})\n| page | server CPU per interaction | request to first picture (median) | to the run's end |")
    print("| --- | --- | --- | --- |")
    for page, cost in result.items():
        print(f"| {page} | " + " | ".join(cost.cells()) + " |")
    costs = list(result.values())
    mean = Cost(
        statistics.mean(c.cpu for c in costs),
        mean_of([c.first_picture for c in costs]),
        mean_of([c.finished for c in costs]),
    )
    print("| mean of the pages (the first picture: of those that show one) | " + " | ".join(mean.cells()) + " |")


if __name__ == "__main__":
    main()
