"""Training in a real browser: the page redraws by itself while a model trains, pauses, and the trained model is
then used on the Reconstruction page."""

import json
import zipfile

import pytest
from playwright.sync_api import Page, expect

from labtools.browser import errors_on, image_src, open_page, settle

pytestmark = pytest.mark.browser  # drives Chromium against a served app

PICTURES = "Eight held-out digits"


def test_training_redraws_by_itself_pauses_and_is_used_elsewhere(page: Page, app_url, screenshots):
    open_page(page, app_url, "train")
    page.get_by_role("button", name="Start", exact=True).click()
    seen = [image_src(page, PICTURES)]
    for _ in range(200):  # no input from here on: the page's own polling must bring new pictures
        page.wait_for_timeout(250)
        src = image_src(page, PICTURES)
        if src != seen[-1]:
            seen.append(src)
        if len(seen) >= 4:
            break
    assert len(seen) >= 4, f"the reconstructions changed {len(seen) - 1} times in 50 s without input"
    assert errors_on(page) == []
    page.screenshot(path=str(screenshots / "train-running.png"), full_page=True)
    page.get_by_role("button", name="Pause", exact=True).click()
    status = page.get_by_text("Paused", exact=False).first
    expect(status).to_be_visible(timeout=30_000)
    settle(page)
    paused = image_src(page, PICTURES)
    page.wait_for_timeout(1500)
    assert image_src(page, PICTURES) == paused, "a paused training does not move"
    page.get_by_role("button", name="Use it on the other pages").click()
    settle(page)
    expect(page.get_by_text("is now in the model choices")).to_be_visible(timeout=30_000)
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Reconstruction").first.click()
    settle(page)
    image_src(page, ": reconstruction")  # the shipped models' and yours
    caption = page.locator('[data-testid="stImageCaption"]').filter(has_text="yours-")
    expect(caption.first).to_be_visible(timeout=30_000)
    assert errors_on(page) == []


def redraws(page: Page, seconds: float = 60) -> bool:
    """Whether the live view's reconstructions change within `seconds`, with no input (its own polling)."""
    shown = image_src(page, PICTURES)
    for _ in range(int(seconds * 4)):
        page.wait_for_timeout(250)
        if image_src(page, PICTURES) != shown:
            return True
    return False


def test_the_model_is_used_and_downloaded_while_it_trains(page: Page, app_url, tmp_path):
    """Issue 27.3: "Use it" and the download were offered only by a full run of the page, so while the live view
    polled they stayed disabled or absent. Now both are offered once the first measures come, take the model as it
    is when clicked, and the live view goes on polling."""
    open_page(page, app_url, "train?steps=20000")  # long enough to be training still at the end
    page.get_by_role("button", name="Start", exact=True).click()
    use = page.get_by_role("button", name="Use it on the other pages")
    download = page.get_by_role("button", name="Download (safetensors + JSON)")
    expect(use).to_be_enabled(timeout=120_000)
    expect(download).to_be_enabled()
    assert redraws(page), "the live view does not redraw"  # so the job is past its first steps
    with page.expect_download(timeout=60_000) as got:
        download.click()
    path = tmp_path / "my_autoencoder.zip"
    got.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        record = json.loads(archive.read("mine.json"))
    assert record["training"]["steps"] > 0 and record["description"].endswith(f"{record['training']['steps']:,} steps")
    use.click()
    expect(page.get_by_text("is now in the model choices").first).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Training · step").first).to_be_visible()  # it trains on, and is not paused
    assert redraws(page), "the live view stopped redrawing after Use it"
    assert errors_on(page) == []
    page.get_by_role("button", name="Reset", exact=True).click()


def test_a_click_on_the_chosen_option_keeps_it_chosen(page: Page, app_url):
    """Issue 27.4h (found while chasing it): a click on the chosen "Train on" option unselected it, and the page put it
    back after its widget was drawn, which Streamlit refuses: the page showed an error. The choices are now
    required, so such a click does nothing; the sidebar's digit source too."""
    open_page(page, app_url, "train")
    active = 'button[data-variant="segmented_control"][aria-checked="true"]'
    for option in ("MNIST digits", "Test digit"):
        button = page.locator(active).filter(has_text=option)
        expect(button).to_have_count(1)
        button.click()
        settle(page)
        expect(page.locator(active).filter(has_text=option)).to_have_count(1)
    assert errors_on(page) == []
