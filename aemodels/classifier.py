"""The reference MNIST classifier that judges samples: `python -m aemodels.classifier` reproduces it.

A small convolutional network (three 3×3 conv blocks, a 128-unit feature layer, ten logits), trained with a
seeded recipe on the 60,000 training digits with random shifts of up to two pixels. Its 128 penultimate
features play the role Inception's pool features play in FID (aemodels.quality); its predictions give the
samples' class, confidence and class balance. Shipped as pretrained/quality/classifier.safetensors + .json.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from aemodels.checkpoints import CheckpointError, pretrained_dir, sha256_file
from aemodels.data import DataError, load_mnist

FEATURES = 128
EPOCHS = 8
SEED = 0
BATCH = 128
LR = 2e-3


def quality_dir(directory: Path | None = None) -> Path:
    return Path(directory or pretrained_dir()) / "quality"


class DigitClassifier(nn.Module):
    """(B, 1, 28, 28) in [0, 1] -> ten logits; `features` gives the 128 penultimate activations."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # -> (B, 32, 14, 14)
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # -> (B, 64, 7, 7)
            nn.Conv2d(64, 64, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),  # -> (B, 64, 2, 2)
            nn.Flatten(),
            nn.Linear(256, FEATURES),
            nn.ReLU(),
        )
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(FEATURES, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)  # (B, 1, 28, 28) -> (B, 128)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.body(x)))  # -> (B, 10)


def random_shift(x: torch.Tensor, generator: torch.Generator, pixels: int = 2) -> torch.Tensor:
    """Each digit moved by up to `pixels` in x and y (zero-padded), the same augmentation for every run."""
    padded = F.pad(x, (pixels, pixels, pixels, pixels))
    dx, dy = torch.randint(0, 2 * pixels + 1, (2, len(x)), generator=generator)
    rows = torch.arange(28)
    index_y = (dy[:, None] + rows[None]).view(-1, 1, 28, 1).expand(-1, 1, 28, 28 + 2 * pixels)
    shifted = padded.gather(2, index_y)
    index_x = (dx[:, None] + rows[None]).view(-1, 1, 1, 28).expand(-1, 1, 28, 28)
    return shifted.gather(3, index_x)


def train_classifier(
    x: torch.Tensor, y: torch.Tensor, *, epochs: int = EPOCHS, seed: int = SEED, quiet: bool = False
) -> tuple[DigitClassifier, float]:
    """Adam with a cosine learning rate, seeded per epoch; (model in eval mode, seconds)."""
    torch.manual_seed(seed)
    model = DigitClassifier()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    steps = epochs * ((len(x) + BATCH - 1) // BATCH)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    began = time.perf_counter()
    for epoch in range(epochs):
        generator = torch.Generator().manual_seed(seed * 100_003 + epoch)
        torch.manual_seed(seed * 100_003 + epoch)
        model.train()
        order = torch.randperm(len(x), generator=generator)
        total = 0.0
        for i in range(0, len(x), BATCH):
            batch = order[i : i + BATCH]
            loss = F.cross_entropy(model(random_shift(x[batch], generator)), y[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(batch)
        if not quiet:
            print(
                f"classifier epoch {epoch + 1}/{epochs} loss={total / len(x):.4f} [{time.perf_counter() - began:.0f}s]",
                flush=True,
            )
    return model.eval(), time.perf_counter() - began


@torch.inference_mode()
def accuracy(model: DigitClassifier, x: torch.Tensor, y: torch.Tensor) -> float:
    predicted = torch.cat([model(x[i : i + 1000]).argmax(1) for i in range(0, len(x), 1000)])
    return (predicted == y).float().mean().item()


def save_classifier(model: DigitClassifier, meta: dict, directory: Path | None = None) -> Path:
    folder = quality_dir(directory)
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / "classifier.safetensors"
    save_file({k: v.detach().half().contiguous() for k, v in model.state_dict().items()}, str(weights))
    record = {"weights": weights.name, "sha256": sha256_file(weights), **meta}
    path = folder / "classifier.json"
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return path


def load_classifier(directory: Path | None = None) -> DigitClassifier:
    """The shipped classifier, its weights checked against the sha256 in its JSON; eval mode, float32."""
    folder = quality_dir(directory)
    path = folder / "classifier.json"
    if not path.exists():
        raise CheckpointError(
            f"The reference classifier {path} is missing; rebuild it with `python -m aemodels.classifier`."
        )
    record = json.loads(path.read_text())
    weights = folder / record["weights"]
    if not weights.exists() or sha256_file(weights) != record["sha256"]:
        raise CheckpointError(
            f"The reference classifier's weights {weights} are missing or altered; rebuild them with "
            "`python -m aemodels.classifier`."
        )
    model = DigitClassifier()
    model.load_state_dict({k: v.float() for k, v in load_file(str(weights)).items()}, strict=True)
    return model.eval()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train the reference MNIST classifier that scores samples.")
    parser.add_argument("--data-dir", default=None, help="MNIST folder (default: $AEMODELS_DATA or data/mnist)")
    parser.add_argument("--out-dir", type=Path, default=None, help="the zoo folder (default: pretrained/)")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        x, y = load_mnist("train", directory=args.data_dir)
        x_test, y_test = load_mnist("test", directory=args.data_dir)
    except DataError as err:
        raise SystemExit(f"error: {err}") from None
    model, seconds = train_classifier(x, y, epochs=args.epochs)
    # Scored as stored: the float16 weights, upcast.
    model.load_state_dict({k: v.half().float() for k, v in model.state_dict().items()})
    meta = {
        "description": "Reference MNIST classifier: its 128 penultimate features score samples (Fréchet distance).",
        "test_accuracy": accuracy(model, x_test, y_test),
        "training": {
            "epochs": args.epochs,
            "seed": SEED,
            "seconds": round(seconds, 1),
            "machine": f"{platform.machine()}, {torch.get_num_threads()} threads",
            "torch": torch.__version__,
            "command": "python -m aemodels.classifier",
        },
    }
    path = save_classifier(model, meta, args.out_dir)
    print(f"wrote {path}: test accuracy {meta['test_accuracy']:.4f}")


if __name__ == "__main__":
    main()
