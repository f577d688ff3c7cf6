"""python -m aemodels.evaluate: the metrics table of every shipped model on the full MNIST test set.

Writes each model's metrics into its JSON and the table into pretrained/MODELS.md. Conventions:
- MSE is per pixel with pixels in [0, 1], of the model's reconstruction of the test digits; PCA and the linear
  AE are scored on the raw (unclipped) projection, as the published PCA figures are.
- PSNR is 10 log10(1 / MSE) per image, averaged over images.
- Denoising: Gaussian noise of std sigma, noisy input clipped to [0, 1], noise seed 0.
- VAE figures are in nats on dynamically binarised MNIST: the test digits binarised once with seed 0.
  -ELBO uses the closed-form KL and one posterior sample per digit; NLL is the importance-weighted
  estimate of Burda et al. 2015 with k samples.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import torch

from aemodels import losses
from aemodels.corrupt import gaussian
from aemodels.data import DataError, load_mnist
from aemodels.geometry import pca, pca_reconstruct, principal_angles
from aemodels.losses import psnr
from aemodels.models import VAE, Autoencoder, LinearAE, SparseAE
from aemodels.zoo import list_pretrained, load_pretrained, pretrained_dir, write_metrics

DENOISE_SIGMAS = (0.3, 0.5)


def batched(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, batch: int = 500) -> torch.Tensor:
    return torch.cat([fn(x[i : i + batch]) for i in range(0, len(x), batch)])


def binarised_test_set(x: torch.Tensor, seed: int = 0) -> torch.Tensor:
    return torch.bernoulli(x, generator=torch.Generator().manual_seed(seed))


@torch.inference_mode()
def reconstruction_metrics(model: Autoencoder, x: torch.Tensor) -> dict:
    # The linear AE is scored on its raw projection, unclipped, like PCA and the published PCA figures.
    project = (
        (lambda xb: model.decode_unclipped(model.encode(xb))) if isinstance(model, LinearAE) else model.reconstruct
    )
    x_hat = batched(project, x)
    return {"test_mse": losses.mse(x_hat, x).mean().item(), "test_psnr_db": psnr(x_hat, x).mean().item()}


@torch.inference_mode()
def denoising_metrics(
    model: Autoencoder, x: torch.Tensor, sigmas: tuple[float, ...] = DENOISE_SIGMAS
) -> dict[str, float]:
    out = {}
    for sigma in sigmas:
        noisy = gaussian(x, sigma, seed=0)
        out[f"denoise_psnr_db_sigma{sigma}"] = psnr(batched(model.reconstruct, noisy), x).mean().item()
        out[f"noisy_psnr_db_sigma{sigma}"] = psnr(noisy, x).mean().item()
    return out


@torch.inference_mode()
def vae_metrics(model: VAE, x_bin: torch.Tensor, *, k: int, seed: int = 0) -> dict[str, float]:
    torch.manual_seed(seed)

    def neg_elbo(xb: torch.Tensor) -> torch.Tensor:
        terms = losses.elbo_terms(model, xb)  # one posterior draw per digit, from the seeded global generator
        return torch.stack([terms["recon"], terms["kl"]], 1)

    terms = batched(neg_elbo, x_bin, 500)
    mu = batched(model.encode, x_bin)
    active = int((mu.var(0) > 0.01).sum())  # Burda et al. 2015, section 5.2
    began = time.perf_counter()
    nll = -batched(lambda xb: losses.importance_weighted_log_likelihood(model, xb, k=k), x_bin, 100)
    return {
        "neg_elbo_nats": terms.sum(1).mean().item(),
        "recon_nats": terms[:, 0].mean().item(),
        "kl_nats": terms[:, 1].mean().item(),
        "nll_nats": nll.mean().item(),
        "nll_k": k,
        "nll_seconds": round(time.perf_counter() - began, 1),
        "active_units": active,
    }


@torch.inference_mode()
def linear_metrics(model: LinearAE, x_train: torch.Tensor, x_test: torch.Tensor) -> dict:
    d = model.latent_dim
    mean, components = pca(x_train.flatten(1), d)
    pca_mse = losses.mse(pca_reconstruct(x_test.flatten(1), mean, components), x_test.flatten(1)).mean().item()
    angles = principal_angles(model.A.T, components)
    ratio = reconstruction_metrics(model, x_test)["test_mse"] / pca_mse
    return {
        "pca_test_mse": pca_mse,
        "test_mse_over_pca": ratio,
        "mean_principal_angle_deg": angles.mean().item(),
        "max_principal_angle_deg": angles.max().item(),
        "principal_angles_deg": [round(a, 4) for a in angles.tolist()],
    }


@torch.inference_mode()
def sparse_metrics(model: SparseAE, x: torch.Tensor) -> dict:
    h = batched(model.encode, x)
    return {
        "mean_activation": h.mean().item(),
        "target_rho": model.config.sparsity_target,
        "fraction_active_over_0.5": (h > 0.5).float().mean().item(),
    }


def evaluate_model(
    name: str, model: Autoencoder, x_train: torch.Tensor, x_test: torch.Tensor, x_bin: torch.Tensor, *, k: int
) -> dict[str, float]:
    metrics = reconstruction_metrics(model, x_test)
    if isinstance(model, LinearAE):
        metrics |= linear_metrics(model, x_train, x_test)
    if isinstance(model, SparseAE):
        metrics |= sparse_metrics(model, x_test)
    if not model.variational and not isinstance(model, (LinearAE, SparseAE)):
        metrics |= denoising_metrics(model, x_test)
    if isinstance(model, VAE):
        metrics |= vae_metrics(model, x_bin, k=k)
    return metrics


def pca_rows(x_train: torch.Tensor, x_test: torch.Tensor, dims: tuple[int, ...] = (2, 16)) -> dict[str, dict]:
    rows = {}
    for d in dims:
        mean, components = pca(x_train.flatten(1), d)
        x_hat = pca_reconstruct(x_test.flatten(1), mean, components).view_as(x_test)
        rows[f"PCA-{d}"] = {
            "test_mse": losses.mse(x_hat, x_test).mean().item(),
            "test_psnr_db": psnr(x_hat, x_test).mean().item(),
        }
    return rows


def fmt(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown_table(results: dict[str, dict], infos: dict[str, dict]) -> str:
    header = (
        "| model | kind | d | test MSE | PSNR dB | denoise PSNR σ=0.3 / 0.5 | −ELBO | NLL (k) | other | train time |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    lines = [header]
    for name, m in results.items():
        info = infos.get(name, {})
        config = info.get("config", {})
        other = []
        if "mean_principal_angle_deg" in m:
            other.append(
                f"PCA MSE {m['pca_test_mse']:.4f} (ratio {m['test_mse'] / m['pca_test_mse']:.4f}); "
                f"mean angle to PCA {m['mean_principal_angle_deg']:.2f}°"
            )
        if "mean_activation" in m:
            other.append(f"mean activation {m['mean_activation']:.4f} (target ρ = {m['target_rho']})")
        if "active_units" in m:
            other.append(f"active units {m['active_units']}")
        denoise = (
            f"{m['denoise_psnr_db_sigma0.3']:.2f} / {m['denoise_psnr_db_sigma0.5']:.2f}"
            if "denoise_psnr_db_sigma0.3" in m
            else "—"
        )
        nll = f"{m['nll_nats']:.2f} ({m['nll_k']})" if "nll_nats" in m else "—"
        seconds = info.get("training", {}).get("seconds")
        lines.append(
            f"| {name} | {config.get('kind', 'baseline')} | {config.get('latent_dim', name.split('-')[-1])} | "
            f"{fmt(m['test_mse'])} | {fmt(m['test_psnr_db'], 2)} | {denoise} | {fmt(m.get('neg_elbo_nats'), 2)} | "
            f"{nll} | {'; '.join(other) or '—'} | "
            f"{f'{seconds / 60:.0f} min' if seconds else '—'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--data-dir", default=None, help="MNIST folder (default: $AEMODELS_DATA or data/mnist)")
    parser.add_argument("--models", nargs="*", default=None, help="evaluate only these (default: every shipped model)")
    parser.add_argument("--k", type=int, default=1000, help="importance samples for the VAE log-likelihood")
    parser.add_argument("--no-write", action="store_true", help="print only; leave the JSON files and MODELS.md alone")
    parser.add_argument(
        "--table-only",
        action="store_true",
        help="write MODELS.md from the metrics already recorded in each JSON (measures only the PCA rows)",
    )
    args = parser.parse_args(argv)
    try:
        x_train, _ = load_mnist("train", directory=args.data_dir)
        x_test, _ = load_mnist("test", directory=args.data_dir)
    except DataError as err:
        raise SystemExit(f"error: {err}") from None
    x_bin = binarised_test_set(x_test)
    names = args.models or list_pretrained()
    results, infos = {}, {}
    for name in names:
        began = time.perf_counter()
        model = load_pretrained(name)
        if args.table_only:
            results[name], infos[name] = model.info["metrics"], model.info | {"config": vars(model.config)}
            continue
        results[name] = evaluate_model(name, model, x_train, x_test, x_bin, k=args.k)
        infos[name] = model.info | {"config": vars(model.config)}
        print(
            f"{name}: "
            + ", ".join(f"{k}={fmt(v)}" for k, v in results[name].items())
            + f"  [{time.perf_counter() - began:.0f}s]",
            flush=True,
        )
        if not args.no_write:
            write_metrics(name, results[name])
    baselines = pca_rows(x_train, x_test)
    table = markdown_table(results | baselines, infos)
    print(table)
    if not args.no_write and (args.models is None or args.table_only):
        doc = (
            "# Pretrained models: measured metrics\n\n"
            "Measured by `python -m aemodels.evaluate` on the full 10,000-digit MNIST test set; PCA rows are fitted\n"
            "on the 60,000 training digits by the same code.\n\n"
            + __doc__.split("Conventions:")[1].strip()
            + "\n\n"
            + table
            + "\n"
        )
        (pretrained_dir() / "MODELS.md").write_text(doc)


if __name__ == "__main__":
    main()
