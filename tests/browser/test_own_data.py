"""Your own data and your own model in a real browser (issue 25): a zip of pictures uploaded, previewed, trained and
the model used on Reconstruction and Sampling; a Fashion-MNIST training; the downloaded checkpoint uploaded again in
a fresh session and used; a hostile zip's entries skipped with plain, inert notes."""

import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from labtools.browser import errors_on, image_src, open_page, settle, sidebar_choice
from labtools.samples import picture_zip

pytestmark = pytest.mark.browser  # drives Chromium against a served app

PICTURES = ".st-key-train_pictures input[type='file']"
CHECKPOINT = ".st-key-train_checkpoint input[type='file']"
LIVE = "a, img, strong, em, code"
TINY = "train?data={data}&steps=500&d=2"  # a small MLP, the fewest steps the page offers


def segment(page: Page, label: str) -> None:
    page.locator("[data-testid='stButtonGroup'] button").filter(has_text=label).first.click()
    settle(page)


def train_until_usable(page: Page, pictures: str) -> None:
    """Start, and wait until the live view shows reconstructions of held-out `pictures`."""
    page.get_by_role("button", name="Start", exact=True).click()
    image_src(page, f"Eight held-out {pictures}", timeout=120_000)
    expect(page.get_by_role("button", name="Use it on the other pages")).to_be_enabled(timeout=60_000)


def use_it(page: Page) -> None:
    page.get_by_role("button", name="Use it on the other pages").click()
    settle(page)
    expect(page.get_by_text("is now in the model choices").first).to_be_visible(timeout=30_000)


