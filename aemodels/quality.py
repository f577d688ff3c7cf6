"""Sample quality, measured with the reference MNIST classifier (aemodels.classifier).

- Fréchet distance (FID-style): Heusel et al. 2017 fit a Gaussian to a network's features of real and of generated
  images and report ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^½). We use the same formula with a different network:
  the 128 penultimate features of a small MNIST classifier instead of Inception-v3's 2048 pool features, so the
  figures are comparable with each other here, not with published FIDs on other data.
- Confidence: the classifier's mean top-class probability over the samples (readable digits score high).
- Class balance: the entropy of the predicted classes' histogram, in bits (log2 10 = 3.32 when all ten digits
  appear equally; 0 when every sample is the same digit).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from aemodels.checkpoints import CheckpointError
from aemodels.classifier import DigitClassifier, quality_dir

MAX_CLASS_BITS = float(np.log2(10))


@dataclass(frozen=True)
class FeatureStats:
    """Mean (k,) and covariance (k, k) of a set's features, in float64."""

    mean: np.ndarray
    cov: np.ndarray
    count: int


@dataclass(frozen=True)
class SampleQuality:
    frechet: float  # against the test digits' features
    confidence: float  # mean top-class probability, 0..1
    class_bits: float  # entropy of the predicted classes, 0..log2(10) bits
    class_counts: list[int]  # how many samples the classifier puts in each class 0..9

    def as_dict(self) -> dict:
        return asdict(self)


def feature_stats(features: np.ndarray | torch.Tensor) -> FeatureStats:
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or len(f) < 2:
        raise ValueError(f"features must be (n >= 2, k), got shape {f.shape}")
    return FeatureStats(mean=f.mean(0), cov=np.cov(f, rowvar=False), count=len(f))


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance(a: FeatureStats, b: FeatureStats) -> float:
    """‖μa − μb‖² + Tr(Σa) + Tr(Σb) − 2 Tr((Σa Σb)^½), the squared 2-Wasserstein distance between the two
    Gaussians. Tr((Σa Σb)^½) is taken as Tr((Σa^½ Σb Σa^½)^½), which has the same eigenvalues and is symmetric,
    so it needs no complex square root."""
    root_a = _sqrt_psd(a.cov)
    middle = root_a @ b.cov @ root_a
    cross = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum()
    diff = a.mean - b.mean
    return float(diff @ diff + np.trace(a.cov) + np.trace(b.cov) - 2 * cross)


@torch.inference_mode()
def classify(classifier: DigitClassifier, images: torch.Tensor, batch: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """(features (n, 128), class probabilities (n, 10)) of images (n, 1, 28, 28) in [0, 1]."""
    features, probs = [], []
    for i in range(0, len(images), batch):
        f = classifier.features(images[i : i + batch].float())
        features.append(f)
        probs.append(torch.softmax(classifier.head(f), 1))
    return torch.cat(features).double().numpy(), torch.cat(probs).double().numpy()


def class_bits(counts: np.ndarray) -> float:
    p = np.asarray(counts, dtype=np.float64)
    p = p[p > 0] / p.sum()
    return float(-(p * np.log2(p)).sum())


def sample_quality(classifier: DigitClassifier, images: torch.Tensor, reference: FeatureStats) -> SampleQuality:
    """The three figures of a set of samples, against the reference set's feature statistics."""
    features, probs = classify(classifier, images)
    counts = np.bincount(probs.argmax(1), minlength=10)
    return SampleQuality(
        frechet=frechet_distance(feature_stats(features), reference),
        confidence=float(probs.max(1).mean()),
        class_bits=class_bits(counts),
        class_counts=[int(c) for c in counts],
    )


def reference_stats(classifier: DigitClassifier, images: torch.Tensor) -> FeatureStats:
    return feature_stats(classify(classifier, images)[0])


def class_accuracy(classifier: DigitClassifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    """The share of images the classifier puts in their intended class."""
    _, probs = classify(classifier, images)
    return float((probs.argmax(1) == labels.numpy()).mean())


def load_report(directory: Path | None = None) -> dict:
    """The figures `python -m aemodels.evaluate` measured (pretrained/quality/samples.json): the floor, each
    model's decoder limit and samplers, the class-conditional models' accuracy."""
    path = quality_dir(directory) / "samples.json"
    try:
        report = json.loads(path.read_text())
    except FileNotFoundError:
        raise CheckpointError(f"{path} is missing: `python -m aemodels.evaluate` measures the samplers.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(f"{path} is not valid JSON ({err}); rerun `python -m aemodels.evaluate`.") from err
    if not isinstance(report, dict) or not {"floor", "models", "conditional"} <= set(report):
        raise CheckpointError(
            f"{path} lacks its floor, models or conditional entry; rerun `python -m aemodels.evaluate`."
        )
    return report
