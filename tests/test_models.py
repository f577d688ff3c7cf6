import pytest
import torch

from aemodels import MODELS, AEConfig, build_model, corrupt, importance_weighted_log_likelihood
from aemodels.losses import sparsity_kl

CONFIGS = {
    "linear": AEConfig(kind="linear", latent_dim=4, recon_loss="mse"),
    "mlp": AEConfig(kind="mlp", latent_dim=3, hidden=(32, 16)),
    "conv": AEConfig(kind="conv", latent_dim=3, channels=(4, 8)),
    "sparse": AEConfig(kind="sparse", latent_dim=20),
    "vae_mlp": AEConfig(kind="vae_mlp", latent_dim=3, hidden=(32,)),
    "vae_conv": AEConfig(kind="vae_conv", latent_dim=3, channels=(4, 8)),
}
EXPECTED_TERMS = {
    "sparse": {"recon", "sparsity", "total"},
    "vae_mlp": {"recon", "kl", "total"},
    "vae_conv": {"recon", "kl", "total"},
}


def test_every_registered_kind_has_a_test_config():
    # The class-conditional VAE has no encode(x) / decode(z) of its own (both need the class): its own tests are in
    # tests/test_quality.py.
    assert set(CONFIGS) | {"cvae_mlp"} == set(MODELS)


@pytest.mark.parametrize("kind", sorted(CONFIGS))
def test_shapes_and_ranges(kind):
    model = build_model(CONFIGS[kind])
    x = torch.rand(5, 1, 28, 28)
    z = model.encode(x)
    assert z.shape == (5, CONFIGS[kind].latent_dim)
    x_hat = model.decode(z)
    assert x_hat.shape == (5, 1, 28, 28)
    assert x_hat.min() >= 0 and x_hat.max() <= 1
    assert model.reconstruct(x).shape == x.shape
    terms = model.loss(x, model(x))
    assert set(terms) == EXPECTED_TERMS.get(kind, {"recon", "total"})
    assert all(t.ndim == 0 and torch.isfinite(t) for t in terms.values())


@pytest.mark.parametrize("kind", ["vae_mlp", "vae_conv"])
def test_vae_posterior_and_sampling(kind):
    model = build_model(CONFIGS[kind]).eval()
    mu, logvar = model.posterior(torch.rand(4, 1, 28, 28))
    assert mu.shape == logvar.shape == (4, 3)
    samples = model.sample(6, temperature=0.5, generator=torch.Generator().manual_seed(1))
    again = model.sample(6, temperature=0.5, generator=torch.Generator().manual_seed(1))
    assert samples.shape == (6, 1, 28, 28) and torch.equal(samples, again)


@pytest.mark.parametrize("kind", sorted(CONFIGS))
def test_train_step_changes_weights_and_eval_does_not(kind):
    model = build_model(CONFIGS[kind])
    x = torch.rand(8, 1, 28, 28).round()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        model.eval()
        model.reconstruct(x)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.loss(x, model(x))["total"].backward()
    optimizer.step()
    changed = [k for k, v in model.state_dict().items() if not torch.equal(before[k], v)]
    assert changed, "a training step left every weight unchanged"
    assert "mean" not in changed, "the linear AE's data mean is fitted, not trained"


def test_linear_ae_ties_encoder_and_decoder():
    model = build_model(CONFIGS["linear"])
    z = torch.randn(2, 4)
    expected = (z @ model.A + model.mean).view(-1, 1, 28, 28)
    assert torch.allclose(model.decode_unclipped(z), expected)
    assert len(list(model.parameters())) == 1


def test_config_rejects_unknown_fields_and_kinds():
    with pytest.raises(ValueError, match="unknown config fields"):
        AEConfig.from_dict({"kind": "mlp", "latent_dim": 2, "colour": "red"})
    with pytest.raises(ValueError, match="unknown model kind"):
        AEConfig.from_dict({"kind": "gan", "latent_dim": 2})


@pytest.mark.parametrize("kind", ["conv", "vae_conv"])
def test_the_channels_last_decoder_gives_the_plain_decoders_numbers(kind):
    """run_conv_decoder reorders the feature maps for speed; decode_unclipped (the Jacobians' path) keeps the plain
    order: both must draw the same digits."""
    torch.manual_seed(0)
    model = build_model(AEConfig(kind=kind, latent_dim=8)).eval()
    z = torch.randn(5, 8)
    with torch.inference_mode():
        plain = torch.sigmoid(model.decoder(z))
        assert torch.allclose(model.decode(z), plain, atol=1e-5)
        assert torch.allclose(model.decode_unclipped(z), plain, atol=1e-6)
        assert model.decode(z).shape == (5, 1, 28, 28)


# Spans models, losses and corrupt; most of its checks are the models' own (build_model, sample), so it lives here.
def test_caller_input_is_validated_with_exceptions_not_asserts(small_vae):
    model = small_vae()
    with pytest.raises(ValueError, match="at least 1"):
        importance_weighted_log_likelihood(model, torch.zeros(1, 1, 28, 28), k=0)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        sparsity_kl(0.0, torch.rand(3))
    with pytest.raises(ValueError, match="0 or more"):
        model.sample(-1)
    with pytest.raises(ValueError, match="non-negative"):
        corrupt(torch.zeros(1, 1, 28, 28), "gaussian", -0.1)
    with pytest.raises(ValueError, match="recon_loss='mse'"):
        build_model(AEConfig(kind="linear", latent_dim=2, recon_loss="bce"))
    with pytest.raises(ValueError, match="recon_loss='bce'"):
        build_model(AEConfig(kind="vae_mlp", latent_dim=2, recon_loss="mse"))


def test_decode_unclipped_is_on_every_model():
    z = torch.randn(2, 2)
    mlp = build_model(AEConfig(kind="mlp", latent_dim=2, hidden=(8,))).eval()
    assert torch.equal(mlp.decode_unclipped(z), mlp.decode(z))  # a sigmoid output is smooth already
    linear = build_model(AEConfig(kind="linear", latent_dim=2, recon_loss="mse"))
    big = torch.full((1, 2), 100.0)
    assert linear.decode_unclipped(big).abs().max() > 1 >= linear.decode(big).max()


@pytest.mark.parametrize("kind", ["linear", "mlp", "conv", "sparse", "vae_mlp", "vae_conv", "cvae_mlp"])
def test_a_model_built_from_a_generator_is_reproducible_and_leaves_the_process_generator_alone(kind):
    """Issue 34.3: weights drawn from the caller's generator, as PyTorch's default initialisation draws them."""

    config = AEConfig(kind=kind, latent_dim=4, recon_loss="mse" if kind == "linear" else "bce")
    torch.manual_seed(5)
    expected = torch.rand(2)
    torch.manual_seed(5)
    one = build_model(config, generator=torch.Generator().manual_seed(1))
    two = build_model(config, generator=torch.Generator().manual_seed(1))
    other = build_model(config, generator=torch.Generator().manual_seed(2))
    assert torch.equal(torch.rand(2), expected)
    states = (one.state_dict().items(), two.state_dict().values(), other.state_dict().values())
    for (name, a), b, c in zip(*states, strict=True):
        assert torch.equal(a, b), name
        assert name == "mean" or not torch.equal(a, c), name
    default = MODELS[kind](config)  # PyTorch's own initialisation: the same spread, layer by layer
    for (name, a), b in zip(one.named_parameters(), default.parameters(), strict=True):
        if a.numel() > 100:
            assert float(a.abs().max()) <= float(b.abs().max()) * 1.2, name
            assert float(a.std()) == pytest.approx(float(b.std()), rel=0.2), name