def go(page: Page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    settle(page)


@pytest.fixture(scope="module")
def downloaded(tmp_path_factory) -> dict[str, Path]:
    """Where the pictures test leaves the checkpoint it downloaded, for the fresh-session test."""
    return {}


@pytest.mark.slow  # a training of a few hundred steps
def test_a_zip_of_pictures_is_previewed_trained_and_used_on_reconstruction_and_sampling(
    page: Page, app_url, screenshots, tmp_path, downloaded
):
    open_page(page, app_url, TINY.format(data="pictures"))
    expect(page.get_by_text("Upload a zip of pictures").first).to_be_visible(timeout=30_000)
    page.locator(PICTURES).set_input_files(
        {"name": "my-digits.zip", "mimeType": "application/zip", "buffer": picture_zip()}
    )
    settle(page)
    grid = image_src(page, "What the model will see: 64 (spread over the set) of your 140 pictures")
    assert "/media/" in grid
    expect(page.get_by_text("Classes: 0 (70), 1 (70)")).to_be_visible()
    expect(page.get_by_text("your pictures (my-digits.zip), 119 to train on").first).to_be_visible()
    assert errors_on(page) == []
    page.screenshot(path=str(screenshots / "train-own-pictures.png"), full_page=True)
    # The preparation is the user's choice, and the grid follows it.
    page.get_by_text("Plain grey resize").click()
    settle(page)
    assert image_src(page, "plain grey resize") != grid

    train_until_usable(page, "pictures")
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download (safetensors + JSON)").click()
    path = tmp_path / "my_autoencoder.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["mine.items.safetensors", "mine.json", "mine.safetensors"]
    downloaded["pictures"] = path
    use_it(page)

    go(page, "Reconstruction")
    own = page.locator('[data-testid="stImageCaption"]').filter(has_text="its input, item #0 of its own held-out")
    expect(own.first).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Your model knows").first).to_contain_text("your pictures (my-digits.zip)")
    image_src(page, ": reconstruction")
    assert errors_on(page) == []

    go(page, "Sampling")
    sidebar_choice(page, "VAE", "your model")
    image_src(page, ": a mixture fitted to its codes", timeout=60_000)
    image_src(page, ": uniform random codes")
    expect(page.get_by_text("Fitted here to its codes of its 21 held-out items").first).to_be_visible()
    assert errors_on(page) == []


@pytest.mark.slow  # a training of a few hundred steps
def test_a_downloaded_checkpoint_uploaded_again_in_a_fresh_session_is_used(browser: Browser, app_url, downloaded):
    path = downloaded.get("pictures")
    if path is None:
        pytest.skip("the pictures test downloads the checkpoint this one uploads; run both")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # a fresh session: nothing of the last
    page = context.new_page()
    try:
        open_page(page, app_url, "train")
        page.locator(CHECKPOINT).set_input_files(str(path))
        settle(page)
        success = page.locator('[data-testid="stAlertContentSuccess"]').first
        expect(success).to_contain_text("is now your model on every page", timeout=60_000)
        assert "it knows your pictures (my-digits.zip)" in success.inner_text()
        go(page, "Reconstruction")
        own = page.locator('[data-testid="stImageCaption"]').filter(has_text="its input, item #0 of its own held-out")
        expect(own.first).to_be_visible(timeout=60_000)
        assert errors_on(page) == []
        # A tampered copy gets one plain sentence.
        open_page(page, app_url, "train")
        with zipfile.ZipFile(path) as archive:
            files = {name: archive.read(name) for name in archive.namelist()}
        weights = bytearray(files["mine.safetensors"])
        weights[-1] ^= 1
        page.locator(CHECKPOINT).set_input_files(
            [
                {"name": "mine.json", "mimeType": "application/json", "buffer": files["mine.json"]},
                {"name": "mine.safetensors", "mimeType": "application/octet-stream", "buffer": bytes(weights)},
            ]
        )
        settle(page)
        error = page.locator('[data-testid="stAlertContentError"]').first
        expect(error).to_contain_text("does not match the sha256 its JSON records", timeout=60_000)
    finally:
        context.close()


@pytest.mark.slow  # a training of a few hundred steps
def test_a_fashion_mnist_training_is_used_on_its_own_items(page: Page, app_url, fashion_installed, screenshots):
    open_page(page, app_url, TINY.format(data="fashion"))
    expect(page.get_by_text("Clothes in ten classes").first).to_be_visible(timeout=60_000)
    train_until_usable(page, "items")
    use_it(page)
    page.screenshot(path=str(screenshots / "train-fashion.png"), full_page=True)
    go(page, "Latent sliders")
    sidebar_choice(page, "Model", "your model")
    expect(page.get_by_text("Starting point: item #0 of its own held-out Fashion-MNIST (Ankle boot)")).to_be_visible(
        timeout=60_000
    )
    assert errors_on(page) == []


def test_a_hostile_zip_is_skipped_entry_by_entry_with_inert_notes(page: Page, app_url):
    buffer = io.BytesIO()
    pictures = zipfile.ZipFile(io.BytesIO(picture_zip(per_class=3)))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in pictures.namelist():
            archive.writestr(name, pictures.read(name))
        archive.writestr("../../etc/evil.png", pictures.read(pictures.namelist()[0]))
        archive.writestr("bomb.png", b"\0" * (20 * 2**20))  # 20 MB of zeros in 20 kB
        archive.writestr("inner.zip", picture_zip(per_class=1))
        archive.writestr("**bold**[link](http://e.vil).txt", b"not a picture")
    open_page(page, app_url, "train?data=pictures")
    page.locator(PICTURES).set_input_files(
        {"name": "mixed.zip", "mimeType": "application/zip", "buffer": buffer.getvalue()}
    )
    settle(page)
    image_src(page, "What the model will see: 6 (spread over the set) of your 6 pictures")
    expect(page.get_by_text("6 pictures could be used; at least 120 are needed to train")).to_be_visible()
    page.get_by_text("4 files skipped, and why").click()
    notes = page.locator('[data-testid="stExpander"]').filter(has_text="files skipped").first
    expect(notes).to_contain_text("climbs out of its folder")
    text = notes.inner_text().replace("\u2060", "")
    assert "bomb.png: it unpacks to 20 MB; the limit per picture is 10 MB" in text
    assert "inner.zip: an archive inside the zip is not opened" in text
    assert "**bold**[link](http://e.vil).txt: This file is not an image we can read" in text
    assert notes.locator('[data-testid="stMarkdownContainer"]').locator(LIVE).count() == 0
    assert page.get_by_role("button", name="Start", exact=True).count() == 0  # too few to train: nothing starts
    assert errors_on(page) == []
