import math

import numpy as np
import torch

from aemodels import AEConfig, build_model, importance_weighted_log_likelihood
from aemodels.losses import bce_with_logits, gaussian_kl, gaussian_log_density, sparsity_kl


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
