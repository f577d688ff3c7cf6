"""How many bytes of pictures each page sends: what a phone on a slow link waits for before it sees the digits.

  .venv/bin/python bench/image_bytes.py [--root OTHER_CHECKOUT]

Headless Chromium (the same bytes at any window size) opens every page of a fresh server in turn (one session,
the default digit) and adds up the pictures it fetches from the server (Streamlit's /media/ files: every
st.image); then it picks another test digit on the pages that use one, or presses the page's redraw button, and
adds up what that one interaction fetched. Prints a table of pictures and kilobytes per page.
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response, sync_playwright

from aemodels_app.pages import registry
from labtools.appserver import CHROMIUM_ARGS, ROOT, chromium_path, serve_app
from labtools.browser import errors_on, settle

PAGES = {p.url: p.repeat for p in registry().values()}  # path -> what a user repeats there (Page.repeat)


def interact(page: Page, path: str) -> bool:
    """The interaction a user repeats on the page; False where it has none here."""
    repeat = PAGES[path]
    if not repeat or repeat == "slider":
        return False
    if repeat != "digit":  # a button's key
        page.locator(f".st-key-{repeat} button").first.click()
    else:
        box = page.get_by_label("Index in the test sample (0–1999)").first  # the sidebar's
        box.fill("17")
        box.press("Enter")
    settle(page)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose app.py runs (a before/after)")
    args = parser.parse_args()
    rows = []
    with serve_app(root=args.root) as (url, _, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        fetched: list[int] = []

        def count(response: Response) -> None:
            if "/media/" in response.url and "/static/" not in response.url and response.ok:  # not the fonts
                with contextlib.suppress(PlaywrightError):  # a picture replaced while it arrived: not shown
                    fetched.append(len(response.body()))

        page.on("response", count)
        for path in PAGES:
            fetched.clear()
            page.goto(f"{url}/{path}")
            settle(page)
            opened = list(fetched)
            fetched.clear()
            again = list(fetched) if interact(page, path) else None
            if errors_on(page):
                raise RuntimeError(f"{path or 'start'}: {errors_on(page)}")
            rows.append((path or "start", opened, again))
            print(rows[-1][0], len(opened), sum(opened), None if again is None else sum(again), flush=True)
        browser.close()
    print(f"\n| page | opening it: pictures, kB | one interaction: pictures, kB ({args.root}) |\n| --- | --- | --- |")
    for name, opened, again in rows:
        then = "–" if again is None else f"{len(again)}, {sum(again) / 1000:.1f} kB"
        print(f"| {name} | {len(opened)}, {sum(opened) / 1000:.1f} kB | {then} |")
    total = sum(sum(o) for _, o, _ in rows)
    print(f"| all pages | {sum(len(o) for _, o, _ in rows)}, {total / 1000:.1f} kB | |")


if __name__ == "__main__":
    main()
