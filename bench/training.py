"""What training on the "Train your own" page costs and how it shares the server.

  .venv/bin/python bench/training.py speed        # steps per second per architecture, one torch thread
  .venv/bin/python bench/training.py separation   # Start -> a 2-d MLP AE's code map separates the classes
  .venv/bin/python bench/training.py digits       # the same probe against digits trained on, per page recipe
  .venv/bin/python bench/training.py load         # 10 sessions training while 5 others use the other pages
  .venv/bin/python bench/training.py experiments  # the page's guided experiments, measured at start and end

speed: each choice trained alone for --seconds in this process (batch 64, one torch thread, as a job of the app's
pool), on MNIST's training digits.

separation: a fresh TrainingPool (as the page's) trains the page's default 2-d MLP AE; every 0.25 s the page's code
map of held-out digits (the snapshot the page draws) is scored by a leave-one-out 5-nearest-neighbour probe; the
time from submit until it first exceeds 60, 70 and 80 %, and the best it reaches in --seconds (default 60).
--repeats runs with seeds 0, 1, ... (For scale: the shipped ae2, a deeper 2-d AE trained 35 epochs, scores
80.0 % by the same probe on the same 600 held-out digits.)

digits: the same probe against the digits each of the page's recipes for a 2-d MLP AE (the default; learning rate
3e-3; with batch 256; 60,000 training digits) has trained on, up to --digits (960,000), one thread: what a faster
machine would reach in the same seconds, so whether any recipe could separate the classes in 20 s anywhere.

load: an app server; 5 protocol users (labtools/protocol.py) do the load test's loop (pick a digit, move a slider,
switch page, upload, switch back) a step every 5 s, first alone for --seconds, then again while 10 more protocol
sessions open the Train page, press Start with 2,000 steps and keep polling its live fragment twice a second, as a
browser does, until their job finishes (at most 240 s after the 5 users stop). Reported: the 5 users' step
p50/p95 in both runs, errors, how many jobs finished and when, server CPU, and server RSS idle, at the peak, and
25 s after the trainers left (their jobs stopped), and once the pool has forgotten the ended jobs (KEEP_SECONDS
without a look: their models and the memory handed back to the system).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch
from measuring import idle, percentile, process_cpu, rss_mb

from aemodels.data import DataError, load_fashion_mnist, load_mnist
from aemodels.playground import EXPERIMENTS, TrainData, TrainingRun, TrainSpec, knn_accuracy
from aemodels_app.jobs import KEEP_SECONDS, TrainingPool
from labtools.appserver import ROOT, serve_app
from labtools.protocol import Client, Log, StepError, user

ARTIFACTS = ROOT / "test-artifacts"
CHOICES = {
    "tied linear, d=16": TrainSpec(architecture="linear", latent_dim=16),
    "MLP, d=2": TrainSpec(latent_dim=2),
    "MLP, d=16": TrainSpec(latent_dim=16),
    "MLP, d=1024": TrainSpec(latent_dim=1024),
    "MLP + denoising, d=1024": TrainSpec(latent_dim=1024, regulariser="denoising"),
    "sparse, d=1024": TrainSpec(latent_dim=1024, regulariser="sparse"),
    "MLP VAE, d=16": TrainSpec(latent_dim=16, regulariser="vae"),
    "convolutional, d=16": TrainSpec(architecture="conv", latent_dim=16),
    "convolutional VAE, d=16": TrainSpec(architecture="conv", latent_dim=16, regulariser="vae"),
}


def experiments(args: argparse.Namespace) -> dict:
    """Each guided experiment of the page (its choices, 10,000 training digits), trained for its time limit of
    training time in this process, measured on the held-out digits before and after."""
    torch.set_num_threads(1)
    data = mnist_data()
    result = {}
    for key, experiment in EXPERIMENTS.items():
        title, choices = experiment.title, experiment.choices
        spec = TrainSpec(train_digits=10_000, max_steps=20_000, **choices)
        run = TrainingRun(spec, data)
        before = run.measure()
        while run.seconds < spec.max_seconds and run.step < spec.max_steps:
            run.advance(50)
        after = run.measure()
        result[key] = {"steps": run.step, "seconds": run.seconds, "before": before.__dict__, "after": after.__dict__}
        print(f"{title} ({run.step:,} steps in {run.seconds:.0f} s of training)")
        for name in (
            "mse",
            "denoise_psnr",
            "noisy_psnr",
            "normal_tangent_ratio",
            "auc_noise",
            "auc_fashion",
            "probe_codes",
            "pca_angle",
        ):
            a, b = getattr(before, name), getattr(after, name)
            if a is not None and b is not None:
                print(f"  {name:<22} {a:10.4f} -> {b:10.4f}")
        sys.stdout.flush()
    return result


def mnist_data() -> TrainData:
    """As the page's: MNIST, 1,000 test digits held out, and 2,000 Fashion-MNIST items where installed."""
    x, y = load_mnist("train")
    x_test, y_test = load_mnist("test")
    try:
        fashion: torch.Tensor | None = load_fashion_mnist("test", limit=2000)[0]
    except DataError:
        fashion = None
    return TrainData(x, y, x_test[:1000], y_test[:1000], "MNIST", fashion)


