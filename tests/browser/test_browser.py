"""The app in a real browser: every page renders with no error element, and each page's main interaction works
where only a browser can exercise it (live dragging, uploads, the drawing canvas, clicking a scatter point)."""

import pytest
import torch
from playwright.sync_api import Page, expect

from aemodels import load_pretrained
from labtools.browser import (
    MAPS,
    click_map,
    errors_on,
    image_src,
    map_position,
    open_page,
    settle,
    sidebar_choice,
)
from labtools.samples import photo_bytes
from labtools.screenshots import PAGES

pytestmark = pytest.mark.browser  # drives Chromium against a served app

SLIDER_MODELS = ["vae16", "ae16", "vae2", "ae2"]


def source(page: Page, which: str) -> None:
    page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"] button').filter(has_text=which).first.click()
    settle(page)


def photo_file(tmp_path) -> str:
    path = tmp_path / "digit-photo.jpg"
    path.write_bytes(photo_bytes("JPEG"))
    return str(path)


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_without_error(page: Page, app_url, screenshots, name):
    open_page(page, app_url, PAGES[name])
    expect(page.locator("h1").first).to_be_visible()
    assert errors_on(page) == []
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


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


def test_upload_photo_then_prepared_and_denoised(page: Page, app_url, screenshots, tmp_path):
    open_page(page, app_url, "denoise")
    denoised = image_src(page, "Denoising AE")
    source(page, "Upload")
    page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(photo_file(tmp_path))
    settle(page)
    image_src(page, "What the model receives")
    assert image_src(page, "Denoising AE") != denoised
    assert errors_on(page) == []
    page.screenshot(path=str(screenshots / "denoise-upload.png"), full_page=True)


def test_draw_a_stroke_and_it_is_prepared(page: Page, app_url, screenshots):
    open_page(page, app_url, "reconstruct")
    source(page, "Draw")
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(timeout=60_000)
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    for step in range(1, 25):  # a "1": a vertical stroke
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * (0.15 + step * 0.03))
    page.mouse.up()
    settle(page)
    image_src(page, "What the model receives")
    assert errors_on(page) == []
    page.screenshot(path=str(screenshots / "reconstruct-draw.png"), full_page=True)


def test_click_a_dot_of_the_map_shows_its_digit(page: Page, app_url, screenshots):
    open_page(page, app_url, "explorer")
    click_map(page, 0, index=40)
    settle(page)
    caption = page.locator('[data-testid="stImageCaption"]').filter(has_text="Test digit #40").first
    expect(caption).to_be_visible(timeout=60_000)
    assert errors_on(page) == []
    assert "selected=40" in page.url
    # The click is marked in both maps, by the maps themselves: neither rebuilds its dots (the page's answer brings
    # the same points; only the mark is drawn again), and both stay the same elements.
    maps = page.locator(MAPS)
    assert maps.count() == 2
    assert [maps.nth(i).get_attribute("data-builds") for i in range(2)] == ["1", "1"]
    assert [maps.nth(i).evaluate("el => el.__scatter.marked") for i in range(2)] == [40, 40]
    page.screenshot(path=str(screenshots / "explorer-clicked.png"), full_page=True)


def test_click_an_empty_spot_of_the_plane_decodes_it(page: Page, app_url, screenshots):
    open_page(page, app_url, "explorer")
    click_map(page, 0, corner=True)
    settle(page)
    heading = page.locator("h2").filter(has_text="The decoder of ae2 at z = (").first
    expect(heading).to_be_visible(timeout=60_000)
    expect(page.get_by_text("this is a hole").first).to_be_visible()
    image_src(page, "D(z) at (")
    assert errors_on(page) == []
    page.screenshot(path=str(screenshots / "explorer-hole.png"), full_page=True)


def test_the_maps_legend_hides_a_class_and_the_view_zooms(page: Page, app_url):
    open_page(page, app_url, "explorer")
    chart = page.locator(MAPS).first
    chart.get_by_role("button", name="1", exact=True).click()
    assert chart.get_by_role("button", name="1", exact=True).get_attribute("aria-pressed") == "false"
    one = chart.evaluate("el => el.__scatter.data.labels.indexOf(1)")  # a 1 among the sample digits
    page.mouse.click(*map_position(page, 0, index=one))  # a hidden dot cannot be clicked (the plane's spot is)
    settle(page)
    assert chart.evaluate("el => el.__scatter.marked") != one and f"selected={one}" not in page.url
    before = chart.evaluate("el => el.__scatter.frame.range")
    chart.get_by_role("button", name="Zoom in").click()
    after = chart.evaluate("el => el.__scatter.frame.range")
    assert after[1] - after[0] < before[1] - before[0]
    chart.get_by_role("button", name="Reset the view").click()
    assert chart.evaluate("el => el.__scatter.frame.range") == before
    assert errors_on(page) == []


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


def test_a_gallery_thumbnail_chooses_its_digit(page: Page, app_url):
    open_page(page, app_url, "reconstruct")
    page.locator('[data-testid="stSidebar"] .gallery button[data-index="5"]').click()
    settle(page)
    expect(page.get_by_text("Input: test digit #5 (a 1)").first).to_be_visible(timeout=60_000)
    assert "digit=5" in page.url
    expect(page.locator('.gallery button.selected[data-index="5"]')).to_be_visible()


