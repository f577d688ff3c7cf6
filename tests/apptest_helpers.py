"""Helpers shared by the AppTest tests, the browser tests and the load benchmark: running a page, reading what
it shows, and a photo of a digit to upload."""

import io
from pathlib import Path

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

from aemodels import load_digits

ROOT = Path(__file__).resolve().parent.parent


def run(page: str, *, timeout: float = 120) -> AppTest:
    """Run a page of app_pages/ once; no exception may escape it."""
    at = AppTest.from_file(str(ROOT / "app_pages" / f"{page}.py"), default_timeout=timeout)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def image_by_caption(at: AppTest, text: str) -> str:
    for element in at.get("image"):
        for url, caption in zip(element.value, element.captions):
            if text in caption:
                return url
    raise AssertionError(f"no picture captioned {text!r}; captions: {[c for e in at.get('image') for c in e.captions]}")


def captions(at: AppTest) -> list[str]:
    return [c for e in at.get("image") for c in e.captions]


def metric_values(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


def photo_bytes(fmt: str = "JPEG", *, index: int = 0) -> bytes:
    """A dark-ink-on-light-paper 'photo' of a test digit, large and off-centre."""
    x, _ = load_digits()
    digit = Image.fromarray((x[index, 0].numpy() * 255).astype(np.uint8)).resize((300, 300), Image.Resampling.BILINEAR)
    page = Image.new("L", (900, 700), 235)
    page.paste(Image.fromarray(235 - (np.asarray(digit) * 0.85).astype(np.uint8)), (400, 250))
    buffer = io.BytesIO()
    page.convert("RGB").save(buffer, format=fmt)
    return buffer.getvalue()
