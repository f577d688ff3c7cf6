"""Loss terms shared by the autoencoder family, all returned per image so callers choose the reduction.

Closed-form Gaussian KL: Kingma & Welling 2014, Appendix B. Sparsity penalty: Ng, "Sparse autoencoder"
(CS294A lecture notes, 2011). Importance-weighted log-likelihood: Burda, Grosse & Salakhutdinov 2015, eq. 8.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

LOG_2PI = math.log(2 * math.pi)


def mse(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Mean squared error per pixel, one value per image: (B, ...) -> (B,)."""
    return (x_hat - x).pow(2).flatten(1).mean(1)


def psnr(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB per image for pixels in [0, 1]: 10 log10(1 / MSE), (B, ...) -> (B,)."""
    return 10 * torch.log10(1.0 / mse(x_hat, x).clamp_min(1e-10))


def bce_with_logits(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Bernoulli negative log-likelihood in nats, summed over pixels: (B, ...) -> (B,)."""
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)) per dimension: (B, d) -> (B, d).

    Kingma & Welling 2014, Appendix B: -1/2 (1 + log s^2 - mu^2 - s^2).
    """
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)


def sparsity_kl(rho: float, rho_hat: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Sum over hidden units of KL(Bernoulli(rho) || Bernoulli(rho_hat)); rho_hat: (H,) mean activations."""
    assert 0.0 < rho < 1.0, f"sparsity target must lie in (0, 1), got {rho}"
    rho_hat = rho_hat.clamp(eps, 1 - eps)
    return (rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).sum()


def gaussian_log_density(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, exp(logvar)) summed over the last dimension: (..., d) -> (...)."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) / logvar.exp()).sum(-1)


@torch.no_grad()
def importance_weighted_log_likelihood(model, x: torch.Tensor, *, k: int, chunk: int = 250) -> torch.Tensor:
    """Estimate log p(x) per image with k importance samples from q(z|x) (Burda et al. 2015, eq. 8).

    log p(x) ~= logsumexp_i [log p(x|z_i) + log p(z_i) - log q(z_i|x)] - log k, computed in log-space so
    that it never overflows. k=1 gives a single-sample ELBO; the estimate is non-decreasing in k on average.
    x must be binary (B, 1, 28, 28); returns (B,) in nats.
    """
    assert k >= 1, f"k must be at least 1, got {k}"
    mu, logvar = model.posterior(x)  # (B, d) each
    log_weights = []
    for start in range(0, k, chunk):
        n = min(chunk, k - start)
        eps = torch.randn((n, *mu.shape), device=mu.device)  # (n, B, d)
        z = mu + (0.5 * logvar).exp() * eps
        logits = model.decode_logits(z.flatten(0, 1))  # (n*B, 1, 28, 28)
        target = x.expand(n, *x.shape).flatten(0, 1)
        log_px_z = -bce_with_logits(logits, target).view(n, -1)  # (n, B)
        log_pz = gaussian_log_density(z, torch.zeros_like(z), torch.zeros_like(z))
        log_qz = gaussian_log_density(z, mu, logvar)
        log_weights.append(log_px_z + log_pz - log_qz)
    return torch.logsumexp(torch.cat(log_weights, 0), 0) - math.log(k)


@torch.no_grad()
def elbo_terms(
    model, x: torch.Tensor, *, samples: int = 1, generator: torch.Generator | None = None
) -> dict[str, torch.Tensor]:
    """The ELBO of a VAE split into its two terms, per digit, in nats:
    recon = E_q[-log p(x|z)] (Monte Carlo over `samples` draws of eps), kl = KL(q(z|x) || p(z)) (closed form,
    also per dimension as kl_per_dim (B, d)), and neg_elbo = recon + kl. x (B, 1, 28, 28) in [0, 1]; grey
    pixels are scored with the same Bernoulli cross-entropy the model was trained on."""
    mu, logvar = model.posterior(x)
    recon = torch.zeros(len(x))
    for _ in range(samples):
        eps = torch.randn(mu.shape, generator=generator)
        recon += bce_with_logits(model.decode_logits(mu + (0.5 * logvar).exp() * eps), x)
    kl_per_dim = gaussian_kl(mu, logvar)
    recon, kl = recon / samples, kl_per_dim.sum(1)
    return {"recon": recon, "kl": kl, "kl_per_dim": kl_per_dim, "neg_elbo": recon + kl}
