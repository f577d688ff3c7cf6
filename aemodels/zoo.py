"""The pretrained zoo: what each shipped model is, how it is trained, and its checkpoint files.

A checkpoint is NAME.safetensors (weights, no pickle) beside NAME.json (config, training recipe and
provenance, metrics, and the sha256 of the weights file). Loading rebuilds the model from the JSON,
verifies the hash and loads the weights strictly.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import torch

from aemodels.checkpoints import CheckpointError, pretrained_dir, read_record
from aemodels.data import DataError, load_mnist
from aemodels.models import MODELS, AEConfig

# What a model is used for in the app; each page asks the zoo for the models of its role, so adding a model
# touches the zoo and nothing in the pages.
Role = Literal[
    "intro",  # Start here: the digit through one encoder and decoder
    "reconstruction",  # Reconstruction page: the models compared
    "denoise_plain",  # Denoising page: the plain AE that denoises as a side effect
    "denoiser",  # Denoising page: the model trained to denoise
    "sliders",  # Latent sliders page
    "sampling",  # Sampling page: VAEs whose prior is sampled
    "latent_map",  # Latent explorer: codes as a scatter
    "geometry",  # Manifold geometry: decoder Jacobians
    "linear_pca",  # A linear AE is PCA: the tied linear AE
    "anomaly_score",  # Anomaly detection: reconstruction error as a score
    "posterior",  # Inside the VAE: posterior, ELBO terms
    "sparse_codes",  # Sparse codes: the sparse AE
    "conditional",  # Sampling page: a class-conditional VAE, the user picks the class
]
ROLES: tuple[Role, ...] = Role.__args__  # type: ignore[attr-defined]  # the Literal's values, for validation


@dataclass(frozen=True)
class Recipe:
    """How `python -m aemodels.train NAME` reproduces a shipped model."""

    config: AEConfig
    description: str
    epochs: int
    lr: float = 1e-3
    min_lr: float = 1e-5  # cosine decay from lr to min_lr over the epochs
    batch_size: int = 128
    kl_warmup_epochs: int = 0  # VAE only: KL weight grows linearly from 0 to 1
    seed: int = 0
    store_float16: bool = False  # halve the shipped file; weights are upcast to float32 on load
    # What the model must reach on the full test set: metric -> (lowest, highest) allowed, None = unbounded.
    targets: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    roles: frozenset[Role] = frozenset()
    # VAE only: the plain AE whose random codes the Sampling page shows beside this VAE's prior samples.
    compare_ae: str | None = None


ZOO: dict[str, Recipe] = {
    "linear16": Recipe(
        AEConfig(kind="linear", latent_dim=16, recon_loss="mse"),
        "Tied linear AE, d=16: x_hat = A^T A (x - m) + m. Finds the PCA subspace.",
        epochs=30,
        lr=3e-3,
        batch_size=256,
        targets={"test_mse_over_pca": (None, 1.01), "mean_principal_angle_deg": (None, 5.0)},
        roles=frozenset({"reconstruction", "latent_map", "geometry", "linear_pca", "anomaly_score"}),
    ),
    "ae2": Recipe(
        AEConfig(kind="mlp", latent_dim=2, hidden=(1024, 512, 256)),
        "MLP AE with a 2-d code: a latent map of the digits, with holes.",
        epochs=35,
        store_float16=True,
        targets={"test_mse": (None, 0.036)},
        roles=frozenset({"reconstruction", "sliders", "latent_map", "geometry", "anomaly_score"}),
    ),
    "ae16": Recipe(
        AEConfig(kind="conv", latent_dim=16, channels=(32, 64)),
        "Convolutional AE, d=16: the reconstruction model and the AE for sliders.",
        epochs=8,
        store_float16=True,
        targets={"test_mse": (None, 0.009)},
        roles=frozenset(
            {"intro", "reconstruction", "denoise_plain", "sliders", "latent_map", "geometry", "anomaly_score"}
        ),
    ),
    "dae": Recipe(
        AEConfig(kind="conv", latent_dim=64, channels=(32, 64), train_noise_std=0.6),
        "Denoising convolutional AE, d=64, trained on x + N(0, s^2), s ~ U[0, 0.6], clipped, against the clean x.",
        epochs=15,
        store_float16=True,
        targets={"denoise_psnr_db_sigma0.3": (21.0, None), "denoise_psnr_db_sigma0.5": (19.0, None)},
        roles=frozenset({"reconstruction", "denoiser", "latent_map", "geometry", "anomaly_score"}),
    ),
    "sparse": Recipe(
        AEConfig(kind="sparse", latent_dim=400, sparsity_target=0.05, sparsity_weight=3.0),
        "Sparse AE: 400 sigmoid hidden units held to a mean activation of 0.05 by KL(rho || rho_hat).",
        epochs=30,
        store_float16=True,
        targets={"mean_activation": (0.04, 0.06)},
        roles=frozenset({"reconstruction", "latent_map", "anomaly_score", "sparse_codes"}),
    ),
    "vae2": Recipe(
        AEConfig(kind="vae_mlp", latent_dim=2, hidden=(512, 256)),
        "MLP VAE with a 2-d code: the manifold map and prior sampling.",
        epochs=20,
        store_float16=True,
        kl_warmup_epochs=5,
        roles=frozenset(
            {"reconstruction", "sliders", "sampling", "latent_map", "geometry", "anomaly_score", "posterior"}
        ),
        compare_ae="ae2",
    ),
    "vae16": Recipe(
        AEConfig(kind="vae_mlp", latent_dim=16, hidden=(512, 512)),
        "MLP VAE, d=16: sliders, interpolation and sampling.",
        epochs=20,
        store_float16=True,
        kl_warmup_epochs=10,
        roles=frozenset(
            {"reconstruction", "sliders", "sampling", "latent_map", "geometry", "anomaly_score", "posterior"}
        ),
        compare_ae="ae16",
    ),
    "vae50": Recipe(
        AEConfig(kind="vae_mlp", latent_dim=50, hidden=(512, 512)),
        "MLP VAE, d=50: the best-likelihood model of the zoo.",
        epochs=200,
        kl_warmup_epochs=20,
        batch_size=100,
        targets={"nll_nats": (None, 86.76)},
        roles=frozenset({"reconstruction", "sampling", "latent_map", "geometry", "anomaly_score", "posterior"}),
        compare_ae="ae16",
    ),
    "cvae4": Recipe(
        AEConfig(kind="cvae_mlp", latent_dim=4, hidden=(512, 512)),
        "Class-conditional MLP VAE, d=4: pick the class, the code carries the style (slant, width, stroke).",
        epochs=60,
        kl_warmup_epochs=10,
        store_float16=True,
        roles=frozenset({"conditional"}),
    ),
}


def models_for(role: Role, directory: Path | None = None) -> list[str]:
    """The installed models that serve a role in the app, in zoo order."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; known: {', '.join(ROLES)}")
    return [name for name in present(directory) if name in ZOO and role in ZOO[name].roles]


