"""Digit tensors to pictures: upscaled grayscale images, grids and error heat maps (numpy + Pillow only)."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """(..., 28, 28) in [0, 1] -> uint8 (28, 28) of the first image."""
    return (x.detach().reshape(-1, 28, 28)[0].clamp(0, 1).numpy() * 255 + 0.5).astype(np.uint8)


def to_image(x: torch.Tensor, *, scale: int = 5) -> Image.Image:
    """One digit as a crisp upscaled grayscale picture (nearest neighbour keeps the pixels visible)."""
    image = Image.fromarray(to_uint8(x), mode="L")
    return image.resize((28 * scale, 28 * scale), Image.Resampling.NEAREST)


def make_grid(x: torch.Tensor, *, ncol: int, scale: int = 2, pad: int = 2, background: int = 60) -> Image.Image:
    """(N, 1, 28, 28) -> one picture with the digits in rows of ncol, separated by a grey gap."""
    n = len(x)
    nrow = max(1, -(-n // ncol))
    cell = 28 + pad
    canvas = np.full((nrow * cell + pad, ncol * cell + pad), background, dtype=np.uint8)
    digits = (x.detach().reshape(n, 28, 28).clamp(0, 1).numpy() * 255 + 0.5).astype(np.uint8)
    for i in range(n):
        r, c = divmod(i, ncol)
        canvas[pad + r * cell : pad + r * cell + 28, pad + c * cell : pad + c * cell + 28] = digits[i]
    image = Image.fromarray(canvas, mode="L")
    return image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)


def error_colours(err: np.ndarray) -> np.ndarray:
    """Errors in [0, 1] -> RGB uint8 heat colours: black (0) through red (0.5) to yellow (1)."""
    err = np.clip(err, 0, 1)
    rgb = np.stack([np.clip(2 * err, 0, 1), np.clip(2 * err - 1, 0, 1), np.zeros_like(err)], -1)
    return (rgb * 255 + 0.5).astype(np.uint8)


def error_map(x: torch.Tensor, x_hat: torch.Tensor, *, scale: int = 5) -> Image.Image:
    """|x - x_hat| as a heat map (`error_colours`; `error_scale` is its colour bar)."""
    err = (x - x_hat).abs().reshape(-1, 28, 28)[0].numpy()
    image = Image.fromarray(error_colours(err), mode="RGB")
    return image.resize((28 * scale, 28 * scale), Image.Resampling.NEAREST)


def error_scale(*, width: int = 140, height: int = 10) -> Image.Image:
    """The colour bar of `error_map`: error 0 at the left, 1 at the right."""
    ramp = np.tile(np.linspace(0.0, 1.0, width), (height, 1))
    return Image.fromarray(error_colours(ramp), mode="RGB")


def filter_grid(weights: torch.Tensor, *, ncol: int, scale: int = 2) -> Image.Image:
    """Rows of weights (H, 784) as 28x28 tiles, each scaled by its own largest |w|: mid-grey is zero,
    black the most negative weight, white the most positive."""
    w = weights.detach().reshape(-1, 784).float()
    peak = w.abs().amax(1, keepdim=True).clamp_min(1e-12)
    tiles = (0.5 + 0.5 * w / peak).view(-1, 1, 28, 28)
    return make_grid(tiles, ncol=ncol, scale=scale)


def code_strip(z: torch.Tensor, *, cell: int = 18, limit: float | None = None) -> Image.Image:
    """A code z (d,) as a row of d coloured cells: blue for negative, white for 0, red for positive, full colour
    at |value| = limit (default: the largest |value|)."""
    values = z.detach().reshape(-1).float().numpy()
    peak = float(limit if limit is not None else max(float(np.abs(values).max()), 1e-12))
    t = np.clip(values / peak, -1, 1)
    red = np.where(t > 0, 1.0, 1.0 + t)  # white (1, 1, 1) towards red (1, 0, 0) or blue (0, 0, 1)
    blue = np.where(t < 0, 1.0, 1.0 - t)
    green = 1.0 - np.abs(t)
    rgb = (np.stack([red, green, blue], -1)[None] * 255 + 0.5).astype(np.uint8)  # (1, d, 3)
    image = Image.fromarray(rgb, mode="RGB")
    return image.resize((cell * len(values), cell), Image.Resampling.NEAREST)
