"""The shared contract of the listed models: every name list_pretrained() gives loads and keeps the Autoencoder
interface (encode, decode, reconstruct on x (B, 1, 28, 28)); the class-conditional models are listed apart and
keep theirs (posterior_given, decode_given, sample_given)."""

import json

import pytest
import torch

from aemodels import AEConfig, build_model, list_pretrained, load_digits, load_pretrained
from aemodels.checkpoints import save_checkpoint
from aemodels.models import ConditionalVAE
from aemodels.zoo import is_conditional, models_for


@pytest.fixture(scope="module")
def batch():
    x, y = load_digits()
    return x[:50], y[:50]


def test_every_listed_model_loads_and_reconstructs_a_batch(batch):
    x, _ = batch
    names = list_pretrained()
    assert len(names) >= 8
    for name in names:
        model = load_pretrained(name)
        assert not model.conditional, name
        with torch.inference_mode():
            z = model.encode(x)
            x_hat = model.reconstruct(x)
            decoded = model.decode(z)
        assert z.shape == (len(x), model.latent_dim), name
        assert x_hat.shape == x.shape == (50, 1, 28, 28), name
        assert x_hat.min().item() >= 0.0 and x_hat.max().item() <= 1.0, f"{name}: pixels in [0, 1]"
        assert torch.allclose(decoded, x_hat), f"{name}: reconstruct is decode(encode(x))"


def test_conditional_models_are_listed_apart_and_load_with_their_own_interface(batch):
    x, y = batch
    names = list_pretrained(conditional=True)
    assert names and not set(names) & set(list_pretrained())
    assert set(models_for("conditional")) <= set(names)  # the Sampling page still finds its class-conditional VAE
    for name in names:
        model = load_pretrained(name)
        assert isinstance(model, ConditionalVAE) and model.conditional
        with pytest.raises(TypeError, match="needs the class"):
            model.encode(x)
        with torch.inference_mode():
            mu, _ = model.posterior_given(x, y)
            x_hat = model.decode_given(mu, y)
            drawn = model.sample_given(3, 4, generator=torch.Generator().manual_seed(0))
        assert mu.shape == (len(x), model.latent_dim)
        assert x_hat.shape == x.shape and drawn.shape == (4, 1, 28, 28)
        assert x_hat.min().item() >= 0.0 and x_hat.max().item() <= 1.0


def test_a_folder_of_checkpoints_is_split_by_what_the_models_need(tmp_path):
    save_checkpoint(build_model(AEConfig(kind="mlp", latent_dim=2, hidden=(8,))), "plain", directory=tmp_path)
    save_checkpoint(build_model(AEConfig(kind="cvae_mlp", latent_dim=2, hidden=(8,))), "given", directory=tmp_path)
    (tmp_path / "broken.json").write_text("{not json")
    assert list_pretrained(tmp_path) == ["broken", "plain"]  # a broken one stays listed: loading it says why
    assert list_pretrained(tmp_path, conditional=True) == ["given"]
    assert is_conditional("given", tmp_path) and not is_conditional("plain", tmp_path)
    assert isinstance(load_pretrained("given", directory=tmp_path), ConditionalVAE)
    record = json.loads((tmp_path / "given.json").read_text())
    (tmp_path / "given.json").write_text(json.dumps(record | {"config": "not a config"}))
    assert list_pretrained(tmp_path) == ["broken", "given", "plain"]
