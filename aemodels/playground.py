"""Train your own autoencoder, step by step, and measure it as it learns: what the "Train your own" page runs.

A `TrainSpec` is the user's choices (checked, with a plain message for each bad one); a `TrainingRun` is one model
being trained on them, advanced a few steps at a time by whoever holds it (aemodels.jobs' pool), and measured on
held-out digits:
- reconstruction MSE;
- denoising PSNR at σ = 0.3, beside the noisy input's own PSNR (an AE that learned the identity passes the noise);
- the normal/tangent ratio of aemodels.geometry (how much of a push off the manifold survives reconstruction
  relative to a push along it: ≈ 1 for the identity, ≪ 1 for a projection);
- anomaly AUC, digits against uniform noise (and Fashion-MNIST items when given);
- a linear probe's accuracy on the codes (the seed's "dimensionality reduction as a preprocessing step for
  classification"), beside the same probe on raw pixels and on PCA codes of the same size;
- for a tied linear AE, the principal angles between its subspace and PCA's (Baldi & Hornik 1989).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import torch

from aemodels import losses
from aemodels.anomaly import auc, noise_images, reconstruction_error
from aemodels.corrupt import gaussian
from aemodels.geometry import pca, principal_angles, project_codes, push_summary
from aemodels.models import VAE, AEConfig, Autoencoder, Kind, LinearAE, build_model
from aemodels.train import Trainer

Architecture = Literal["linear", "mlp", "conv"]
Regulariser = Literal["none", "denoising", "sparse", "vae"]
ARCHITECTURES: tuple[Architecture, ...] = ("linear", "mlp", "conv")
REGULARISERS: tuple[Regulariser, ...] = ("none", "denoising", "sparse", "vae")
MAX_LATENT = 1024
MAX_SEED = 1_000_000
MIN_TRAIN_DIGITS, MAX_TRAIN_DIGITS = 100, 60_000


@dataclass(frozen=True)
class Limit:
    """The range of one of a training's settings, the grid the Train page offers it on, and its name in words."""

    low: float
    high: float
    step: float
    what: str


# The regularisers' settings: one table, which TrainSpec.problems checks and the Train page draws its sliders from
# (a second copy of these bounds, by hand, had come to disagree with the page's: σ from 0.01 here, 0.05 there).
LIMITS: dict[str, Limit] = {
    "noise_std": Limit(0.05, 1.0, 0.05, "the training noise σ"),
    "sparsity_target": Limit(0.01, 0.3, 0.01, "the sparsity target ρ"),
    "sparsity_weight": Limit(0.0, 10.0, 0.5, "the sparsity weight λ"),
    "beta": Limit(0.0, 4.0, 0.1, "β"),
}
HELD_OUT = 1000  # held-out digits the measurements use
SHOWN = 8  # fixed test digits whose reconstructions the page shows
MAP_POINTS = 600  # held-out codes on the code map
PROBE_TRAIN = 5000  # digits the linear probe is fitted on (from the training set), scored on the held-out ones
RATIO_DIGITS = 12  # digits of the normal/tangent measurement (Jacobians: the costly part)
# ... and its budget: digits x code size decoder passes (d = 128 gets all 12 digits; d = 1,024 gets 2, which kept a
# conv model's measurement at 10.7 s and 2.4 GB before it was bounded)
RATIO_COLUMNS = RATIO_DIGITS * 128
RATIO_LEAST = 2


@dataclass(frozen=True)
class Experiment:
    """A guided experiment: its title, what the seed claims, and the choices (TrainSpec's fields) that test it."""

    title: str
    claim: str
    choices: dict[str, Any]


