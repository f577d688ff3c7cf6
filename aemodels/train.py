"""python -m aemodels.train NAME: reproduce pretrained/NAME from its recipe in aemodels.zoo.ZOO.

The one training step of aemodels is here (`Trainer.step`: the batch's binarisation or corruption, the loss, the
optimiser step); the zoo's epochs (`fit`) and the Train page's runs (aemodels.playground.TrainingRun) both call it.
Seeded per epoch (data order, corruption, binarisation and reparameterisation noise all derive from
seed and epoch), so a run resumed from its last finished epoch continues exactly as an unbroken run.
Training state is stored as safetensors + JSON (no pickle) in RUNS/NAME/.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch
from safetensors.torch import load_file, save_file
from tqdm import tqdm

from aemodels.checkpoints import save_checkpoint
from aemodels.corrupt import gaussian_noise_batch
from aemodels.data import MNIST_FILES, DataError, load_mnist
from aemodels.models import VAE, Autoencoder, ConditionalVAE, LinearAE, build_model
from aemodels.zoo import ZOO, Recipe


def cosine_lr(recipe: Recipe, epoch: int, epochs: int) -> float:
    progress = epoch / max(1, epochs - 1)
    return recipe.min_lr + 0.5 * (recipe.lr - recipe.min_lr) * (1 + math.cos(math.pi * progress))


def save_state(path: Path, model: Autoencoder, optimizer: torch.optim.Optimizer, meta: dict[str, Any]) -> None:
    """Model and Adam state as flat tensors + JSON, written atomically."""
    path.mkdir(parents=True, exist_ok=True)
    tensors = {f"model/{k}": v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    opt = optimizer.state_dict()
    for index, slots in opt["state"].items():
        for key, value in slots.items():
            tensors[f"opt/{index}/{key}"] = torch.as_tensor(value).contiguous().cpu()
    save_file(tensors, str(path / "state.safetensors.part"))
    (path / "state.safetensors.part").replace(path / "state.safetensors")
    (path / "state.json").write_text(json.dumps({**meta, "param_groups": opt["param_groups"]}, indent=1))


def load_state(path: Path, model: Autoencoder, optimizer: torch.optim.Optimizer) -> dict[str, Any] | None:
    if not (path / "state.json").exists() or not (path / "state.safetensors").exists():
        return None
    meta = json.loads((path / "state.json").read_text())
    tensors = load_file(str(path / "state.safetensors"))
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model/")}, strict=True)
    state: dict[int, dict] = {}
    for key, value in tensors.items():
        if key.startswith("opt/"):
            _, index, slot = key.split("/")
            state.setdefault(int(index), {})[slot] = value
    optimizer.load_state_dict({"state": state, "param_groups": meta.pop("param_groups")})
    return meta


# How a denoising AE's noise level is drawn, per batch: "uniform", σ ~ U[0, train_noise_std] per image (the zoo's
# recipes, as AEConfig says); "fixed", σ = train_noise_std (the Train page's "training noise σ").
NoiseLevel = Literal["uniform", "fixed"]


def prepare_batch(
    model: Autoencoder, x: torch.Tensor, generator: torch.Generator, *, noise: NoiseLevel = "uniform"
) -> tuple[torch.Tensor, torch.Tensor]:
    """(input, target) for one batch x (B, 1, 28, 28): binarised for a VAE, for a denoising AE (train_noise_std > 0)
    x + N(0, σ²), clipped, against the clean x (Vincent et al. 2008), σ drawn by `noise`."""
    if isinstance(model, VAE):
        x = torch.bernoulli(x, generator=generator)  # dynamic binarisation (Salakhutdinov & Murray 2008)
        return x, x
    std = model.config.train_noise_std
    if std > 0:
        sigma = torch.rand(len(x), 1, 1, 1, generator=generator) * std if noise == "uniform" else std
        return gaussian_noise_batch(x, sigma, generator), x
    return x, x


@dataclass
class Trainer:
    """A model and its optimiser, trained one batch at a time: whoever holds it chooses the batches (an epoch's
    permutation, random draws) and the learning rate, and puts the model in train mode."""

    model: Autoencoder
    optimizer: torch.optim.Optimizer
    noise: NoiseLevel = "uniform"

    def step(self, x: torch.Tensor, generator: torch.Generator, labels: torch.Tensor | None = None) -> dict[str, float]:
        """One optimiser step on the batch x (B, 1, 28, 28) (labels (B,): a class-conditional model's classes); the
        loss terms, each a number. Raises FloatingPointError, before the step, when the loss is not finite."""
        inputs, target = prepare_batch(self.model, x, generator, noise=self.noise)
        if labels is not None:
            out = self.model(inputs, labels, generator=generator)
        else:
            out = self.model(inputs, generator=generator)
        terms = self.model.loss(target, out)
        if not torch.isfinite(terms["total"]):
            raise FloatingPointError(f"the loss became {terms['total'].item()}")
        self.optimizer.zero_grad(set_to_none=True)
        terms["total"].backward()
        self.optimizer.step()
        return {key: value.item() for key, value in terms.items()}


def fit(
    name: str,
    recipe: Recipe,
    x_train: torch.Tensor,
    *,
    y_train: torch.Tensor | None = None,
    epochs: int | None = None,
    runs_dir: Path = Path("runs"),
    device: str | None = None,
    fresh: bool = False,
    quiet: bool = False,
    stop_after: int | None = None,
) -> tuple[Autoencoder, float] | None:
    """Train a model from a recipe on x_train (N, 1, 28, 28), resumable from RUNS/NAME: (model in eval mode on
    the CPU, training seconds), or None when stop_after ended the call early. A class-conditional model also
    needs y_train (N,)."""
    epochs = epochs or recipe.epochs
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    x_train = x_train.to(device)
    torch.manual_seed(recipe.seed)
    model = build_model(recipe.config).to(device)
    conditional = isinstance(model, ConditionalVAE)
    if conditional and (y_train is None or len(y_train) != len(x_train)):
        raise ValueError(f"{name} is class-conditional: fit needs y_train, one class per training digit")
    labels = y_train.to(device) if conditional and y_train is not None else None
    if isinstance(model, LinearAE):
        model.set_mean(x_train.mean(0))  # centre the data, as PCA does
    optimizer = torch.optim.Adam(model.parameters(), lr=recipe.lr)
    trainer = Trainer(model, optimizer)
    run = runs_dir / name
    meta = None if fresh else load_state(run, model, optimizer)
    start, seconds = (meta["epoch"], meta["seconds"]) if meta else (0, 0.0)
    if meta and meta.get("epochs") != epochs:
        raise SystemExit(
            f"error: {run} holds a run planned for {meta.get('epochs')} epochs, not {epochs}; "
            "pass --fresh to start over."
        )
    if start and not quiet:
        print(f"resuming {name} after epoch {start}/{epochs}")
    for epoch in range(start, epochs):
        if stop_after is not None and epoch - start >= stop_after:
            return None
        began = time.perf_counter()
        generator = torch.Generator(device=device).manual_seed(recipe.seed * 100_003 + epoch)
        torch.manual_seed(recipe.seed * 100_003 + epoch)
        for group in optimizer.param_groups:
            group["lr"] = cosine_lr(recipe, epoch, epochs)
        if isinstance(model, VAE):
            model.kl_weight = min(1.0, (epoch + 1) / recipe.kl_warmup_epochs) if recipe.kl_warmup_epochs else 1.0
        model.train()
        order = torch.randperm(len(x_train), generator=generator, device=device)
        totals: dict[str, float] = {}
        batches = range(0, len(x_train), recipe.batch_size)
        bar = tqdm(
            batches,
            desc=f"{name} {epoch + 1}/{epochs}",
            disable=quiet or not sys.stdout.isatty(),
            leave=False,
            file=sys.stdout,
        )
        for step, i in enumerate(bar, 1):
            batch = order[i : i + recipe.batch_size]
            terms = trainer.step(x_train[batch], generator, labels[batch] if labels is not None else None)
            for key, value in terms.items():
                totals[key] = totals.get(key, 0.0) + value
            if step % 20 == 0:
                bar.set_postfix({k: f"{v / step:.4g}" for k, v in totals.items()})
        seconds += time.perf_counter() - began
        summary = " ".join(f"{k}={v / len(batches):.5g}" for k, v in totals.items())
        if not quiet:
            print(
                f"{name} epoch {epoch + 1}/{epochs} {summary} "
                f"lr={optimizer.param_groups[0]['lr']:.2e} [{seconds:.0f}s]",
                flush=True,
            )
        save_state(run, model, optimizer, {"name": name, "epoch": epoch + 1, "epochs": epochs, "seconds": seconds})
    model.cpu().eval()
    return model, seconds


def train(
    name: str,
    *,
    epochs: int | None = None,
    limit: int | None = None,
    data_dir: str | None = None,
    out_dir: Path | None = None,
    runs_dir: Path = Path("runs"),
    device: str | None = None,
    fresh: bool = False,
    quiet: bool = False,
    stop_after: int | None = None,
) -> Path | None:
    """Train NAME from its recipe, resuming from RUNS/NAME if a run is saved there; write its checkpoint.

    stop_after: end after this many epochs of this call (the run is resumable); returns None then.
    """
    recipe = ZOO[name]
    epochs = epochs or recipe.epochs
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    x_train, y_train = load_mnist("train", directory=data_dir)
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
    fitted = fit(
        name,
        recipe,
        x_train,
        y_train=y_train,
        epochs=epochs,
        runs_dir=runs_dir,
        device=device,
        fresh=fresh,
        quiet=quiet,
        stop_after=stop_after,
    )
    if fitted is None:
        return None
    model, seconds = fitted
    if isinstance(model, VAE):
        model.kl_weight = 1.0
    provenance = {
        "description": recipe.description,
        "recipe": {k: v for k, v in dataclasses.asdict(recipe).items() if k not in ("config", "roles", "compare_ae")}
        | {"epochs": epochs},
        "training": {
            "data": "MNIST train" + (f", first {limit} digits" if limit else " (60,000 digits)"),
            "data_md5": {stem: md5 for stem, md5 in MNIST_FILES.values() if stem.startswith("train")},
            "seconds": round(seconds, 1),
            "device": device,
            "threads": torch.get_num_threads(),
            "machine": f"{platform.machine()}, {torch.get_num_threads()} threads",
            "torch": torch.__version__,
            "command": f"python -m aemodels.train {name}",
        },
    }
    return save_checkpoint(model, name, directory=out_dir, meta=provenance, float16=recipe.store_float16)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Train a model of the pretrained zoo from its recipe.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("name", choices=sorted(ZOO), help="model to train")
    parser.add_argument("--epochs", type=int, default=None, help="override the recipe's epoch count")
    parser.add_argument("--limit", type=int, default=None, help="train on the first N digits only (smoke runs)")
    parser.add_argument("--data-dir", default=None, help="MNIST folder (default: $AEMODELS_DATA or data/mnist)")
    parser.add_argument("--out-dir", type=Path, default=None, help="where the checkpoint goes (default: pretrained/)")
    parser.add_argument("--runs-dir", type=Path, default=Path("runs"), help="where resumable training state goes")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice)")
    parser.add_argument("--fresh", action="store_true", help="ignore saved training state and start over")
    parser.add_argument("--stop-after", type=int, default=None, help="stop after N epochs of this call (resume later)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        path = train(
            args.name,
            epochs=args.epochs,
            limit=args.limit,
            data_dir=args.data_dir,
            out_dir=args.out_dir,
            runs_dir=args.runs_dir,
            device=args.device,
            fresh=args.fresh,
            stop_after=args.stop_after,
        )
    except DataError as err:
        raise SystemExit(f"error: {err}") from None
    print(f"wrote {path}" if path else f"stopped; resume with the same command (state in {args.runs_dir / args.name})")


if __name__ == "__main__":
    main()
