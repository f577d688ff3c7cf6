"""What the Sparse codes page measures about a sparse AE's hidden units (Ng 2011): how close their mean
activations come to the target rho, and how few units fire strongly for one digit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SparsityStats:
    """Activation statistics of hidden units over a set of digits (activations in [0, 1])."""

    target: float  # rho
    mean_activation: float  # rho_hat averaged over every unit and digit
    unit_means: np.ndarray  # (H,) each unit's mean activation rho_hat_j
    units_near_target: int  # units whose mean lies within `tolerance` of rho (relative)
    tolerance: float
    share_strong: float  # share of (digit, unit) pairs above `strong`
    strong: float
    order: np.ndarray  # (H,) unit indices, most active on average first

    @property
    def relative_to_target(self) -> float:
        """(rho_hat - rho) / rho: +0.27 means 27 % above the target."""
        return (self.mean_activation - self.target) / self.target


def sparsity_stats(
    activations: np.ndarray, *, target: float, tolerance: float = 0.2, strong: float = 0.5
) -> SparsityStats:
    """Statistics of `activations` (N digits, H units) against the sparsity target rho = `target`."""
    h = np.asarray(activations, dtype=np.float64)
    if h.ndim != 2 or h.size == 0:
        raise ValueError(f"activations must be a non-empty (digits, units) array, got shape {h.shape}")
    if not 0.0 < target < 1.0:
        raise ValueError(f"the sparsity target must lie strictly between 0 and 1, got {target}")
    unit_means = h.mean(0)
    return SparsityStats(
        target=target,
        mean_activation=float(h.mean()),
        unit_means=unit_means,
        units_near_target=int((np.abs(unit_means - target) <= tolerance * target).sum()),
        tolerance=tolerance,
        share_strong=float((h > strong).mean()),
        strong=strong,
        order=np.argsort(-unit_means, kind="stable"),
    )