# The guided experiments: what the seed claims, and the choices that put it to the test.
EXPERIMENTS: dict[str, Experiment] = {
    "identity": Experiment(
        "Overcomplete, no regulariser: the identity",
        "With more code than input (d = 1024 > 784) and nothing to stop it, an autoencoder can learn the identity: "
        "near-zero reconstruction error, but the noise passes straight through (denoising PSNR ≈ the noisy "
        "input's), pushes off the manifold survive as well as pushes along it (normal/tangent ≈ 1), and noise is "
        "no longer flagged as an anomaly. A regulariser (denoising, sparsity) makes it a projection again.",
        {"architecture": "mlp", "latent_dim": 1024, "regulariser": "none", "max_seconds": 60.0},
    ),
    "identity_denoising": Experiment(
        "The same, with denoising",
        "Trained to map x + noise back to x, the same overcomplete AE cannot simply copy its input: it has to "
        "project onto the digits again.",
        {"architecture": "mlp", "latent_dim": 1024, "regulariser": "denoising", "noise_std": 0.3, "max_seconds": 60.0},
    ),
    "identity_sparse": Experiment(
        "The same, with sparsity",
        "1024 sigmoid units held to a mean activation of ρ = 0.05: a sparse code, overcomplete but constrained.",
        {"architecture": "mlp", "latent_dim": 1024, "regulariser": "sparse", "max_seconds": 60.0},
    ),
    "pca": Experiment(
        "A linear AE is PCA",
        "A tied linear autoencoder trained with squared error finds the subspace of the top principal components "
        "(Baldi & Hornik 1989): the principal angles between its subspace and PCA's shrink toward 0 as it trains.",
        {"architecture": "linear", "latent_dim": 16, "regulariser": "none", "lr": 3e-3, "max_seconds": 45.0},
    ),
}


class SpecError(ValueError):
    """A choice the trainer cannot run, in plain words for the page."""


@dataclass(frozen=True)
class TrainSpec:
    architecture: Architecture = "mlp"
    latent_dim: int = 2
    regulariser: Regulariser = "none"
    noise_std: float = 0.3  # denoising: σ of the training noise
    sparsity_target: float = 0.05  # sparse: ρ
    sparsity_weight: float = 3.0  # sparse: λ
    beta: float = 1.0  # VAE: weight of the KL term
    train_digits: int = 10_000
    lr: float = 1e-3
    seed: int = 0
    batch_size: int = 64
    max_steps: int = 20_000
    max_seconds: float = 600.0

    @property
    def eta(self) -> float:
        """η = d / 784: below 1 undercomplete, above 1 overcomplete."""
        return self.latent_dim / 784

    def problems(self) -> list[str]:
        """Every reason the spec cannot be trained, in plain words; empty when it can."""
        out = []
        if self.architecture not in ARCHITECTURES:
            out.append(f"the architecture must be one of {', '.join(ARCHITECTURES)}")
        if self.regulariser not in REGULARISERS:
            out.append(f"the regulariser must be one of {', '.join(REGULARISERS)}")
        if not (isinstance(self.latent_dim, int) and 1 <= self.latent_dim <= MAX_LATENT):
            out.append(f"the code size must be a whole number from 1 to {MAX_LATENT}, not {self.latent_dim}")
        checks = [
            (self.lr, 1e-6, 1.0, "the learning rate"),
            *((getattr(self, name), limit.low, limit.high, limit.what) for name, limit in LIMITS.items()),
            (self.max_seconds, 1.0, 3600.0, "the time limit (seconds)"),
        ]
        for value, low, high, name in checks:
            if not (isinstance(value, (int, float)) and math.isfinite(value) and low <= value <= high):
                out.append(f"{name} must lie between {low:g} and {high:g}, not {value}")
        for value, low, high, name in (
            (self.train_digits, MIN_TRAIN_DIGITS, MAX_TRAIN_DIGITS, "the number of training digits"),
            (self.seed, 0, MAX_SEED, "the seed"),
            (self.batch_size, 1, 1024, "the batch size"),
            (self.max_steps, 1, 1_000_000, "the step limit"),
        ):
            if not (isinstance(value, int) and low <= value <= high):
                out.append(f"{name} must be a whole number from {low:,} to {high:,}, not {value}")
        if self.architecture == "linear" and self.regulariser in ("sparse", "vae"):
            out.append(f"the tied linear AE has no {self.regulariser} version here: choose none or denoising")
        if self.architecture == "conv" and self.regulariser == "sparse":
            out.append("sparsity is offered on the MLP (a layer of sigmoid units), not the convolutional AE")
        return out

    def config(self) -> AEConfig:
        problems = self.problems()
        if problems:
            raise SpecError("; ".join(problems))
        noise = self.noise_std if self.regulariser == "denoising" else 0.0
        if self.architecture == "linear":
            return AEConfig(kind="linear", latent_dim=self.latent_dim, recon_loss="mse", train_noise_std=noise)
        if self.regulariser == "sparse":
            return AEConfig(
                kind="sparse",
                latent_dim=self.latent_dim,
                sparsity_target=self.sparsity_target,
                sparsity_weight=self.sparsity_weight,
            )
        # The MLP has hidden layers of 512 and 128 units for codes up to 128 numbers; a larger code gets one hidden
        # layer as wide as itself, so that a code wider than the input is overcomplete all the way through (a
        # narrower layer would be the real bottleneck).
        hidden = (512, 128) if self.latent_dim <= 128 else (self.latent_dim,)
        if self.regulariser == "vae":
            vae_kind: Kind = "vae_mlp" if self.architecture == "mlp" else "vae_conv"
            return AEConfig(kind=vae_kind, latent_dim=self.latent_dim, hidden=hidden, channels=(16, 32))
        kind: Kind = "mlp" if self.architecture == "mlp" else "conv"
        return AEConfig(kind=kind, latent_dim=self.latent_dim, hidden=hidden, channels=(16, 32), train_noise_std=noise)


