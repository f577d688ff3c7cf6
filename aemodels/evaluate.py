"""python -m aemodels.evaluate: the metrics table of every shipped model on the full MNIST test set.

Writes each model's metrics into its JSON and the table into pretrained/MODELS.md. Conventions:
- MSE is per pixel with pixels in [0, 1], of the model's reconstruction of the test digits; PCA and the linear
  AE are scored on the raw (unclipped) projection, as the published PCA figures are.
- PSNR is 10 log10(1 / MSE) per image, averaged over images.
- Denoising: Gaussian noise of std sigma, noisy input clipped to [0, 1], noise seed 0.
- VAE figures are in nats on dynamically binarised MNIST: the test digits binarised once with seed 0.
  -ELBO uses the closed-form KL and one posterior sample per digit; NLL is the importance-weighted
  estimate of Burda et al. 2015 with k samples. The class-conditional VAE is scored given each digit's class.
- Sample quality (aemodels.quality): 10,000 samples of each sampler (seed 1) against the 10,000 test digits, in
  the reference classifier's features. The floor is 10,000 training digits; the decoder's limit is its
  reconstructions of those training digits: no sampler of that decoder should be expected to beat it.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import torch

from aemodels import losses
from aemodels.checkpoints import load_pretrained, pretrained_dir, write_metrics
from aemodels.classifier import DigitClassifier, load_classifier, quality_dir
from aemodels.corrupt import gaussian
from aemodels.data import DataError, load_mnist
from aemodels.geometry import pca, pca_reconstruct, principal_angles
from aemodels.losses import psnr
from aemodels.models import VAE, Autoencoder, ConditionalVAE, LinearAE, SparseAE
from aemodels.quality import FeatureStats, class_accuracy, reference_stats, sample_quality
from aemodels.samplers import SAMPLERS, load_samplers, sampled_models
from aemodels.zoo import list_pretrained

DENOISE_SIGMAS = (0.3, 0.5)
SAMPLES = 10_000
SAMPLE_SEED = 1
TEMPERATURES = (0.5, 0.75, 1.0)


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


@torch.inference_mode()
def conditional_metrics(model: ConditionalVAE, x_test: torch.Tensor, y_test: torch.Tensor, x_bin: torch.Tensor) -> dict:
    """Reconstruction and -ELBO given each test digit's true class (the conditional likelihood log p(x | y))."""
    torch.manual_seed(0)
    x_hats, recon, kl = [], [], []
    for i in range(0, len(x_test), 500):
        mu, _ = model.posterior_given(x_test[i : i + 500], y_test[i : i + 500])
        x_hats.append(model.decode_given(mu, y_test[i : i + 500]))
        out = model(x_bin[i : i + 500], y_test[i : i + 500])
        terms = losses.negative_elbo(out["logits"], x_bin[i : i + 500], out["mu"], out["logvar"])
        recon.append(terms["recon"])
        kl.append(terms["kl"])
    x_hat = torch.cat(x_hats)
    return {
        "test_mse": losses.mse(x_hat, x_test).mean().item(),
        "test_psnr_db": psnr(x_hat, x_test).mean().item(),
        "neg_elbo_nats": (torch.cat(recon) + torch.cat(kl)).mean().item(),
        "recon_nats": torch.cat(recon).mean().item(),
        "kl_nats": torch.cat(kl).mean().item(),
    }


def evaluate_model(
    name: str,
    model: Autoencoder,
    x_train: torch.Tensor,
    x_test: torch.Tensor,
    x_bin: torch.Tensor,
    *,
    k: int,
    y_test: torch.Tensor | None = None,
) -> dict[str, float]:
    if isinstance(model, ConditionalVAE):
        if y_test is None:
            raise ValueError(f"{name} is class-conditional: its evaluation needs the test labels")
        return conditional_metrics(model, x_test, y_test, x_bin)
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


def sample_quality_report(
    classifier: DigitClassifier, x_train: torch.Tensor, x_test: torch.Tensor, names: list[str]
) -> dict:
    """The sample-quality figures of every sampler of the named models, with the floor and each decoder's limit,
    and the class-conditional models' per-class accuracy; what pretrained/quality/samples.json holds."""
    reference = reference_stats(classifier, x_test)
    real = x_train[:SAMPLES]
    report: dict = {
        "samples": SAMPLES,
        "seed": SAMPLE_SEED,
        "floor": sample_quality(classifier, real, reference).as_dict(),
        "models": {},
        "conditional": {},
    }
    for name in names:
        model = load_pretrained(name)
        if isinstance(model, ConditionalVAE):
            report["conditional"][name] = conditional_sample_report(classifier, model, reference)
            continue
        if name not in sampled_models():
            continue
        samplers = load_samplers(name)
        entry: dict = {
            "decoder_limit": sample_quality(classifier, batched(model.reconstruct, real), reference).as_dict(),
            "samplers": {},
        }
        for kind in samplers.kinds(model):
            temperatures = TEMPERATURES if SAMPLERS[kind].tempered else (1.0,)
            for t in temperatures:
                images = samplers.draw(model, kind, SAMPLES, temperature=t, seed=SAMPLE_SEED)
                key = kind if t == 1.0 else f"{kind}@{t}"
                entry["samplers"][key] = sample_quality(classifier, images, reference).as_dict() | {
                    "temperature": t,
                    "label": SAMPLERS[kind].label,
                }
        report["models"][name] = entry
        print(f"{name}: " + ", ".join(f"{k} {v['frechet']:.2f}" for k, v in entry["samplers"].items()), flush=True)
    return report


