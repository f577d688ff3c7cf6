"""Ways to draw new digits from a trained decoder, each a distribution over its codes: the registry SAMPLERS maps
a name to a `Sampler` (its label and title, which models it applies to, how it draws codes).

- "box": a plain AE's codes drawn uniformly from the range its training digits' codes take (0.5 % to 99.5 % per
  dimension, widened by 10 %, as on the Latent sliders page): what sampling an AE without a prior amounts to.
- "prior": a VAE's prior N(0, T² I).
- "mixture": a Gaussian mixture (full covariances) fitted to the codes of the training digits after training, the
  "ex-post density estimation" of Ghosh et al. 2020 ("From variational to deterministic autoencoders"); for a
  VAE the codes are its posterior means.

`python -m aemodels.samplers` refits the shipped box and mixture of every model that has them
(pretrained/samplers/NAME.safetensors + NAME.json, the mixture fitted by scikit-learn's GaussianMixture).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from aemodels.checkpoints import CheckpointError, load_pretrained, pretrained_dir, sha256_file
from aemodels.geometry import code_range
from aemodels.models import MODELS, VAE, Autoencoder
from aemodels.zoo import ZOO, refit_command

COMPONENTS = 20
SEED = 0


@dataclass(frozen=True)
class CodeMixture:
    """A Gaussian mixture over codes: weights (K,), means (K, d), covariances (K, d, d)."""

    weights: torch.Tensor
    means: torch.Tensor
    covariances: torch.Tensor

    def sample(self, n: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """n codes (n, d): a component by its weight, then its Gaussian."""
        if n < 0:
            raise ValueError(f"the number of samples must be 0 or more, got {n}")
        component = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        chol = torch.linalg.cholesky(self.covariances)  # (K, d, d)
        eps = torch.randn(n, self.means.shape[1], 1, generator=generator)
        return self.means[component] + (chol[component] @ eps).squeeze(-1)

    def log_density(self, z: torch.Tensor) -> torch.Tensor:
        """log p(z) under the mixture, (n,)."""
        dist = torch.distributions.MultivariateNormal(self.means, covariance_matrix=self.covariances)
        return torch.logsumexp(dist.log_prob(z.unsqueeze(1)) + self.weights.log(), dim=1)


@dataclass(frozen=True)
class CodeBox:
    low: torch.Tensor  # (d,)
    high: torch.Tensor  # (d,)

    def sample(self, n: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.low + (self.high - self.low) * torch.rand(n, len(self.low), generator=generator)


def fit_code_mixture(
    codes: torch.Tensor | np.ndarray, components: int = COMPONENTS, *, seed: int = SEED
) -> CodeMixture:
    """A full-covariance Gaussian mixture fitted by EM (k-means start) to codes (n, d)."""
    from sklearn.mixture import GaussianMixture  # imported here: only fitting needs scikit-learn

    data = np.asarray(codes, dtype=np.float64)
    if data.ndim != 2 or len(data) < components:
        raise ValueError(f"codes must be (n >= {components}, d), got shape {data.shape}")
    fitted = GaussianMixture(components, covariance_type="full", random_state=seed, max_iter=300).fit(data)
    return CodeMixture(
        weights=torch.as_tensor(fitted.weights_, dtype=torch.float32),
        means=torch.as_tensor(fitted.means_, dtype=torch.float32),
        covariances=torch.as_tensor(fitted.covariances_, dtype=torch.float32),
    )


@dataclass(frozen=True)
class ModelSamplers:
    """What a model can be sampled with, beside its own prior when it is a VAE."""

    name: str
    mixture: CodeMixture
    box: CodeBox

    def kinds(self, model: Autoencoder) -> list[str]:
        """The registered samplers that apply to the model, in registry order."""
        return [kind for kind, sampler in SAMPLERS.items() if sampler.supports(model)]

    def codes(self, model: Autoencoder, kind: str, n: int, *, temperature: float = 1.0, seed: int = 0) -> torch.Tensor:
        """n codes (n, d) drawn by the sampler `kind`, seeded."""
        if kind not in SAMPLERS:
            raise ValueError(f"unknown sampler {kind!r}; known: {', '.join(SAMPLERS)}")
        sampler = SAMPLERS[kind]
        if not sampler.supports(model):
            raise ValueError(
                f"{self.name} cannot be sampled by {kind!r} ({sampler.label}); its samplers: "
                f"{', '.join(self.kinds(model))}"
            )
        generator = torch.Generator().manual_seed(seed)
        return sampler.codes(model, self, n, temperature=temperature, generator=generator)

    @torch.inference_mode()
    def draw(self, model: Autoencoder, kind: str, n: int, *, temperature: float = 1.0, seed: int = 0) -> torch.Tensor:
        """n decoded samples (n, 1, 28, 28) in [0, 1]."""
        codes = self.codes(model, kind, n, temperature=temperature, seed=seed)
        return torch.cat([model.decode(codes[i : i + 1000]) for i in range(0, n, 1000)]) if n else codes


class Sampler(Protocol):
    """A rule for drawing a model's codes. `name` is its key in SAMPLERS, in the quality report and on the Sampling
    page; `label` says what the codes are (tables, the report); `title` captions its pictures; `tempered`: whether
    the temperature T scales its codes (label and title then write T², which callers fill in)."""

    name: str
    label: str
    title: str
    tempered: bool

    def supports(self, model: Autoencoder) -> bool:
        """Whether this rule applies to the model (the prior needs a VAE)."""
        ...

    def codes(
        self, model: Autoencoder, fitted: ModelSamplers, n: int, *, temperature: float, generator: torch.Generator
    ) -> torch.Tensor:
        """n codes (n, d); `fitted` holds what was fitted to the model's training codes (its box and mixture)."""
        ...


