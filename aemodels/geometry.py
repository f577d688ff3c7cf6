"""Paths and grids in latent space, principal angles between subspaces, and the decoded manifold's
tangent planes (decoder Jacobians) with the tangent/normal experiment."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import torch

from aemodels.corrupt import corrupt
from aemodels.losses import gaussian_kl
from aemodels.models import VAE, Autoencoder


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


@dataclass
class LatentProfile:
    """How to lay out sliders for a model's code: dimensions ordered by how much they carry, and their range."""

    order: list[int]  # most informative first
    low: list[float]
    high: list[float]
    informativeness: list[float]  # VAE: mean KL per dimension (nats); AE: variance of the codes
    unit: str  # "prior standard deviations" or "code units"

    def clip(self, z: list[float]) -> list[float]:
        """The code z with each coordinate held inside its slider's range."""
        if len(z) != len(self.low):
            raise ValueError(f"a code of this model has {len(self.low)} numbers, got {len(z)}")
        return [min(max(float(v), lo), hi) for v, lo, hi in zip(z, self.low, self.high, strict=True)]


@torch.inference_mode()
def code_range(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The range codes z (n, d) take per dimension: 0.5 % to 99.5 %, widened by 10 % of its width on each side."""
    lo, hi = torch.quantile(z, 0.005, dim=0), torch.quantile(z, 0.995, dim=0)
    margin = 0.1 * (hi - lo)
    return lo - margin, hi + margin


def latent_profile(model: Autoencoder, x: torch.Tensor) -> LatentProfile:
    """VAE: range -3..3 (prior SDs), dimensions by mean KL over x (inactive ones carry ~0 nats).
    AE: the range the codes of x take (0.5% to 99.5%, widened by 10%), dimensions by code variance."""
    if isinstance(model, VAE):
        mu, logvar = model.posterior(x)
        score = gaussian_kl(mu, logvar).mean(0)
        low, high, unit = [-3.0] * model.latent_dim, [3.0] * model.latent_dim, "prior standard deviations"
    else:
        z = model.encode(x)
        score = z.var(0)
        lo, hi = code_range(z)
        low, high, unit = lo.tolist(), hi.tolist(), "code units"
    order = torch.argsort(score, descending=True).tolist()
    return LatentProfile(order=order, low=low, high=high, informativeness=score.tolist(), unit=unit)


@torch.inference_mode()
def noise_collapse_curve(
    model: Autoencoder, x: torch.Tensor, levels: list[float], *, seed: int = 0
) -> dict[str, list[float]]:
    """For Gaussian noise of each std: relative size of the noise ||n|| / ||x||, of the code's move
    ||E(x+n) - E(x)|| / ||E(x)||, and of the output's move ||D(E(x+n)) - D(E(x))|| / ||x||.
    Noise off the manifold is collapsed: the last two stay well below the first."""
    noisy = torch.cat([corrupt(x, "gaussian", level, seed=seed) for level in levels])
    codes = model.encode(torch.cat([x, noisy]))  # one batch (the clean digit first), not a loop over levels
    outputs = model.decode(codes).flatten(1)
    z, z_noisy = codes[:1].flatten(1), codes[1:].flatten(1)
    return {
        "noise_std": list(levels),
        "input_change": ((noisy - x).flatten(1).norm(dim=1) / x.norm()).tolist(),
        "code_change": ((z_noisy - z).norm(dim=1) / z.norm().clamp_min(1e-8)).tolist(),
        "output_change": ((outputs[1:] - outputs[:1]).norm(dim=1) / x.norm()).tolist(),
    }


def normal_icdf_grid(n: int, *, lo: float = 0.05, hi: float = 0.95) -> torch.Tensor:
    """An n x n grid of 2-d codes through the inverse Gaussian CDF (Kingma & Welling 2014, fig. 4): (n*n, 2),
    row-major with the second coordinate decreasing down the rows so the picture reads like a plot."""
    values = torch.distributions.Normal(0.0, 1.0).icdf(torch.linspace(lo, hi, n))
    z2, z1 = torch.meshgrid(values.flip(0), values, indexing="ij")
    return torch.stack([z1.flatten(), z2.flatten()], 1)


def uniform_codes(low: list[float], high: list[float], n: int, *, seed: int = 0) -> torch.Tensor:
    """n codes drawn uniformly from the box [low, high]: what sampling an AE without a prior amounts to."""
    g = torch.Generator().manual_seed(seed)
    low_t, high_t = torch.tensor(low), torch.tensor(high)
    return low_t + (high_t - low_t) * torch.rand(n, len(low), generator=g)


_FORWARD_AD = threading.Lock()


def prepare_forward_ad() -> None:
    """Load PyTorch's forward-AD decompositions now, in the calling thread. Forward AD loads them on its first use,
    parsing Python source; CPython 3.11's parser fails ("AST constructor recursion depth mismatch") when another
    thread parses at the same moment, as a server's script threads do. A caller about to start threads that take
    Jacobians (the training pool) loads them first."""
    from torch._decomp import decompositions_for_jvp  # noqa: F401  (importing it registers them)


def decoder_jacobian(model: Autoencoder, z: torch.Tensor) -> torch.Tensor:
    """dD/dz at the codes z (B, d): (B, 784, d). Column j of each is the tangent direction of latent j."""
    decode = model.decode_unclipped

    def flat(v: torch.Tensor) -> torch.Tensor:  # (d,) -> (784,)
        return decode(v.unsqueeze(0)).flatten()

    # Forward-mode AD keeps its levels in process-wide state: two threads taking Jacobians at once (two users of the
    # Manifold page, or training jobs being measured) fail with "invalid forward ad level". One at a time.
    with _FORWARD_AD, torch.inference_mode(False), torch.enable_grad():
        return torch.func.vmap(torch.func.jacfwd(flat))(z.detach().clone()).detach()


def tangent_basis(jacobian: torch.Tensor, *, rtol: float = 0.01) -> tuple[torch.Tensor, torch.Tensor]:
    """Orthonormal basis (784, r) of the tangent plane spanned by a Jacobian (784, d), and its singular values
    (d,), descending. A direction the decoder moves along less than rtol times as fast as its fastest one (a
    VAE's unused latents) is not counted as part of the manifold."""
    u, s, _ = torch.linalg.svd(jacobian.double(), full_matrices=False)
    rank = int((s > rtol * s[0]).sum()) if s[0] > 0 else 0
    return u[:, :rank].float(), s.float()


@dataclass
class TangentNormal:
    """How much of a push of norm eps survives x -> D(E(x)), per digit: along the tangent plane and normal to it."""

    tangent_kept: torch.Tensor  # (B,) ||R(x + eps t) - R(x)|| / eps, t a random unit tangent direction
    normal_kept: torch.Tensor  # (B,) the same for n, a random unit direction orthogonal to the tangent plane
    eps: float
    tangent: torch.Tensor  # (B, 1, 28, 28) the unit directions t used
    normal: torch.Tensor  # (B, 1, 28, 28) the unit directions n used

    @property
    def ratio(self) -> torch.Tensor:
        """normal kept / tangent kept: near 0 when reconstruction projects onto the manifold."""
        return self.normal_kept / self.tangent_kept.clamp_min(1e-12)


@torch.inference_mode()
def smooth_reconstruct(model: Autoencoder, x: torch.Tensor) -> torch.Tensor:
    return model.decode_unclipped(model.encode(x))


@dataclass(frozen=True)
class PushDirections:
    """For each digit, a random unit direction in the decoded manifold's tangent plane at D(E(x)) and a random
    unit direction normal to it. The expensive part of the push experiment (a decoder Jacobian per digit), and
    independent of the push's size."""

    tangent: torch.Tensor  # (B, 1, 28, 28)
    normal: torch.Tensor  # (B, 1, 28, 28)


JACOBIAN_COLUMNS = 1024  # decoder passes forward-mode AD makes at once: digits x code size, bounded (memory)


def push_directions(model: Autoencoder, x: torch.Tensor, *, seed: int = 0, chunk: int = 25) -> PushDirections:
    """`PushDirections` of the digits x (B, 1, 28, 28), seeded (where a decoder's tangent plane is the whole pixel
    space there is no normal direction, and a random direction stands in for it). Jacobians are taken `chunk`
    digits at a time, fewer where the code is large (at most JACOBIAN_COLUMNS decoder passes at once), which bounds
    memory: a conv decoder's Jacobian of 200 digits at once would hold over a GB of activations, and 12 digits of a
    code of 1,024 held 2.4 GB. The forward-AD lock is held for one chunk at a time."""
    generator = torch.Generator().manual_seed(seed)
    tangents, normals = [], []
    chunk = max(1, min(chunk, JACOBIAN_COLUMNS // max(1, model.latent_dim)))
    for part in x.split(chunk):
        with torch.inference_mode():
            z = model.encode(part)
        for jacobian in decoder_jacobian(model, z):
            basis, _ = tangent_basis(jacobian)
            t = basis @ torch.randn(basis.shape[1], generator=generator)
            raw = torch.randn(784, generator=generator)
            n = raw - basis @ (basis.T @ raw)
            if n.norm() < 1e-4 * raw.norm():
                # The tangent plane fills the pixel space (an overcomplete decoder can): no direction is off the
                # manifold, so a random one stands in; the identity keeps it whole, a ratio of 1.
                n = raw
            tangents.append(t / t.norm())
            normals.append(n / n.norm())
    return PushDirections(tangent=torch.stack(tangents).view(x.shape), normal=torch.stack(normals).view(x.shape))


def push_kept(model: Autoencoder, x: torch.Tensor, directions: PushDirections, *, eps: float) -> TangentNormal:
    """Push each digit by eps along its tangent and its normal direction (pixels are not clipped) and measure
    how far the reconstruction moves: cheap, two reconstructions per digit."""
    if not eps > 0:
        raise ValueError(f"the push size eps must be positive, got {eps}")
    base = smooth_reconstruct(model, x)

    def kept(direction: torch.Tensor) -> torch.Tensor:
        moved = smooth_reconstruct(model, x + eps * direction) - base
        return moved.flatten(1).norm(dim=1) / eps

    t, n = directions.tangent, directions.normal
    return TangentNormal(tangent_kept=kept(t), normal_kept=kept(n), eps=eps, tangent=t, normal=n)


def tangent_normal_split(model: Autoencoder, x: torch.Tensor, *, eps: float = 1.0, seed: int = 0) -> TangentNormal:
    """Push each digit x (B, 1, 28, 28) by eps along a random tangent direction of the decoded manifold at
    D(E(x)) and along a random direction normal to it (pixels are not clipped), and measure how far the
    reconstruction moves. A reconstruction that projects onto the manifold keeps the first, drops the second."""
    return push_kept(model, x, push_directions(model, x, seed=seed), eps=eps)


def project_codes(z: torch.Tensor, dims: int = 2) -> tuple[torch.Tensor, list[float] | None]:
    """Codes z (N, d) as points to plot. d <= dims: the codes themselves and None. Otherwise: the coordinates
    (N, dims) along the top principal directions of the codes, and the fraction of the codes' variance each carries."""
    z = z.detach().float()
    if z.shape[1] <= dims:
        return z, None
    mean, directions = pca(z, dims)
    total = (z - mean).pow(2).sum(1).mean()
    coords = (z - mean) @ directions
    return coords, [float(coords[:, i].pow(2).mean() / total) for i in range(dims)]


def decorrelated_basis(rows: torch.Tensor, codes: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
    """A linear AE's basis rows (d, D), rotated inside their span so that the codes (N, d) they give become
    uncorrelated, largest variance first: what a PCA of the codes does, and how the AE's mixed basis turns into
    principal directions. With reference directions (D, d), each row's sign is flipped to agree with them."""
    _, rotation = pca(codes, rows.shape[0])
    rotated = rotation.T @ rows
    if reference is not None:
        rotated = rotated * torch.sign((rotated * reference.T).sum(1, keepdim=True))
    return rotated


@dataclass(frozen=True)
class PushSummary:
    """The tangent/normal experiment averaged over a set of digits, for one model."""

    tangent_kept: float
    normal_kept: float
    ratio: float  # mean over digits of normal kept / tangent kept
    digits: int
    eps: float


def push_summary(
    model: Autoencoder,
    x: torch.Tensor,
    *,
    eps: float = 1.0,
    seed: int = 0,
    directions: PushDirections | None = None,
) -> PushSummary:
    """`tangent_normal_split` over the digits x (B, 1, 28, 28), averaged: how much of a push along the manifold
    and of one away from it survives reconstruction, on average. Pass `directions` (from `push_directions`, for
    the same x) to try other push sizes without taking the Jacobians again."""
    if len(x) == 0:
        raise ValueError("push_summary needs at least one digit")
    result = push_kept(model, x, directions or push_directions(model, x, seed=seed), eps=eps)
    return PushSummary(
        tangent_kept=float(result.tangent_kept.mean()),
        normal_kept=float(result.normal_kept.mean()),
        ratio=float(result.ratio.mean()),
        digits=len(x),
        eps=eps,
    )


@dataclass(frozen=True)
class SpotReport:
    """How a spot of a latent plane relates to the codes of real digits."""

    nearest: float  # distance from the spot to the nearest code
    spacing: float  # the codes' typical distance to their own nearest neighbour (median)
    factor: float  # a spot farther than factor * spacing from every code counts as a hole

    @property
    def is_hole(self) -> bool:
        return self.nearest > self.factor * self.spacing


def spot_report(codes: torch.Tensor, spot: torch.Tensor, *, factor: float = 5.0) -> SpotReport:
    """Compare the distance from `spot` (d,) to the nearest of `codes` (N, d) with the codes' typical spacing: an
    AE's holes are spots much farther from every code than codes are from each other."""
    if codes.ndim != 2 or len(codes) < 2 or spot.shape != codes.shape[1:]:
        raise ValueError(f"need codes (N >= 2, d) and a spot (d,); got {tuple(codes.shape)} and {tuple(spot.shape)}")
    codes = codes.double()
    gaps = torch.cdist(codes, codes)
    gaps.fill_diagonal_(float("inf"))
    spacing = float(gaps.min(1).values.median())
    nearest = float((codes - spot.double()).norm(dim=1).min())
    return SpotReport(nearest=nearest, spacing=spacing, factor=factor)
