"""aemodels.posterior: a VAE's posterior draws, their spread and the KL profile."""

import pytest
import torch

from aemodels.posterior import kl_profile, posterior_draws, posterior_spread


def test_posterior_draws_use_the_reparameterisation(small_vae):
    model = small_vae()
    x = torch.rand(1, 1, 28, 28)
    draws = posterior_draws(model, x, 5, seed=3)
    with torch.no_grad():
        mu, logvar = model.posterior(x)
    assert torch.allclose(draws.mu, mu[0]) and torch.allclose(draws.sigma, (0.5 * logvar[0]).exp())
    with torch.no_grad():
        assert torch.allclose(draws.draws, model.decode(mu + (0.5 * logvar).exp() * draws.eps))
        assert torch.allclose(draws.at_mean, model.decode(mu))
    assert torch.equal(posterior_draws(model, x, 5, seed=3).eps, draws.eps)  # seeded
    assert not torch.equal(posterior_draws(model, x, 5, seed=4).eps, draws.eps)
    with pytest.raises(ValueError, match="one digit"):
        posterior_draws(model, torch.rand(2, 1, 28, 28), 5)
    mu_alone, sigma_alone = posterior_spread(model, x)
    assert torch.equal(mu_alone, draws.mu) and torch.equal(sigma_alone, draws.sigma)
    with pytest.raises(ValueError, match="one digit"):
        posterior_spread(model, torch.rand(2, 1, 28, 28))


def test_kl_profile_finds_the_only_active_latent(small_vae):
    model = small_vae()
    with torch.no_grad():  # latent 1 carries information; the others are at the prior
        model.encoder[-1].weight.zero_()
        model.encoder[-1].bias.zero_()
        model.encoder[-1].weight[1].fill_(0.05)
    profile = kl_profile(model, torch.rand(20, 1, 28, 28, generator=torch.Generator().manual_seed(0)), threshold=0.01)
    assert profile.active == [1] and profile.order[0] == 1
    assert profile.total == pytest.approx(profile.per_dim[1], abs=1e-6)
