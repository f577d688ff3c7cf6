"""What the Inside the VAE page shows of a VAE's posterior q(z|x) = N(mu, sigma^2) (Kingma & Welling 2014):
decoded draws through the reparameterisation, and which latents carry information at all."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from aemodels.losses import gaussian_kl
from aemodels.models import VAE


@dataclass(frozen=True)
class PosteriorDraws:
    """One digit's posterior and what its draws decode to."""

    mu: torch.Tensor  # (d,)
    sigma: torch.Tensor  # (d,)
    eps: torch.Tensor  # (n, d) the standard normal draws used
    draws: torch.Tensor  # (n, 1, 28, 28) decoded from z = mu + sigma * eps
    at_mean: torch.Tensor  # (1, 1, 28, 28) decoded from z = mu


def _one_digit(x: torch.Tensor, caller: str) -> None:
    if x.shape[0] != 1:
        raise ValueError(f"{caller} takes one digit (1, 1, 28, 28), got shape {tuple(x.shape)}")


@torch.inference_mode()
def posterior_spread(model: VAE, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """q(z|x) of one digit x (1, 1, 28, 28) as its mean and standard deviation per latent: (d,), (d,)."""
    _one_digit(x, "posterior_spread")
    mu, logvar = model.posterior(x)
    return mu[0], (0.5 * logvar[0]).exp()


@torch.inference_mode()
def posterior_draws(model: VAE, x: torch.Tensor, n: int, *, seed: int = 0) -> PosteriorDraws:
    """Decode n seeded draws z = mu + sigma * eps from q(z|x) of one digit x (1, 1, 28, 28), and z = mu."""
    _one_digit(x, "posterior_draws")
    if n < 1:
        raise ValueError(f"the number of draws must be at least 1, got {n}")
    mu, sigma = posterior_spread(model, x)
    eps = torch.randn(n, model.latent_dim, generator=torch.Generator().manual_seed(seed))
    return PosteriorDraws(
        mu=mu,
        sigma=sigma,
        eps=eps,
        draws=model.decode(mu + sigma * eps),
        at_mean=model.decode(mu[None]),
    )


@dataclass(frozen=True)
class KLProfile:
    """Mean KL(q(z|x) || p(z)) per latent over a set of digits, in nats: which latents the VAE uses."""

    per_dim: list[float]  # (d,)
    threshold: float  # a latent carrying less than this on average counts as switched off
    active: list[int]  # latents at or above the threshold
    order: list[int]  # latents, most informative first

    @property
    def total(self) -> float:
        return float(sum(self.per_dim))


@torch.inference_mode()
def kl_profile(model: VAE, x: torch.Tensor, *, threshold: float = 0.01) -> KLProfile:
    """The KL of each latent averaged over the digits x (B, 1, 28, 28), from the closed-form KL."""
    per_dim = gaussian_kl(*model.posterior(x)).mean(0).tolist()
    return KLProfile(
        per_dim=per_dim,
        threshold=threshold,
        active=[j for j, value in enumerate(per_dim) if value >= threshold],
        order=sorted(range(len(per_dim)), key=lambda j: -per_dim[j]),
    )
