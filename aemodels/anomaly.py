"""Reconstruction error as an anomaly score: an AE reconstructs what lies near its training manifold well and
everything else badly. Scores, the ROC curve and its area, and the non-digit images the app compares against."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


@torch.inference_mode()
def reconstruction_error(model, x: torch.Tensor, *, batch: int = 500) -> torch.Tensor:
    """Mean squared error per image between x (B, 1, 28, 28) and its reconstruction: (B,)."""
    parts = [(model.reconstruct(xb) - xb).pow(2).flatten(1).mean(1) for xb in x.split(batch)]
    return torch.cat(parts) if parts else torch.zeros(0)


def _as_scores(normal, anomalous) -> tuple[np.ndarray, np.ndarray]:
    normal = np.asarray(normal, dtype=np.float64).ravel()
    anomalous = np.asarray(anomalous, dtype=np.float64).ravel()
    if len(normal) == 0 or len(anomalous) == 0:
        raise ValueError("the ROC needs at least one normal and one anomalous score")
    if not (np.isfinite(normal).all() and np.isfinite(anomalous).all()):
        raise ValueError("scores must be finite numbers")
    return normal, anomalous


def roc_curve(normal, anomalous) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(false positive rate, true positive rate, threshold) as the threshold falls through every distinct
    score; an input is flagged anomalous when its score is >= the threshold. Starts at (0, 0), ends at (1, 1)."""
    normal, anomalous = _as_scores(normal, anomalous)
    thresholds = np.unique(np.concatenate([normal, anomalous]))[::-1]
    # Counts of scores >= each threshold, from the sorted scores.
    tp = len(anomalous) - np.searchsorted(np.sort(anomalous), thresholds, side="left")
    fp = len(normal) - np.searchsorted(np.sort(normal), thresholds, side="left")
    fpr = np.concatenate([[0.0], fp / len(normal)])
    tpr = np.concatenate([[0.0], tp / len(anomalous)])
    return fpr, tpr, np.concatenate([[np.inf], thresholds])


def auc(normal, anomalous) -> float:
    """Area under the ROC curve: the probability that a random anomalous input scores above a random normal
    one, ties counting one half (the Mann-Whitney U statistic divided by n_normal * n_anomalous)."""
    normal, anomalous = _as_scores(normal, anomalous)
    scores = np.concatenate([normal, anomalous])
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2.0  # 1-based rank of each distinct score, ties averaged
    rank_sum = average_rank[inverse][len(normal) :].sum()
    n_a, n_n = len(anomalous), len(normal)
    return float((rank_sum - n_a * (n_a + 1) / 2.0) / (n_a * n_n))


def noise_images(kind: str, n: int, *, seed: int = 0) -> torch.Tensor:
    """Seeded images that are not digits, (n, 1, 28, 28) in [0, 1]: "uniform" pixel noise, or "blobs"
    (smooth noise: 7x7 noise upsampled, a harder case because it has digit-like strokes of light)."""
    generator = torch.Generator().manual_seed(seed)
    if kind == "uniform":
        return torch.rand(n, 1, 28, 28, generator=generator)
    if kind == "blobs":
        coarse = torch.rand(n, 1, 7, 7, generator=generator)
        smooth = F.interpolate(coarse, size=(28, 28), mode="bicubic", align_corners=False)
        return ((smooth - 0.5) * 2.5 + 0.2).clamp(0, 1)
    raise ValueError(f"unknown noise kind {kind!r}; use 'uniform' or 'blobs'")


NOISE_KINDS = ("uniform", "blobs")
