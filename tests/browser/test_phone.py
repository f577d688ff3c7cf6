"""Every page on a phone (390×844, touch): nothing wider than the screen, no error, pictures compared side by
side, tap targets of at least 24 px, and the digit chosen by touch."""

import pytest
from playwright.sync_api import Browser, Page, expect

from aemodels_app.pages import registry
from labtools.browser import errors_on, settle

pytestmark = pytest.mark.browser  # drives Chromium against a served app

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
PAGES = [p.url for p in registry().values()]


@pytest.fixture(scope="module")
def phone(browser: Browser):
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_a_page_fits_a_phone(phone: Page, app_url, screenshots, path):
    phone.goto(f"{app_url}/{path}")
    settle(phone)
    expect(phone.locator("h1").first).to_be_visible(timeout=60_000)
    width, screen = phone.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width <= screen + 1, f"the page is {width} px wide on a {screen} px screen"
    assert errors_on(phone) == []
    button = phone.locator('[data-testid="stExpandSidebarButton"]')
    expect(button).to_contain_text("")  # present; its label comes from CSS (::after)
    box = button.bounding_box()
    assert box is not None and box["height"] >= 24 and box["width"] >= 100  # labelled, not a bare "»"
    phone.screenshot(path=str(screenshots / f"phone-{path or 'start'}.png"), full_page=False)


def test_pictures_stay_side_by_side_on_a_phone(phone: Page, app_url):
    phone.goto(f"{app_url}/denoise")
    settle(phone)
    images = phone.locator('[class*="st-key-pictures-denoise"] [data-testid="stImage"] img')
    expect(images.first).to_be_visible(timeout=60_000)
    boxes = [images.nth(i).bounding_box() for i in range(images.count())]
    assert len(boxes) == 5 and all(b is not None for b in boxes)
    tops = {round(b["y"]) for b in boxes if b}
    assert len(tops) == 1, f"the five pictures are stacked, not side by side: tops {sorted(tops)}"
    assert max(b["x"] + b["width"] for b in boxes if b) <= 390
    thumbs = phone.locator('[data-testid="stSlider"] input[type="range"]').locator("xpath=../..")  # the thumb
    assert thumbs.count() >= 1
    for i in range(thumbs.count()):
        box = thumbs.nth(i).bounding_box()
        assert box is not None and box["height"] >= 24 and box["width"] >= 24


def test_choose_a_digit_by_touch(phone: Page, app_url):
    phone.goto(f"{app_url}/reconstruct")
    settle(phone)
    phone.locator('[data-testid="stExpandSidebarButton"]').tap()
    thumb = phone.locator('[data-testid="stSidebar"] .gallery button[data-index="6"]')
    thumb.wait_for(timeout=60_000)
    thumb.tap()
    settle(phone)
    expect(phone.get_by_text("Input: test digit #6 (a 4)").first).to_be_attached(timeout=60_000)
    assert "digit=6" in phone.url and errors_on(phone) == []