def model_label(name: str, directory: Path | None = None) -> str:
    """ "NAME — what it is", read from the model's JSON without loading its weights; "NAME (unavailable)" when
    the description cannot be read."""
    try:
        description = str(read_record(name, directory).get("description", ""))
    except CheckpointError:
        return f"{name} (unavailable)"
    summary = description.split(":")[0]
    return f"{name} — {summary}" if summary else name


def present(directory: Path | None = None) -> list[str]:
    """Names of every checkpoint present, conditional or not, in zoo order, then any others alphabetically."""
    directory = Path(directory or pretrained_dir())
    stems = {p.stem for p in directory.glob("*.json")}
    return [n for n in ZOO if n in stems] + sorted(stems - set(ZOO))


def is_conditional(name: str, directory: Path | None = None) -> bool:
    """Whether NAME's model needs the digit's class to encode and decode (a ConditionalVAE): from its zoo recipe, or
    for a model outside the zoo from its JSON (one that cannot be read counts as not conditional: it is listed, and
    load_pretrained says what is wrong with it)."""
    kind: object
    if name in ZOO:
        kind = ZOO[name].config.kind
    else:
        try:
            config = read_record(name, directory)["config"]
        except CheckpointError:
            return False
        kind = config.get("kind") if isinstance(config, dict) else None
    return isinstance(kind, str) and kind in MODELS and MODELS[kind].conditional


def list_pretrained(directory: Path | None = None, *, conditional: bool = False) -> list[str]:
    """Names of the checkpoints present, in zoo order, then any others alphabetically: the models that keep the
    shared interface (encode(x), decode(z), reconstruct(x) on x (B, 1, 28, 28)); with conditional=True, the
    class-conditional ones instead (ConditionalVAE: posterior_given, decode_given, sample_given). load_pretrained
    loads either."""
    return [name for name in present(directory) if is_conditional(name, directory) == conditional]


def refit_command(
    description: str, defaults: list[str], argv: list[str] | None
) -> tuple[argparse.Namespace, torch.Tensor]:
    """The command line of the commands that refit something of the zoo's models on the training digits
    (`python -m aemodels.samplers`, `python -m aemodels.attributes`): (arguments, the 60,000 training digits).
    args.models is the models named, or `defaults`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("models", nargs="*", help=f"default: {' '.join(defaults)}")
    parser.add_argument("--data-dir", default=None, help="MNIST folder (default: $AEMODELS_DATA or data/mnist)")
    parser.add_argument("--out-dir", type=Path, default=None, help="the zoo folder (default: pretrained/)")
    args = parser.parse_args(argv)
    args.models = args.models or defaults
    try:
        x_train, _ = load_mnist("train", directory=args.data_dir)
    except DataError as err:
        raise SystemExit(f"error: {err}") from None
    return args, x_train
