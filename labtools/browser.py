"""Waiting for Streamlit in a real browser, and finding what it drew."""

import re

from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'


def settle(page: Page, timeout: int = 120_000) -> None:
    """Wait until the script (or fragment) run has finished and stayed finished for a moment."""
    for _ in range(3):
        page.wait_for_timeout(250)
        page.wait_for_selector(IDLE, timeout=timeout)


SIDEBAR = '[data-testid="stSidebar"]'
DIGIT_INDEX_LABEL = "Index in the test sample"  # the start of the label of the app's digit's index box


def digit_index_box(page: Page) -> Locator:
    """The sidebar's box for the app's test digit, found by its label: a page may add number boxes of its own, and
    Latent sliders a second digit picker."""
    return page.locator(SIDEBAR).get_by_label(DIGIT_INDEX_LABEL, exact=False)


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


MAPS = ".aemodels-scatter[data-ready=true]"  # the Latent explorer's canvas maps (components/scatter.js), once drawn


# Both maps drawn, for wait_for_function: each is in the shadow root of its component's host, where Playwright's
# locators look but document.querySelectorAll does not.
def maps_drawn(count: int) -> str:
    """A JS expression: at least `count` maps are drawn."""
    return (
        "[...document.querySelectorAll('[data-testid=stBidiComponentIsolated]')]"
        f".filter(host => host.shadowRoot && host.shadowRoot.querySelector('{MAPS}')).length >= {count}"
    )


MAPS_DRAWN = f"() => {maps_drawn(2)}"


def map_position(page: Page, which: int, *, index: int | None = None, corner: bool = False) -> tuple[float, float]:
    """Where on the screen a map draws the dot of the index-th sample digit, or (corner) the bottom-left corner of
    its plotted area, where no digit lies; the map is scrolled into view first."""
    chart = page.locator(MAPS).nth(which)
    chart.wait_for(timeout=60_000)
    chart.scroll_into_view_if_needed()
    return tuple(
        chart.evaluate(
            """(el, [index, corner]) => {
              const s = el.__scatter, f = s.frame, box = s.canvas.getBoundingClientRect();
              return corner ? [box.left + f.plot.x0 + 3, box.top + f.plot.y1 - 3]
                            : [box.left + f.sx(s.data.x[index]), box.top + f.sy(s.data.y[index])];
            }""",
            [index, corner],
        )
    )


def click_map(page: Page, which: int, *, index: int | None = None, corner: bool = False) -> None:
    """Click a digit's dot (or the empty corner) of one of the explorer's maps."""
    page.mouse.click(*map_position(page, which, index=index, corner=corner))


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
