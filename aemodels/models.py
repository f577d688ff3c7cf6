"""The autoencoder family behind one interface.

- Linear AE with tied weights: Baldi & Hornik 1989 (its optimum spans the PCA subspace).
- MLP and convolutional AE: Hinton & Salakhutdinov 2006.
- Denoising: Vincent et al. 2008 (a training regime, configured by `train_noise_std`, not a class).
- Sparse AE: Ng 2011, KL(rho || rho_hat) on the mean activation of sigmoid hidden units.
- VAE: Kingma & Welling 2014, Gaussian posterior, reparameterisation, Bernoulli likelihood.
- Class-conditional VAE: the class as a one-hot into encoder and decoder (Kingma et al. 2014's M2 conditioning,
  without its semi-supervised part): with the class given, the code is left to carry style.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn as nn
import torch.nn.functional as F

from aemodels import losses

Kind = Literal["linear", "mlp", "conv", "sparse", "vae_mlp", "vae_conv", "cvae_mlp"]


@dataclass
class AEConfig:
    kind: Kind
    latent_dim: int
    hidden: tuple[int, ...] = (512, 256)  # MLP widths, encoder side; the decoder mirrors them
    channels: tuple[int, ...] = (32, 64)  # conv widths at 14x14 and 7x7
    recon_loss: Literal["mse", "bce"] = "bce"
    sparsity_target: float = 0.05  # rho, sparse AE only
    sparsity_weight: float = 3.0  # beta, sparse AE only
    train_noise_std: float = 0.0  # > 0: denoising AE, sigma drawn uniformly from [0, train_noise_std]

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> AEConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown config fields: {sorted(unknown)}")
        data = dict(data)
        for key in ("hidden", "channels"):
            if key in data:
                data[key] = tuple(data[key])
        config = cls(**data)
        if config.kind not in MODELS:
            raise ValueError(f"unknown model kind {config.kind!r}; known: {sorted(MODELS)}")
        return config


def mlp(sizes: list[int]) -> nn.Sequential:
    """Linear layers with ReLU between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def conv_encoder(channels: tuple[int, ...], out_dim: int) -> nn.Sequential:
    c1, c2 = channels
    return nn.Sequential(  # (B, 1, 28, 28)
        nn.Conv2d(1, c1, 4, stride=2, padding=1),
        nn.ReLU(),  # -> (B, c1, 14, 14)
        nn.Conv2d(c1, c2, 4, stride=2, padding=1),
        nn.ReLU(),  # -> (B, c2, 7, 7)
        nn.Flatten(),  # -> (B, c2*49)
        nn.Linear(c2 * 49, 256),
        nn.ReLU(),
        nn.Linear(256, out_dim),  # -> (B, out_dim)
    )


def conv_decoder(channels: tuple[int, ...], latent_dim: int) -> nn.Sequential:
    c1, c2 = channels
    return nn.Sequential(  # (B, d)
        nn.Linear(latent_dim, 256),
        nn.ReLU(),
        nn.Linear(256, c2 * 49),
        nn.ReLU(),
        nn.Unflatten(1, (c2, 7, 7)),  # -> (B, c2, 7, 7)
        nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1),
        nn.ReLU(),  # -> (B, c1, 14, 14)
        nn.ConvTranspose2d(c1, c1, 4, stride=2, padding=1),
        nn.ReLU(),  # -> (B, c1, 28, 28)
        nn.Conv2d(c1, 1, 3, padding=1),  # -> (B, 1, 28, 28) logits
    )


def run_conv_decoder(decoder: nn.Sequential, z: torch.Tensor) -> torch.Tensor:
    """conv_decoder's layers, with the feature maps in channels-last order from the first transposed convolution on:
    the same numbers to 1e-5, and faster on the CPU, whose convolution kernels prefer that order (docs/performance.md
    has the figures)."""
    h = decoder[:5](z)  # (B, d) -> (B, c2, 7, 7)
    return decoder[5:](h.contiguous(memory_format=torch.channels_last))  # -> (B, 1, 28, 28) logits


class ConvDecoding:
    """How ConvAE and ConvVAE run their `decoder` (a conv_decoder): channels-last for speed, the plain order under
    torch.func's vmap (the decoder Jacobians), which takes no channels-last tensors."""

    decoder: nn.Sequential

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return run_conv_decoder(self.decoder, z)

    def decode_unclipped(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(z))


