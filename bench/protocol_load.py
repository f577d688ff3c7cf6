"""Capacity without browsers in the way: users speaking Streamlit's own protocol (labtools/protocol.py).

  .venv/bin/python bench/protocol_load.py --users 25,50,100,150 [--replicas 1] [--seconds 90] [--every 5]
  .venv/bin/python bench/protocol_load.py --validate [--repeats 4]

Load: for each number of users, a fresh server (or --replicas servers behind nginx, labtools/replicas.py), users
arriving evenly over --ramp seconds; each opens the Latent sliders page (live dragging off) and then starts a step
every --every seconds: pick a test digit, move a latent slider, switch to Denoising and choose Upload, upload a
photo, switch back (the loop of bench/load.py's browsers). A step is timed from sending its message to its run
finished and its pictures fetched; the table counts the steps begun in the --seconds after the ramp. Server CPU
comes from /proc (every replica summed), RSS every 2 s, and once more --linger seconds after the users closed
(Streamlit keeps a closed session for server.disconnectedSessionTTL = 120 s, for a reconnect). The driver runs on
the same cores, so its own CPU is reported too.

Validate: the same steps, one session at a time on an idle server, once by headless Chromium (bench/step_cost.py's
steps) and once by this driver; server CPU per step side by side. The driver stands in for browsers where the two
agree within 20 %.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from pathlib import Path

from measuring import idle, name_values, percentile, process_cpu, rss_mb

from labtools.appserver import ROOT, serve_app
from labtools.protocol import STEPS, Client, Log, first_page, step, user

ARTIFACTS = ROOT / "test-artifacts"


@contextlib.contextmanager
def servers(replicas: int, log: Path, args: argparse.Namespace) -> Iterator[tuple[str, list[int]]]:
    """(url users connect to, server pids): one app server, or several behind nginx."""
    if replicas == 1:
        with serve_app(log=log, root=args.root, env=args.env, extra_args=args.arg) as (url, server, _):
            yield url, [server.pid]
    else:
        from labtools.replicas import replicas_behind_nginx

        with replicas_behind_nginx(replicas) as (url, processes):
            yield url, [p.pid for p in processes.values()]


async def warm(url: str) -> None:
    """One user through every step: imports, models and caches loaded before anything is measured."""
    client = Client(url)
    try:
        await first_page(client)
        for number, kind in enumerate(STEPS):
            await step(client, kind, number)
    finally:
        await client.close()


async def sample(pids: list[int], samples: list[tuple[float, float]], stop: asyncio.Event, began: float) -> None:
    while not stop.is_set():
        samples.append((time.perf_counter() - began, sum(rss_mb(p) for p in pids)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=2)


async def level(url: str, pids: list[int], users: int, args: argparse.Namespace) -> dict:
    me = os.getpid()
    began = time.perf_counter()
    rss_idle = sum(rss_mb(p) for p in pids)
    samples: list[tuple[float, float]] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample(pids, samples, stop, began))
    steady = began + args.ramp
    deadline = steady + args.seconds
    log = Log()
    tasks = [
        user(url, number, deadline, log, every=args.every, arrive=args.ramp * number / users) for number in range(users)
    ]
    runner = asyncio.ensure_future(asyncio.gather(*tasks))
    await asyncio.sleep(max(0.0, steady - time.perf_counter()))
    cpu0, driver0, t0 = process_cpu(*pids), process_cpu(me), time.perf_counter()
    await asyncio.wait_for(runner, timeout=args.seconds + args.ramp + 600)
    window = time.perf_counter() - t0
    cpu, driver = (process_cpu(*pids) - cpu0) / window, (process_cpu(me) - driver0) / window
    peak = max(mb for _, mb in samples)
    await asyncio.sleep(args.linger)
    rss_after = sum(rss_mb(p) for p in pids)
    stop.set()
    await sampler
    steps = [(kind, s) for start, kind, s in log.steps if steady <= start and kind != "first page"]
    seconds = [s for _, s in steps]
    return {
        "users": users,
        "steps": len(steps),
        "errors": log.errors,
        "p50_s": percentile(seconds, 0.5) if seconds else float("nan"),
        "p95_s": percentile(seconds, 0.95) if seconds else float("nan"),
        "p95_by_step_s": {k: percentile([s for kind, s in steps if kind == k], 0.95) for k in {k for k, _ in steps}},
        "first_page_p95_s": percentile(log.latency.get("first page", [float("nan")]), 0.95),
        "server_cores": cpu,
        "server_cpu_per_step_s": cpu * window / max(1, len(steps)),
        "driver_cores": driver,
        "rss_idle_mb": rss_idle,
        "rss_peak_mb": peak,
        "rss_after_mb": rss_after,
    }


def load(args: argparse.Namespace) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    rows = []
    for users in args.users:
        with servers(args.replicas, ARTIFACTS / f"protocol-load-{users}.log", args) as (url, pids):
            asyncio.run(warm(url))
            idle(pids)
            row = asyncio.run(level(url, pids, users, args))
            rows.append(row)
            print(json.dumps(row), flush=True)
    where = "one server" if args.replicas == 1 else f"{args.replicas} replicas behind nginx"
    where += "".join(f", {option}" for option in [*args.arg, *(f"{k}={v}" for k, v in args.env.items())])
    print(
        f"\n{where}, {os.cpu_count()} cores; users arrive over {args.ramp:g} s, each starts a step every "
        f"{args.every:g} s; figures over the {args.seconds:g} s after the arrivals\n"
    )
    print(
        "| users | steps | errors | step p50 | step p95 | slowest kind's p95 | first page p95 | server CPU "
        "(cores) | server CPU per step | driver CPU (cores) | RSS idle → peak → "
        f"{args.linger:g} s after |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        slowest = max(r["p95_by_step_s"].items(), key=lambda kv: kv[1], default=("-", float("nan")))
        print(
            f"| {r['users']} | {r['steps']} | {len(r['errors'])} | {r['p50_s'] * 1000:.0f} ms | "
            f"{r['p95_s'] * 1000:.0f} ms | {slowest[0]} {slowest[1] * 1000:.0f} ms | "
            f"{r['first_page_p95_s']:.2f} s | {r['server_cores']:.2f} | {r['server_cpu_per_step_s'] * 1000:.0f} ms | "
            f"{r['driver_cores']:.2f} | {r['rss_idle_mb']:.0f} → {r['rss_peak_mb']:.0f} → {r['rss_after_mb']:.0f} MB |"
        )
    for r in rows:
        for number, kind, why in r["errors"][:5]:
            print(f"  {r['users']} users: user {number}, {kind}: {why}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    if any(r["errors"] for r in rows):
        sys.exit(1)


# --- validation against the browser --------------------------------------------------------------------------------
NAMES = {  # the driver's steps and bench/step_cost.py's
    "first page": "first page (latent sliders, live dragging off)",
    "digit": "digit",
    "slider": "slider",
    "switch": "switch to Denoising, choose Upload",
    "upload": "upload",
    "back": "switch back to the sliders",
}


async def protocol_costs(url: str, pid: int, repeats: int) -> dict[str, list[float]]:
    costs: dict[str, list[float]] = {}
    for number in range(repeats):
        client = Client(url)
        try:
            steps: list[tuple[str, Callable[[], Awaitable[object]]]] = [("first page", partial(first_page, client))]
            steps += [(kind, partial(step, client, kind, 100 + number)) for kind in STEPS]
            for name, action in steps:
                before = process_cpu(pid)
                await action()
                await asyncio.sleep(0.3)  # what the server does after the run (its post-run work) counts too
                costs.setdefault(name, []).append(process_cpu(pid) - before)
        finally:
            await client.close()
    return costs


def validate(args: argparse.Namespace) -> None:
    import step_cost

    from labtools.appserver import chromium_path

    executable = chromium_path()
    if executable is None:
        raise SystemExit("Chromium is not installed: apt-get install chromium")
    browser = asyncio.run(step_cost.measure(executable, args.repeats + 1, warm_cache=True))
    with serve_app(log=ARTIFACTS / "protocol-validate.log", root=args.root, env=args.env) as (url, server, _):
        asyncio.run(warm(url))
        idle([server.pid])
        ours = asyncio.run(protocol_costs(url, server.pid, args.repeats))
    print(
        f"\nServer CPU per step, means over {args.repeats} sessions, one at a time on an idle server (/proc counts "
        "CPU in 10 ms ticks: a mean over sessions, not a median, resolves steps of a few ticks)\n"
    )
    print("| step | browser (Chromium) | protocol driver | driver / browser |")
    print("| --- | --- | --- | --- |")
    worst = 0.0
    for kind, name in NAMES.items():
        b = statistics.mean(row[1] for row in browser[name])
        d = statistics.mean(ours[kind])
        worst = max(worst, abs(d / b - 1) if b else float("inf"))
        print(f"| {kind} | {b * 1000:.0f} ms | {d * 1000:.0f} ms | {d / b:.2f} |")
    sum_b = sum(statistics.mean(row[1] for row in browser[n]) for k, n in NAMES.items() if k != "first page")
    sum_d = sum(statistics.mean(ours[k]) for k in NAMES if k != "first page")
    print(f"| one loop (all but the first page) | {sum_b * 1e3:.0f} ms | {sum_d * 1e3:.0f} ms | {sum_d / sum_b:.2f} |")
    print(f"\nlargest difference of a step: {worst:.0%}; of a loop: {abs(sum_d / sum_b - 1):.0%}")


# --- memory per session ---------------------------------------------------------------------------------------------
async def memory(args: argparse.Namespace) -> None:
    """Server RSS with --memory sessions open (each has done one loop of the steps), 5 s after they closed, and
    after Streamlit dropped them (server.disconnectedSessionTTL, 120 s, plus 15)."""
    with servers(1, ARTIFACTS / "protocol-memory.log", args) as (url, pids):
        await warm(url)
        await asyncio.to_thread(idle, pids)
        idle_mb = rss_mb(pids[0])
        clients = [Client(url) for _ in range(args.memory)]
        for number, client in enumerate(clients):
            await first_page(client)
            for kind in STEPS:
                await step(client, kind, number)
        await asyncio.sleep(3)
        open_mb = rss_mb(pids[0])
        for client in clients:
            await client.close()
        await asyncio.sleep(5)
        closed_mb = rss_mb(pids[0])
        await asyncio.sleep(135)
        dropped_mb = rss_mb(pids[0])
    print(f"\n| server RSS | {args.root.name if args.root != ROOT else 'this checkout'} |")
    print("| --- | --- |")
    print(f"| idle, after one warm-up user | {idle_mb:.0f} MB |")
    each = (open_mb - idle_mb) / args.memory
    print(f"| {args.memory} sessions open (one loop each) | {open_mb:.0f} MB ({each:.1f} MB each) |")
    print(f"| 5 s after they closed | {closed_mb:.0f} MB |")
    print(f"| 140 s after (Streamlit has dropped them) | {dropped_mb:.0f} MB |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=lambda s: [int(n) for n in s.split(",")], default=[25, 50, 100, 150])
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=90.0, help="measured seconds after the users arrived")
    parser.add_argument("--ramp", type=float, default=30.0, help="seconds over which the users arrive")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between the starts of a user's steps")
    parser.add_argument("--linger", type=float, default=10.0, help="seconds after closing before the last RSS")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--validate", action="store_true", help="compare with headless Chromium, step by step")
    parser.add_argument("--repeats", type=int, default=8, help="sessions per side when validating")
    parser.add_argument("--memory", type=int, help="only measure memory with this many sessions")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose app.py runs (a before/after)")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="set in the server's environment"
    )
    parser.add_argument("--arg", action="append", default=[], help="an extra `streamlit run` option: --arg=--x=y")
    args = parser.parse_args()
    args.env = name_values(args.env)
    if args.memory:
        asyncio.run(memory(args))
    elif args.validate:
        validate(args)
    else:
        load(args)


if __name__ == "__main__":
    main()
