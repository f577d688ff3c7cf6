"""Lessons in a real browser: each shipped lesson walked from the Start page to its end (every step renders without
an error, Next changes the view, a reload keeps the step, Back returns), and a hand-written lesson file uploaded in
the sidebar and played."""

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from aemodels_app.lessons import SHIPPED, shipped
from aemodels_app.pages import registry
from aemodels_app.ui import lesson as player
from labtools.browser import SIDEBAR, errors_on, open_page, settle

pytestmark = pytest.mark.browser  # drives Chromium against a served app

PANEL = f".st-key-{player.PANEL}"

HAND_WRITTEN = """\
title = "Pushes <b>and</b> noise"

[[steps]]
page = "manifold"
digit = 3
text = "A push of size 2 along the manifold and away from it. [Not a link](http://evil.example)"
try = "Move the push size."
[steps.settings]
model = "dae"
eps = 2

[[steps]]
page = "denoise"
digit = 3
text = "Occlusion: a square of the digit blacked out."
settings = { noise = "occlusion", level = 10 }

[[steps]]
page = "reconstruct"
text = "Only the 2-d AE, on your own digit."
settings = { models = "ae2", bogus = 1 }
"""


def query(page: Page) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlparse(page.url).query).items()}


def path(page: Page) -> str:
    return urlparse(page.url).path.strip("/")


def at_step(page: Page, number: int, total: int) -> None:
    expect(page.locator(PANEL)).to_contain_text(f"Step {number} of {total}", timeout=60_000)
    settle(page)
    assert errors_on(page) == [], (number, page.url)


def press(page: Page, label: str) -> None:
    page.locator(PANEL).locator("button").filter(has_text=label).first.click()
    settle(page)


@pytest.mark.parametrize("name", SHIPPED)
def test_a_shipped_lesson_is_walked_from_the_start_page_to_its_end_and_back(page: Page, app_url, name):
    lesson = shipped(name)
    total = len(lesson.steps)
    open_page(page, app_url, "")
    page.locator(f".st-key-{player.start_key(name)} button").click()
    urls: list[str] = []
    for number, step in enumerate(lesson.steps, start=1):
        if number > 1:
            press(page, "Next")
        at_step(page, number, total)
        assert path(page) == registry()[str(step.page)].url, number
        assert query(page)["lesson"] == name and query(page).get("step", "1") == str(number)
        assert not urls or page.url != urls[-1], number  # Next changed the view
        urls.append(page.url)
        if number in (2, total):  # a reload opens the same step, with the same view
            page.reload()
            at_step(page, number, total)
            assert page.url == urls[-1]
    expect(page.locator(PANEL).locator("button").filter(has_text="Next")).to_be_disabled()
    press(page, "Back")
    at_step(page, total - 1, total)
    assert page.url == urls[-2]


def test_a_lesson_started_in_a_slow_browser_keeps_its_link_and_one_history_entry(page: Page, app_url):
    """The browser's CPU slowed 40 times (as under a loaded machine): Streamlit's frontend then wrote the lesson's
    query onto the Start page's path before it moved to the step's page, and pushed that page's path without it
    (the link lost the lesson, and the history held an entry more). components/history.js mends it."""
    open_page(page, app_url, "")
    before = page.evaluate("history.length")
    slow = page.context.new_cdp_session(page)
    slow.send("Emulation.setCPUThrottlingRate", {"rate": 40})
    try:
        page.locator(f".st-key-{player.start_key('pca_to_vae')} button").click()
        at_step(page, 1, len(shipped("pca_to_vae").steps))
        page.wait_for_timeout(1_000)  # the switch's late push, if any
    finally:
        slow.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    assert path(page) == "pca" and query(page).get("lesson") == "pca_to_vae", page.url
    assert page.evaluate("history.length") == before + 1
    page.go_back()
    settle(page)
    assert path(page) == "", page.url  # Back: the Start page, not a stray entry of the step's page


def test_a_hand_written_lesson_is_uploaded_and_played(page: Page, app_url, tmp_path: Path, screenshots):
    file = tmp_path / "pushes.toml"
    file.write_text(HAND_WRITTEN)
    open_page(page, app_url, "reconstruct")
    sidebar = page.locator(SIDEBAR)
    sidebar.locator('[data-testid="stExpander"]').filter(has_text="Lessons").first.locator("summary").click()
    settle(page)
    sidebar.get_by_text("Play a lesson file of your own").click()
    uploader = sidebar.locator('input[type="file"]')
    uploader.wait_for(state="attached", timeout=60_000)
    settle(page)
    uploader.set_input_files(str(file))
    at_step(page, 1, 3)
    panel = page.locator(PANEL)
    expect(panel).to_contain_text("Pushes <b>and</b> noise")  # shown as typed: no HTML, no link
    assert "[Not a link](http://evil.example)" in panel.inner_text().replace("\u2060", "")  # (an invisible joiner)
    assert panel.locator("a").count() == 0
    assert path(page) == "manifold" and query(page)["eps"] == "2" and query(page)["digit"] == "3"
    assert query(page)["lesson"].startswith("z.")  # the lesson rides in the link
    expect(page.get_by_text("Tangent directions of dae at test digit #3")).to_be_visible()
    press(page, "Next")
    at_step(page, 2, 3)
    assert path(page) == "denoise" and query(page)["noise"] == "occlusion" and query(page)["level"] == "10"
    url = page.url
    page.reload()
    at_step(page, 2, 3)
    assert page.url == url
    press(page, "Next")
    at_step(page, 3, 3)
    assert path(page) == "reconstruct" and query(page)["models"] == "ae2"
    expect(panel).to_contain_text("step 3: “bogus” is not a setting of the page reconstruct")
    page.screenshot(path=str(screenshots / "lesson-uploaded.png"))
    press(page, "Back")
    at_step(page, 2, 3)
    assert page.url == url
    press(page, "Leave the lesson")
    expect(page.locator(PANEL)).to_have_count(0)
    assert "lesson" not in query(page) and path(page) == "denoise"


def test_a_step_is_readable_on_a_phone(browser, app_url):
    """On a 390 px phone the step's panel is the top of the page, as wide as the screen at most, and its buttons
    are tap-sized; the Start page's offer fits too."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    phone = context.new_page()
    for address in ("?lesson=manifold&step=8", ""):
        phone.goto(f"{app_url}/{address}")
        settle(phone)
        width, screen = phone.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
        assert width <= screen + 1, (address, width)
        assert errors_on(phone) == []
    phone.goto(f"{app_url}/?lesson=manifold&step=8")
    at_step(phone, 8, 10)
    panel = phone.locator(PANEL).bounding_box()
    title = phone.locator("h1").first.bounding_box()
    assert panel and title and panel["y"] < title["y"] and panel["x"] + panel["width"] <= 390
    for button in phone.locator(PANEL).locator("button:visible").all():
        box = button.bounding_box()
        assert box and box["height"] >= 24 and box["x"] + box["width"] <= 390
    phone.locator(PANEL).locator("button").filter(has_text="Next").first.tap()
    at_step(phone, 9, 10)
    assert path(phone) == "denoise"
    context.close()
