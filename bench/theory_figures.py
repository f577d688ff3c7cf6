"""The figures the theory pages show, measured over many digits: prints two tables, asserts nothing.

  .venv/bin/python bench/theory_figures.py [--digits 2000] [--eps 1.0]

1. Tangent/normal push (Manifold geometry page): for each model, push each digit by a norm of eps along a random
   tangent direction of the decoded manifold and along a random normal one; report the mean share of each push
   that survives reconstruction and the mean ratio normal/tangent (near 0: reconstruction projects onto the
   manifold). Digits: the first --digits of the shipped sample.
2. Anomaly AUCs (Anomaly detection page): reconstruction MSE as the score, the 10,000 MNIST test digits (or the
   shipped 2,000 if MNIST is absent) against the 10,000 Fashion-MNIST test items and 2,000 noise images of each kind.
"""

from __future__ import annotations

import argparse
import time

import torch

from aemodels import DataError, list_pretrained, load_digits, load_mnist, load_pretrained
from aemodels.anomaly import NOISE_KINDS, auc, noise_images, reconstruction_error
from aemodels.data import load_fashion_mnist
from aemodels.geometry import tangent_normal_split

MANIFOLD_MODELS = ["linear16", "ae2", "ae16", "dae", "vae2", "vae16", "vae50"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", type=int, default=2000)
    parser.add_argument("--eps", type=float, default=1.0)
    args = parser.parse_args()
    torch.set_grad_enabled(False)
    sample, _ = load_digits()
    sample = sample[: args.digits]

    print(f"Tangent/normal push, eps = {args.eps}, {len(sample)} sample digits\n")
    print("| model | tangent push kept | normal push kept | ratio normal / tangent (mean) |")
    print("| --- | --- | --- | --- |")
    for name in MANIFOLD_MODELS:
        if name not in list_pretrained():
            continue
        began = time.perf_counter()
        model = load_pretrained(name)
        parts = [tangent_normal_split(model, batch, eps=args.eps, seed=i) for i, batch in enumerate(sample.split(250))]
        tangent = torch.cat([p.tangent_kept for p in parts])
        normal = torch.cat([p.normal_kept for p in parts])
        ratio = torch.cat([p.ratio for p in parts])
        print(
            f"| {name} | {tangent.mean():.3f} | {normal.mean():.3f} | {ratio.mean():.3f} |"
            f"  <!-- {time.perf_counter() - began:.0f} s -->",
            flush=True,
        )

    try:
        digits, _ = load_mnist("test")
        digits_name = "MNIST test (10,000)"
    except DataError:
        digits, digits_name = load_digits()[0], "MNIST shipped sample (2,000)"
    others = {}
    try:
        others["Fashion-MNIST test (10,000)"] = load_fashion_mnist("test")[0]
    except DataError as err:
        print(f"\n(no Fashion-MNIST: {err})")
    for kind in NOISE_KINDS:
        others[f"noise, {kind} (2,000)"] = noise_images(kind, 2000, seed=1)
    print(f"\nAnomaly AUC: reconstruction MSE, {digits_name} as normal\n")
    print("| model | " + " | ".join(others) + " |")
    print("| --- |" + " --- |" * len(others))
    for name in ["linear16", "ae2", "ae16", "dae", "sparse", "vae2", "vae16", "vae50"]:
        if name not in list_pretrained():
            continue
        model = load_pretrained(name)
        normal_scores = reconstruction_error(model, digits).numpy()
        cells = [f"{auc(normal_scores, reconstruction_error(model, x).numpy()):.4f}" for x in others.values()]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