def speed(args: argparse.Namespace) -> dict:
    torch.set_num_threads(1)
    data = mnist_data().limited(10_000)
    rows = {}
    print(f"{'choice':<28} {'steps/s':>8}  (batch 64, one thread, {args.seconds:.0f} s each)")
    for name, spec in CHOICES.items():
        run = TrainingRun(spec, data)
        run.advance(5)  # first steps allocate
        began, steps = time.perf_counter(), run.step
        while time.perf_counter() - began < args.seconds:
            run.advance(10)
        rate = (run.step - steps) / (time.perf_counter() - began)
        rows[name] = rate
        print(f"{name:<28} {rate:8.0f}", flush=True)
    return {"steps_per_second": rows}


THRESHOLDS = (0.6, 0.7, 0.8)


def separation(args: argparse.Namespace) -> dict:
    data = mnist_data()
    runs = []
    for seed in range(args.repeats):
        pool = TrainingPool()
        began = time.perf_counter()
        job = pool.submit("bench", TrainSpec(latent_dim=2, seed=seed, train_digits=10_000), data)
        reached: dict[float, tuple[float, int]] = {}
        best = (0.0, 0.0, 0)
        while time.perf_counter() - began < args.seconds and len(reached) < len(THRESHOLDS):
            view = pool.view(job)
            if view.code_map is not None:
                points, labels = view.code_map.points, view.code_map.labels
                accuracy = knn_accuracy(points, labels)
                now = time.perf_counter() - began
                best = max(best, (accuracy, now, view.step))
                for threshold in THRESHOLDS:
                    if accuracy > threshold and threshold not in reached:
                        reached[threshold] = (now, view.step)
            time.sleep(0.25)
        pool.close()
        runs.append({"reached": {str(k): v for k, v in reached.items()}, "best": best})
        found = ", ".join(f"{k:.0%} after {t:.1f} s (step {n:,})" for k, (t, n) in sorted(reached.items()))
        print(
            f"seed {seed}: {found or 'no threshold'}; best {best[0]:.1%} at {best[1]:.1f} s (step {best[2]:,})",
            flush=True,
        )
    return {"runs": runs, "seconds": args.seconds}


STEP_SHOWN = re.compile(r"· step ([\d,]+)")  # the Train page's status line
MODELS = {  # --model: what each trainer trains, as a link to the Train page sets it
    "small": "steps=2000",  # the page's default 2-d MLP AE, 2,000 steps
    "large": "arch=mlp&d=1024&reg=vae&beta=0&steps=20000",  # the largest code the page offers, never done in time
}


