"""The app's state in a real browser: the digit follows the user through the sidebar's navigation, and the URL
restores the view after a reload and in a new browser."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from labtools.browser import digit_index_box, errors_on, image_src, open_page, settle, sidebar_choice
from labtools.samples import photo_bytes

pytestmark = pytest.mark.browser  # drives Chromium against a served app


def nav(page: Page, title: str) -> None:
    """Switch pages as a user does: a click in the sidebar's navigation (no reload)."""
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    page.locator("h1").filter(has_text=title.split()[0]).first.wait_for(timeout=60_000)
    settle(page)


def caption(page: Page, text: str) -> None:
    expect(page.get_by_text(text).first).to_be_visible(timeout=60_000)


def test_an_upload_follows_the_user_through_three_pages(page: Page, app_url, tmp_path: Path, screenshots):
    open_page(page, app_url, "reconstruct")
    page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"] button').filter(
        has_text="Upload"
    ).first.click()
    settle(page)
    photo = tmp_path / "my-seven.jpg"
    photo.write_bytes(photo_bytes("JPEG", index=0))
    page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(str(photo))
    settle(page)
    caption(page, "Input: your upload (my-seven.jpg)")
    prepared = image_src(page, "What the model receives")
    for title, shown in [
        ("Denoising", "What the model receives"),
        ("Latent sliders", "Starting point: your upload (my-seven.jpg)"),
        ("Manifold geometry", "at your upload (my-seven.jpg)"),
        ("Reconstruction", "Input: your upload (my-seven.jpg)"),
    ]:
        nav(page, title)
        caption(page, shown)
        assert errors_on(page) == [], title
    assert image_src(page, "What the model receives") == prepared  # the same prepared digit, not a new one
    page.screenshot(path=str(screenshots / "state-upload-follows.png"), full_page=True)


def choose_digit(page: Page, index: int) -> None:
    box = digit_index_box(page)
    box.fill(str(index))
    box.press("Enter")
    settle(page)


def test_a_reload_and_a_new_browser_show_the_same_view(page: Page, app_url, browser: Browser):
    open_page(page, app_url, "manifold")
    choose_digit(page, 42)
    sidebar_choice(page, "Model", "linear16 —")
    caption(page, "Tangent directions of linear16 at test digit #42")
    assert "digit=42" in page.url and "model=linear16" in page.url
    before = {c: image_src(page, c) for c in ("The digit", "the point on the manifold", "∂D/∂z_j as images")}
    url = page.url
    page.reload()
    settle(page)
    assert {c: image_src(page, c) for c in before} == before
    assert page.url == url
    fresh = browser.new_context(viewport={"width": 1400, "height": 1000})
    other = fresh.new_page()
    other.goto(url)
    settle(other)
    assert {c: image_src(other, c) for c in before} == before  # the same pictures in a browser with no session
    assert errors_on(other) == []
    fresh.close()


def test_a_hostile_link_gets_notes_not_errors(page: Page, app_url):
    open_page(page, app_url, "latent?model=evil&digit=99999&z=" + "9," * 3000 + "&level=abc")
    notes = page.locator('[data-testid="stAlertContentInfo"]').filter(has_text="ignored").first
    expect(notes).to_be_visible(timeout=60_000)
    text = notes.inner_text()
    assert "evil" in text and "99999 is outside" in text and "“level” is not a setting of this page" in text
    assert errors_on(page) == []


def test_a_link_streamlit_reads_none_of_is_named_and_leaves_the_address_bar(page: Page, app_url):
    """Over 1,000 parameters Streamlit drops the whole query, saying so only in its log (issue 36.7): the page is
    loaded again with ?dropped=N (components/history.js), named in the note, and the address bar keeps none."""
    open_page(page, app_url, "reconstruct?digit=5&" + "&".join(f"p{i}=1" for i in range(1200)))
    notes = page.locator('[data-testid="stAlertContentInfo"]').filter(has_text="ignored").first
    expect(notes).to_be_visible(timeout=60_000)
    assert "the link has 1,201 settings" in notes.inner_text() and "none of its settings was read" in notes.inner_text()
    expect(page).to_have_url(f"{app_url}/reconstruct", timeout=30_000)
    assert errors_on(page) == []


