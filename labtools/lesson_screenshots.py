"""Screenshots of lesson steps for the README and docs/lessons.md, on a wide screen and a phone, from the real app in
headless Chromium (Debian's, never a download).

Run: .venv/bin/python -m labtools.lesson_screenshots   (needs `apt-get install chromium`)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from labtools.appserver import CHROMIUM_ARGS, ROOT, chromium_path, serve_app
from labtools.browser import settle

STEPS = (("manifold", 8), ("pca_to_vae", 1), ("pca_to_vae", 10))  # (lesson, step): three pages, three kinds of figure
SCREENS = {
    "": {"viewport": {"width": 1400, "height": 1000}},
    "-phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}


def main(out_dir: Path = ROOT / "docs" / "screenshots") -> None:
    executable = chromium_path()
    if executable is None:
        raise SystemExit("Chromium is not installed: apt-get install chromium")
    out_dir.mkdir(parents=True, exist_ok=True)
    with serve_app() as (url, _, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        for suffix, screen in SCREENS.items():
            context = browser.new_context(**screen)  # type: ignore[arg-type]
            page = context.new_page()
            for lesson, step in STEPS:
                page.goto(f"{url}/?lesson={lesson}&step={step}")  # the step's own view, on its page
                page.locator(".st-key-lesson_panel").wait_for(timeout=120_000)
                settle(page)
                page.wait_for_timeout(1500)  # charts and maps draw after the run
                path = out_dir / f"lesson-{lesson}-{step}{suffix}.png"
                page.screenshot(path=str(path), full_page=False)
                print("wrote", path)
            if not suffix:  # the step in view over the figure it speaks of, further down the page
                page.goto(f"{url}/?lesson=manifold&step=8")
                page.locator(".st-key-lesson_panel").wait_for(timeout=120_000)
                settle(page)
                page.get_by_text("The experiment: push along the manifold").scroll_into_view_if_needed()
                page.mouse.move(800, 600)
                page.mouse.wheel(0, 350)
                page.wait_for_timeout(1500)
                page.screenshot(path=str(out_dir / "lesson-manifold-8-scrolled.png"), full_page=False)
            page.goto(f"{url}/")  # the Start page offers the lessons first
            page.locator(".st-key-lesson_start_manifold").wait_for(timeout=120_000)
            settle(page)
            page.screenshot(path=str(out_dir / f"lesson-start{suffix}.png"), full_page=False)
            context.close()
        browser.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    main(parser.parse_args().out)
