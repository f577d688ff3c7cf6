"""Latent sliders in a real browser: live dragging redraws the digit in the page, the in-browser decoder matches
PyTorch's, and a click on a 2-d model's map sets the code."""

import pytest
import torch
from playwright.sync_api import Page

from aemodels import load_pretrained
from labtools.browser import (
    click_map,
    errors_on,
    image_src,
    open_page,
    settle,
    sidebar_choice,
)

pytestmark = pytest.mark.browser  # drives Chromium against a served app

SLIDER_MODELS = ["vae16", "ae16", "vae2", "ae2"]


def test_live_drag_redraws_while_dragging_and_reports_on_release(page: Page, app_url, screenshots):
    open_page(page, app_url, "latent")
    page.wait_for_selector(".live[data-ready=true]", timeout=60_000)
    digit = page.locator("canvas.digit")
    first = page.locator(".live input[type=range]").first
    before = digit.screenshot()
    box = first.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.2, y)
    page.mouse.down()
    for step in range(1, 30):
        page.mouse.move(box["x"] + box["width"] * (0.2 + step * 0.02), y)
    during = digit.screenshot()  # the button is still held: only the browser can have redrawn this
    assert during != before
    frames = page.evaluate("window.__aemodelsFrameTimes.length")
    assert frames >= 10, "the digit is redrawn on every input event while dragging"
    page.mouse.up()
    settle(page)
    released = page.locator(".live .value").first.inner_text()
    page.screenshot(path=str(screenshots / "latent-live.png"), full_page=True)
    # Python got the released code: the server's own sliders start from it.
    page.locator('[data-testid="stCheckbox"], [data-testid="stToggle"]').filter(has_text="Live dragging").first.click()
    settle(page)
    thumb = page.locator('[data-testid="stSliderThumbValue"]').first.inner_text()
    assert thumb == released
    assert errors_on(page) == []


@pytest.mark.parametrize("name", SLIDER_MODELS)
def test_browser_decoder_matches_pytorch(page: Page, app_url, name):
    open_page(page, app_url, "latent")
    if name != "vae16":
        sidebar_choice(page, "Model", f"{name} —")
    page.wait_for_function(f"window.aemodelsDecoders && window.aemodelsDecoders['{name}']", timeout=60_000)
    model = load_pretrained(name)
    codes = torch.randn(16, model.latent_dim, generator=torch.Generator().manual_seed(0)) * 1.5
    browser = torch.tensor(
        page.evaluate(f"(codes) => codes.map((z) => window.aemodelsDecoders['{name}'].decode(z))", codes.tolist())
    )
    with torch.inference_mode():
        expected = model.decode(codes).view(16, 784)
    assert browser.shape == expected.shape
    assert (browser - expected).abs().max().item() <= 1e-4


def test_click_the_latent_map_sets_the_code(page: Page, app_url):
    open_page(page, app_url, "latent?model=vae2")
    toggle = page.locator('[data-testid="stToggle"], [data-testid="stCheckbox"]').filter(has_text="Live dragging")
    toggle.first.click()
    settle(page)
    before = image_src(page, "Decoded from the sliders")
    click_map(page, 0, corner=True)  # an empty spot of the plane
    settle(page)
    assert image_src(page, "Decoded from the sliders") != before
    assert "z=" in page.url and errors_on(page) == []
