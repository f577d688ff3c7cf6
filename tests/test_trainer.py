"""The one training step (aemodels.train.Trainer): what a batch becomes, what a step changes, and that the zoo's
epochs and the Train page's runs both go through it."""

import math

import pytest
import torch

from aemodels import AEConfig, build_model, load_digits
from aemodels.playground import TrainData, TrainingRun, TrainSpec
from aemodels.train import Trainer, fit, prepare_batch
from aemodels.zoo import Recipe


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits()
    return x[:64], y[:64]


def test_a_batch_is_binarised_for_a_vae_and_corrupted_for_a_denoiser(digits):
    x = digits[0][:16]
    vae = build_model(AEConfig(kind="vae_mlp", latent_dim=2, hidden=(16,)))
    inputs, target = prepare_batch(vae, x, torch.Generator().manual_seed(0))
    assert inputs is target and set(inputs.unique().tolist()) <= {0.0, 1.0}
    plain = build_model(AEConfig(kind="mlp", latent_dim=2, hidden=(16,)))
    inputs, target = prepare_batch(plain, x, torch.Generator().manual_seed(0))
    assert inputs is x and target is x
    denoiser = build_model(AEConfig(kind="mlp", latent_dim=2, hidden=(16,), train_noise_std=0.5))
    for noise in ("uniform", "fixed"):
        inputs, target = prepare_batch(denoiser, x, torch.Generator().manual_seed(0), noise=noise)
        assert target is x and not torch.equal(inputs, x) and inputs.min() >= 0 and inputs.max() <= 1
    # "fixed": every image gets σ = 0.5; "uniform": σ ~ U[0, 0.5] per image, so less noise on average.
    flat = torch.full((256, 1, 28, 28), 0.5)
    spread = {
        noise: (prepare_batch(denoiser, flat, torch.Generator().manual_seed(1), noise=noise)[0] - 0.5).std().item()
        for noise in ("uniform", "fixed")
    }
    assert spread["fixed"] == pytest.approx(0.5 * 0.718, rel=0.02)  # N(0, 0.5²) clipped at ±1σ: std 0.718σ
    assert spread["uniform"] < 0.8 * spread["fixed"]


def test_a_step_changes_the_weights_and_a_loss_that_is_not_finite_changes_nothing(digits):
    model = build_model(AEConfig(kind="mlp", latent_dim=2, hidden=(16,)))
    trainer = Trainer(model, torch.optim.Adam(model.parameters(), lr=1e-3))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    terms = trainer.step(digits[0], torch.Generator().manual_seed(0))
    assert set(terms) == {"recon", "total"} and all(isinstance(v, float) for v in terms.values())
    after = {k: v.clone() for k, v in model.state_dict().items()}
    assert all(not torch.equal(before[k], after[k]) for k in before)
    with pytest.raises(FloatingPointError, match="loss became"):
        trainer.step(torch.full_like(digits[0], math.inf), torch.Generator().manual_seed(0))
    assert all(torch.equal(after[k], v) for k, v in model.state_dict().items())


def test_the_zoo_and_the_train_page_train_through_the_one_step(digits, tmp_path, monkeypatch):
    calls: list[bool] = []
    step = Trainer.step

    def counted(self, x, generator, labels=None):
        calls.append(labels is not None)
        return step(self, x, generator, labels)

    monkeypatch.setattr(Trainer, "step", counted)
    x, y = digits
    recipe = Recipe(AEConfig(kind="cvae_mlp", latent_dim=2, hidden=(16,)), "toy", epochs=1, batch_size=32)
    assert fit("toy", recipe, x, y_train=y, runs_dir=tmp_path, quiet=True) is not None
    assert calls == [True, True]  # two batches of 32, each with its classes
    run = TrainingRun(TrainSpec(latent_dim=2, regulariser="denoising", batch_size=8), TrainData(x, y, x, y, "t"))
    run.advance(3)
    assert calls[2:] == [False] * 3 and run.step == 3
