"""Sample quality, samplers, attribute directions, the class-conditional VAE and the reference classifier."""

import math

import numpy as np
import pytest
import torch

from aemodels import AEConfig, build_model, load_digits
from aemodels.attributes import fit_direction, measure
from aemodels.classifier import accuracy, load_classifier, random_shift
from aemodels.models import ConditionalVAE
from aemodels.quality import FeatureStats, class_bits, feature_stats, frechet_distance
from aemodels.samplers import CodeBox, CodeMixture, ModelSamplers, fit_code_mixture, load_samplers, save_samplers
from aemodels.train import fit
from aemodels.zoo import ZOO, Recipe


def stats(mean, cov) -> FeatureStats:
    return FeatureStats(np.asarray(mean, dtype=float), np.asarray(cov, dtype=float), 1000)


def test_frechet_distance_of_hand_checked_gaussians():
    # Commuting covariances: 25 (means) + 5 + 5 − 2 Tr(diag(4, 4)^½) = 25 + 10 − 8.
    a, b = stats([0, 0], np.diag([1, 4])), stats([3, 4], np.diag([4, 1]))
    assert frechet_distance(a, b) == pytest.approx(27.0, abs=1e-9)
    # One dimension: (m1 − m2)² + (s1 − s2)².
    assert frechet_distance(stats([1], [[4]]), stats([3], [[9]])) == pytest.approx(4 + 1, abs=1e-9)
    # Non-commuting: Σa = [[2, 1], [1, 2]] (eigenvalues 3 and 1) against I: 4 + 2 − 2 (√3 + 1).
    c, identity = stats([0, 0], [[2, 1], [1, 2]]), stats([0, 0], np.eye(2))
    assert frechet_distance(c, identity) == pytest.approx(4 - 2 * math.sqrt(3), abs=1e-9)
    assert frechet_distance(identity, c) == pytest.approx(frechet_distance(c, identity), abs=1e-9)
    assert frechet_distance(c, c) == pytest.approx(0.0, abs=1e-9)


def test_frechet_distance_from_samples_converges_to_the_formula():
    rng = np.random.default_rng(0)
    cov_a = np.array([[2.0, 0.8], [0.8, 1.0]])
    a = feature_stats(rng.multivariate_normal([0, 0], cov_a, 200_000))
    b = feature_stats(rng.multivariate_normal([1, -1], np.eye(2) * 0.5, 200_000))
    exact = frechet_distance(stats([0, 0], cov_a), stats([1, -1], np.eye(2) * 0.5))
    assert frechet_distance(a, b) == pytest.approx(exact, rel=0.02)


def test_class_bits():
    assert class_bits(np.full(10, 7)) == pytest.approx(math.log2(10))
    assert class_bits(np.array([5, 0, 0])) == 0.0
    assert class_bits(np.array([1, 1])) == pytest.approx(1.0)


def test_mixture_fit_recovers_planted_clusters_and_survives_a_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    centres = np.array([[-5.0, 0.0, 0.0], [5.0, 2.0, 0.0]])
    codes = np.vstack([rng.normal(c, 0.5, size=(3000 if i == 0 else 1000, 3)) for i, c in enumerate(centres)])
    mixture = fit_code_mixture(codes, components=2, seed=0)
    order = torch.argsort(mixture.means[:, 0])
    assert torch.allclose(mixture.means[order], torch.tensor(centres, dtype=torch.float32), atol=0.1)
    assert torch.allclose(mixture.weights[order], torch.tensor([0.75, 0.25]), atol=0.02)
    drawn = mixture.sample(20_000, generator=torch.Generator().manual_seed(0))
    assert (drawn[:, 0] < 0).float().mean().item() == pytest.approx(0.75, abs=0.02)
    # Saved and loaded, the mixture and box are the same numbers and draw the same codes.
    box = CodeBox(torch.tensor([-1.0, 0.0, 0.0]), torch.tensor([1.0, 2.0, 3.0]))
    save_samplers(ModelSamplers("toy", mixture, box), {}, tmp_path)
    loaded = load_samplers("toy", tmp_path)
    for field in ("weights", "means", "covariances"):
        assert torch.equal(getattr(loaded.mixture, field), getattr(mixture, field))
    assert torch.equal(loaded.box.low, box.low) and torch.equal(loaded.box.high, box.high)
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    assert torch.equal(loaded.mixture.sample(5, generator=g1), mixture.sample(5, generator=g2))
    inside = loaded.box.sample(1000, generator=g1)
    assert bool(((inside >= box.low) & (inside <= box.high)).all())


def test_a_tampered_samplers_file_is_refused(tmp_path):
    mixture = CodeMixture(torch.ones(1), torch.zeros(1, 2), torch.eye(2)[None])
    save_samplers(ModelSamplers("toy", mixture, CodeBox(torch.zeros(2), torch.ones(2))), {}, tmp_path)
    path = tmp_path / "samplers" / "toy.safetensors"
    path.write_bytes(path.read_bytes()[:-4] + b"\0\0\0\0")
    with pytest.raises(Exception, match="altered"):
        load_samplers("toy", tmp_path)


