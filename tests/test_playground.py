"""The Train page's library (aemodels.playground): a training's spec and its plain-word problems, a run's curves and
its own random streams, and the measurements the page shows (the probe, k-NN, the identity against a projection)."""

import math

import numpy as np
import pytest
import torch

from aemodels import AEConfig, build_model, load_digits
from aemodels.checkpoints import checkpoint_zip, read_checkpoint
from aemodels.geometry import pca
from aemodels.models import Autoencoder
from aemodels.playground import (
    EXPERIMENTS,
    SpecError,
    TrainData,
    TrainingRun,
    TrainSpec,
    knn_accuracy,
    measure,
    ridge_probe,
)

SMALL = {"latent_dim": 2, "train_digits": 1000, "batch_size": 16}


class Identity(Autoencoder):
    """The overcomplete AE's failure mode, exactly: x -> x."""

    def __init__(self) -> None:
        super().__init__(AEConfig(kind="mlp", latent_dim=784))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return z.view(-1, 1, 28, 28)


@pytest.fixture(scope="module")
def data() -> TrainData:
    x, y = load_digits()
    return TrainData(x[:1500], y[:1500], x[1500:], y[1500:], "the shipped sample")


def test_absurd_choices_get_plain_messages():
    problems = TrainSpec(latent_dim=10**6, lr=1e9, beta=math.nan).problems()
    assert any("code size" in p and "1024" in p for p in problems)
    assert any("learning rate" in p for p in problems)
    assert any("β" in p for p in problems)
    assert TrainSpec(architecture="conv", regulariser="sparse").problems() == [
        "sparsity is offered on the MLP (a layer of sigmoid units), not the convolutional AE"
    ]
    with pytest.raises(SpecError, match="code size"):
        TrainSpec(latent_dim=0).config()
    assert TrainSpec().problems() == []


def test_training_data_must_be_images(data):
    with pytest.raises(ValueError, match="fashion must be images"):
        TrainData(data.x_train, data.y_train, data.x_held, data.y_held, "x", fashion=data.x_held.unsqueeze(1))


def test_ridge_probe_and_knn_on_separable_data():
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=10, size=(10, 5))
    labels = np.repeat(np.arange(10), 40)
    points = centres[labels] + rng.normal(size=(400, 5))
    x, y = torch.tensor(points), torch.tensor(labels)
    assert ridge_probe(x[::2], y[::2], x[1::2], y[1::2]) == 1.0
    assert knn_accuracy(points, labels) == 1.0
    shuffled = rng.permutation(labels)
    assert knn_accuracy(points, shuffled) < 0.3  # labels unrelated to place: near chance


def test_measurements_tell_the_identity_from_a_projection(data):
    identity = measure(Identity(), data)
    assert identity.mse == pytest.approx(0.0, abs=1e-12)
    assert identity.denoise_psnr == pytest.approx(identity.noisy_psnr, abs=1e-6)  # the noise passes straight through
    assert identity.normal_tangent_ratio == pytest.approx(1.0, abs=1e-3)
    # The linear AE set to PCA's subspace: a projection. Pushes off it are removed, noise is reduced.
    linear = build_model(AEConfig(kind="linear", latent_dim=16, recon_loss="mse"))
    mean, components = pca(data.x_train.flatten(1), 16)
    linear.set_mean(mean)
    with torch.no_grad():
        linear.A.copy_(components.T)
    projection = measure(linear, data)
    assert projection.normal_tangent_ratio < 0.1
    # Better than the noisy input (PCA-16 is capped near 16 dB by its own reconstruction error, 0.026).
    assert projection.denoise_psnr > projection.noisy_psnr + 1
    assert projection.pca_angle == pytest.approx(0.0, abs=0.1)
    assert identity.auc_noise < projection.auc_noise  # the identity cannot tell noise from digits


def test_a_training_run_records_its_curves(data):
    run = TrainingRun(TrainSpec(**SMALL), data)
    for _ in range(3):
        run.advance(10)  # fewer than 25 steps since the last point: accumulated
    run.advance(30)
    run.test_loss()
    assert run.step == 60 and run.history["step"] == [30, 60] and "recon" in run.history
    assert run.test_history["step"] == [60]
    mapped = run.code_map()
    points, labels, axes = mapped.points, mapped.labels, mapped.axes
    assert points.shape[1] == 2 and len(points) == len(labels) and axes == "z1, z2"


VAE_SPEC = {**SMALL, "regulariser": "vae"}


def weights(run: TrainingRun) -> list[torch.Tensor]:
    return [p.detach().clone() for p in run.model.parameters()]


def test_two_trainings_started_together_are_each_reproducible(data):
    """Issue 34.3: a training's start seeded the process's generator and a VAE drew its noise from it, so a second
    training started during the first changed the first's draws. Each run now has its own generators."""
    alone = TrainingRun(TrainSpec(**VAE_SPEC, seed=3), data)
    alone.advance(20)
    first = TrainingRun(TrainSpec(**VAE_SPEC, seed=3), data)
    first.advance(10)
    second = TrainingRun(TrainSpec(**VAE_SPEC, seed=4), data)  # started while the first runs
    second.advance(5)
    first.advance(10)
    assert all(torch.equal(a, b) for a, b in zip(weights(alone), weights(first), strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(weights(alone), weights(second), strict=True))


def test_a_snapshot_and_a_checkpoint_read_leave_the_process_generator_alone(data):
    """The test-loss snapshot (every ~0.4 s) and reading an uploaded checkpoint reset the whole process's generator."""

    run = TrainingRun(TrainSpec(**VAE_SPEC), data)
    archive = checkpoint_zip(run.model, "mine", {})
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    first = run.test_loss()
    read_checkpoint([("mine.zip", archive)])
    assert torch.equal(torch.rand(3), expected)
    assert run.test_loss() == first  # and a snapshot draws the same noise each time


def test_every_guided_experiment_is_a_valid_choice():
    for key, experiment in EXPERIMENTS.items():
        title, claim, choices = experiment.title, experiment.claim, experiment.choices
        assert TrainSpec(**choices).problems() == [], key
        assert title and claim