@dataclass(frozen=True)
class TrainData:
    """Training digits, held-out digits (with labels), and what the page says about where they come from."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_held: torch.Tensor
    y_held: torch.Tensor
    source: str
    fashion: torch.Tensor | None = None  # Fashion-MNIST items for the anomaly AUC, where installed

    def __post_init__(self) -> None:
        for name in ("x_train", "x_held", "fashion"):
            images = getattr(self, name)
            if images is not None and tuple(images.shape[1:]) != (1, 28, 28):
                raise ValueError(f"{name} must be images of shape (N, 1, 28, 28), not {tuple(images.shape)}")

    def limited(self, n: int) -> TrainData:
        return replace(self, x_train=self.x_train[:n], y_train=self.y_train[:n])


@dataclass(frozen=True)
class CodeMap:
    """Held-out codes to plot: points (n, 2), their labels (n,), and what the axes are."""

    points: np.ndarray
    labels: np.ndarray
    axes: str


@dataclass(frozen=True)
class Measurements:
    step: int
    mse: float
    denoise_psnr: float  # σ = 0.3
    noisy_psnr: float  # the noisy input's own PSNR
    normal_tangent_ratio: float
    auc_noise: float
    auc_fashion: float | None
    probe_codes: float
    probe_pixels: float
    probe_pca: float
    pca_angle: float | None  # tied linear AE only: mean principal angle to PCA, degrees


@dataclass
class TrainingRun:
    """One model trained on a spec: `advance` trains a few steps, `measure` scores it on the held-out digits."""

    spec: TrainSpec
    data: TrainData
    model: Autoencoder = field(init=False)
    step: int = 0
    seconds: float = 0.0
    history: dict[str, list[float]] = field(default_factory=dict)  # "step" and each loss term, averaged
    test_history: dict[str, list[float]] = field(default_factory=dict)
    # What `seconds` (and so the time limit) counts: the wall clock by default; the app's pool passes
    # time.thread_time, the trainer thread's own CPU time, so a job's budget runs only while it computes.
    clock: Callable[[], float] = field(default=time.perf_counter, repr=False)

    def __post_init__(self) -> None:
        # Its own generators, never the process's: two trainings started at once are each reproducible.
        self.model = build_model(self.spec.config(), generator=torch.Generator().manual_seed(self.spec.seed))
        if isinstance(self.model, LinearAE):
            self.model.set_mean(self.data.x_train.mean(0))
        if isinstance(self.model, VAE):
            self.model.kl_weight = self.spec.beta
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=self.spec.lr)
        self.trainer = Trainer(self.model, self.optimizer, noise="fixed")  # σ is the page's slider, not a bound
        self.generator = torch.Generator().manual_seed(self.spec.seed)
        self._running: dict[str, float] = {}
        self._count = 0
        self._baselines: tuple[float, float] | None = None
        self._pca: torch.Tensor | None = None

    def advance(self, steps: int) -> None:
        """Train `steps` steps. Raises FloatingPointError, with the model left as it was, when a loss is not a
        finite number (a learning rate far too large does that)."""
        began = self.clock()
        self.model.train()
        for _ in range(steps):
            index = torch.randint(0, len(self.data.x_train), (self.spec.batch_size,), generator=self.generator)
            try:
                terms = self.trainer.step(self.data.x_train[index], self.generator)
            except FloatingPointError as err:
                raise FloatingPointError(
                    f"{err} at step {self.step + 1}: the learning rate {self.spec.lr:g} is too large for this "
                    "model; try 10 times smaller"
                ) from err
            self.step += 1
            for key, value in terms.items():
                self._running[key] = self._running.get(key, 0.0) + value
            self._count += 1
        self.model.eval()
        self.seconds += self.clock() - began
        if self._count and (self._count >= 25 or steps == 1):
            self.history.setdefault("step", []).append(self.step)
            for key, total in self._running.items():
                self.history.setdefault(key, []).append(total / self._count)
            self._running, self._count = {}, 0

    def end_training(self) -> None:
        """Drop what only further training needs (Adam's two moments and the gradients: three times the
        weights' memory); the model stays usable for every measurement and picture."""
        self.optimizer.state.clear()
        self.model.zero_grad(set_to_none=True)

    @torch.inference_mode()
    def test_loss(self) -> dict[str, float]:
        """Each loss term on the held-out digits, recorded in test_history."""
        x = self.data.x_held[:500]
        if isinstance(self.model, VAE):
            x = torch.bernoulli(x, generator=torch.Generator().manual_seed(0))
        out = self.model(x, generator=torch.Generator().manual_seed(0))  # the same draws at every snapshot
        terms = {k: v.item() for k, v in self.model.loss(x, out).items()}
        self.test_history.setdefault("step", []).append(self.step)
        for key, value in terms.items():
            self.test_history.setdefault(key, []).append(value)
        return terms

    @torch.inference_mode()
    def reconstructions(self) -> torch.Tensor:
        return self.model.reconstruct(self.data.x_held[:SHOWN])

    @torch.inference_mode()
    def code_map(self) -> CodeMap:
        """(points (n, 2), labels (n,), what the axes are) of held-out codes: 2-d codes as they are, a 1-d code
        against its class, otherwise the top two principal components of the codes."""
        z = self.model.encode(self.data.x_held[:MAP_POINTS])
        labels = self.data.y_held[:MAP_POINTS].numpy()
        if z.shape[1] == 1:
            return CodeMap(np.column_stack([z[:, 0].numpy(), labels]), labels, "z1 against the digit's class")
        coords, explained = project_codes(z)
        axes = "z1, z2" if explained is None else f"PC1, PC2 of the {z.shape[1]}-d codes"
        return CodeMap(coords.numpy(), labels, axes)

    def measure(self) -> Measurements:
        if self._baselines is None:  # they depend on the data and d only: once per run
            self._baselines = probe_baselines(self.data, self.model.latent_dim)
            if isinstance(self.model, LinearAE):
                self._pca = pca(self.data.x_train.flatten(1), self.model.latent_dim)[1]
        return measure(self.model, self.data, step=self.step, baselines=self._baselines, pca_components=self._pca)


def ridge_probe(train: torch.Tensor, y_train: torch.Tensor, test: torch.Tensor, y_test: torch.Tensor) -> float:
    """Accuracy of a linear classifier (least squares on one-hot targets, ridge 1e-3 × the feature scale) fitted on
    `train` features and scored on `test`: a deterministic linear probe, solved in closed form."""
    a = torch.cat([train.double().flatten(1), torch.ones(len(train), 1, dtype=torch.float64)], 1)
    b = torch.cat([test.double().flatten(1), torch.ones(len(test), 1, dtype=torch.float64)], 1)
    targets = torch.nn.functional.one_hot(y_train, 10).double()
    gram = a.T @ a
    ridge = 1e-3 * gram.diagonal().mean().clamp_min(1e-12) * torch.eye(gram.shape[0], dtype=torch.float64)
    weights = torch.linalg.solve(gram + ridge, a.T @ targets)
    return float(((b @ weights).argmax(1) == y_test).double().mean())


@torch.inference_mode()
def probe_baselines(data: TrainData, d: int) -> tuple[float, float]:
    """The probe on raw pixels and on PCA codes of size d (fitted on the probe's training digits)."""
    x, y = data.x_train[:PROBE_TRAIN].flatten(1), data.y_train[:PROBE_TRAIN]
    held, y_held = data.x_held.flatten(1), data.y_held
    pixels = ridge_probe(x, y, held, y_held)
    k = min(d, x.shape[1], len(x) - 1)
    mean, components = pca(x, k)
    return pixels, ridge_probe((x - mean) @ components, y, (held - mean) @ components, y_held)


def ratio_digits(latent_dim: int) -> int:
    """Digits of the normal/tangent measurement for a code of `latent_dim` numbers: RATIO_DIGITS, fewer for a large
    code (at most RATIO_COLUMNS Jacobian columns), at least RATIO_LEAST."""
    return max(RATIO_LEAST, min(RATIO_DIGITS, RATIO_COLUMNS // max(1, latent_dim)))


def measure(
    model: Autoencoder,
    data: TrainData,
    *,
    step: int = 0,
    baselines: tuple[float, float] | None = None,
    pca_components: torch.Tensor | None = None,
) -> Measurements:
    """Every figure the page shows for a model, on the held-out digits. baselines: the probe on pixels and on PCA
    codes (probe_baselines), pca_components: PCA's top-d directions of the training digits, when known."""
    x = data.x_held
    with torch.inference_mode():
        recon = torch.cat([model.reconstruct(xb) for xb in x.split(500)])
        mse = losses.mse(recon, x).mean().item()
        noisy = gaussian(x, 0.3, seed=0)
        denoised = torch.cat([model.reconstruct(xb) for xb in noisy.split(500)])
        denoise_psnr = losses.psnr(denoised, x).mean().item()
        noisy_psnr = losses.psnr(noisy, x).mean().item()
        normal = losses.mse(recon[:500], x[:500]).numpy()  # reconstruction_error's score, from `recon`
        auc_noise = auc(normal, reconstruction_error(model, noise_images("uniform", 200, seed=1)).numpy())
        auc_fashion = (
            auc(normal, reconstruction_error(model, data.fashion[:500]).numpy()) if data.fashion is not None else None
        )
        codes_train = model.encode(data.x_train[:PROBE_TRAIN])
        codes_held = model.encode(x)
        probe_codes = ridge_probe(codes_train, data.y_train[:PROBE_TRAIN], codes_held, data.y_held)
    ratio = push_summary(model, x[: ratio_digits(model.latent_dim)], eps=1.0, seed=0).ratio
    pixels, pca_probe = baselines or probe_baselines(data, model.latent_dim)
    angle = None
    if isinstance(model, LinearAE):
        components = pca_components if pca_components is not None else pca(data.x_train.flatten(1), model.latent_dim)[1]
        angle = float(principal_angles(model.A.detach().T, components).mean())
    return Measurements(
        step=step,
        mse=mse,
        denoise_psnr=denoise_psnr,
        noisy_psnr=noisy_psnr,
        normal_tangent_ratio=ratio,
        auc_noise=auc_noise,
        auc_fashion=auc_fashion,
        probe_codes=probe_codes,
        probe_pixels=pixels,
        probe_pca=pca_probe,
        pca_angle=angle,
    )


def knn_accuracy(points: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    """Leave-one-out k-nearest-neighbour accuracy of labelled points (n, dims): how well the map separates the
    classes (a majority vote of each point's k nearest other points)."""
    p = torch.as_tensor(points, dtype=torch.float64)
    distances = torch.cdist(p, p)
    distances.fill_diagonal_(float("inf"))
    nearest = distances.topk(k, largest=False).indices
    votes = torch.as_tensor(labels)[nearest]
    predicted = torch.mode(votes, dim=1).values
    return float((predicted == torch.as_tensor(labels)).double().mean())
