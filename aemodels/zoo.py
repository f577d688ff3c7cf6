"""The pretrained zoo: what each shipped model is, how it is trained, and its checkpoint files.

A checkpoint is NAME.safetensors (weights, no pickle) beside NAME.json (config, training recipe and
provenance, metrics, and the sha256 of the weights file). Loading rebuilds the model from the JSON,
verifies the hash and loads the weights strictly.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from aemodels.data import PRETRAINED_DIR, DataError, load_mnist
from aemodels.models import MODELS, AEConfig, Autoencoder, empty_model

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

# JSON written before the format had a version (every checkpoint shipped in 2026-11) counts as version 1.
FORMAT_VERSION = 1


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


class CheckpointError(Exception):
    """A checkpoint file is missing, altered or inconsistent; the message names the file."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pretrained_dir() -> Path:
    return Path(os.environ.get("AEMODELS_PRETRAINED", PRETRAINED_DIR))


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


def save_checkpoint(
    model: Autoencoder, name: str, *, directory: Path | None = None, meta: dict | None = None, float16: bool = False
) -> Path:
    directory = Path(directory or pretrained_dir())
    directory.mkdir(parents=True, exist_ok=True)
    weights = directory / f"{name}.safetensors"
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    if float16:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    save_file(state, str(weights))
    record = {
        "format_version": FORMAT_VERSION,
        "name": name,
        "config": dataclasses.asdict(model.config),
        "weights": weights.name,
        "sha256": sha256_file(weights),
        **(meta or {}),
    }
    path = directory / f"{name}.json"
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return path


def checkpoint_archive(model: Autoencoder, name: str, meta: dict | None = None) -> bytes:
    """NAME.safetensors and NAME.json (save_checkpoint's files) in one zip: unpacked into a folder,
    `load_pretrained(NAME, directory=folder)` reads it."""
    with tempfile.TemporaryDirectory() as folder:
        save_checkpoint(model, name, directory=Path(folder), meta=meta)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for suffix in (".safetensors", ".json"):
                archive.write(Path(folder) / f"{name}{suffix}", f"{name}{suffix}")
        return buffer.getvalue()


def read_record(name: str, directory: Path | None = None) -> dict:
    path = Path(directory or pretrained_dir()) / f"{name}.json"
    if not path.exists():
        raise CheckpointError(f"Checkpoint description {path} is missing; the model {name!r} cannot be loaded.")
    try:
        record = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(f"Checkpoint description {path} is not valid JSON ({err}).") from err
    if not isinstance(record, dict) or not {"config", "sha256", "weights"} <= set(record):
        raise CheckpointError(f"Checkpoint description {path} lacks its config, weights or sha256 entry.")
    version = record.get("format_version", 1)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(
            f"Checkpoint description {path} has format version {version!r}; this aemodels reads up to version "
            f"{FORMAT_VERSION}. Update aemodels, or retrain with `python -m aemodels.train {name}`."
        )
    return record


def write_metrics(name: str, metrics: dict, directory: Path | None = None) -> None:
    path = Path(directory or pretrained_dir()) / f"{name}.json"
    record = read_record(name, directory)
    record["metrics"] = metrics
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")


def load_pretrained(name: str, *, directory: Path | None = None) -> Autoencoder:
    """Rebuild NAME from its JSON, verify the weights' sha256, load strictly; eval mode, on the CPU. The weights
    are ordinary tensors even when the caller is inside torch.inference_mode(), so that a model loaded there can
    still be differentiated later (decoder Jacobians)."""
    with torch.inference_mode(False):
        return _load_pretrained(name, Path(directory or pretrained_dir()))


def _load_pretrained(name: str, directory: Path) -> Autoencoder:
    record = read_record(name, directory)
    weights = directory / record["weights"]
    if not weights.exists():
        raise CheckpointError(f"Weights file {weights} is missing; the model {name!r} cannot be loaded.")
    actual = sha256_file(weights)
    if actual != record["sha256"]:
        raise CheckpointError(
            f"Weights file {weights} does not match its recorded sha256 (it was altered or truncated); "
            f"restore it from the repository or retrain with `python -m aemodels.train {name}`."
        )
    try:
        config = AEConfig.from_dict(record["config"])
        model = empty_model(config)  # its weights are loaded next: nothing is drawn from the process's generator
    except (TypeError, ValueError, AssertionError) as err:
        raise CheckpointError(
            f"Checkpoint description {directory / (name + '.json')} has an invalid config: {err}"
        ) from err
    try:
        state = load_file(str(weights))
        model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()}, strict=True)
    except (SafetensorError, RuntimeError, OSError) as err:
        raise CheckpointError(f"Weights file {weights} does not fit the model its JSON describes: {err}") from err
    model.info = {k: v for k, v in record.items() if k not in ("config",)}
    model.info.setdefault("name", name)
    return model.eval()


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
