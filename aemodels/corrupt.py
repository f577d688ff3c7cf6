"""Seeded corruptions for denoising, each clipped to [0, 1]: x is (B, 1, 28, 28) in [0, 1]."""

from __future__ import annotations

from collections.abc import Callable

import torch


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed))


def gaussian_noise_batch(x: torch.Tensor, sigma: torch.Tensor | float, generator: torch.Generator) -> torch.Tensor:
    """x + sigma * N(0, I), clipped; sigma may be a per-image tensor (B, 1, 1, 1)."""
    noise = torch.randn(x.shape, generator=generator, device=x.device)
    return (x + sigma * noise).clamp(0, 1)


def gaussian(x: torch.Tensor, sigma: float, *, seed: int = 0) -> torch.Tensor:
    if not sigma >= 0:
        raise ValueError(f"sigma must be non-negative, got {sigma}")
    return gaussian_noise_batch(x, sigma, _generator(seed))


def salt_and_pepper(x: torch.Tensor, fraction: float, *, seed: int = 0) -> torch.Tensor:
    """Set a `fraction` of the pixels to 0 or 1 (half each on average)."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must lie in [0, 1], got {fraction}")
    g = _generator(seed)
    hit = torch.rand(x.shape, generator=g) < fraction
    salt = torch.rand(x.shape, generator=g) < 0.5
    return torch.where(hit, salt.to(x.dtype), x)


def occlusion(x: torch.Tensor, size: float, *, seed: int = 0) -> torch.Tensor:
    """Black out one square block per image whose side is `size` in pixels (0 to 28), at a seeded place."""
    side = round(size)
    if not 0 <= side <= 28:
        raise ValueError(f"block side must lie in [0, 28] pixels, got {size}")
    out = x.clone()
    if side == 0:
        return out
    g = _generator(seed)
    for i in range(len(x)):
        top, left = (int(v) for v in torch.randint(0, 28 - side + 1, (2,), generator=g))
        out[i, :, top : top + side, left : left + side] = 0.0
    return out


CORRUPTIONS: dict[str, Callable[..., torch.Tensor]] = {
    "gaussian": gaussian,
    "salt_and_pepper": salt_and_pepper,
    "occlusion": occlusion,
}


def corrupt(x: torch.Tensor, kind: str, level: float, *, seed: int = 0) -> torch.Tensor:
    if kind not in CORRUPTIONS:
        raise ValueError(f"unknown corruption {kind!r}; known: {sorted(CORRUPTIONS)}")
    return CORRUPTIONS[kind](x, level, seed=seed)


def median_filter(x: torch.Tensor, size: int = 3) -> torch.Tensor:
    """The classical denoiser: each pixel becomes the median of its size x size neighbourhood (edges replicated)."""
    if size % 2 != 1:
        raise ValueError(f"the window must have odd size, got {size}")
    padded = torch.nn.functional.pad(x, (size // 2,) * 4, mode="replicate")
    patches = padded.unfold(2, size, 1).unfold(3, size, 1)  # (B, 1, 28, 28, size, size)
    return patches.flatten(-2).median(-1).values