async def trainer(
    url: str,
    number: int,
    deadline: float,
    log: Log,
    finished: list[tuple[int, float]],
    model: str = "small",
    reached: dict[int, int] | None = None,
) -> None:
    """A session that opens the Train page with `model`'s settings, presses Start and watches the training (the
    page's fragment, twice a second) until it finishes (or `deadline`); `finished` gets (number, seconds from
    Start), `reached` the last step its status line showed (0 while it waits for a trainer)."""
    client = Client(url, fetch_media=True)
    try:
        await client.open("train", query=f"{MODELS[model]}&seed={number}")
        await client.click("train_start")
        started = time.perf_counter()
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            run = await client.poll()
            log.add("poll", began, time.perf_counter() - began)
            if run is not None and reached is not None:
                shown = [int(m.group(1).replace(",", "")) for t in run.texts for m in STEP_SHOWN.finditer(t)]
                reached[number] = shown[0] if shown else reached.get(number, 0)
            if run is None or any(text.startswith("**Finished") for text in run.texts):
                finished.append((number, time.perf_counter() - started))
                break
            await asyncio.sleep(max(0.0, 0.5 - (time.perf_counter() - began)))
    except (StepError, OSError) as err:
        log.errors.append((number, "train", repr(err)[:300]))
    finally:
        await client.close()


async def one_run(
    url: str, seconds: float, trainers: int, model: str = "small", wait: float = 240.0
) -> tuple[Log, Log, list[tuple[int, float]], dict[int, int]]:
    others, training, finished, reached = Log(), Log(), list[tuple[int, float]](), dict[int, int]()
    deadline = time.perf_counter() + seconds
    tasks = [user(url, n, deadline, others, every=5.0, arrive=n * 0.5) for n in range(5)]
    tasks += [trainer(url, 100 + n, deadline + wait, training, finished, model, reached) for n in range(trainers)]
    await asyncio.gather(*tasks)
    return others, training, finished, reached


async def measured_run(
    url: str, seconds: float, trainers: int, pid: int, model: str = "small", wait: float = 240.0
) -> tuple[Log, Log, list[tuple[int, float]], dict[int, int], list[float]]:
    """one_run, with the server's RSS sampled every 2 s."""
    peak = [rss_mb(pid)]

    async def sample() -> None:
        while True:
            peak.append(rss_mb(pid))
            await asyncio.sleep(2)

    sampler = asyncio.ensure_future(sample())
    try:
        others, training, finished, reached = await one_run(url, seconds, trainers, model, wait)
    finally:
        sampler.cancel()
    return others, training, finished, reached, peak


def summary(log: Log) -> dict:
    seconds = [s for kind, values in log.latency.items() if kind != "first page" for s in values]
    return {
        "steps": len(seconds),
        "p50_s": percentile(seconds, 0.5) if seconds else float("nan"),
        "p95_s": percentile(seconds, 0.95) if seconds else float("nan"),
        "errors": log.errors,
    }


RECIPES: dict[str, dict[str, Any]] = {  # the page's choices for a 2-d MLP AE (every other choice the page's default)
    "default": {},
    "lr 3e-3": {"lr": 3e-3},
    "lr 3e-3, batch 256": {"lr": 3e-3, "batch_size": 256},
    "60,000 training digits": {"train_digits": 60_000},
}
MARKS = (64_000, 128_000, 192_000, 256_000, 320_000, 448_000, 640_000, 960_000)


def digits(args: argparse.Namespace) -> dict:
    """separation's probe against the digits a recipe has trained on, not the seconds: what a faster machine would
    reach in the same time. 20 s at the fastest one-thread rate measured on this project's machines (150 steps/s of
    64 digits) is 192,000 digits."""
    torch.set_num_threads(1)
    data = mnist_data()
    result: dict = {}
    for name in args.recipe or list(RECIPES):
        spec = TrainSpec(latent_dim=2, seed=0, max_seconds=3600.0, **RECIPES[name])
        run = TrainingRun(spec, data.limited(spec.train_digits))
        marks = [m for m in MARKS if m <= args.digits]
        scores: dict[int, float] = {}
        while marks:
            run.advance(25)
            if run.step * spec.batch_size >= marks[0]:
                mapped = run.code_map()
                points, labels = mapped.points, mapped.labels
                scores[marks.pop(0)] = knn_accuracy(points, labels)
        result[name] = scores
        print(f"{name:<24} " + ", ".join(f"{n // 1000}k {a:.1%}" for n, a in scores.items()), flush=True)
    return result


