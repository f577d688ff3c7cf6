"""The digit picker in a real browser: an uploaded photo is prepared (and previewed as taken), a drawn stroke is
prepared, a tap is explained and clearing the canvas drops the drawing, a gallery thumbnail chooses its digit, a
file over the limit gets one plain message."""

import pytest
from playwright.sync_api import Page, expect

from labtools.browser import (
    errors_on,
    image_src,
    open_page,
    settle,
)
from labtools.samples import photo_bytes

pytestmark = pytest.mark.browser  # drives Chromium against a served app


def source(page: Page, which: str) -> None:
    page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"] button').filter(has_text=which).first.click()
    settle(page)


def photo_file(tmp_path) -> str:
    path = tmp_path / "digit-photo.jpg"
    path.write_bytes(photo_bytes("JPEG"))
    return str(path)


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
