"""Screenshots of every page for the README, from the real app in headless Chromium (Debian's, never a download).

Run: .venv/bin/python -m labtools.screenshots   (needs `apt-get install chromium`)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from aemodels_app.pages import registry
from labtools.appserver import CHROMIUM_ARGS, ROOT, chromium_path, serve_app

PAGES = {p.name: p.url for p in registry().values()}  # name -> path in the address
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'


VIEWPORTS = {"desktop": {"width": 1400, "height": 1000}, "phone": {"width": 390, "height": 844}}


def main(out_dir: Path = ROOT / "docs" / "screenshots", viewport: str = "desktop") -> None:
    executable = chromium_path()
    if executable is None:
        raise SystemExit("Chromium is not installed: apt-get install chromium")
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "" if viewport == "desktop" else f"-{viewport}"
    with serve_app() as (url, _, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORTS[viewport])  # type: ignore[arg-type]
        for name, path in PAGES.items():
            page.goto(f"{url}/{path}")
            for _ in range(3):
                page.wait_for_timeout(400)
                page.wait_for_selector(IDLE, timeout=120_000)
            if name == "latent":
                page.wait_for_selector(".live[data-ready=true]", timeout=60_000)
            page.wait_for_timeout(800)
            page.screenshot(path=str(out_dir / f"{name}{suffix}.png"), full_page=False)
            print("wrote", out_dir / f"{name}{suffix}.png")
        browser.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--viewport", choices=list(VIEWPORTS), default="desktop")
    arguments = parser.parse_args()
    main(arguments.out, arguments.viewport)
