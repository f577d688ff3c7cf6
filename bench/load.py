"""Load test: many concurrent browser sessions against one app server on 127.0.0.1. Prints a table.

  .venv/bin/python bench/load.py [--sessions 20] [--minutes 3]

Each session is its own Playwright context (own cookies, own Streamlit session) in headless Chromium (Debian's).
For the whole run every session loops over: pick a test digit by index, move a latent slider on the server
(live dragging off), upload a photo; each step is timed from the action to the end of the script run it started (the page's own run-state attribute,
watched in the page). The server's
resident memory is sampled every two seconds during the run and for 30 s after every session has closed.
Sessions arrive --ramp seconds apart (20 page loads in the same instant swamp two cores' worth of browser
start-up, not the app), then all work concurrently until --minutes after the start. Bounded: --sessions
contexts and --minutes of work, then everything is closed.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from apptest_helpers import photo_bytes  # noqa: E402
from scripts.appserver import CHROMIUM_ARGS, chromium_path, serve_app  # noqa: E402

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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
ARM = """() => {
  window.__ran = false;
  const app = document.querySelector('[data-testid="stApp"]');
  if (window.__runObserver) window.__runObserver.disconnect();
  window.__runObserver = new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'running') window.__ran = true;
  });
  window.__runObserver.observe(app, { attributes: true, attributeFilter: ['data-test-script-state'] });
}"""
DONE = f"() => window.__ran && !!document.querySelector('{IDLE}')"


async def settle(page) -> None:
    for _ in range(2):
        await page.wait_for_timeout(200)
        await page.wait_for_selector(IDLE, timeout=120_000)


async def session(browser, url: str, number: int, deadline: float, upload: str, log: dict, ramp: float) -> None:
    await asyncio.sleep(number * ramp)  # users arrive one after another, not in the same millisecond
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_navigation_timeout(120_000)
    page = await context.new_page()
    try:
        await page.goto(f"{url}/latent", wait_until="domcontentloaded")
        await settle(page)
        await page.locator('[data-testid="stToggle"], [data-testid="stCheckbox"]').filter(has_text="Live dragging").first.click()
        await settle(page)
        step = 0
        while time.perf_counter() < deadline:
            kind = ("digit", "slider", "upload")[step % 3]
            if kind == "upload":  # get to the uploader first: only the upload itself is timed
                await page.goto(f"{url}/denoise", wait_until="domcontentloaded")
                await settle(page)
                await page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"] button').filter(has_text="Upload").first.click()
                await settle(page)
            await page.evaluate(SLIDER_ARM if kind == "slider" else ARM)
            began = time.perf_counter()
            if kind == "digit":
                box = page.locator('[data-testid="stSidebar"] [data-testid="stNumberInput"] input').first
                await box.fill(str((number * 37 + step + 1) % 2000))  # never the index already shown
                await box.press("Enter")
            elif kind == "slider":
                thumb = page.locator('[data-testid="stSlider"] input[type=range]').first
                await thumb.focus()
                await page.keyboard.press("ArrowRight" if step % 2 else "ArrowLeft")
            else:
                await page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(upload)
            # the run the action started has ended (for the slider's fragment: its picture has changed)
            await page.wait_for_function(SLIDER_DONE if kind == "slider" else DONE, timeout=120_000, polling=20)
            if kind == "upload":
                await page.locator('[data-testid="stImageCaption"]').filter(has_text="What the model receives").first.wait_for(timeout=60_000)
            log["latency"].setdefault(kind, []).append(time.perf_counter() - began)
            await settle(page)
            errors = await page.locator(ERRORS).all_inner_texts()
            if errors:
                log["errors"].append((number, kind, errors))
            if kind == "upload":  # back to the sliders for the next round
                await page.goto(f"{url}/latent", wait_until="domcontentloaded")
                await settle(page)
                toggle = page.locator('[data-testid="stToggle"], [data-testid="stCheckbox"]').filter(has_text="Live dragging").first
                if await page.locator(".live").count():
                    await toggle.click()
                    await settle(page)
            step += 1
    except Exception as err:  # a failed step is an error of the run, not of the script
        log["errors"].append((number, "exception", [repr(err)[:300]]))
    finally:
        await context.close()


async def sample_memory(pid: int, samples: list, stop: asyncio.Event, began: float) -> None:
    while not stop.is_set():
        samples.append((time.perf_counter() - began, rss_mb(pid)))
        try:
            await asyncio.wait_for(stop.wait(), timeout=2)
        except asyncio.TimeoutError:
            pass


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def run(sessions: int, minutes: float, ramp: float) -> None:
    executable = chromium_path()
    if executable is None:
        raise SystemExit("Chromium is not installed: apt-get install chromium")
    tmp = ROOT / "test-artifacts"
    tmp.mkdir(exist_ok=True)
    upload = photo(tmp)
    log: dict = {"latency": {}, "errors": []}
    with serve_app(log=tmp / "load-streamlit.log") as (url, server, _):
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
            stop = asyncio.Event()
            sampler = asyncio.create_task(sample_memory(server.pid, samples, stop, began))
            deadline = began + minutes * 60
            await asyncio.wait_for(
                asyncio.gather(*(session(browser, url, i, deadline, upload, log, ramp) for i in range(sessions))),
                timeout=minutes * 60 + 600,
            )
            closed_at = time.perf_counter() - began
            rss_peak = max(mb for _, mb in samples)
            await asyncio.sleep(30)
            stop.set()
            await sampler
            await browser.close()
    after = [mb for t, mb in samples if t > closed_at + 20]
    count = sum(len(v) for v in log["latency"].values())
    print(f"\n{sessions} sessions for {minutes:g} min against one server: {count} interactions, {len(log['errors'])} errors")
    for number, kind, errors in log["errors"][:10]:
        print(f"  error in session {number} ({kind}): {errors}")
    print("\n| what | measured |")
    print("| --- | --- |")
    for kind, values in log["latency"].items():
        print(f"| {kind} under load: action to idle page | p50 {percentile(values, 0.5) * 1000:.0f} ms, "
              f"p95 {percentile(values, 0.95) * 1000:.0f} ms (n={len(values)}) |")
    print(f"| errors | {len(log['errors'])} |")
    print(f"| server RSS before the sessions | {rss_idle:.0f} MB |")
    print(f"| server RSS peak during the run | {rss_peak:.0f} MB |")
    print(f"| memory per session at peak | {(rss_peak - rss_idle) / sessions:.1f} MB |")
    print(f"| server RSS 20-30 s after every session closed | {min(after):.0f}–{max(after):.0f} MB |" if after else "")
    trace = " ".join(f"{t:.0f}s:{mb:.0f}" for t, mb in samples[:: max(1, len(samples) // 20)])
    print(f"\nRSS over time (seconds:MB): {trace}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--ramp", type=float, default=3.0, help="seconds between two sessions' arrivals")
    args = parser.parse_args()
    asyncio.run(run(args.sessions, args.minutes, args.ramp))


if __name__ == "__main__":
    main()