def conditional_sample_report(classifier: DigitClassifier, model: ConditionalVAE, reference: FeatureStats) -> dict:
    """1,000 samples of each class at T = 1: the classifier's accuracy per class, and the pooled 10,000's quality."""
    per_class = SAMPLES // 10
    generator = torch.Generator().manual_seed(SAMPLE_SEED)
    labels = torch.arange(10).repeat_interleave(per_class)
    images = torch.cat([model.sample_given(c, per_class, 1.0, generator=generator) for c in range(10)])
    accuracy = [class_accuracy(classifier, images[labels == c], labels[labels == c]) for c in range(10)]
    return {
        "temperature": 1.0,
        "per_class_accuracy": accuracy,
        "accuracy": class_accuracy(classifier, images, labels),
        "quality": sample_quality(classifier, images, reference).as_dict(),
    }


def quality_table(report: dict) -> str:
    floor = report["floor"]
    lines = [
        "| model | sampler | Fréchet distance | × floor | confidence | class entropy (bits, max 3.32) |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| MNIST | 10,000 training digits (the floor) | {floor['frechet']:.2f} | 1.0 | {floor['confidence']:.3f} | "
        f"{floor['class_bits']:.3f} |",
    ]
    for name, entry in report["models"].items():
        limit = entry["decoder_limit"]
        lines.append(
            f"| {name} | reconstructions of the training digits (the decoder's limit) | {limit['frechet']:.2f} | "
            f"{limit['frechet'] / floor['frechet']:.1f} | {limit['confidence']:.3f} | {limit['class_bits']:.3f} |"
        )
        for q in entry["samplers"].values():
            label = q["label"].replace("T²", f"{q['temperature']}²") if "T²" in q["label"] else q["label"]
            lines.append(
                f"| {name} | {label} | {q['frechet']:.2f} | {q['frechet'] / floor['frechet']:.1f} | "
                f"{q['confidence']:.3f} | {q['class_bits']:.3f} |"
            )
    for name, entry in report["conditional"].items():
        q = entry["quality"]
        lines.append(
            f"| {name} | 1,000 of each class at T = 1 (accuracy {entry['accuracy']:.3f}, lowest class "
            f"{min(entry['per_class_accuracy']):.3f}) | {q['frechet']:.2f} | {q['frechet'] / floor['frechet']:.1f} | "
            f"{q['confidence']:.3f} | {q['class_bits']:.3f} |"
        )
    return "\n".join(lines)


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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line: `python -m aemodels.evaluate [NAME ...]` (or `--models NAME ...`), as CONTRIBUTING says."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="evaluate only these (default: every shipped model)")
    parser.add_argument("--data-dir", default=None, help="MNIST folder (default: $AEMODELS_DATA or data/mnist)")
    parser.add_argument("--models", nargs="*", default=None, help="the same as the NAMEs")
    parser.add_argument("--k", type=int, default=1000, help="importance samples for the VAE log-likelihood")
    parser.add_argument("--no-write", action="store_true", help="print only; leave the JSON files and MODELS.md alone")
    parser.add_argument(
        "--table-only",
        action="store_true",
        help="write MODELS.md from the metrics already recorded in each JSON (measures only the PCA rows and the "
        "sample quality)",
    )
    args = parser.parse_args(argv)
    known = set(list_pretrained() + list_pretrained(conditional=True))
    args.models = [*args.names, *(args.models or [])] or None
    unknown = sorted(set(args.models or []) - known)
    if unknown:
        parser.error(f"no shipped model called {', '.join(unknown)}; the models: {', '.join(sorted(known))}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        x_train, _ = load_mnist("train", directory=args.data_dir)
        x_test, y_test = load_mnist("test", directory=args.data_dir)
    except DataError as err:
        raise SystemExit(f"error: {err}") from None
    x_bin = binarised_test_set(x_test)
    names = args.models or list_pretrained() + list_pretrained(conditional=True)
    results, infos = {}, {}
    for name in names:
        began = time.perf_counter()
        model = load_pretrained(name)
        if args.table_only:
            results[name], infos[name] = model.info["metrics"], model.info | {"config": vars(model.config)}
            continue
        results[name] = evaluate_model(name, model, x_train, x_test, x_bin, k=args.k, y_test=y_test)
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
    report = sample_quality_report(load_classifier(), x_train, x_test, names)
    samples_table = quality_table(report)
    print(samples_table)
    if not args.no_write and (args.models is None or args.table_only):
        path = quality_dir() / "samples.json"
        path.write_text(json.dumps(report, indent=1) + "\n")
        doc = (
            "# Pretrained models: measured metrics\n\n"
            "Measured by `python -m aemodels.evaluate` on the full 10,000-digit MNIST test set; PCA rows are fitted\n"
            "on the 60,000 training digits by the same code.\n\n"
            + __doc__.split("Conventions:")[1].strip()
            + "\n\n"
            + table
            + "\n\n## Sample quality\n\n"
            "10,000 samples of each sampler against the 10,000 test digits, in the features of the reference\n"
            "classifier (`python -m aemodels.classifier`); × floor is the distance over that of 10,000 real training\n"
            "digits. Samplers: `python -m aemodels.samplers`.\n\n" + samples_table + "\n"
        )
        (pretrained_dir() / "MODELS.md").write_text(doc)


if __name__ == "__main__":
    main()