def test_attribute_direction_finds_a_planted_direction():
    rng = np.random.default_rng(0)
    u = rng.normal(size=8)
    z = rng.normal(size=(2000, 8))
    p = 2.0 * z @ u + 1.0 + rng.normal(scale=0.05, size=2000)
    direction = fit_direction(z, p, "units")
    assert np.allclose(direction.weights, 2.0 * u, atol=0.01)
    assert direction.bias == pytest.approx(1.0, abs=0.01)
    assert direction.r2 > 0.999
    # Moving a code by delta changes the predicted property by delta, whatever the code.
    start = torch.tensor(z[:5], dtype=torch.float64)
    moved = direction.move(start, 1.5)
    assert torch.allclose(
        direction.predict(moved) - direction.predict(start), torch.full((5,), 1.5, dtype=torch.float64)
    )
    # A property the codes do not carry explains nothing.
    assert fit_direction(z, rng.normal(size=2000)).r2 < 0.01


def bar(width: int, shear: float = 0.0) -> np.ndarray:
    """A vertical bar of `width` pixels, 16 rows tall, its rows shifted right by shear × (rows above the centre)."""
    image = np.zeros((28, 28))
    for row in range(6, 22):
        left = round(12 + shear * (14 - row))
        image[row, left : left + width] = 1.0
    return image


def test_measured_properties_of_bars():
    upright, leaning, thick = bar(2), bar(2, shear=1.0), bar(5)
    values = measure(np.stack([upright, leaning, thick]))
    assert values["slant"][0] == pytest.approx(0.0, abs=1e-6)
    assert values["slant"][1] == pytest.approx(45.0, abs=1e-6)  # one pixel right per row up: leans right by 45°
    assert values["slant"][2] == pytest.approx(0.0, abs=1e-6)
    assert values["thickness"][2] > 2 * values["thickness"][0]
    # Width: a uniform band of w pixels measures w (2√3 × its standard deviation ≈ w for w ≥ 2); slant removed.
    assert values["width"][0] == pytest.approx(2 * math.sqrt(3) * math.sqrt((2**2 - 1) / 12), abs=1e-6)
    assert values["width"][1] == pytest.approx(values["width"][0], abs=1e-6)
    assert values["width"][2] == pytest.approx(2 * math.sqrt(3) * math.sqrt((5**2 - 1) / 12), abs=1e-6)


def test_conditional_vae_needs_and_uses_the_class():
    model = build_model(AEConfig(kind="cvae_mlp", latent_dim=4, hidden=(32,)))
    assert isinstance(model, ConditionalVAE)
    x = torch.rand(6, 1, 28, 28)
    labels = torch.tensor([0, 1, 2, 3, 4, 5])
    out = model(x, labels)
    assert out["logits"].shape == (6, 1, 28, 28) and out["mu"].shape == (6, 4)
    z = torch.zeros(2, 4)
    assert not torch.allclose(model.decode_given(z, 3), model.decode_given(z, 7))  # the class reaches the decoder
    assert model.sample_given(9, 5, 0.5).shape == (5, 1, 28, 28)
    with pytest.raises(TypeError, match="needs the class"):
        model.encode(x)
    with pytest.raises(TypeError, match="needs the class"):
        model.decode(z)
    with pytest.raises(ValueError, match="from 0 to 9"):
        model.decode_given(z, 10)


def test_a_conditional_recipe_trains_with_labels_and_refuses_without(tmp_path):
    recipe = Recipe(AEConfig(kind="cvae_mlp", latent_dim=2, hidden=(16,)), "toy", epochs=1, batch_size=32)
    x = torch.rand(64, 1, 28, 28)
    with pytest.raises(ValueError, match="y_train"):
        fit("toy", recipe, x, runs_dir=tmp_path, quiet=True)
    fitted = fit("toy", recipe, x, y_train=torch.randint(0, 10, (64,)), runs_dir=tmp_path, quiet=True)
    assert fitted is not None and isinstance(fitted[0], ConditionalVAE)
    assert "conditional" in ZOO["cvae4"].roles


def test_random_shift_moves_each_digit_by_at_most_two_pixels():
    x = torch.zeros(50, 1, 28, 28)
    x[:, 0, 10, 12] = 1
    shifted = random_shift(x, torch.Generator().manual_seed(0))
    where = shifted[:, 0].flatten(1).argmax(1)
    rows, cols = where // 28, where % 28
    assert shifted.sum().item() == 50  # nothing lost at this distance from the edge
    assert rows.min() >= 8 and rows.max() <= 12 and cols.min() >= 10 and cols.max() <= 14
    assert len(set(zip(rows.tolist(), cols.tolist(), strict=True))) > 10  # the shifts differ from digit to digit


def test_the_shipped_classifier_reads_the_sample_digits():
    x, y = load_digits()
    # The full test set's accuracy is in its JSON (python -m aemodels.classifier); the shipped 2,000 are test digits.
    assert accuracy(load_classifier(), x, y) >= 0.99
