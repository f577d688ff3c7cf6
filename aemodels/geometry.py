"""Paths and grids in latent space, and the principal angles between subspaces."""
from __future__ import annotations

import torch


def lerp(z0: torch.Tensor, z1: torch.Tensor, steps: int) -> torch.Tensor:
    """Straight line from z0 to z1 (each (d,)), endpoints included: (steps, d)."""
    t = torch.linspace(0, 1, steps).unsqueeze(1)
    return (1 - t) * z0 + t * z1


def slerp(z0: torch.Tensor, z1: torch.Tensor, steps: int) -> torch.Tensor:
    """Great-circle path with linearly interpolated norm (White 2016, "Sampling generative networks")."""
    t = torch.linspace(0, 1, steps).unsqueeze(1)
    n0, n1 = z0.norm(), z1.norm()
    u0, u1 = z0 / n0.clamp_min(1e-12), z1 / n1.clamp_min(1e-12)
    omega = torch.arccos((u0 @ u1).clamp(-1, 1))
    if omega.abs() < 1e-6:
        return lerp(z0, z1, steps)
    direction = (torch.sin((1 - t) * omega) * u0 + torch.sin(t * omega) * u1) / torch.sin(omega)
    return direction * ((1 - t) * n0 + t * n1)


def principal_angles(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Principal angles in degrees between the column spaces of a (n, p) and b (n, q), ascending."""
    qa, _ = torch.linalg.qr(a.double())
    qb, _ = torch.linalg.qr(b.double())
    cosines = torch.linalg.svdvals(qa.T @ qb).clamp(-1, 1)
    return torch.rad2deg(torch.arccos(cosines))  # svdvals are descending, so angles ascend


def pca(x: torch.Tensor, d: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean (D,), top-d principal directions as columns (D, d)) of rows x (N, D)."""
    x = x.double()
    mean = x.mean(0)
    cov = (x - mean).T @ (x - mean) / len(x)
    _, vectors = torch.linalg.eigh(cov)  # ascending eigenvalues
    return mean.float(), vectors[:, -d:].flip(1).float()


def pca_reconstruct(x: torch.Tensor, mean: torch.Tensor, components: torch.Tensor) -> torch.Tensor:
    """Project rows x (N, D) onto mean + span(components)."""
    centred = x - mean
    return centred @ components @ components.T + mean