def draw_stroke(page: Page, points: list[tuple[float, float]]) -> None:
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(timeout=60_000)
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * points[0][0], box["y"] + box["height"] * points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * y)
    page.mouse.up()
    settle(page)


def test_a_tap_is_explained_and_clearing_the_canvas_drops_the_drawing(page: Page, app_url, screenshots):
    open_page(page, app_url, "reconstruct")
    source(page, "Draw")
    draw_stroke(page, [(0.5, 0.5)])  # a single tap: one dot
    expect(page.get_by_text("That is a dot, not a digit").first).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Input: test digit #0 (a 7), until yours is ready").first).to_be_visible()
    page.locator('button[title="Reset canvas & history"]').first.click()
    settle(page)
    draw_stroke(page, [(0.5, 0.15 + 0.03 * step) for step in range(25)])  # a "1"
    expect(page.get_by_text("Input: your drawing").first).to_be_visible(timeout=60_000)
    page.locator('button[title="Reset canvas & history"]').first.click()
    settle(page)
    expect(page.get_by_text("The canvas is empty: draw a digit").first).to_be_visible(timeout=60_000)
    expect(page.get_by_text("until yours is ready").first).to_be_visible()  # the cleared drawing is not used
    assert errors_on(page) == []
    page.screenshot(path=str(screenshots / "draw-cleared.png"), full_page=True)


def test_a_file_over_the_limit_gets_one_plain_message_every_time(page: Page, app_url, tmp_path):
    open_page(page, app_url, "denoise")
    source(page, "Upload")
    big = tmp_path / "huge-photo.jpg"
    big.write_bytes(photo_bytes("JPEG") + b"\0" * (11 * 2**20))  # a JPEG with 11 MB of padding
    uploader = page.locator('[data-testid="stSidebar"] input[type="file"]')
    for _ in range(2):  # every time, not only the first
        uploader.set_input_files(str(big))
        settle(page)
        message = page.locator('[data-testid="stAlertContentError"]')
        expect(message).to_have_count(1, timeout=60_000)
        expect(message.first).to_contain_text("“huge-photo.jpg” is 11 MB; the limit is 10 MB.")
        assert page.locator('[data-testid="stFileUploaderFile"]').count() == 0  # the refused file is not listed
    uploader.set_input_files(photo_file(tmp_path))  # the next good file works and the message goes
    settle(page)
    image_src(page, "What the model receives")
    assert errors_on(page) == []


def test_the_upload_preview_shows_the_photo_as_taken(page: Page, app_url, tmp_path):
    from PIL import Image

    upright = Image.new("RGB", (300, 600), (245, 238, 220))  # cream paper, taller than wide as taken
    upright.paste((30, 60, 200), (120, 100, 180, 500))  # blue ink
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: "rotate 90° clockwise to view"
    path = tmp_path / "phone-photo.jpg"
    upright.transpose(Image.Transpose.ROTATE_90).save(path, format="JPEG", exif=exif.tobytes(), quality=95)
    open_page(page, app_url, "reconstruct")
    source(page, "Upload")
    page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(str(path))
    settle(page)
    preview = (
        page.locator('[data-testid="stImageContainer"]')
        .filter(has=page.locator('[data-testid="stImageCaption"]', has_text="Your upload"))
        .first.locator("img")
    )
    preview.wait_for(timeout=60_000)
    width, height, blue = preview.evaluate(
        """(img) => {
          const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
          const g = c.getContext('2d'); g.drawImage(img, 0, 0);
          const d = g.getImageData(0, 0, c.width, c.height).data; let blue = 0;
          for (let i = 0; i < d.length; i += 4) if (d[i + 2] - d[i] > 80) blue++;
          return [img.naturalWidth, img.naturalHeight, blue];
        }"""
    )
    assert height > width, "the preview is upright, as the photo was taken"
    assert blue > 100, "the preview is in colour: the ink is blue"
    left, right = (
        page.locator('[data-testid="stSidebar"] [data-testid="stImageContainer"]').nth(i).bounding_box() for i in (0, 1)
    )
    assert left and right and left["x"] + left["width"] <= right["x"] + 1  # preview and prepared digit do not overlap
    assert errors_on(page) == []


def test_the_chart_module_loads_while_a_page_without_charts_is_idle(page: Page, app_url):
    """components/preload.js: on the Start page (no chart), the browser fetches and runs Streamlit's Plotly module
    once idle, so the first chart page does not wait for it; then opening a chart page fetches it no more."""
    open_page(page, app_url, "")
    assert page.locator(".js-plotly-plot").count() == 0
    page.wait_for_function("() => window.__aemodelsPreloaded && window.__aemodelsPreloaded.startsWith('PlotlyChart.')")
    page.wait_for_function(
        "() => performance.getEntriesByType('resource').some(e => e.name.includes('/static/js/PlotlyChart.'))",
        timeout=15_000,
    )
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Anomaly detection").first.click()
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=60_000)
    fetched = page.evaluate(
        "() => performance.getEntriesByType('resource').filter(e => e.name.includes('/static/js/PlotlyChart.')).length"
    )
    assert fetched == 1
