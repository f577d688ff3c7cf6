"""Helpers shared by the AppTest tests: running the app on a page, and reading what it shows."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from aemodels_app import pages
from labtools.apptest import open_app
from labtools.samples import blank_bytes, photo_bytes

ROOT = Path(__file__).resolve().parent.parent
__all__ = [
    "ROOT",
    "blank_bytes",
    "captions",
    "go",
    "image_by_caption",
    "metric_values",
    "no_errors",
    "photo_bytes",
    "run",
]


def run(page: str, *, timeout: float = 120, query: dict[str, str] | None = None) -> AppTest:
    """Run the whole app (router, sidebar digit, URL state) opened on a page of the registry; no exception may
    escape it. `query` is the URL's query string, as a link would carry it."""
    at = open_app(page, timeout=timeout, query=query)
    assert not at.exception, [e.value for e in at.exception]
    return at


def go(at: AppTest, page: str) -> AppTest:
    """Switch the running app to another page, as the sidebar's navigation does."""
    at.switch_page(pages.get(page).path)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def image_by_caption(at: AppTest, text: str) -> str:
    for element in at.get("image"):
        for url, caption in zip(element.value, element.captions, strict=True):
            if text in caption:
                return url
    raise AssertionError(f"no picture captioned {text!r}; captions: {[c for e in at.get('image') for c in e.captions]}")


def captions(at: AppTest) -> list[str]:
    return [c for e in at.get("image") for c in e.captions]


def metric_values(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


def digit_maps(at: AppTest) -> list[dict]:
    """The data of the page's canvas maps (components/scatter.js), as the browser gets it."""
    found = at.get("bidi_component")
    return [json.loads(e.proto.json) for e in found if "aemodels_scatter" in e.proto.component_name]
