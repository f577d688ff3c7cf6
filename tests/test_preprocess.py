import io
import struct
import zlib

import numpy as np
import pytest
import torch
from PIL import Image, PngImagePlugin

from aemodels import ImageInputError, load_digits, open_image, prepare_digit
from aemodels.preprocess import DECODED_SIZE, MAX_DECODED_PIXELS, WORK_SIZE, drawing_problem, upload_preview


@pytest.fixture(scope="module")
def digit() -> np.ndarray:
    """A 3 from the shipped sample as uint8 (28, 28), white ink on black."""
    x, y = load_digits()
    return (x[(y == 3).nonzero()[0, 0], 0].numpy() * 255).astype(np.uint8)


def big(digit: np.ndarray, size: int = 300) -> Image.Image:
    return Image.fromarray(digit).resize((size, size), Image.Resampling.BILINEAR)


def similarity(a: torch.Tensor, b: torch.Tensor) -> float:
    """Cosine similarity, best over shifts of up to one pixel (centring by centre of mass rounds to a pixel)."""
    a = a.reshape(28, 28).double()
    return max(
        torch.nn.functional.cosine_similarity(
            torch.roll(a, (dy, dx), (0, 1)).flatten(), b.flatten().double(), dim=0
        ).item()
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
    )


def check(out: torch.Tensor, reference: np.ndarray, threshold: float = 0.85) -> None:
    assert out.shape == (1, 1, 28, 28) and out.dtype == torch.float32
    assert out.min() >= 0 and out.max() <= 1 and out.max() > 0.9
    img = out[0, 0]
    rows, cols = torch.nonzero(img > 0.05, as_tuple=True)
    assert rows.max() - rows.min() <= 21 and cols.max() - cols.min() <= 21, "ink must fit about 20x20"
    mass = img.sum()
    cy = (img.sum(1) * torch.arange(28)).sum() / mass
    cx = (img.sum(0) * torch.arange(28)).sum() / mass
    assert abs(cy - 14) <= 0.75 and abs(cx - 14) <= 0.75, "centre of mass at the centre"
    assert img[0].sum() == 0 and img[:, 0].sum() == 0, "the border stays black"
    assert similarity(out, torch.tensor(reference / 255.0)) > threshold


def dark_on_light(digit):
    return Image.fromarray(255 - np.asarray(big(digit)))


def test_mnist_digit_is_nearly_unchanged(digit):
    check(prepare_digit(Image.fromarray(digit)), digit, 0.95)


def test_light_on_dark(digit):
    check(prepare_digit(big(digit)), digit)


def test_dark_on_light_photo_with_paper_texture(digit):
    rng = np.random.default_rng(0)
    paper = np.asarray(dark_on_light(digit), dtype=np.float64) * 0.8 + 40 + rng.normal(0, 6, (300, 300))
    image = Image.fromarray(np.clip(paper, 0, 255).astype(np.uint8)).convert("RGB")
    check(prepare_digit(image), digit)


def test_off_centre_on_a_large_page(digit):
    page = Image.new("L", (1200, 900), 250)
    page.paste(dark_on_light(digit), (50, 520))
    check(prepare_digit(page), digit)


def test_tiny(digit):
    check(prepare_digit(Image.fromarray(digit).resize((12, 12), Image.Resampling.BOX)), digit, 0.8)


def test_huge(digit):
    check(prepare_digit(big(digit, 4000)), digit)


def test_rgba_with_transparent_background(digit):
    rgba = np.zeros((300, 300, 4), dtype=np.uint8)
    rgba[..., 3] = np.asarray(big(digit))  # black ink, opacity from the digit, transparent elsewhere
    check(prepare_digit(Image.fromarray(rgba, "RGBA")), digit)
    rgba[..., :3] = 255  # white ink on transparent
    check(prepare_digit(Image.fromarray(rgba, "RGBA")), digit)


def test_palette(digit):
    check(
        prepare_digit(dark_on_light(digit).convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=16)),
        digit,
    )


def test_sixteen_bit(digit):
    values = np.asarray(big(digit), dtype=np.uint16) * 257
    image = Image.fromarray(values.astype(np.uint16))
    assert image.mode.startswith("I;16")
    check(prepare_digit(image), digit)


def test_exif_rotated(digit):
    # The camera stored the pixels rotated; EXIF orientation 6 says "rotate 90 degrees clockwise to view".
    stored = dark_on_light(digit).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    stored.save(buffer, format="JPEG", exif=exif.tobytes(), quality=95)
    image = open_image(buffer.getvalue())
    check(prepare_digit(image), digit)
    assert similarity(prepare_digit(stored), torch.tensor(digit / 255.0)) < 0.7, "without EXIF the digit is on its side"


