"""A user's model of other data than MNIST on every page the issue names (issue 25), through AppTest: each page shows
it items of its own held-out set where it shows a digit, and says which data it knows."""

import gc
from types import SimpleNamespace

import pytest
import torch
from apptest_helpers import captions, go, no_errors, plain, run

from aemodels.checkpoints import ModelData
from aemodels.models import AEConfig, build_model
from aemodels_app import state
from aemodels_app.pages import anomaly, explorer, latent, reconstruct, sample
from aemodels_app.ui import models
from aemodels_app.ui.models import UserModel, register_user_model, user_models

NAME = "yours-test0001"


@pytest.fixture
def registered():
    """A small VAE said to know a user's pictures of two classes, in the registry as a session's "your model"."""
    torch.manual_seed(0)
    model = build_model(AEConfig(kind="vae_mlp", latent_dim=2, hidden=(64,))).eval()
    images = torch.rand(40, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    data = ModelData(
        "pictures", "your pictures ([x](http://e.vil).zip)", ("cats", "dogs"), images, torch.arange(40) % 2
    )
    user_models()[NAME] = UserModel(model, "MLP VAE, d=2", data)
    yield
    user_models().pop(NAME, None)


def with_model(page: str, keys: dict[str, object] | None = None):
    at = run("start")
    at.session_state[state.USER_MODEL] = NAME
    for key, value in (keys or {}).items():
        at.session_state[key] = value
    return go(at, page)


def text_of(at) -> str:
    return " ".join(plain(e.value) for e in [*at.caption, *at.markdown, *at.info])


@pytest.mark.parametrize(
    "name_of_page, keys",
    [
        ("reconstruct", {reconstruct.MODELS: [NAME]}),
        ("denoise", {}),
        ("latent", {latent.MODEL: NAME}),
        ("sample", {sample.MODEL: NAME}),
        ("explorer", {explorer.RIGHT: NAME}),
        ("anomaly", {anomaly.MODEL: NAME}),
    ],
)
def test_a_model_of_your_pictures_serves_the_page_on_its_own_items(registered, name_of_page, keys):
    at = with_model(name_of_page, keys)
    no_errors(at)
    text = text_of(at)
    assert "Your model knows **your pictures ([x](http://e.vil).zip)**, not MNIST digits" in text
    quoted = [e.value for e in [*at.caption, *at.markdown, *at.info] if "vil" in e.value]
    assert quoted and all(r"\[x\]\(http" in v for v in quoted), quoted  # the zip's name as typed, never a link
    if name_of_page in ("reconstruct", "denoise", "latent", "anomaly"):  # where the page shows the app's digit
        shown = " ".join([*captions(at), text])
        assert "item #0 of its own held-out your pictures ([x](http://e.vil).zip) (cats)" in shown


def test_the_sampling_page_fits_a_mixture_to_its_codes(registered):
    at = with_model("sample", {sample.MODEL: NAME})
    no_errors(at)
    assert "Fitted here to its codes of its 40 held-out items" in text_of(at)


def test_the_anomaly_page_takes_its_own_items_as_normal(registered):
    at = with_model("anomaly", {anomaly.MODEL: NAME})
    no_errors(at)
    table = at.dataframe[0].value
    assert "MNIST digits" in set(table["not its data"])
    assert "Normal: its held-out pictures (40)" in text_of(at)


def test_the_registry_entry_goes_with_the_session(registered, monkeypatch):
    """A model registered in a session leaves the registry when the session's state is collected (the session
    ended): the held-out pictures it carries do not outlive it."""
    session: dict = {}
    monkeypatch.setattr(models, "st", SimpleNamespace(session_state=session))
    model, data = user_models()[NAME].model, user_models()[NAME].data
    name = register_user_model(model, "again", data)
    assert name in user_models() and session[state.USER_MODEL] == name
    del session
    monkeypatch.undo()
    gc.collect()
    assert name not in user_models()
