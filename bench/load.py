"""Load test: many concurrent browser sessions against one app server on 127.0.0.1. Prints a table.

  .venv/bin/python bench/load.py [--sessions 20] [--minutes 3] [--think 0] [--rounds 1]

Each session is its own Playwright context (own cookies, own Streamlit session) in Debian's headless Chromium
(chromium-headless-shell if installed: far less CPU per page than the full browser; else chromium). Sessions
arrive --ramp seconds apart, open the latent-slider page, turn live dragging off (so the sliders load the server)
and then, until --minutes after the round began, loop over: pick a test digit by index, move a latent slider,
switch to the Denoising page through the sidebar and upload a photo, switch back. Each step is timed from the
action to its result on the page (the new starting digit's caption, a new slider picture, the prepared upload)
with the app idle again; any single wait over 60 s (the page, the result, the idle app), an error element on the
page or any exception is an error of the run
(with a screenshot in test-artifacts/). --think adds a user's pause between steps (uniform, ±50%).

Measured: latency per kind of step, errors, the CPU the server and the browsers used, and the server's resident
memory every two seconds: during each of --rounds rounds and for --linger seconds after its sessions closed
(Streamlit keeps a closed tab's session for reconnection for server.disconnectedSessionTTL = 120 s).
Bounded: --sessions contexts at a time, --minutes per round, a hard limit of 10 minutes more per round.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import time
from pathlib import Path

from measuring import cpu_seconds, percentile, rss_mb
from playwright.async_api import async_playwright

from labtools.appserver import CHROMIUM_ARGS, ROOT, chromium_path, serve_app
from labtools.browser import DIGIT_INDEX_LABEL, ERRORS, IDLE, SIDEBAR
from labtools.samples import photo_bytes


def photo(tmp: Path) -> str:
    path = tmp / "load-photo.jpg"
    path.write_bytes(photo_bytes("JPEG", index=3))
    return str(path)


PICTURE = """() => {
  for (const box of document.querySelectorAll('[data-testid="stImageContainer"]')) {
    const caption = box.querySelector('[data-testid="stImageCaption"]');
    if (caption && caption.innerText.includes('Decoded from the sliders')) return box.querySelector('img')?.src || null;
  }
  return null;
}"""
# A slider lives in a fragment, whose rerun leaves the page's run state alone: it is done when its picture changes.
SLIDER_ARM = f"() => {{ window.__picture = ({PICTURE})(); }}"
SLIDER_DONE = f"() => ({PICTURE})() !== window.__picture"
ARTIFACTS = ROOT / "test-artifacts"
STEP_TIMEOUT = 60_000  # ms: a step that takes longer counts as an error


async def settle(page) -> None:
    for _ in range(2):
        await page.wait_for_timeout(200)
        await page.wait_for_selector(IDLE, timeout=STEP_TIMEOUT)


async def open_page(page, title: str, heading: str) -> None:
    """Switch pages the way a user does, through the sidebar's navigation (no reload of the app's JavaScript)."""
    await page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    await page.locator("h1").filter(has_text=heading).first.wait_for(timeout=STEP_TIMEOUT)
    await settle(page)


async def server_sliders(page) -> None:
    """Turn live dragging off if it is on: the sliders then move on the server, which is what we load."""
    toggle = page.locator('[data-testid="stToggle"], [data-testid="stCheckbox"]').filter(has_text="Live dragging").first
    if await toggle.locator("input").is_checked():  # the switch's own state: the live component may not be drawn yet
        await toggle.click()
        await settle(page)
    await page.locator('[data-testid="stImageCaption"]').filter(has_text="Decoded from the sliders").first.wait_for()


async def slider_key(page) -> str:
    """The arrow key that moves the first slider: away from whichever end it sits at (a code can be clipped to
    an end)."""
    now, high = await page.locator('[data-testid="stSlider"] input[type=range]').first.evaluate(
        "e => [Number(e.value), Number(e.max)]"
    )
    return "ArrowLeft" if now >= high else "ArrowRight"


async def first_page(page, url: str) -> None:
    await page.goto(f"{url}/latent", wait_until="domcontentloaded")
    await settle(page)


# The steps. Each is done when what it asked for is on the page and the run that drew it has ended.
async def choose_source(page, which: str) -> None:
    """Choose where the app's digit comes from (sidebar: Test digit, Upload or Draw), if it is not chosen already."""
    button = page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"] button').filter(has_text=which).first
    if await button.get_attribute("aria-checked") != "true":
        await button.click()
        await settle(page)


