"""Hostile uploads: a corpus of odd and malicious files generated here, each uploaded through the real upload
path of the app (AppTest drives the page's file uploader). Each must give the prepared digit or one plain-words
message, never a traceback, a hang (AppTest's timeout) or a dead session, and the next upload must work."""

import io
import struct
import zipfile
import zlib

import numpy as np
import pytest
from apptest_helpers import captions, run
from PIL import Image

from aemodels import load_digits
from aemodels.preprocess import ACCEPTED_FORMATS, MAX_PIXELS
from aemodels_app import state

PREPARED = "What the model receives"
UNREADABLE = ("damaged", "not an image")  # a few bytes of a header: either plain message is right


def digit_image(size: int = 200, *, dark_on_light: bool = True) -> Image.Image:
    x, _ = load_digits()
    ink = Image.fromarray((x[0, 0].numpy() * 255).astype(np.uint8)).resize((size, size), Image.Resampling.BILINEAR)
    return Image.fromarray(255 - np.asarray(ink)) if dark_on_light else ink


def save(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_claiming(width: int, height: int) -> bytes:
    """A well-formed PNG header for a huge image, with one tiny compressed row behind it."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A JPEG whose frame header (SOF0) claims a huge size."""
    good = save(digit_image(64).convert("L"), "JPEG")
    at = good.index(b"\xff\xc0")
    return good[: at + 5] + struct.pack(">HH", height, width) + good[at + 9 :]


def bomb_png() -> bytes:
    """8,000 x 8,000 one-bit pixels that compress to a few kilobytes: 64 megapixels on decode."""
    return save(Image.new("1", (8000, 8000), 0), "PNG", optimize=True)


def exif_rotated() -> bytes:
    image = digit_image().rotate(90, expand=True).convert("RGB")
    exif = image.getexif()
    exif[0x0112] = 6  # orientation: rotate 90 clockwise to display
    return save(image, "JPEG", exif=exif.tobytes())


def animated_gif() -> bytes:
    frames = [digit_image(120).convert("P"), Image.new("P", (120, 120), 255)]
    return save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def palette_with_transparency() -> bytes:
    ink = np.asarray(digit_image(100, dark_on_light=False)) > 100
    image = Image.frombytes("P", (ink.shape[1], ink.shape[0]), np.where(ink, 1, 0).astype(np.uint8).tobytes())
    image.putpalette([255, 255, 255, 0, 0, 0] + [0] * 762)
    return save(image, "PNG", transparency=0)


def cases() -> list[tuple[str, bytes, str, str]]:
    """(file name, bytes, mime type, expected: PREPARED or a piece of the plain-words message)."""
    photo = save(digit_image().convert("RGB"), "JPEG", quality=90)
    png = save(digit_image(), "PNG")
    sixteen = Image.fromarray(np.asarray(digit_image(), dtype=np.uint16) * 257)  # mode I;16
    return [
        ("empty.png", b"", "image/png", "empty"),
        ("truncated.png", png[: len(png) // 3], "image/png", "damaged"),
        ("truncated.jpg", photo[: len(photo) // 3], "image/jpeg", "damaged"),
        ("only-soi.jpg", b"\xff\xd8", "image/jpeg", UNREADABLE),
        ("huge-claim.png", png_claiming(50_000, 50_000), "image/png", "too large"),
        ("huge-claim.jpg", jpeg_claiming(60_000, 60_000), "image/jpeg", "too large"),
        ("bomb.png", bomb_png(), "image/png", "too large"),
        ("bad-crc.png", png[:40] + bytes([png[40] ^ 0xFF]) + png[41:], "image/png", UNREADABLE),
        ("sixteen-bit.png", save(sixteen, "PNG"), "image/png", PREPARED),
        ("cmyk.jpg", save(digit_image().convert("CMYK"), "JPEG"), "image/jpeg", PREPARED),
        ("palette-transparent.png", palette_with_transparency(), "image/png", PREPARED),
        ("animated.gif", animated_gif(), "image/gif", PREPARED),
        ("exif-rotated.jpg", exif_rotated(), "image/jpeg", PREPARED),
        ("one-pixel.png", save(Image.new("L", (1, 1), 0), "PNG"), "image/png", "blank"),
        ("strip.png", save(Image.new("L", (10_000, 20), 255), "PNG"), "image/png", "blank"),
        # an 18-pixel digit in a 10,000-pixel strip is under a pixel once brought to working size: "blank" is right
        ("strip-with-ink.png", save(strip_with_ink(), "PNG"), "image/png", "blank"),
        ("text.png", b"just some words, not pixels\n" * 10, "image/png", "not an image"),
        (
            "page.png",
            b"<!doctype html><html><body><script>alert(1)</script></body></html>",
            "image/png",
            "not an image",
        ),
        (
            "drawing.png",
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle r="4"/></svg>',
            "image/png",
            "not an image",
        ),
        ("tiff.png", save(digit_image(), "TIFF"), "image/png", "not an image"),
        ("archive.png", zip_bytes(), "image/png", "not an image"),
        ("document.jpg", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "image/jpeg", "not an image"),
        (
            "noise.jpg",
            np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes(),
            "image/jpeg",
            "not an image",
        ),
        ("too-big.png", png + b"\x00" * (10 * 2**20 + 1), "image/png", "the limit is 10 MB"),
        ("transparent.png", save(Image.new("RGBA", (50, 50), (0, 0, 0, 0)), "PNG"), "image/png", "blank"),
        ("gray-alpha.png", save(digit_image(dark_on_light=False).convert("LA"), "PNG"), "image/png", PREPARED),
        ("one-bit.png", save(digit_image().convert("1"), "PNG"), "image/png", PREPARED),
        ("int32.bmp-named.png", save(digit_image().convert("RGB"), "BMP"), "image/png", PREPARED),
        ("progressive.jpg", save(digit_image().convert("RGB"), "JPEG", progressive=True), "image/jpeg", PREPARED),
        ("tiny.png", save(digit_image(6), "PNG"), "image/png", PREPARED),
        ("webp.webp", save(digit_image().convert("RGB"), "WEBP"), "image/webp", PREPARED),
        ("bitmap.bmp", save(digit_image().convert("RGB"), "BMP"), "image/bmp", PREPARED),
        ("truncated.gif", animated_gif()[:200], "image/gif", UNREADABLE),
        ("truncated.bmp", save(digit_image().convert("RGB"), "BMP")[:500], "image/bmp", "damaged"),
    ]


def strip_with_ink() -> Image.Image:
    strip = Image.new("L", (10_000, 20), 255)
    strip.paste(digit_image(18), (5000, 1))
    return strip


def zip_bytes() -> bytes:

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("digit.txt", "7")
    return buffer.getvalue()


def test_the_corpus_is_big_enough_and_limits_are_deliberate():
    assert len(CASES) >= 30
    assert ACCEPTED_FORMATS == ("PNG", "JPEG", "GIF", "BMP", "WEBP")
    assert 4000 * 6000 < MAX_PIXELS < 8000 * 8000  # a 24 MP phone photo passes; the 64 MP bomb does not


@pytest.fixture(scope="module")
def app():
    at = run("reconstruct", timeout=60)
    at.button_group(key=state.MAIN.source).set_value("Upload").run()
    return at


CASES = cases()


@pytest.mark.parametrize("name,data,mime,expected", CASES, ids=[c[0] for c in CASES])
def test_hostile_upload_gives_a_digit_or_one_plain_message(app, name, data, mime, expected):
    at = app
    at.file_uploader(key=state.MAIN.upload).set_value((name, data, mime)).run()  # times out on a hang
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    shown = captions(at)
    if expected == PREPARED:
        assert errors == [] and any(PREPARED in c for c in shown), (name, errors)
    else:
        accepted = expected if isinstance(expected, tuple) else (expected,)
        assert len(errors) == 1 and any(part in errors[0] for part in accepted), (name, errors)
        assert "Traceback" not in errors[0] and 'File "' not in errors[0]
    # the session is alive and the next good upload works
    good = save(digit_image().convert("RGB"), "JPEG")
    at.file_uploader(key=state.MAIN.upload).set_value(("good.jpg", good, "image/jpeg")).run()
    assert not at.exception and not at.error
    assert any("your upload (good.jpg)" in c for c in captions(at))