class BoxSampler:
    name = "box"
    label = "uniform codes in the AE's range"
    title = "uniform random codes"
    tempered = False

    def supports(self, model: Autoencoder) -> bool:
        return not isinstance(model, VAE)  # a VAE has its prior for this

    def codes(
        self, model: Autoencoder, fitted: ModelSamplers, n: int, *, temperature: float, generator: torch.Generator
    ) -> torch.Tensor:
        return fitted.box.sample(n, generator=generator)


class PriorSampler:
    name = "prior"
    label = "the VAE's prior N(0, T² I)"
    title = "z ~ N(0, T² I)"
    tempered = True

    def supports(self, model: Autoencoder) -> bool:
        return isinstance(model, VAE) and not model.conditional  # a conditional VAE decodes a code with a class

    def codes(
        self, model: Autoencoder, fitted: ModelSamplers, n: int, *, temperature: float, generator: torch.Generator
    ) -> torch.Tensor:
        return torch.randn(n, model.latent_dim, generator=generator) * temperature


class MixtureSampler:
    name = "mixture"
    label = f"a {COMPONENTS}-component Gaussian mixture fitted to the training codes"
    title = "a mixture fitted to its codes"
    tempered = False

    def supports(self, model: Autoencoder) -> bool:
        return not model.conditional

    def codes(
        self, model: Autoencoder, fitted: ModelSamplers, n: int, *, temperature: float, generator: torch.Generator
    ) -> torch.Tensor:
        return fitted.mixture.sample(n, generator=generator)


# The registry: name -> sampler, in the order pages show them. A new sampler is a class above and a line here.
SAMPLERS: dict[str, Sampler] = {sampler.name: sampler for sampler in (BoxSampler(), PriorSampler(), MixtureSampler())}


def samplers_dir(directory: Path | None = None) -> Path:
    return Path(directory or pretrained_dir()) / "samplers"


MAX_MIXTURE_DIMS = 64  # the sparse AE's 400-d codes would need 13 MB of covariances


def sampled_models() -> list[str]:
    """The zoo models that get a box and a mixture: every unconditional model with a code of at most 64 numbers."""
    return [
        n for n, r in ZOO.items() if not MODELS[r.config.kind].conditional and r.config.latent_dim <= MAX_MIXTURE_DIMS
    ]


@torch.inference_mode()
def training_codes(model: Autoencoder, x: torch.Tensor) -> torch.Tensor:
    """The model's codes of x (a VAE's posterior means)."""
    return torch.cat([model.encode(x[i : i + 1000]) for i in range(0, len(x), 1000)])


def fit_samplers(name: str, model: Autoencoder, x_train: torch.Tensor, *, seed: int = SEED) -> ModelSamplers:
    codes = training_codes(model, x_train)
    box = CodeBox(*code_range(codes[:10_000]))
    return ModelSamplers(name, fit_code_mixture(codes, seed=seed), box)


def save_samplers(samplers: ModelSamplers, meta: dict, directory: Path | None = None) -> Path:
    folder = samplers_dir(directory)
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / f"{samplers.name}.safetensors"
    tensors = {
        "mixture/weights": samplers.mixture.weights,
        "mixture/means": samplers.mixture.means,
        "mixture/covariances": samplers.mixture.covariances,
        "box/low": samplers.box.low.float(),
        "box/high": samplers.box.high.float(),
    }
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(weights))
    path = folder / f"{samplers.name}.json"
    record = {"name": samplers.name, "weights": weights.name, "sha256": sha256_file(weights), **meta}
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return path


def load_samplers(name: str, directory: Path | None = None) -> ModelSamplers:
    folder = samplers_dir(directory)
    path = folder / f"{name}.json"
    if not path.exists():
        raise CheckpointError(f"{name} has no fitted samplers ({path}); fit them with `python -m aemodels.samplers`.")
    record = json.loads(path.read_text())
    weights = folder / record["weights"]
    if not weights.exists() or sha256_file(weights) != record["sha256"]:
        raise CheckpointError(
            f"The samplers file {weights} is missing or altered; refit it with `python -m aemodels.samplers {name}`."
        )
    t = load_file(str(weights))
    mixture = CodeMixture(t["mixture/weights"], t["mixture/means"], t["mixture/covariances"])
    return ModelSamplers(name, mixture, CodeBox(t["box/low"], t["box/high"]))


def main(argv: list[str] | None = None) -> None:
    description = "Refit the box and Gaussian-mixture samplers of the zoo's models."
    args, x_train = refit_command(description, sampled_models(), argv)
    for name in args.models:
        began = time.perf_counter()
        model = load_pretrained(name, directory=args.out_dir)
        samplers = fit_samplers(name, model, x_train)
        meta = {
            "description": f"Samplers of {name}: {SAMPLERS['box'].label}; {SAMPLERS['mixture'].label}.",
            "mixture": {"components": COMPONENTS, "covariance": "full", "seed": SEED, "fitted_on": "MNIST train"},
            "box": "0.5-99.5 % of the codes of the first 10,000 training digits, widened by 10 %",
            "command": f"python -m aemodels.samplers {name}",
        }
        path = save_samplers(samplers, meta, args.out_dir)
        print(f"wrote {path} [{time.perf_counter() - began:.1f}s]")


if __name__ == "__main__":
    main()
