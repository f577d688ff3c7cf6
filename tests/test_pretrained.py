"""Every shipped checkpoint loads, and meets its figure: in its recorded metrics (full test set, written by
`python -m aemodels.evaluate`) and again, recomputed here, on the shipped sample of the first 2,000 test digits."""

import pytest
import torch

from aemodels import ZOO, list_pretrained, load_digits, load_mnist, load_pretrained
from aemodels.checkpoints import pretrained_dir
from aemodels.evaluate import (
    binarised_test_set,
    conditional_metrics,
    denoising_metrics,
    linear_metrics,
    reconstruction_metrics,
    sparse_metrics,
    vae_metrics,
)
from aemodels.models import ConditionalVAE


def within(value: float, bounds) -> bool:
    low, high = bounds
    return (low is None or value >= low) and (high is None or value <= high)


def test_every_zoo_model_is_shipped_and_small():
    assert list_pretrained() + list_pretrained(conditional=True) == list(ZOO)
    assert list_pretrained(conditional=True) == ["cvae4"]  # the class-conditional VAE, listed apart
    total = sum(p.stat().st_size for p in pretrained_dir().rglob("*") if p.is_file())
    assert total <= 30 * 10**6, f"the zoo is {total / 10**6:.2f} MB, over 30 MB"


# Targets a shipped model does not reach yet: (model, metric) -> why. Each stays a visible expected failure,
# and turns into a real failure the moment the model reaches its target (so the entry must then go).
KNOWN_GAPS: dict[tuple[str, str], str] = {}


@pytest.mark.parametrize("name", list(ZOO))
def test_recorded_metrics_meet_targets(name):
    metrics = load_pretrained(name).info["metrics"]
    gaps = []
    for metric, bounds in ZOO[name].targets.items():
        if (name, metric) in KNOWN_GAPS:
            assert not within(metrics[metric], bounds), (
                f"{name} now reaches its {metric} target: remove it from KNOWN_GAPS"
            )
            gaps.append(f"{metric}={metrics[metric]:.2f}, target {bounds}: {KNOWN_GAPS[(name, metric)]}")
            continue
        assert within(metrics[metric], bounds), f"{name}: {metric}={metrics[metric]:.4f}, must lie in {bounds}"
    if gaps:
        pytest.xfail("; ".join(gaps))


@pytest.fixture(scope="module")
def sample():
    x, _ = load_digits()
    return x


@pytest.mark.parametrize("name", list(ZOO))
def test_figures_hold_on_the_shipped_sample(name, sample, request):
    model = load_pretrained(name)
    recorded = model.info["metrics"]
    if isinstance(model, ConditionalVAE):  # scored given each digit's class
        _, labels = load_digits()
        measured = conditional_metrics(model, sample, labels, binarised_test_set(sample))
        assert abs(measured["neg_elbo_nats"] - recorded["neg_elbo_nats"]) < 8
        assert measured["test_mse"] <= recorded["test_mse"] * 1.25
        return
    measured = reconstruction_metrics(model, sample)
    if model.variational:
        # k=10: the importance-weighted likelihood is judged on the full test set only (above), so few draws do
        # here. The sample's first 500 digits are not the full test set: allow a few nats either way.
        measured |= vae_metrics(model, binarised_test_set(sample)[:500], k=10)
        assert abs(measured["neg_elbo_nats"] - recorded["neg_elbo_nats"]) < 8
    elif name == "linear16":
        x_train, _ = load_mnist("train", directory=request.getfixturevalue("mnist_dir"))
        measured |= linear_metrics(model, x_train, sample)
    elif "mean_activation" in recorded:
        measured |= sparse_metrics(model, sample)
    else:
        measured |= denoising_metrics(model, sample)
    # The first 5,000 test digits are the cleaner half of the test set (LeCun's notes), so each reconstruction
    # target holds there too. Likelihood and activation targets are statistics of the full test set and are
    # judged there only (test above); on the sample the sparse AE's mean activation is 0.063, not 0.058.
    for metric, bounds in ZOO[name].targets.items():
        if metric in ("nll_nats", "mean_activation") or (name, metric) in KNOWN_GAPS:
            continue
        assert within(measured[metric], bounds), (
            f"{name}: {metric}={measured[metric]:.4f} on the sample, must lie in {bounds}"
        )
    assert measured["test_mse"] <= recorded["test_mse"] * 1.25


def test_a_decoded_digit_is_a_digit():
    """The 2-d VAE's decoded prior mean is a blurry digit: ink in the middle, black borders."""
    model = load_pretrained("vae2")
    image = model.decode(torch.zeros(1, 2))[0, 0]
    assert image[:3].max() < 0.2 and image[:, :3].max() < 0.2
    assert image[8:20, 8:20].max() > 0.5
