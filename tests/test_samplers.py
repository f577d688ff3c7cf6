"""The sampler registry (aemodels.samplers.SAMPLERS): every registered sampler draws digits for the models it
applies to, seeded, and refuses the ones it does not."""

import pytest
import torch

from aemodels import load_pretrained
from aemodels.models import VAE
from aemodels.samplers import SAMPLERS, load_samplers, sampled_models


@pytest.fixture(scope="module")
def shipped():
    """(name, model, its fitted samplers) for every zoo model that ships a box and a mixture."""
    return [(name, load_pretrained(name), load_samplers(name)) for name in sampled_models()]


def test_each_registered_sampler_names_itself_once():
    for name, sampler in SAMPLERS.items():
        assert sampler.name == name
        assert sampler.label and sampler.title
        assert ("T²" in sampler.label) == sampler.tempered, f"{name}: a tempered sampler's label shows T²"
    assert len({s.label for s in SAMPLERS.values()}) == len(SAMPLERS)
    assert len({s.title for s in SAMPLERS.values()}) == len(SAMPLERS)


def test_every_registered_sampler_draws_digits_for_a_model_it_supports(shipped):
    used = set()
    for name, model, fitted in shipped:
        kinds = fitted.kinds(model)
        assert kinds == [k for k, s in SAMPLERS.items() if s.supports(model)]
        assert len(kinds) >= 2, f"{name}: a model is sampled by its box and its mixture at least"
        for kind in kinds:
            images = fitted.draw(model, kind, 6, temperature=0.8, seed=3)
            assert images.shape == (6, 1, 28, 28), f"{name}/{kind}"
            assert images.dtype == torch.float32
            assert images.min().item() >= 0.0 and images.max().item() <= 1.0, f"{name}/{kind}: pixels in [0, 1]"
            assert torch.equal(images, fitted.draw(model, kind, 6, temperature=0.8, seed=3)), "seeded"
            assert not torch.equal(images, fitted.draw(model, kind, 6, temperature=0.8, seed=4))
            used.add(kind)
        assert fitted.draw(model, kinds[0], 0).shape[0] == 0
    assert used == set(SAMPLERS), f"no shipped model is sampled by {sorted(set(SAMPLERS) - used)}"


def test_the_temperature_scales_only_a_tempered_samplers_codes(shipped):
    for name, model, fitted in shipped:
        for kind in fitted.kinds(model):
            cool = fitted.codes(model, kind, 50, temperature=0.5, seed=1)
            warm = fitted.codes(model, kind, 50, temperature=1.0, seed=1)
            assert cool.shape == (50, model.latent_dim)
            if SAMPLERS[kind].tempered:
                assert torch.allclose(cool, 0.5 * warm), f"{name}/{kind}"
            else:
                assert torch.equal(cool, warm), f"{name}/{kind}"


def test_a_sampler_that_does_not_apply_or_is_unknown_is_refused(shipped):
    _, model, fitted = next(s for s in shipped if not isinstance(s[1], VAE))
    with pytest.raises(ValueError, match="cannot be sampled by 'prior'"):
        fitted.draw(model, "prior", 4)
    with pytest.raises(ValueError, match="unknown sampler 'nonsense'; known: box, prior, mixture"):
        fitted.draw(model, "nonsense", 4)
