"""Files a user might give the app, made from the shipped digits: for the tests, the benchmarks and the load driver."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from aemodels import load_digits


def photo_bytes(fmt: str = "JPEG", *, index: int = 0) -> bytes:
    """A dark-ink-on-light-paper 'photo' of a test digit, large and off-centre."""
    x, _ = load_digits()
    digit = Image.fromarray((x[index, 0].numpy() * 255).astype(np.uint8)).resize((300, 300), Image.Resampling.BILINEAR)
    page = Image.new("L", (900, 700), 235)
    page.paste(Image.fromarray(235 - (np.asarray(digit) * 0.85).astype(np.uint8)), (400, 250))
    buffer = io.BytesIO()
    page.convert("RGB").save(buffer, format=fmt)
    return buffer.getvalue()


def blank_bytes() -> bytes:
    """A PNG of empty paper: an upload with no digit on it."""
    buffer = io.BytesIO()
    Image.new("RGB", (200, 200), (250, 250, 250)).save(buffer, format="PNG")
    return buffer.getvalue()
