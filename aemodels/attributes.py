"""Measurable properties of a digit, and the directions in a model's latent space that change them.

Properties, measured on the picture (ink = pixels above 0.5 for area and skeleton; grey values as weights for
moments):
- slant, in degrees, positive when the top leans right: atan(−μ11 / μ02) of the image's central moments (the
  horizontal shift of the ink per row, the quantity a deskewing step removes);
- thickness, in pixels: ink area over the length of its skeleton (scikit-image's skeletonize), the mean stroke
  width of a stroke of that length;
- width, in pixels: 2√3 × the standard deviation of the ink's x once the slant is taken out (the width of a
  uniform band with that spread), so a slanted 1 is still narrow.

Attribute directions (Distill's "attribute vectors", measured instead of asserted): a least-squares regression of
each property on the codes of the training digits, p ≈ w·z + b. Moving a code by Δ · w / ‖w‖² is the smallest
move that changes the predicted property by Δ; the page decodes the moved code and measures the property again.
`python -m aemodels.attributes` refits the shipped directions (pretrained/attributes/NAME.json).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from aemodels.checkpoints import CheckpointError, load_pretrained, pretrained_dir
from aemodels.models import Autoencoder
from aemodels.zoo import ZOO, refit_command

PROPERTIES: dict[str, str] = {"slant": "degrees", "thickness": "pixels", "width": "pixels"}
INK = 0.5


def moments(images: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Central second moments (μ20, μ11, μ02) of each image (n, 28, 28), x to the right and y down."""
    ys, xs = np.mgrid[0:28, 0:28].astype(np.float64)
    mass = images.sum((1, 2)).clip(1e-9)
    cx = (images * xs).sum((1, 2)) / mass
    cy = (images * ys).sum((1, 2)) / mass
    dx = xs[None] - cx[:, None, None]
    dy = ys[None] - cy[:, None, None]
    mu20 = (images * dx * dx).sum((1, 2)) / mass
    mu11 = (images * dx * dy).sum((1, 2)) / mass
    mu02 = (images * dy * dy).sum((1, 2)) / mass
    return mu20, mu11, mu02


def measure(images: torch.Tensor | np.ndarray) -> dict[str, np.ndarray]:
    """Slant (degrees), thickness (px) and width (px) of each digit (n, 1, 28, 28) or (n, 28, 28) in [0, 1]."""
    from skimage.morphology import skeletonize  # imported here: the app's other pages do not need it

    x = np.asarray(images, dtype=np.float64).reshape(-1, 28, 28)
    mu20, mu11, mu02 = moments(x)
    shear = mu11 / mu02.clip(1e-9)  # x shift per row downward; a right lean moves x left going down
    slant = np.degrees(np.arctan(-shear))
    width = 2 * math.sqrt(3) * np.sqrt((mu20 - mu11 * shear).clip(0))
    ink = x > INK
    thickness = np.zeros(len(x))
    for i, mask in enumerate(ink):
        length = int(skeletonize(mask).sum())
        thickness[i] = mask.sum() / length if length else 0.0
    return {"slant": slant, "thickness": thickness, "width": width}


@dataclass(frozen=True)
class Direction:
    """p ≈ weights · z + bias over the training codes; r2 says how much of p's variance the code explains."""

    weights: list[float]
    bias: float
    r2: float
    unit: str

    def predict(self, z: torch.Tensor) -> torch.Tensor:
        return z @ torch.tensor(self.weights, dtype=z.dtype) + self.bias

    def move(self, z: torch.Tensor, delta: float) -> torch.Tensor:
        """z moved by the smallest step that changes the predicted property by delta."""
        w = torch.tensor(self.weights, dtype=z.dtype)
        return z + delta * w / (w @ w).clamp_min(1e-12)


def fit_direction(codes: torch.Tensor | np.ndarray, values: np.ndarray, unit: str = "") -> Direction:
    """Least squares of values (n,) on codes (n, d) with an intercept."""
    z = np.asarray(codes, dtype=np.float64)
    p = np.asarray(values, dtype=np.float64)
    if z.ndim != 2 or len(z) != len(p) or len(z) <= z.shape[1] + 1:
        raise ValueError(f"need more codes than dimensions and one value per code; got {z.shape} and {p.shape}")
    design = np.hstack([z, np.ones((len(z), 1))])
    solution, *_ = np.linalg.lstsq(design, p, rcond=None)
    residual = p - design @ solution
    r2 = 1 - residual.var() / max(p.var(), 1e-12)
    return Direction(weights=solution[:-1].tolist(), bias=float(solution[-1]), r2=float(r2), unit=unit)


def fit_directions(model: Autoencoder, x: torch.Tensor) -> dict[str, Direction]:
    with torch.inference_mode():
        codes = torch.cat([model.encode(x[i : i + 1000]) for i in range(0, len(x), 1000)])
    values = measure(x)
    return {name: fit_direction(codes, values[name], unit) for name, unit in PROPERTIES.items()}


def walk(model: Autoencoder, z: torch.Tensor, direction: Direction, deltas: list[float]) -> torch.Tensor:
    """The code z (d,) moved by each delta along the direction, decoded: (len(deltas), 1, 28, 28)."""
    codes = torch.stack([direction.move(z, d) for d in deltas])
    with torch.inference_mode():
        return model.decode(codes)


def attributes_dir(directory: Path | None = None) -> Path:
    return Path(directory or pretrained_dir()) / "attributes"


def save_directions(name: str, directions: dict[str, Direction], directory: Path | None = None) -> Path:
    folder = attributes_dir(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    record = {
        "model": name,
        "fitted_on": "MNIST train (60,000 digits)",
        "command": f"python -m aemodels.attributes {name}",
        "directions": {k: asdict(v) for k, v in directions.items()},
    }
    path.write_text(json.dumps(record, indent=1) + "\n")
    return path


def load_directions(name: str, directory: Path | None = None) -> dict[str, Direction]:
    path = attributes_dir(directory) / f"{name}.json"
    if not path.exists():
        raise CheckpointError(
            f"{name} has no attribute directions ({path}); fit them with `python -m aemodels.attributes`."
        )
    try:
        record = json.loads(path.read_text())
        return {k: Direction(**v) for k, v in record["directions"].items()}
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise CheckpointError(f"{path} is not a valid attribute file ({err}); refit it.") from err


def slider_models() -> list[str]:
    return [n for n, r in ZOO.items() if "sliders" in r.roles]


def main(argv: list[str] | None = None) -> None:
    description = "Fit the attribute directions of the Latent sliders page's models."
    args, x_train = refit_command(description, slider_models(), argv)
    for name in args.models:
        directions = fit_directions(load_pretrained(name, directory=args.out_dir), x_train)
        path = save_directions(name, directions, args.out_dir)
        print(f"wrote {path}: " + ", ".join(f"{k} R² {v.r2:.2f}" for k, v in directions.items()))


if __name__ == "__main__":
    main()
