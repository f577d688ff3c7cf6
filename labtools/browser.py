"""Waiting for Streamlit in a real browser, and finding what it drew."""

import re

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'


def settle(page: Page, timeout: int = 120_000) -> None:
    """Wait until the script (or fragment) run has finished and stayed finished for a moment."""
    for _ in range(3):
        page.wait_for_timeout(250)
        page.wait_for_selector(IDLE, timeout=timeout)


def open_page(page: Page, app_url: str, path: str) -> None:
    page.goto(f"{app_url}/{path}")
    settle(page)


def errors_on(page: Page) -> list[str]:
    return [e.inner_text() for e in page.locator(ERRORS).all()]


def image_src(page: Page, caption: str, timeout: int = 60_000) -> str:
    """The src of the picture whose caption contains the text."""
    figure = (
        page.locator('[data-testid="stImageContainer"]')
        .filter(has=page.locator('[data-testid="stImageCaption"]', has_text=caption))
        .first
    )
    figure.wait_for(timeout=timeout)
    return figure.locator("img").first.get_attribute("src") or ""


CLEAR_SPOT = """(el) => {
  el.scrollIntoView({block: 'center'});
  const r = el.getBoundingClientRect();
  const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return !!top && !top.closest('.legend') && !top.closest('.modebar');
}"""


def click_scatter_point(chart, start: int = 0) -> int:
    """Click the first plotly point from the start-th on that is not hidden under the legend or the mode bar
    (plotly hit-tests clicks by position, so a point under the legend would toggle a trace instead). Returns
    the index of the point clicked."""
    points = chart.locator(".scatterlayer .trace path.point")
    points.nth(start).wait_for(timeout=60_000)
    for k in range(start, points.count()):
        if points.nth(k).evaluate(CLEAR_SPOT):
            points.nth(k).click(force=True)
            return k
    raise AssertionError("no clickable point in the chart")


def sidebar_choice(page: Page, label: str, option: str) -> None:
    """Pick an option of a sidebar selectbox by its label, then wait for the rerun."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text=label).first
    wanted = page.locator('[role="option"]').filter(has_text=re.compile("^" + option)).first
    for _ in range(5):  # a click that lands while the page is still wiring up its widgets can be lost
        box.click()
        try:
            wanted.wait_for(timeout=3_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    wanted.click()
    settle(page)
