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


def picture_zip(per_class: int = 70, classes: tuple[int, ...] = (0, 1)) -> bytes:
    """A zip of a user's own pictures for the Train page: shipped test digits of `classes`, drawn dark on light paper
    at 56 x 56 as PNGs, each class in its own folder (digits/0/…, digits/1/…)."""
    import zipfile

    x, y = load_digits()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for klass in classes:
            for n, i in enumerate(np.flatnonzero(y.numpy() == klass)[:per_class]):
                ink = Image.fromarray((255 - x[i, 0].numpy() * 215).astype(np.uint8)).resize((56, 56))
                picture = io.BytesIO()
                ink.save(picture, format="PNG")
                archive.writestr(f"digits/{klass}/{n:03d}.png", picture.getvalue())
    return buffer.getvalue()
