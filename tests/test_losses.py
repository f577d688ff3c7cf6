import math

import numpy as np
import pytest
import torch

from aemodels import AEConfig, build_model, importance_weighted_log_likelihood
from aemodels.losses import (
    bce_with_logits,
    elbo_terms,
    gaussian_kl,
    gaussian_log_density,
    negative_elbo,
    reparameterize,
    sparsity_kl,
)


def test_gaussian_kl_matches_monte_carlo():
    mu = torch.tensor([[0.5, -1.0, 2.0]])
    logvar = torch.tensor([[0.0, -1.0, 0.7]])
    closed = gaussian_kl(mu, logvar).sum().item()
    g = torch.Generator().manual_seed(0)
    z = mu + (0.5 * logvar).exp() * torch.randn(400_000, 3, generator=g)
    log_q = gaussian_log_density(z, mu, logvar)
    log_p = gaussian_log_density(z, torch.zeros(3), torch.zeros(3))
    estimate = (log_q - log_p).mean().item()
    assert abs(closed - estimate) < 0.02, (closed, estimate)


def test_gaussian_log_density_matches_numpy():
    z, mu, logvar = np.array([0.3, -0.2]), np.array([0.1, 0.4]), np.array([0.5, -0.3])
    var = np.exp(logvar)
    expected = float(np.sum(-0.5 * np.log(2 * np.pi * var) - (z - mu) ** 2 / (2 * var)))
    got = gaussian_log_density(torch.tensor(z), torch.tensor(mu), torch.tensor(logvar)).item()
    assert math.isclose(got, expected, rel_tol=1e-9)


def test_sparsity_kl_is_zero_at_target_and_matches_formula():
    assert sparsity_kl(0.05, torch.full((10,), 0.05)).item() < 1e-9
    rho, rho_hat = 0.05, 0.2
    expected = rho * math.log(rho / rho_hat) + (1 - rho) * math.log((1 - rho) / (1 - rho_hat))
    assert math.isclose(sparsity_kl(rho, torch.tensor([rho_hat])).item(), expected, rel_tol=1e-6)


def test_importance_weighted_bound_is_above_elbo_and_tightens_with_k():
    # A decoder that depends strongly on z and a posterior equal to the prior: the ELBO is loose, so the
    # importance-weighted estimate has room to rise with k (Burda et al. 2015, Theorem 1).
    model = build_model(AEConfig(kind="vae_mlp", latent_dim=2, hidden=(32,))).eval()
    with torch.no_grad():
        for p in model.decoder.parameters():
            p.mul_(4)
        model.encoder[-1].weight.zero_()
        model.encoder[-1].bias.zero_()  # q(z|x) = N(0, I)
        z_true = torch.randn(32, 2, generator=torch.Generator().manual_seed(0))
        x = torch.bernoulli(model.decode(z_true), generator=torch.Generator().manual_seed(1))
        torch.manual_seed(1)
        out = model(x)
        elbo = (-bce_with_logits(out["logits"], x) - gaussian_kl(out["mu"], out["logvar"]).sum(1)).mean().item()
    estimates = {}
    for k in (1, 10, 100, 1000):
        torch.manual_seed(2)
        estimates[k] = importance_weighted_log_likelihood(model, x, k=k, chunk=100).mean().item()
    assert estimates[10] > elbo and estimates[10] > estimates[1]
    assert estimates[1] < estimates[10] < estimates[100] < estimates[1000]
    assert all(math.isfinite(v) for v in estimates.values())


def test_importance_weighting_never_overflows():
    # Huge log-weights (an over-confident model) would overflow exp() in a naive average.
    model = build_model(AEConfig(kind="vae_mlp", latent_dim=2, hidden=(8,))).eval()
    with torch.no_grad():
        for p in model.decoder.parameters():
            p.mul_(200)
    x = torch.bernoulli(torch.full((4, 1, 28, 28), 0.5), generator=torch.Generator().manual_seed(0))
    value = importance_weighted_log_likelihood(model, x, k=50)
    assert torch.isfinite(value).all()


def test_one_elbo_for_training_evaluation_and_the_app(small_vae):
    model = small_vae()
    x = torch.bernoulli(torch.rand(4, 1, 28, 28))
    torch.manual_seed(1)
    with torch.no_grad():
        out = model(x)
    terms = negative_elbo(out["logits"], x, out["mu"], out["logvar"])
    loss = model.loss(x, out)
    assert loss["recon"].item() == pytest.approx(terms["recon"].mean().item())
    assert loss["kl"].item() == pytest.approx(terms["kl"].mean().item())
    assert torch.allclose(terms["kl"], terms["kl_per_dim"].sum(1))
    torch.manual_seed(1)
    again = elbo_terms(model, x)  # the same draw of eps from the same generator state
    assert torch.allclose(again["neg_elbo"], terms["neg_elbo"], atol=1e-5)
    mu, logvar = torch.zeros(3), torch.log(torch.full((3,), 4.0))
    assert torch.allclose(reparameterize(mu, logvar, torch.ones(3)), torch.full((3,), 2.0))


def test_elbo_terms_split_and_monte_carlo(model_of):
    model = model_of("vae_mlp")
    x = torch.bernoulli(torch.rand(3, 1, 28, 28), generator=torch.Generator().manual_seed(0))
    terms = elbo_terms(model, x, samples=400, generator=torch.Generator().manual_seed(1))
    mu, logvar = model.posterior(x)
    assert torch.allclose(terms["kl"], gaussian_kl(mu, logvar).sum(1))
    assert torch.allclose(terms["kl_per_dim"].sum(1), terms["kl"])
    assert torch.allclose(terms["neg_elbo"], terms["recon"] + terms["kl"])
    with torch.no_grad():  # an independent Monte Carlo estimate of the reconstruction term agrees
        generator = torch.Generator().manual_seed(9)
        z = mu + (0.5 * logvar).exp() * torch.randn(400, *mu.shape, generator=generator)
        manual = torch.stack([bce_with_logits(model.decode_logits(zi), x) for zi in z]).mean(0)
    assert torch.allclose(terms["recon"], manual, rtol=0.01)
