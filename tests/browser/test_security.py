"""The server's security settings, read from .streamlit/config.toml and checked against the running app:
XSRF protection on, CORS not opened to other origins, the upload limit enforced by the server itself, error
details hidden, usage statistics off, and no request from the page to any host but ours."""

import tomllib
import urllib.error
import urllib.request

import pytest
from conftest import ROOT
from playwright.sync_api import Page

from labtools.browser import open_page

pytestmark = pytest.mark.browser  # drives Chromium against a served app

CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())


def request(url: str, *, method: str = "GET", data: bytes | None = None, headers: dict | None = None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers)
    except (ConnectionError, urllib.error.URLError):
        return None, {}  # the server refused the body outright (closed the connection)


def test_config_choices():
    assert CONFIG["server"]["enableXsrfProtection"] is True
    assert CONFIG["server"]["enableCORS"] is True  # Streamlit's name for "CORS protection on"
    assert CONFIG["server"]["maxUploadSize"] == 10
    assert CONFIG["client"]["showErrorDetails"] == "none"
    assert CONFIG["browser"]["gatherUsageStats"] is False


def test_cors_is_not_opened_to_other_origins(app_url):
    status, headers = request(f"{app_url}/_stcore/health", headers={"Origin": "https://evil.example"})
    assert status == 200
    allowed = {k.lower(): v for k, v in headers.items()}.get("access-control-allow-origin")
    assert allowed not in ("*", "https://evil.example")


def test_upload_without_xsrf_token_is_refused(app_url):
    status, _ = request(
        f"{app_url}/_stcore/upload_file/some-session/some-file",
        method="PUT",
        data=b"x" * 1000,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert status == 403


def test_upload_over_the_limit_is_refused_by_the_server(app_url):
    body = b"\0" * (10 * 2**20 + 4096)
    status, _ = request(
        f"{app_url}/_stcore/upload_file/some-session/some-file",
        method="PUT",
        data=body,
        headers={"Content-Type": "application/octet-stream"},
    )
    # Refused on its size before anything else is looked at: the connection is closed (or 413), where the same
    # request with a small body gets the XSRF refusal (403) above.
    assert status in (None, 413)


def test_the_page_talks_only_to_our_server(page: Page, app_url):
    foreign = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(app_url) or r.url.startswith(("data:", "blob:")) else foreign.append(r.url),
    )
    for path in ("", "latent", "explorer"):
        open_page(page, app_url, path)
    assert foreign == []