async def pick_digit(page, index: int) -> None:
    await choose_source(page, "Test digit")  # the app's digit may be the last upload
    box = page.locator(SIDEBAR).get_by_label(DIGIT_INDEX_LABEL, exact=False)  # digit_index_box, async
    await box.fill(str(index))
    await box.press("Enter")
    await page.get_by_text(f"Starting point: test digit #{index} (").first.wait_for()
    await page.wait_for_selector(IDLE)


async def move_slider(page) -> None:
    await page.evaluate(SLIDER_ARM)
    key = await slider_key(page)
    await page.locator('[data-testid="stSlider"] input[type=range]').first.focus()
    await page.keyboard.press(key)
    await page.wait_for_function(SLIDER_DONE, timeout=STEP_TIMEOUT, polling=20)
    await page.wait_for_selector(IDLE)


async def to_uploader(page) -> None:
    await open_page(page, "Denoising", "Denoising")
    await choose_source(page, "Upload")
    await page.locator('[data-testid="stSidebar"] input[type="file"]').wait_for(state="attached")
    await settle(page)


async def upload_photo(page, path: str) -> None:
    await page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(path)
    await page.locator('[data-testid="stImageCaption"]').filter(has_text="What the model receives").first.wait_for()
    await page.wait_for_selector(IDLE)


async def back_to_sliders(page) -> None:
    await open_page(page, "Latent sliders", "Latent sliders")
    await server_sliders(page)


async def session(
    browser, url: str, number: int, deadline: float, upload: str, log: dict, ramp: float, think: float
) -> None:
    await asyncio.sleep(number * ramp)  # users arrive one after another, not in the same millisecond
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(STEP_TIMEOUT)
    page = await context.new_page()
    rng = random.Random(number)
    step, kind = 0, "page load"
    try:
        began = time.perf_counter()
        await first_page(page, url)
        log["latency"].setdefault("first page", []).append(time.perf_counter() - began)
        await server_sliders(page)
        while time.perf_counter() < deadline:
            kind = ("digit", "slider", "upload")[step % 3]
            if kind == "upload":  # get to the uploader first: only the upload itself is timed
                await to_uploader(page)
            began = time.perf_counter()
            if kind == "digit":
                await pick_digit(page, (number * 37 + step + 1) % 2000)  # never the index already shown
            elif kind == "slider":
                await move_slider(page)
            else:
                await upload_photo(page, upload)
            log["latency"].setdefault(kind, []).append(time.perf_counter() - began)
            await settle(page)
            errors = await page.locator(ERRORS).all_inner_texts()
            if errors:
                log["errors"].append((number, kind, errors))
            if kind == "upload":  # back to the sliders for the next round
                await back_to_sliders(page)
            step += 1
            if think:
                await asyncio.sleep(rng.uniform(0.5, 1.5) * think)  # a user looks at the picture before the next move
    except Exception as err:  # a failed step is an error of the run, not of the script
        log["errors"].append((number, f"{kind}, step {step}", [repr(err)[:300]]))
        with contextlib.suppress(Exception):  # what the page looked like, for whoever reads the report
            await page.screenshot(path=ARTIFACTS / f"load-error-session{number}-step{step}.png", full_page=True)
    finally:
        await context.close()


async def sample(pid: int, samples: list, cpu: dict, stop: asyncio.Event, began: float) -> None:
    """Every two seconds: the server's RSS, and the CPU seconds so far of the server and of every browser process
    (kept per process, so a renderer that has exited still counts with what it used)."""
    while not stop.is_set():
        samples.append((time.perf_counter() - began, rss_mb(pid)))
        cpu.update(cpu_seconds(lambda p, command: int(p) == pid or b"chrom" in command[0]))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=2)


def browser_path(choice: str | None = None) -> str | None:
    """The browser asked for, else Debian's headless shell (chromium-headless-shell: no window system, less CPU
    per page) if installed, else the full Chromium the tests use."""
    return choice or shutil.which("chromium-headless-shell") or chromium_path()