def test_the_link_to_this_view_follows_a_fragments_settings(page: Page, app_url):
    """The noise level is set in a fragment (its run does not reach the router): the URL and the sidebar's link
    carry the new level all the same, and the link restores it."""
    open_page(page, app_url, "denoise")
    thumb = page.locator('[data-testid="stMain"] [data-testid="stSlider"] input[type=range]').first
    thumb.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    settle(page)
    page.wait_for_function("new URLSearchParams(location.search).get('level') === '0.45'", timeout=30_000)
    page.get_by_role("button", name="Link to this view").first.click()
    link = page.get_by_role("textbox", name="Link to this view")
    expect(link).to_have_value(page.url, timeout=10_000)
    assert "level=0.45" in link.input_value() and "/denoise" in link.input_value()
    other = page.context.new_page()
    other.goto(link.input_value())
    settle(other)
    expect(other.locator('[data-testid="stMain"] [data-testid="stSlider"]').first).to_contain_text("0.45")
    assert errors_on(other) == []
    other.close()


def test_the_links_copy_button_copies_it_or_selects_it_where_the_clipboard_is_refused(page: Page, app_url):
    open_page(page, app_url, "reconstruct")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    page.get_by_role("button", name="Link to this view").first.click()
    copy = page.get_by_role("button", name="Copy")
    copy.click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible(timeout=10_000)
    assert page.evaluate("navigator.clipboard.readText()") == page.url
    expect(page.get_by_role("button", name="Copy")).to_be_visible(timeout=10_000)  # and back, for the next copy
    # A browser that refuses the clipboard (plain http from another machine): the link is selected instead.
    page.evaluate("() => { navigator.clipboard.writeText = () => Promise.reject(new DOMException('refused')); }")
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Press Ctrl+C")).to_be_visible(timeout=10_000)
    link = page.get_by_role("textbox", name="Link to this view")
    selected = link.evaluate("input => input.value.slice(input.selectionStart, input.selectionEnd)")
    assert selected == page.url and link.evaluate("input => input.getRootNode().activeElement === input")


def test_back_leaves_each_page_with_one_press(page: Page, app_url):
    """Issue 27.4a: a page switch pushed the new page's path (Streamlit drops the query string on a switch) and then
    the same path with the query the server writes: Back after Reconstruction -> Denoising -> Sampling -> Explorer
    needed two presses to leave Sampling. Now each switch is one entry, a new digit is still one of its own, and
    Back and Forward walk them with the digit in each."""
    open_page(page, app_url, "reconstruct")
    before = page.evaluate("history.length")
    choose_digit(page, 42)
    assert page.evaluate("history.length") == before + 1  # a new digit: an entry of its own
    for title in ("Denoising", "Sampling", "Latent explorer"):
        nav(page, title)
        page.wait_for_function("new URLSearchParams(location.search).get('digit') === '42'", timeout=30_000)
    assert page.evaluate("history.length") == before + 4, page.evaluate("history.length") - before
    for path, title in (("/sample", "Sampling"), ("/denoise", "Denoising"), ("/reconstruct", "Reconstruction")):
        page.go_back()
        page.locator("h1").filter(has_text=title).first.wait_for(timeout=60_000)
        settle(page)
        assert page.evaluate("location.pathname + location.search") == f"{path}?digit=42"
    page.go_forward()
    page.locator("h1").filter(has_text="Denoising").first.wait_for(timeout=60_000)
    settle(page)
    assert page.evaluate("location.pathname + location.search") == "/denoise?digit=42"
    assert errors_on(page) == []


def test_a_query_written_before_a_switch_reaches_the_path_moves_to_the_new_page_in_one_entry(page: Page, app_url):
    """What a busy browser does with a switch the server makes (a lesson's Start, Next or Back): Streamlit writes
    the new page's query onto the old page's path and then pushes the new path, without the query when React has
    not yet stored it. The two pushes make one entry, on the new path, with the query. A link the user clicks in
    between is a switch of the user's own: left as it is."""
    open_page(page, app_url, "reconstruct")
    before = page.evaluate("history.length")
    raced = page.evaluate(
        """() => {
            history.pushState({}, "", "/reconstruct?digit=7");
            history.pushState({}, "", "/denoise");
            return location.pathname + location.search;
        }"""
    )
    assert raced == "/denoise?digit=7"
    assert page.evaluate("history.length") == before + 1
    page.evaluate('() => history.pushState({}, "", "/denoise?digit=8")')
    page.locator("h1").first.click()  # the user's own input: what follows is not Streamlit's half of a switch
    switched = page.evaluate(
        '() => { history.pushState({}, "", "/sample"); return location.pathname + location.search; }'
    )
    assert switched == "/sample"
    assert page.evaluate("history.length") == before + 3
