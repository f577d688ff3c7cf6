"""Loss terms shared by the autoencoder family, all returned per image so callers choose the reduction.

Closed-form Gaussian KL: Kingma & Welling 2014, Appendix B. Sparsity penalty: Ng, "Sparse autoencoder"
(CS294A lecture notes, 2011). Importance-weighted log-likelihood: Burda, Grosse & Salakhutdinov 2015, eq. 8.
"""

from __future__ import annotations

import math
from typing import Protocol

import torch
import torch.nn.functional as F

LOG_2PI = math.log(2 * math.pi)


class Variational(Protocol):
    """What the likelihood estimates below need of a VAE: its posterior and its decoder's logits (every unconditional
    aemodels.models.VAE). Named here, not imported, so that this module imports nothing of aemodels: models.py
    builds its losses from it."""

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, 1, 28, 28) -> (mu, logvar), each (B, d)."""
        ...

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """z (B, d) -> (B, 1, 28, 28) Bernoulli logits."""
        ...


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


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z = mu + sigma * eps with sigma = exp(logvar / 2): a draw from N(mu, sigma^2) through which gradients reach
    mu and sigma (Kingma & Welling 2014, section 2.4). eps ~ N(0, I) broadcasts against mu: (..., d)."""
    return mu + (0.5 * logvar).exp() * eps


def negative_elbo(
    logits: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor
) -> dict[str, torch.Tensor]:
    """The negative ELBO of a Bernoulli-likelihood VAE with prior N(0, I), per image, in nats, from one decoded
    draw z ~ q(z|x): recon = -log p(x|z) (B,), kl_per_dim = KL(q(z|x) || p(z)) per latent (B, d) in closed form,
    kl (B,) and neg_elbo = recon + kl (B,). Training, evaluation and the app all use this one definition."""
    recon = bce_with_logits(logits, x)
    kl_per_dim = gaussian_kl(mu, logvar)
    kl = kl_per_dim.sum(1)
    return {"recon": recon, "kl": kl, "kl_per_dim": kl_per_dim, "neg_elbo": recon + kl}


def sparsity_kl(rho: float, rho_hat: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Sum over hidden units of KL(Bernoulli(rho) || Bernoulli(rho_hat)); rho_hat: (H,) mean activations."""
    if not 0.0 < rho < 1.0:
        raise ValueError(f"the sparsity target rho must lie strictly between 0 and 1, got {rho}")
    rho_hat = rho_hat.clamp(eps, 1 - eps)
    return (rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).sum()


def gaussian_log_density(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, exp(logvar)) summed over the last dimension: (..., d) -> (...)."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) / logvar.exp()).sum(-1)


@torch.no_grad()
def importance_weighted_log_likelihood(
    model: Variational, x: torch.Tensor, *, k: int, chunk: int = 250
) -> torch.Tensor:
    """Estimate log p(x) per image with k importance samples from q(z|x) (Burda et al. 2015, eq. 8).

    log p(x) ~= logsumexp_i [log p(x|z_i) + log p(z_i) - log q(z_i|x)] - log k, computed in log-space so
    that it never overflows. k=1 gives a single-sample ELBO; the estimate is non-decreasing in k on average.
    x must be binary (B, 1, 28, 28); returns (B,) in nats.
    """
    if k < 1:
        raise ValueError(f"the number of importance samples k must be at least 1, got {k}")
    mu, logvar = model.posterior(x)  # (B, d) each
    log_weights = []
    for start in range(0, k, chunk):
        n = min(chunk, k - start)
        eps = torch.randn((n, *mu.shape), device=mu.device)  # (n, B, d)
        z = reparameterize(mu, logvar, eps)
        logits = model.decode_logits(z.flatten(0, 1))  # (n*B, 1, 28, 28)
        target = x.expand(n, *x.shape).flatten(0, 1)
        log_px_z = -bce_with_logits(logits, target).view(n, -1)  # (n, B)
        log_pz = gaussian_log_density(z, torch.zeros_like(z), torch.zeros_like(z))
        log_qz = gaussian_log_density(z, mu, logvar)
        log_weights.append(log_px_z + log_pz - log_qz)
    return torch.logsumexp(torch.cat(log_weights, 0), 0) - math.log(k)


@torch.no_grad()
def elbo_terms(
    model: Variational, x: torch.Tensor, *, samples: int = 1, generator: torch.Generator | None = None
) -> dict[str, torch.Tensor]:
    """`negative_elbo` of x (B, 1, 28, 28) in [0, 1] with its reconstruction term averaged over `samples` draws
    of eps (Monte Carlo), per digit, in nats: recon, kl, kl_per_dim (B, d) and neg_elbo. Grey pixels are scored
    with the same Bernoulli cross-entropy the model was trained on."""
    if samples < 1:
        raise ValueError(f"the number of samples must be at least 1, got {samples}")
    mu, logvar = model.posterior(x)
    recon = torch.zeros(len(x), device=x.device)
    for _ in range(samples):
        z = reparameterize(mu, logvar, torch.randn(mu.shape, generator=generator, device=mu.device))
        terms = negative_elbo(model.decode_logits(z), x, mu, logvar)
        recon += terms["recon"]
    terms["recon"] = recon / samples
    terms["neg_elbo"] = terms["recon"] + terms["kl"]
    return terms