class Autoencoder(nn.Module):
    """The shared interface. x is (B, 1, 28, 28) in [0, 1]; z is (B, d)."""

    variational = False
    # True for a model whose encoder and decoder need the digit's class (ConditionalVAE): it does not keep this
    # interface's encode(x) / decode(z), so aemodels.zoo.list_pretrained lists it apart (conditional=True).
    conditional = False

    def __init__(self, config: AEConfig):
        super().__init__()
        self.config = config
        self.info: dict = {}  # name, description, provenance and metrics, filled in by the zoo

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """(B, d) -> (B, 1, 28, 28), before the output nonlinearity."""
        raise NotImplementedError

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """(B, d) -> (B, 1, 28, 28) in [0, 1]."""
        return torch.sigmoid(self.decode_logits(z))

    def decode_unclipped(self, z: torch.Tensor) -> torch.Tensor:
        """The decoder as a smooth map (for Jacobians and pushes off the manifold): (B, d) -> (B, 1, 28, 28).
        A sigmoid output is smooth already, so this is `decode`; a model that clips its output overrides it."""
        return self.decode(z)

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def forward(self, x: torch.Tensor, *, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """The training pass; `generator` is where a model that draws noise (a VAE) draws it from."""
        z = self.encode(x)
        return {"z": z, "logits": self.decode_logits(z)}

    def loss(self, x: torch.Tensor, out: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Named loss terms, each a scalar (mean over the batch); "total" is what training minimises."""
        recon = self._recon(x, out["logits"]).mean()
        return {"recon": recon, "total": recon}

    def _recon(self, x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        if self.config.recon_loss == "bce":
            return losses.bce_with_logits(logits, x)
        return losses.mse(torch.sigmoid(logits), x)


class LinearAE(Autoencoder):
    """x_hat = A^T A (x - m) + m with A (d, 784): tied weights, so the optimum is an orthogonal
    projection and its range is the PCA subspace (Baldi & Hornik 1989). m is the training-set mean."""

    mean: torch.Tensor  # (784,) a buffer: saved with the weights, not trained

    def __init__(self, config: AEConfig):
        super().__init__(config)
        if config.recon_loss != "mse":
            raise ValueError("the linear AE is the PCA analogue only under squared error: use recon_loss='mse'")
        self.A = nn.Parameter(torch.randn(config.latent_dim, 784) * 784**-0.5)
        self.register_buffer("mean", torch.zeros(784))

    def set_mean(self, mean: torch.Tensor) -> None:
        self.mean.copy_(mean.reshape(784))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return (x.flatten(1) - self.mean) @ self.A.T  # (B, 784) -> (B, d)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        raise TypeError("the linear AE has no logits; use decode")

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decode_unclipped(z).clamp(0, 1)

    def decode_unclipped(self, z: torch.Tensor) -> torch.Tensor:
        # Decoder reuses the encoder's A (tied): x_hat = A^T z + m.
        return (z @ self.A + self.mean).view(-1, 1, 28, 28)  # (B, d) -> (B, 1, 28, 28)

    def forward(self, x: torch.Tensor, *, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        z = self.encode(x)
        return {"z": z, "x_hat": self.decode_unclipped(z)}

    def loss(self, x: torch.Tensor, out: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        recon = losses.mse(out["x_hat"], x).mean()
        return {"recon": recon, "total": recon}


class MLPAE(Autoencoder):
    def __init__(self, config: AEConfig):
        super().__init__(config)
        self.encoder = mlp([784, *config.hidden, config.latent_dim])
        self.decoder = mlp([config.latent_dim, *reversed(config.hidden), 784])

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x.flatten(1))  # (B, 1, 28, 28) -> (B, d)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z).view(-1, 1, 28, 28)  # (B, d) -> (B, 1, 28, 28)


class ConvAE(ConvDecoding, Autoencoder):
    def __init__(self, config: AEConfig):
        super().__init__(config)
        self.encoder = conv_encoder(config.channels, config.latent_dim)
        self.decoder = conv_decoder(config.channels, config.latent_dim)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)


class SparseAE(Autoencoder):
    """One layer of sigmoid hidden units; the code is their activation in [0, 1]."""

    def __init__(self, config: AEConfig):
        super().__init__(config)
        self.encoder = nn.Linear(784, config.latent_dim)
        self.decoder = nn.Linear(config.latent_dim, 784)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.encoder(x.flatten(1)))  # (B, 784) -> (B, H)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z).view(-1, 1, 28, 28)  # (B, H) -> (B, 1, 28, 28)

    def loss(self, x: torch.Tensor, out: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        recon = self._recon(x, out["logits"]).mean()
        sparsity = losses.sparsity_kl(self.config.sparsity_target, out["z"].mean(0))
        return {"recon": recon, "sparsity": sparsity, "total": recon + self.config.sparsity_weight * sparsity}


class VAE(Autoencoder):
    """Gaussian posterior q(z|x) = N(mu, sigma^2), prior N(0, I), Bernoulli likelihood p(x|z)."""

    variational = True

    def __init__(self, config: AEConfig):
        super().__init__(config)
        if config.recon_loss != "bce":
            raise ValueError("the VAE's likelihood is Bernoulli: use recon_loss='bce'")
        self.kl_weight = 1.0  # annealed from 0 to 1 during warm-up (Sønderby et al. 2016); 1 at evaluation

    def posterior_params(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.posterior_params(x).chunk(2, dim=1)  # (B, 2d) -> 2 x (B, d)
        return mu, logvar

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.posterior(x)[0]

    def forward(self, x: torch.Tensor, *, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        mu, logvar = self.posterior(x)
        z = losses.reparameterize(mu, logvar, torch.randn(mu.shape, generator=generator, device=mu.device))
        return {"z": z, "mu": mu, "logvar": logvar, "logits": self.decode_logits(z)}

    def loss(self, x: torch.Tensor, out: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        terms = losses.negative_elbo(out["logits"], x, out["mu"], out["logvar"])
        recon, kl = terms["recon"].mean(), terms["kl"].mean()
        return {"recon": recon, "kl": kl, "total": recon + self.kl_weight * kl}

    @torch.no_grad()
    def sample(self, n: int, temperature: float = 1.0, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """Decode n codes z ~ N(0, temperature^2 I): (n, 1, 28, 28) in [0, 1]."""
        if n < 0:
            raise ValueError(f"the number of samples must be 0 or more, got {n}")
        if not temperature >= 0:
            raise ValueError(f"the temperature must be 0 or more, got {temperature}")
        z = torch.randn(n, self.latent_dim, generator=generator) * temperature
        return self.decode(z)


class MLPVAE(VAE):
    def __init__(self, config: AEConfig):
        super().__init__(config)
        self.encoder = mlp([784, *config.hidden, 2 * config.latent_dim])
        self.decoder = mlp([config.latent_dim, *reversed(config.hidden), 784])

    def posterior_params(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x.flatten(1))  # (B, 784) -> (B, 2d)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z).view(-1, 1, 28, 28)


class ConvVAE(ConvDecoding, VAE):
    def __init__(self, config: AEConfig):
        super().__init__(config)
        self.encoder = conv_encoder(config.channels, 2 * config.latent_dim)
        self.decoder = conv_decoder(config.channels, config.latent_dim)

    def posterior_params(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)


class ConditionalVAE(VAE):
    """An MLP VAE given the digit's class: q(z | x, y) and p(x | z, y), prior N(0, I) on z alone. It has no
    encode(x) or decode(z) of its own (both need the class): use posterior_given, decode_given, sample_given. The zoo
    lists such models apart: list_pretrained(conditional=True)."""

    conditional = True
    classes = 10

    def __init__(self, config: AEConfig):
        super().__init__(config)
        self.encoder = mlp([784 + self.classes, *config.hidden, 2 * config.latent_dim])
        self.decoder = mlp([config.latent_dim + self.classes, *reversed(config.hidden), 784])

    def one_hot(self, labels: torch.Tensor | int, n: int) -> torch.Tensor:
        """(n, 10) one-hot rows for labels (B,) or one class for all n rows."""
        labels = torch.as_tensor(labels, dtype=torch.long).expand(n)
        if bool(((labels < 0) | (labels >= self.classes)).any()):
            raise ValueError(f"a class must be a digit from 0 to {self.classes - 1}")
        return F.one_hot(labels, self.classes).float()

    def posterior_given(self, x: torch.Tensor, labels: torch.Tensor | int) -> tuple[torch.Tensor, torch.Tensor]:
        flat = x.flatten(1)  # (B, 784)
        mu, logvar = self.encoder(torch.cat([flat, self.one_hot(labels, len(flat))], 1)).chunk(2, dim=1)
        return mu, logvar  # 2 x (B, d)

    def decode_logits_given(self, z: torch.Tensor, labels: torch.Tensor | int) -> torch.Tensor:
        return self.decoder(torch.cat([z, self.one_hot(labels, len(z))], 1)).view(-1, 1, 28, 28)

    def decode_given(self, z: torch.Tensor, labels: torch.Tensor | int) -> torch.Tensor:
        """(B, d) codes of class `labels` -> (B, 1, 28, 28) in [0, 1]."""
        return torch.sigmoid(self.decode_logits_given(z, labels))

    def forward(
        self, x: torch.Tensor, labels: torch.Tensor | None = None, *, generator: torch.Generator | None = None
    ) -> dict[str, torch.Tensor]:
        if labels is None:
            raise TypeError("a class-conditional VAE needs the digits' classes: model(x, labels)")
        mu, logvar = self.posterior_given(x, labels)
        z = losses.reparameterize(mu, logvar, torch.randn(mu.shape, generator=generator, device=mu.device))
        return {"z": z, "mu": mu, "logvar": logvar, "logits": self.decode_logits_given(z, labels)}

    def posterior_params(self, x: torch.Tensor) -> torch.Tensor:
        raise TypeError("a class-conditional VAE needs the class: use posterior_given(x, labels)")

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        raise TypeError("a class-conditional VAE needs the class: use decode_given(z, labels)")

    @torch.no_grad()
    def sample_given(
        self, labels: torch.Tensor | int, n: int, temperature: float = 1.0, *, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Decode n codes z ~ N(0, temperature^2 I) of class `labels`: (n, 1, 28, 28) in [0, 1]."""
        if n < 0:
            raise ValueError(f"the number of samples must be 0 or more, got {n}")
        if not temperature >= 0:
            raise ValueError(f"the temperature must be 0 or more, got {temperature}")
        z = torch.randn(n, self.latent_dim, generator=generator) * temperature
        return self.decode_given(z, labels)


MODELS: dict[str, type[Autoencoder]] = {
    "linear": LinearAE,
    "mlp": MLPAE,
    "conv": ConvAE,
    "sparse": SparseAE,
    "vae_mlp": MLPVAE,
    "vae_conv": ConvVAE,
    "cvae_mlp": ConditionalVAE,
}


def build_model(config: AEConfig, *, generator: torch.Generator | None = None) -> Autoencoder:
    """The model a config describes. With `generator`, its initial weights are drawn from it (`seeded_init`), so
    two models built at once in two threads are each reproducible; without, from PyTorch's process-wide generator
    (a script that seeded it, or weights about to be loaded)."""
    if generator is None:
        return MODELS[config.kind](config)
    model = empty_model(config)
    seeded_init(model, generator)
    return model


def empty_model(config: AEConfig) -> Autoencoder:
    """The model a config describes with its tensors allocated but not drawn (built on PyTorch's meta device, then
    given memory): for weights about to be loaded, or drawn by `seeded_init`. Building one this way draws nothing
    from the process-wide generator, which a server's other threads may be using."""
    with torch.device("meta"):
        model = MODELS[config.kind](config)
    return model.to_empty(device="cpu")


def seeded_init(model: Autoencoder, generator: torch.Generator) -> None:
    """Draw every parameter again as PyTorch's default initialisation draws it (nn.Linear's and nn.Conv2d's
    reset_parameters: Kaiming-uniform weights with a = √5, biases uniform in ±1/√fan_in; the linear AE's A as its
    constructor does; its buffers as the constructor sets them), from `generator` instead of the process-wide
    generator."""
    drawn: set[int] = set()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=generator)
                drawn.add(id(module.weight))
                if module.bias is not None:
                    fan_in, _ = nn.init._calculate_fan_in_and_fan_out(module.weight)
                    bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
                    nn.init.uniform_(module.bias, -bound, bound, generator=generator)
                    drawn.add(id(module.bias))
        if isinstance(model, LinearAE):
            model.A.copy_(torch.randn(model.A.shape, generator=generator) * 784**-0.5)
            drawn.add(id(model.A))
            model.mean.zero_()  # its one buffer, as its constructor sets it
            drawn.add(id(model.mean))
    missed = [name for name, p in [*model.named_parameters(), *model.named_buffers()] if id(p) not in drawn]
    if missed:
        raise TypeError(f"seeded_init does not know how to draw {', '.join(missed)}")