def test_animated_gif_uses_first_frame(digit):
    frames = [dark_on_light(digit).convert("P"), Image.new("P", (300, 300), 0)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    image = open_image(buffer.getvalue())
    assert image.is_animated
    check(prepare_digit(image), digit)


@pytest.mark.parametrize(
    "image",
    [
        Image.new("L", (200, 200), 255),
        Image.new("RGB", (50, 80), (10, 10, 10)),
        Image.new("RGBA", (64, 64), (0, 0, 0, 0)),
    ],
)
def test_blank_images_are_refused(image):
    with pytest.raises(ImageInputError, match="blank"):
        prepare_digit(image)


def test_open_image_refuses_bad_bytes(digit):
    with pytest.raises(ImageInputError, match="empty"):
        open_image(b"")
    with pytest.raises(ImageInputError, match="not an image"):
        open_image(b"hello, this is text")
    buffer = io.BytesIO()
    big(digit).save(buffer, format="PNG")
    with pytest.raises(ImageInputError, match=r"truncated or damaged|damaged"):
        open_image(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(ImageInputError, match="limit"):
        open_image(b"x" * 100, max_bytes=10)
    tiff = io.BytesIO()
    big(digit).save(tiff, format="TIFF")
    with pytest.raises(ImageInputError, match="not an image we can read"):
        open_image(tiff.getvalue())


def test_the_upload_preview_is_upright_and_in_colour():
    # A phone photo: blue ink on cream paper, stored sideways with EXIF orientation 6 (rotate 90° clockwise to view).
    upright = Image.new("RGB", (300, 600), (245, 238, 220))  # taller than wide as the user took it
    upright.paste((30, 60, 200), (120, 100, 180, 500))  # a blue stroke: a "1"
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what the camera wrote: wider than tall
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    stored.save(buffer, format="JPEG", exif=exif.tobytes(), quality=95)
    image = open_image(buffer.getvalue())
    preview = upload_preview(image, size=280)
    assert preview.mode == "RGB" and preview.size[1] > preview.size[0] and max(preview.size) == 280
    pixels = np.asarray(preview).reshape(-1, 3).astype(int)
    blue = pixels[(pixels[:, 2] - pixels[:, 0]) > 80]
    assert len(blue) > 100  # the ink is still blue, not grey
    digit = prepare_digit(open_image(buffer.getvalue()))
    rows, cols = torch.nonzero(digit[0, 0] > 0.5, as_tuple=True)
    assert rows.max() - rows.min() > cols.max() - cols.min()  # the prepared "1" stands upright too


def test_a_drawing_that_is_empty_or_a_dot_is_explained():
    canvas = np.zeros((224, 224, 4), dtype=np.uint8)
    assert "empty" in drawing_problem(canvas, stroke_width=18)
    dot = canvas.copy()
    yy, xx = np.mgrid[:224, :224]
    dot[(yy - 100) ** 2 + (xx - 110) ** 2 <= 9**2] = 255  # one tap with an 18 px brush
    assert "dot" in drawing_problem(dot, stroke_width=18)
    stroke = canvas.copy()
    stroke[40:180, 100:118] = 255  # a "1"
    assert drawing_problem(stroke, stroke_width=18) is None


def png_of(width: int, height: int) -> bytes:
    """A valid, fully transparent RGBA PNG of any size, written row by row (never held as pixels here): a 6300 x 6300
    one is about 200 kB, as the hostile tester's was, and unpacks to 159 MB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + 4 * width)  # filter byte, then RGBA
    stream = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", stream) + chunk(b"IEND", b"")


def test_a_huge_png_of_few_bytes_is_refused_before_it_is_unpacked(monkeypatch):
    """6300 x 6300 pixels in 200 kB (issue 27.4g: 12 s and +177 MB to prepare): a PNG cannot be made smaller while
    it is unpacked, so above MAX_DECODED_PIXELS it is refused from its header, in plain words, and never decoded."""

    data = png_of(6300, 6300)
    assert len(data) < 300_000 and MAX_DECODED_PIXELS < 6300 * 6300
    decoded = []
    monkeypatch.setattr(PngImagePlugin.PngImageFile, "load", lambda self: decoded.append(self.size))
    with pytest.raises(ImageInputError, match=r"6300 x 6300 pixels, too large to unpack as PNG.*16 megapixels"):
        open_image(data)
    assert decoded == []


def test_what_is_opened_is_at_most_the_working_size():
    """An allowed large PNG is decoded once and brought down in place; a large JPEG is decoded small by its decoder:
    what the preparation and the preview then work on is at most WORK_SIZE a side."""

    image = open_image(png_of(4000, 4000))
    assert image.size == (WORK_SIZE, WORK_SIZE) and image.info[DECODED_SIZE] == (4000, 4000)
    assert image.format == "PNG"
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), (250, 250, 250)).save(buffer, format="JPEG")
    photo = open_image(buffer.getvalue())
    assert max(photo.size) == WORK_SIZE and photo.info[DECODED_SIZE] == (1000, 750)  # decoded at a quarter
    assert upload_preview(photo, size=280).size == (280, 210)


def test_a_file_just_over_the_limit_reads_larger_than_the_limit():
    """10,486,784 bytes against 10 MB was "10.0 MB; the limit is 10 MB" (issue 27.4f)."""
    with pytest.raises(ImageInputError, match=r"The file is 10\.001 MB; the limit is 10 MB\."):
        open_image(b"x" * 10_486_784)
