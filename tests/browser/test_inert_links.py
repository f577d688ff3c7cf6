"""What a user supplies is inert text in a real browser (issue 27, point 1): a link whose values and names are
Markdown makes no link, no image and no request to another host (a loopback listener the test starts stands in
for it), and an uploaded file's Markdown-like name shows as typed."""

import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Locator, Page, expect

from labtools.browser import SIDEBAR, errors_on, open_page, settle
from labtools.samples import photo_bytes

pytestmark = pytest.mark.browser  # drives Chromium against a served app

LIVE = "a, img, strong, em, del, code, h1, h2, h3, h4, h5, h6, ol, blockquote, .katex, [role=img], span[style]"
HOSTILE_NAME = "**x**[a](http://e).png"


@pytest.fixture
def foreign_host() -> Iterator[tuple[str, list[str]]]:
    """(its address, the paths asked of it so far): an HTTP listener on loopback standing in for another host."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", asked
    server.shutdown()
    server.server_close()


def read(box: Locator) -> str:
    return box.inner_text().replace("\u2060", "")  # the word joiners that break bare URLs are invisible


def test_a_link_with_markdown_values_and_names_makes_no_link_no_image_and_no_request(page: Page, app_url, foreign_host):
    host, asked = foreign_host
    query = {
        "digit": f"![x]({host}/track.png)",
        "class": f"[Session expired - log in again]({host}/phish)",
        f"![y]({host}/key.png)": "1",
        "source": f"{host}/bare www.evil.example user@evil.example :streamlit: :red[alarm] $x^2$ **bold**",
    }
    open_page(page, app_url, "reconstruct?" + urllib.parse.urlencode(query))
    box = page.locator('[data-testid="stAlertContentInfo"]').filter(has_text="ignored").first
    expect(box).to_be_visible(timeout=60_000)
    page.wait_for_timeout(1500)  # time enough for an image to be asked for
    assert asked == []
    assert box.locator(LIVE).count() == 0, box.inner_html()
    assert box.locator("li").count() == len(query)  # one note each, none split into more
    for name, value in query.items():
        assert (name if value == "1" else value) in read(box)
    assert errors_on(page) == []


def test_an_uploaded_file_named_like_markdown_shows_as_typed(page: Page, app_url, tmp_path):
    open_page(page, app_url, "reconstruct")
    page.locator(f"{SIDEBAR} [data-testid='stButtonGroup'] button").filter(has_text="Upload").first.click()
    settle(page)
    uploader = page.locator(f"{SIDEBAR} input[type='file']")
    uploader.set_input_files({"name": HOSTILE_NAME, "mimeType": "image/jpeg", "buffer": photo_bytes("JPEG")})
    settle(page)
    caption = page.locator('[data-testid="stImageCaption"]').filter(has_text="Input: your upload").first
    expect(caption).to_be_visible(timeout=60_000)
    assert read(caption) == f"Input: your upload ({HOSTILE_NAME})"
    assert caption.locator(LIVE).count() == 0, caption.inner_html()
    # A file over the limit is refused in the browser, and the message quotes its name
    big = photo_bytes("JPEG") + b"\0" * (11 * 2**20)
    uploader.set_input_files({"name": HOSTILE_NAME, "mimeType": "image/jpeg", "buffer": big})
    settle(page)
    message = page.locator('[data-testid="stAlertContentError"]').first
    expect(message).to_contain_text("the limit is 10 MB", timeout=60_000)
    assert f"“{HOSTILE_NAME}” is 11 MB; the limit is 10 MB." in read(message)
    assert message.locator(LIVE).count() == 0, message.inner_html()