async def run(
    sessions: int,
    minutes: float,
    ramp: float,
    think: float,
    rounds: int,
    linger: float,
    report: Path | None,
    browser_choice: str | None,
) -> None:
    executable = browser_path(browser_choice)
    if executable is None:
        raise SystemExit("Chromium is not installed: apt-get install chromium-headless-shell (or chromium)")
    ARTIFACTS.mkdir(exist_ok=True)
    upload = photo(ARTIFACTS)
    log: dict = {"latency": {}, "errors": []}
    closed: list[tuple[float, float]] = []  # per round: when its sessions began, when the last one closed
    with serve_app(log=ARTIFACTS / "load-streamlit.log") as (url, server, _):
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            warm = await browser.new_context()
            page = await warm.new_page()
            await page.goto(f"{url}/latent")
            await settle(page)
            await warm.close()
            began = time.perf_counter()
            rss_idle = rss_mb(server.pid)
            samples: list = []
            ours = lambda p, command: int(p) == server.pid or b"chrom" in command[0]  # noqa: E731
            cpu_before: dict = cpu_seconds(ours)
            cpu_now = dict(cpu_before)
            stop = asyncio.Event()
            sampler = asyncio.create_task(sample(server.pid, samples, cpu_now, stop, began))
            for _ in range(rounds):
                start = time.perf_counter()
                deadline = start + minutes * 60
                await asyncio.wait_for(
                    asyncio.gather(
                        *(session(browser, url, i, deadline, upload, log, ramp, think) for i in range(sessions))
                    ),
                    timeout=minutes * 60 + 600,
                )
                closed.append((start - began, time.perf_counter() - began))
                if len(closed) == 1:
                    cpu_now.update(cpu_seconds(ours))
                    used = {p: seconds - cpu_before.get(p, 0.0) for p, seconds in cpu_now.items()}
                    cpu = [used.pop(server.pid, 0.0) / closed[0][1], sum(used.values()) / closed[0][1]]
                # everything closed. Streamlit keeps a disconnected session (for a reconnect) for
                # server.disconnectedSessionTTL, 120 s by default: only after that can its memory come back.
                await asyncio.sleep(linger)
            stop.set()
            await sampler
            await browser.close()
    count = sum(len(v) for k, v in log["latency"].items() if k != "first page")
    print(
        f"\n{sessions} sessions for {minutes:g} min against one server, {rounds} round(s) ({Path(executable).name}, "
        f"think time {think:g} s ± 50%): {count} interactions, {len(log['errors'])} errors"
    )
    for number, kind, errors in log["errors"][:10]:
        print(f"  error in session {number} ({kind}): {errors}")
    print("\n| what | measured |")
    print("| --- | --- |")
    for kind, values in log["latency"].items():
        what = "first page load" if kind == "first page" else f"{kind} under load: action to idle page"
        print(
            f"| {what} | p50 {percentile(values, 0.5) * 1000:.0f} ms, "
            f"p95 {percentile(values, 0.95) * 1000:.0f} ms (n={len(values)}) |"
        )
    print(f"| errors | {len(log['errors'])} |")
    print(f"| CPU while the first round ran (cores of {os.cpu_count()}) | server {cpu[0]:.2f}, browsers {cpu[1]:.2f} |")
    print(f"| server RSS before the sessions | {rss_idle:.0f} MB |")
    for number, (start, end) in enumerate(closed, 1):
        during = [mb for t, mb in samples if start <= t <= end]
        after = [mb for t, mb in samples if end + linger - 10 < t <= end + linger]
        print(
            f"| round {number}: server RSS peak / {linger - 10:.0f}-{linger:.0f} s after its sessions closed | "
            f"{max(during):.0f} / "
            f"{min(after, default=float('nan')):.0f}–{max(after, default=float('nan')):.0f} MB |"
        )
    peak = max(mb for t, mb in samples if t <= closed[0][1])
    print(f"| memory per session (first round's peak over the idle server) | {(peak - rss_idle) / sessions:.1f} MB |")
    trace = " ".join(f"{t:.0f}s:{mb:.0f}" for t, mb in samples[:: max(1, len(samples) // 24)])
    print(f"\nRSS over time (seconds:MB): {trace}")
    if report:  # for the smoke test, and for anyone who wants the raw figures
        report.write_text(
            json.dumps(
                {
                    "errors": log["errors"],
                    "latency_s": log["latency"],
                    "rss_mb": samples,
                    "rounds_s": closed,
                    "cpu_cores": {"server": cpu[0], "browsers": cpu[1]},
                },
                indent=1,
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--ramp", type=float, default=3.0, help="seconds between two sessions' arrivals")
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds a user waits between two actions")
    parser.add_argument("--rounds", type=int, default=1, help="open, work and close the sessions this many times")
    parser.add_argument(
        "--linger",
        type=float,
        default=150.0,
        help="seconds to watch the server after a round's sessions closed (they are dropped after 120 s)",
    )
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument(
        "--browser", help="path of the Chromium to drive (default: chromium-headless-shell, else chromium)"
    )
    args = parser.parse_args()
    asyncio.run(
        run(args.sessions, args.minutes, args.ramp, args.think, args.rounds, args.linger, args.json, args.browser)
    )


if __name__ == "__main__":
    main()
