"""python -m aemodels.capacity: test error against latent size for PCA, the tied linear AE and a nonlinear AE.

The curve behind "a linear AE is PCA": at every latent size d the trained tied linear AE lands on PCA's error
(and subspace), while a nonlinear AE of the same d does better. PCA is exact (fitted on the training set); the
two AEs are trained for each d with the zoo's training loop, seeded. The result goes to pretrained/figures/capacity.json
with its provenance, and the app draws it. Resumable: finished sizes are kept in the JSON, and each training run
keeps its state under RUNS/capacity-*.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from aemodels.checkpoints import pretrained_dir
from aemodels.data import DataError, load_mnist
from aemodels.evaluate import batched
from aemodels.geometry import pca, pca_reconstruct, principal_angles
from aemodels.models import AEConfig, Autoencoder, LinearAE
from aemodels.train import fit
from aemodels.zoo import Recipe

CAPACITY_FILE = "figures/capacity.json"  # under pretrained/, beside (not among) the checkpoints
PCA_FILE = "figures/pca.safetensors"
DIMS = (1, 2, 4, 8, 16, 32, 64)
PCA_KEEP = 16  # components shipped for the app (50 KB), which has no training set to fit PCA on


def save_pca(mean: torch.Tensor, components: torch.Tensor, path: Path | None = None) -> Path:
    path = path or pretrained_dir() / PCA_FILE
    save_file(
        {"mean": mean.contiguous(), "components": components.contiguous()},
        str(path),
        metadata={
            "what": "PCA of the 60,000 MNIST training digits: mean (784,), top principal directions as columns (784, k)"
        },
    )
    return path


def load_pca(path: Path | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean (784,), principal directions of the MNIST training set as columns (784, 16)), largest first."""
    tensors = load_file(str(path or pretrained_dir() / PCA_FILE))
    return tensors["mean"], tensors["components"]


def linear_recipe(d: int, epochs: int) -> Recipe:
    return Recipe(
        AEConfig(kind="linear", latent_dim=d, recon_loss="mse"),
        f"tied linear AE, d={d}",
        epochs=epochs,
        lr=3e-3,
        batch_size=256,
    )


def nonlinear_recipe(d: int, epochs: int) -> Recipe:
    return Recipe(AEConfig(kind="mlp", latent_dim=d, hidden=(512, 256)), f"MLP AE 784-512-256-{d}, BCE", epochs=epochs)


def curve_mse(model: Autoencoder, x: torch.Tensor) -> float:
    with torch.inference_mode():  # unclipped, as PCA is not clipped either
        x_hat = batched(lambda xb: model.decode_unclipped(model.encode(xb)), x)
    return float((x_hat - x).pow(2).mean())


def fitted(result: tuple[Autoencoder, float] | None) -> Autoencoder:
    """The model of a `fit` run to its end (the curve never stops early)."""
    if result is None:
        raise RuntimeError("training stopped before its last epoch")
    return result[0]


def load_curve(path: Path | None = None) -> dict:
    """The stored curve (see the module docstring); raises FileNotFoundError if it was never computed."""
    path = path or pretrained_dir() / CAPACITY_FILE
    return json.loads(path.read_text())


def compute(
    dims: tuple[int, ...] = DIMS,
    *,
    linear_epochs: int = 10,
    nonlinear_epochs: int = 8,
    data_dir: Path | None = None,
    limit: int | None = None,
    runs_dir: Path = Path("runs"),
    out: Path | None = None,
    quiet: bool = False,
) -> dict:
    out = out or pretrained_dir() / CAPACITY_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    x_train, _ = load_mnist("train", directory=data_dir)
    x_test, _ = load_mnist("test", directory=data_dir)
    if limit:
        x_train, x_test = x_train[:limit], x_test[:limit]
    flat_train, flat_test = x_train.flatten(1), x_test.flatten(1)
    mean, all_components = pca(flat_train, max(PCA_KEEP, max(dims)))
    if limit is None:
        save_pca(mean, all_components[:, :PCA_KEEP], out.parent / Path(PCA_FILE).name)
    previous = json.loads(out.read_text()) if out.exists() else {}
    same_plan = previous.get("plan") == {
        "linear_epochs": linear_epochs,
        "nonlinear_epochs": nonlinear_epochs,
        "limit": limit,
    }
    rows = {row["d"]: row for row in previous.get("rows", [])} if same_plan else {}
    for d in dims:
        if d in rows:
            continue
        began = time.perf_counter()
        components = all_components[:, :d]
        row = {"d": d, "pca": float((pca_reconstruct(flat_test, mean, components) - flat_test).pow(2).mean())}
        linear = fitted(
            fit(f"capacity-linear{d}", linear_recipe(d, linear_epochs), x_train, runs_dir=runs_dir, quiet=True)
        )
        if not isinstance(linear, LinearAE):
            raise TypeError(f"the linear recipe built a {type(linear).__name__}, not a LinearAE")
        row["linear_ae"] = curve_mse(linear, x_test)
        row["mean_principal_angle_deg"] = float(principal_angles(linear.A.detach().T, components).mean())
        nonlinear = fitted(
            fit(f"capacity-mlp{d}", nonlinear_recipe(d, nonlinear_epochs), x_train, runs_dir=runs_dir, quiet=True)
        )
        row["nonlinear_ae"] = curve_mse(nonlinear, x_test)
        row["seconds"] = round(time.perf_counter() - began, 1)
        rows[d] = row
        if not quiet:
            print(
                f"d={d:3d}  PCA {row['pca']:.4f}  linear AE {row['linear_ae']:.4f} "
                f"(mean angle {row['mean_principal_angle_deg']:.2f} deg)  MLP AE {row['nonlinear_ae']:.4f}  "
                f"[{row['seconds']}s]",
                flush=True,
            )
        result = {
            "what": "test MSE per pixel (pixels in [0,1], no clipping) against latent size d",
            "plan": {"linear_epochs": linear_epochs, "nonlinear_epochs": nonlinear_epochs, "limit": limit},
            "linear_ae": linear_recipe(0, linear_epochs).description.replace(", d=0", ""),
            "nonlinear_ae": nonlinear_recipe(0, nonlinear_epochs).description.replace("-0", "-d"),
            "data": "MNIST train (PCA fit, AE training) and test (error)"
            + (f", first {limit} of each" if limit else ""),
            "machine": f"{platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}",
            "command": "python -m aemodels.capacity",
            "rows": [rows[k] for k in sorted(rows)],
        }
        out.write_text(json.dumps(result, indent=1) + "\n")
    return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--dims", type=int, nargs="+", default=list(DIMS), help="latent sizes")
    parser.add_argument("--linear-epochs", type=int, default=10)
    parser.add_argument("--nonlinear-epochs", type=int, default=8)
    parser.add_argument("--data-dir", default=None, help="MNIST folder (default: $AEMODELS_DATA or data/mnist)")
    parser.add_argument("--runs-dir", type=Path, default=Path("runs"), help="where resumable training state goes")
    parser.add_argument("--out", type=Path, default=None, help=f"output JSON (default: pretrained/{CAPACITY_FILE})")
    parser.add_argument("--limit", type=int, default=None, help="use the first N digits of each split (smoke runs)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        compute(
            args.dims,
            linear_epochs=args.linear_epochs,
            nonlinear_epochs=args.nonlinear_epochs,
            data_dir=args.data_dir,
            limit=args.limit,
            runs_dir=args.runs_dir,
            out=args.out,
        )
    except DataError as err:
        raise SystemExit(f"error: {err}") from None


if __name__ == "__main__":
    main()