def load(args: argparse.Namespace) -> dict:
    ARTIFACTS.mkdir(exist_ok=True)
    with serve_app(log=ARTIFACTS / "bench-training.log", root=args.root) as (url, server, _):
        pid = server.pid
        asyncio.run(one_run(url, 12, 1))  # warm: imports, models, the training digits, the pool's threads
        idle([pid])
        idle_mb = rss_mb(pid)
        result: dict = {"idle_rss_mb": idle_mb, "model": args.model, "trainers": args.trainers}
        for label, trainers in (("alone", 0), (f"with {args.trainers} training ({args.model})", args.trainers)):
            cpu0, t0 = process_cpu(pid), time.perf_counter()
            others, training, finished, reached, peak = asyncio.run(
                measured_run(url, args.seconds, trainers, pid, args.model, args.wait)
            )
            window = time.perf_counter() - t0
            row = summary(others) | {
                "server_cores": (process_cpu(pid) - cpu0) / window,
                "peak_rss_mb": max(peak),
                "jobs_finished": len(finished),
                "seconds_to_finish": sorted(t for _, t in finished),
                "trainer_errors": training.errors,
                "polls": len(training.steps),
                "steps_reached": sorted(reached.values()),
            }
            result[label] = row
            print(
                f"{label:<28} others' steps {row['steps']:>4}: p50 {row['p50_s'] * 1000:.0f} ms, "
                f"p95 {row['p95_s'] * 1000:.0f} ms, errors {len(row['errors'])}; jobs finished {len(finished)}/"
                f"{trainers}"
                + (f" (the last {max(t for _, t in finished):.0f} s after Start)" if finished else "")
                + (f"; steps reached {', '.join(f'{n:,}' for n in row['steps_reached'])}" if reached else "")
                + f", trainer errors {len(training.errors)}; server {row['server_cores']:.2f} cores, "
                f"peak RSS {row['peak_rss_mb']:.0f} MB",
                flush=True,
            )
        if args.no_memory:
            return result
        time.sleep(25)  # the pool stops jobs nobody polls for 20 s; Streamlit keeps closed sessions a while
        idle([pid])
        result["rss_after_mb"] = rss_mb(pid)
        time.sleep(KEEP_SECONDS + 5)  # then it forgets the ended jobs nobody has looked at since
        idle([pid])
        result["rss_forgotten_mb"] = rss_mb(pid)
        print(
            f"server RSS: idle {idle_mb:.0f} MB before, {result['rss_after_mb']:.0f} MB 25 s after the trainers left, "
            f"{result['rss_forgotten_mb']:.0f} MB once the pool has forgotten their ended jobs"
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["speed", "separation", "digits", "load", "experiments"])
    parser.add_argument("--seconds", type=float, default=None, help="speed: per choice (5); load: per run (60)")
    parser.add_argument("--repeats", type=int, default=3, help="separation: runs")
    parser.add_argument("--digits", type=int, default=960_000, help="digits: trained per recipe")
    parser.add_argument("--recipe", action="append", choices=list(RECIPES), help="digits: only these recipes")
    parser.add_argument("--trainers", type=int, default=10, help="load: sessions training at once")
    parser.add_argument("--model", choices=list(MODELS), default="small", help="load: what each trainer trains")
    parser.add_argument("--wait", type=float, default=240.0, help="load: seconds trainers watch after the others")
    parser.add_argument("--no-memory", action="store_true", help="load: skip the memory figures after the runs")
    parser.add_argument("--root", type=Path, default=ROOT, help="load: the checkout whose app.py runs")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.seconds is None:
        args.seconds = 5.0 if args.part == "speed" else 60.0  # separation and load: 60 s
    parts = {"speed": speed, "separation": separation, "digits": digits, "load": load, "experiments": experiments}
    result = parts[args.part](args)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
