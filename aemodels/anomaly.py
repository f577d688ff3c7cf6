"""Reconstruction error as an anomaly score: an AE reconstructs what lies near its training manifold well and
everything else badly. Scores, the ROC curve and its area, and the non-digit images the app compares against."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import ArrayLike

from aemodels.models import Autoencoder


@torch.inference_mode()
def reconstruction_error(model: Autoencoder, x: torch.Tensor, *, batch: int = 500) -> torch.Tensor:
    """Mean squared error per image between x (B, 1, 28, 28) and its reconstruction: (B,)."""
    if x.dim() != 4:  # an extra axis would broadcast against the (B, 1, 28, 28) reconstruction: B × B errors
        raise ValueError(f"images must be a (B, 1, 28, 28) tensor, not {tuple(x.shape)}")
    parts = [(model.reconstruct(xb) - xb).pow(2).flatten(1).mean(1) for xb in x.split(batch)]
    return torch.cat(parts) if parts else torch.zeros(0)


def _as_scores(normal: ArrayLike, anomalous: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    normal = np.asarray(normal, dtype=np.float64).ravel()
    anomalous = np.asarray(anomalous, dtype=np.float64).ravel()
    if len(normal) == 0 or len(anomalous) == 0:
        raise ValueError("the ROC needs at least one normal and one anomalous score")
    if not (np.isfinite(normal).all() and np.isfinite(anomalous).all()):
        raise ValueError("scores must be finite numbers")
    return normal, anomalous


def roc_curve(normal: ArrayLike, anomalous: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def auc(normal: ArrayLike, anomalous: ArrayLike) -> float:
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


@dataclass(frozen=True)
class AnomalyReport:
    """How well reconstruction error tells the normal set (digits) from each other set.

    `threshold` is the score above which an input is flagged: the (1 - false_alarm) quantile of the normal
    scores, so that a share `false_alarm` of real digits is flagged. For each other set: its ROC curve, AUC and
    the share of it flagged at the threshold."""

    normal: str
    normal_scores: np.ndarray
    false_alarm: float
    threshold: float
    auc: dict[str, float]
    roc: dict[str, tuple[np.ndarray, np.ndarray]]  # set -> (false positive rates, true positive rates)
    flag_rate: dict[str, float]

    def percentile(self, score: float) -> float:
        """Percent of the normal scores strictly below `score` (0 to 100)."""
        return float((self.normal_scores < score).mean() * 100)

    def flagged(self, score: float) -> bool:
        return score > self.threshold


def anomaly_report(scores: Mapping[str, np.ndarray], *, normal: str, false_alarm: float = 0.05) -> AnomalyReport:
    """Threshold, ROC, AUC and flag rates of anomaly scores: `scores[normal]` are the normal inputs' scores, every
    other entry a set that should score higher. Raises ValueError for an unknown normal set, a false-alarm rate
    outside (0, 1), or empty or non-finite scores."""
    if normal not in scores:
        raise ValueError(f"the normal set {normal!r} is not among the scores ({', '.join(scores)})")
    if not 0.0 < false_alarm < 1.0:
        raise ValueError(f"the false-alarm rate must lie strictly between 0 and 1, got {false_alarm}")
    normal_scores = np.asarray(scores[normal], dtype=np.float64).ravel()
    if len(normal_scores) == 0 or not np.isfinite(normal_scores).all():
        raise ValueError("the normal scores must be a non-empty set of finite numbers")
    threshold = float(np.quantile(normal_scores, 1.0 - false_alarm))
    others = {
        label: np.asarray(values, dtype=np.float64).ravel() for label, values in scores.items() if label != normal
    }
    rocs = {}
    for label, values in others.items():
        fpr, tpr, _ = roc_curve(normal_scores, values)
        rocs[label] = (fpr, tpr)
    return AnomalyReport(
        normal=normal,
        normal_scores=normal_scores,
        false_alarm=false_alarm,
        threshold=threshold,
        auc={label: auc(normal_scores, values) for label, values in others.items()},
        roc=rocs,
        flag_rate={label: float((values > threshold).mean()) for label, values in others.items()},
    )


@dataclass(frozen=True)
class Histogram:
    """Counts of one set of scores in shared bins: bin centres (geometric for log bins) and the fraction of
    the set in each bin."""

    centres: np.ndarray
    fractions: np.ndarray


def log_histograms(sets: Mapping[str, np.ndarray], *, bins: int = 60, floor: float = 1e-5) -> dict[str, Histogram]:
    """Histograms of positive scores (reconstruction errors span decades) over `bins` log-spaced bins shared by
    every set, from the smallest score (not below `floor`) to the largest."""
    if bins < 1:
        raise ValueError(f"the number of bins must be at least 1, got {bins}")
    arrays = {label: np.asarray(values, dtype=np.float64).ravel() for label, values in sets.items()}
    if not arrays or any(len(values) == 0 for values in arrays.values()):
        raise ValueError("every set needs at least one score")
    low = max(floor, min(float(values.min()) for values in arrays.values()))
    high = max(low * 10, max(float(values.max()) for values in arrays.values()))
    edges = np.logspace(np.log10(low), np.log10(high), bins + 1)
    result = {}
    for label, values in arrays.items():
        counts, _ = np.histogram(values, bins=edges)
        result[label] = Histogram(centres=np.sqrt(edges[:-1] * edges[1:]), fractions=counts / len(values))
    return result


def score_range(sets: Mapping[str, np.ndarray]) -> tuple[float, float]:
    """The smallest positive and the largest score over every set: the span of a log axis that shows them all (1.0
    stands in for the smallest where no score is positive)."""
    everything = np.concatenate([np.asarray(values, dtype=np.float64).ravel() for values in sets.values()])
    if len(everything) == 0:
        raise ValueError("there are no scores")
    positive = everything[everything > 0]
    return (float(positive.min()) if len(positive) else 1.0, float(everything.max()))
