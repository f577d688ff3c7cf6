"""Any user image -> an MNIST-style digit: (1, 1, 28, 28) float in [0, 1], white ink on black.

MNIST's own recipe (LeCun et al.): the ink's bounding box is scaled to fit a 20x20 box keeping its aspect
ratio, then placed in 28x28 so that its centre of mass sits at the centre. Photos need more first: EXIF
rotation, grayscale from any mode, transparency, inversion of dark-on-light, and a floor under paper texture.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from aemodels.text import size_and_limit

ACCEPTED_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
MAX_PIXELS = 40_000_000  # a 40-megapixel photo is fine; beyond that we refuse before decoding
# A JPEG is decoded at 1/2, 1/4 or 1/8 of its size when that is still larger than WORK_SIZE (Image.draft), so even a
# 40-megapixel one costs under a megapixel. The other formats are decoded whole, 4 bytes a pixel with transparency:
# a 6300 x 6300 PNG of 194 kB would take 159 MB and seconds. They are refused above this many pixels (64 MB at most).
MAX_DECODED_PIXELS = 16_000_000
# Pillow's own guard, set to match ours: it warns above this and raises DecompressionBombError above twice it.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
WORK_SIZE = 512  # the longer side is brought down to this before any per-pixel work
DECODED_SIZE = "aemodels_decoded_size"  # open_image's note in the image's info: the size it was decoded at


class ImageInputError(ValueError):
    """The input cannot be made into a digit; the message says why in plain words."""


def open_image(
    data: bytes, *, max_bytes: int = 10 * 1024 * 1024, before_decoding: Callable[[int, int], None] | None = None
) -> Image.Image:
    """Open uploaded bytes as a PIL image, accepting only the formats we support and sizes we can handle, decoded
    and brought down to at most WORK_SIZE pixels on its longer side (its format and EXIF kept); its
    `info[DECODED_SIZE]` is the (width, height) it was decoded at (a JPEG's already made smaller by its decoder).
    `before_decoding(decoded, full)` is called before any pixel is decoded, from the header: the pixels decoding
    will hold (a baseline JPEG's at the reduced scale it is decoded at; a progressive JPEG's at full size, as its
    decoder keeps every coefficient of every scan; any other format's at full size) and the pixels the decoder
    walks through (the full size). A budget for many pictures charges them there, and raises ImageInputError to
    refuse the picture unread."""
    if not data:
        raise ImageInputError("The file is empty (0 bytes). Please choose an image file.")
    if len(data) > max_bytes:
        shown, limit = size_and_limit(len(data), max_bytes)
        raise ImageInputError(f"The file is {shown}; the limit is {limit}.")
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError:
        raise ImageInputError(
            f"The image claims far more pixels than we can process (limit {MAX_PIXELS // 1_000_000} megapixels); "
            f"it is too large or forged. Please upload a smaller image."
        ) from None
    except UnidentifiedImageError:
        raise ImageInputError(
            "This file is not an image we can read. Please upload a PNG, JPEG, GIF, BMP or WebP."
        ) from None
    except (OSError, ValueError, SyntaxError) as err:
        raise ImageInputError(f"This image file is damaged and cannot be read ({err}).") from None
    if image.width * image.height > MAX_PIXELS:
        raise ImageInputError(
            f"The image is {image.width} x {image.height} pixels, too large to process "
            f"(limit {MAX_PIXELS // 1_000_000} megapixels). Please upload a smaller image."
        )
    if image.format != "JPEG" and image.width * image.height > MAX_DECODED_PIXELS:
        raise ImageInputError(
            f"The image is {image.width} x {image.height} pixels, too large to unpack as {image.format}: such a "
            f"file is unpacked whole before it can be made smaller, so it may have {MAX_DECODED_PIXELS // 1_000_000} "
            f"megapixels at most (a JPEG, made smaller while it is unpacked, {MAX_PIXELS // 1_000_000}). "
            "Please upload a smaller image, or save it as JPEG."
        )
    full = image.width * image.height
    try:
        if image.format == "JPEG":
            image.draft("RGB", (WORK_SIZE, WORK_SIZE))  # let the JPEG decoder downscale: much faster for photos
        if before_decoding is not None:
            whole = image.format != "JPEG" or bool(image.info.get("progressive"))
            before_decoding(full if whole else image.width * image.height, full)
        image.load()
        image.info[DECODED_SIZE] = image.size
        # Everything after works on at most WORK_SIZE pixels a side (prepare_digit would bring it there itself):
        # in place, so no full-size copy is made by the EXIF turn, the grey or colour conversions or the preview.
        image.thumbnail((WORK_SIZE, WORK_SIZE), Image.Resampling.BOX)
    except ImageInputError:  # before_decoding refused it: its own words
        raise
    except Image.DecompressionBombError:
        raise ImageInputError(
            "The image unpacks to far more pixels than its file size suggests; it was refused."
        ) from None
    except (OSError, ValueError, SyntaxError) as err:
        raise ImageInputError(f"This image file is truncated or damaged and cannot be read ({err}).") from None
    return image


def upload_preview(image: Image.Image, *, size: int = 280) -> Image.Image:
    """The picture as its owner took it, for showing beside the prepared digit: the first frame, turned upright
    by its EXIF orientation, in colour (RGB), at most `size` pixels on its longer side."""
    if getattr(image, "is_animated", False):
        image.seek(0)
    upright = ImageOps.exif_transpose(image)
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
        background = Image.new("RGB", upright.size, (255, 255, 255))  # show transparency as paper
        background.paste(upright.convert("RGBA"), mask=upright.convert("RGBA").getchannel("A"))
        preview = background
    else:
        preview = upright.convert("RGB")
    preview.thumbnail((size, size))
    return preview


def _to_gray(image: Image.Image) -> np.ndarray:
    """Grayscale float array in [0, 1]; transparency is composited onto a background that contrasts with the ink."""
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") or values.max() > 255 else 255.0
        return np.clip(values / top, 0, 1)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if has_alpha:
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float64) / 255.0
        alpha = rgba[..., 3]
        gray = rgba[..., :3] @ np.array([0.299, 0.587, 0.114])
        if alpha.min() < 0.99:
            opaque = alpha > 0.5
            ink_is_dark = gray[opaque].mean() < 0.5 if opaque.any() else True
            background = 1.0 if ink_is_dark else 0.0
            return alpha * gray + (1 - alpha) * background
        return gray
    return np.asarray(image.convert("L"), dtype=np.float64) / 255.0


def _ink(gray: np.ndarray) -> np.ndarray:
    """Ink strength in [0, 1], 0 on the background: invert light backgrounds, stretch, floor the paper texture."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    background = float(np.median(border))
    ink = gray - background if background < 0.5 else background - gray
    ink = np.clip(ink, 0, None)
    peak = float(np.percentile(ink, 99.9))
    if peak < 0.08:  # less contrast than a faint pencil line on paper: there is nothing written
        raise ImageInputError("No digit found: the image looks blank. Write or upload a digit with clear strokes.")
    ink = np.clip(ink / peak, 0, 1)
    return np.clip((ink - 0.2) / 0.8, 0, 1)  # the lowest fifth is paper grain and shadow, not ink


def prepare_digit(image: Image.Image) -> torch.Tensor:
    """Any PIL image of a single digit -> (1, 1, 28, 28) float tensor in [0, 1], MNIST-style."""
    if getattr(image, "is_animated", False):
        image.seek(0)  # the first frame of an animation
    image = ImageOps.exif_transpose(image)
    if max(image.size) > WORK_SIZE:
        image = image.copy()
        image.thumbnail((WORK_SIZE, WORK_SIZE), Image.Resampling.BOX)
    ink = _ink(_to_gray(image))
    rows, cols = np.nonzero(ink > 0.1)
    if len(rows) == 0:
        raise ImageInputError("No digit found: the image looks blank. Write or upload a digit with clear strokes.")
    crop = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    h, w = crop.shape
    scale = 20.0 / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = np.asarray(Image.fromarray(crop.astype(np.float32), mode="F").resize(size, Image.Resampling.LANCZOS))
    small = np.clip(small, 0, 1)
    canvas = np.zeros((28, 28), dtype=np.float32)
    top, left = (28 - size[1]) // 2, (28 - size[0]) // 2
    canvas[top : top + size[1], left : left + size[0]] = small
    # Shift the centre of mass to pixel (14, 14), where MNIST digits have theirs, without cutting ink off.
    mass = canvas.sum()
    cy = (canvas.sum(1) * np.arange(28)).sum() / mass
    cx = (canvas.sum(0) * np.arange(28)).sum() / mass
    dy = int(np.clip(round(14.0 - cy), -top, 28 - top - size[1]))
    dx = int(np.clip(round(14.0 - cx), -left, 28 - left - size[0]))
    canvas = np.roll(canvas, (dy, dx), axis=(0, 1))
    return torch.from_numpy(canvas).view(1, 1, 28, 28)


def prepare_grey(image: Image.Image, *, invert: bool = False) -> torch.Tensor:
    """Any PIL image -> (1, 1, 28, 28) float tensor in [0, 1] by a plain grey resize, for pictures that are not ink
    on paper (clothes, faces, objects): grey from any mode, the whole picture fitted into 28x28 keeping its aspect
    ratio, the rest filled with the picture's own border grey; `invert` swaps light and dark (Fashion-MNIST-like
    sets are light things on a black ground). Unlike `prepare_digit` nothing is cropped, thresholded or centred."""
    if getattr(image, "is_animated", False):
        image.seek(0)
    image = ImageOps.exif_transpose(image)
    if max(image.size) > WORK_SIZE:
        image = image.copy()
        image.thumbnail((WORK_SIZE, WORK_SIZE), Image.Resampling.BOX)
    gray = _to_gray(image).astype(np.float32)  # (h, w) in [0, 1]
    h, w = gray.shape
    scale = 28.0 / max(h, w)
    size = (max(1, min(28, round(w * scale))), max(1, min(28, round(h * scale))))
    # BOX averages every source pixel when shrinking (no aliasing); bilinear when a small picture is enlarged.
    method = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    small = np.clip(np.asarray(Image.fromarray(gray, mode="F").resize(size, method)), 0, 1)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    canvas = np.full((28, 28), float(np.median(border)), dtype=np.float32)
    top, left = (28 - size[1]) // 2, (28 - size[0]) // 2
    canvas[top : top + size[1], left : left + size[0]] = small
    if invert:
        canvas = 1.0 - canvas
    return torch.from_numpy(canvas).view(1, 1, 28, 28)


def drawing_problem(rgba: np.ndarray, *, stroke_width: int) -> str | None:
    """Why a canvas drawing (H, W, 4) uint8, light ink on black, cannot be used as a digit, in plain words; None
    when it can. A single tap leaves one round dot, which `prepare_digit` would blow up into a filled disk."""
    ink = np.asarray(rgba)[..., :3].max(-1) > 0
    if not ink.any():
        return "The canvas is empty: draw a digit."
    rows, cols = np.nonzero(ink)
    height, width = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
    if max(height, width) < 2.5 * stroke_width:
        return "That is a dot, not a digit: draw the digit's strokes (press and move, don't just tap)."
    return None
