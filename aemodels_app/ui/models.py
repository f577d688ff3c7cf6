"""The app's models: the one loader (a shipped model, read once per process, or a session's trained one), the
registry of users' trained models, and the model pickers."""

from __future__ import annotations

import uuid
import weakref
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

from aemodels import CheckpointError, load_pretrained
from aemodels.checkpoints import MNIST_DATA, ModelData
from aemodels.models import Autoencoder
from aemodels.text import plain
from aemodels.zoo import Role, model_label, models_for
from aemodels_app import state
from aemodels_app.text import inert
from aemodels_app.ui.digits import Digit, digits, sample_tensor


@st.cache_resource(show_spinner="Loading model…")
def zoo_model(name: str) -> Autoencoder:
    """A shipped model, read and verified once per process. Raises CheckpointError."""
    return load_pretrained(name)


# --- Models trained by a user on the "Train your own" page -------------------------------------------------------
YOURS = "yours-"  # the name of a session's trained model starts with this
USER_MODELS_KEPT = 32  # the registry keeps this many users' models (one per session, the newest)


@dataclass(frozen=True)
class UserModel:
    """A model a user trained or uploaded, made "your model": the model, how its pickers label it, what it knows."""

    model: Autoencoder
    description: str
    data: ModelData


@st.cache_resource(show_spinner=False)
def user_models() -> dict[str, UserModel]:
    """Process-wide: name -> (model, label, the data it knows) of the models users trained or uploaded and chose to
    use on the other pages. A session's entry goes when the session ends (`register_user_model`)."""
    return {}


class _SessionToken:
    """Lives in one session's state: when the session ends and its state is collected, its models leave the
    registry (with the held-out pictures they carry), so nothing of a user's own data outlives the session."""


SESSION_TOKEN = "user_model_token"


def register_user_model(model: Autoencoder, description: str, data: ModelData = MNIST_DATA) -> str:
    """Make `model` this session's "your model" on every page that can use it; returns its name. `data`: what it
    was trained on (a model of other data than MNIST is shown its own held-out items where a page shows a digit)."""
    registry = user_models()
    registry.pop(st.session_state.get(state.USER_MODEL, ""), None)
    while len(registry) >= USER_MODELS_KEPT:
        registry.pop(next(iter(registry)))
    name = f"{YOURS}{uuid.uuid4().hex[:8]}"
    registry[name] = UserModel(model.eval(), description, data)
    token = st.session_state.setdefault(SESSION_TOKEN, _SessionToken())
    weakref.finalize(token, registry.pop, name, None)
    st.session_state[state.USER_MODEL] = name
    return name


def model_data(name: str) -> ModelData:
    """What a model knows: a user's model its own data, a shipped one MNIST."""
    entry = user_models().get(name) if name.startswith(YOURS) else None
    return entry.data if entry is not None else MNIST_DATA


def own_items(name: str) -> tuple[torch.Tensor, torch.Tensor, ModelData] | None:
    """(images (N, 1, 28, 28), labels (N,), its data) of the held-out items a model of other data than MNIST
    carries; None for a model of MNIST (the app's own digits are its items)."""
    data = model_data(name)
    if data.is_mnist or data.images is None or data.labels is None:
        return None
    return data.images, data.labels, data


def user_roles(model: Autoencoder) -> set[Role]:
    roles: set[Role] = {"reconstruction", "sliders", "latent_map", "geometry", "anomaly_score", "sampling"}
    return roles | {"posterior"} if model.variational else roles


def cached_model(name: str) -> Autoencoder:
    """The app's one model loader: a shipped model (read once per process) or this session's trained one.
    Raises CheckpointError."""
    if name.startswith(YOURS):
        entry = user_models().get(name)
        if entry is None:
            raise CheckpointError(
                "your trained model is no longer on the server (a newer one replaced it, or the server restarted); "
                "train it again on the Train your own page"
            )
        return entry.model
    return zoo_model(name)


def choices(role: Role) -> list[str]:
    """The shipped models that serve `role`, then this session's trained model where it can."""
    names = models_for(role)
    mine = st.session_state.get(state.USER_MODEL)
    entry = user_models().get(mine) if mine else None
    if mine and entry is not None and role in user_roles(entry.model):
        names = [*names, mine]
    return names


def load_model(name: str, *, quiet: bool = False) -> Autoencoder | None:
    """The model, or None with a plain message on the page when its files are broken (none when `quiet`: for a
    second use on a page that has already said so)."""
    try:
        return cached_model(name)
    except CheckpointError as err:
        if not quiet:
            st.error(f"The model **{inert(name)}** cannot be used: {inert(str(err))}")  # err quotes its JSON
        return None


@st.cache_data(show_spinner=False)
def label(name: str) -> str:
    """ "name — what it is", from the model's JSON (its weights are not loaded to label a choice)."""
    if name.startswith(YOURS):
        entry = user_models().get(name)
        return f"your model — {plain(entry.description)}" if entry else "your model (no longer on the server)"
    return model_label(name)


def model_choice(label_text: str, role: Role, *, key: str) -> str | None:
    """A select box of the installed models that serve `role`; its value is remembered (key from _state).
    None, with a plain message, when no such model is installed."""
    available = choices(role)
    if not available:
        st.warning(f"No model for this page is installed in pretrained/ (the zoo's role “{role}”).")
        return None
    if st.session_state.get(key) not in available:
        st.session_state[key] = available[0]
    return st.selectbox(label_text, available, key=key, format_func=label)


def items_of(name: str) -> tuple[torch.Tensor, np.ndarray, ModelData]:
    """(images (N, 1, 28, 28), labels (N,), the data) a model's pages work on: the held-out items of a model of other
    data than MNIST, else the app's 2,000 sample digits."""
    own = own_items(name)
    if own is None:
        return sample_tensor(), digits()[1], MNIST_DATA
    return own[0], own[1].numpy(), own[2]


def digit_for(name: str, digit: Digit) -> Digit:
    """The app's digit as the model `name` is shown it: the digit itself, unless the model knows other data than
    MNIST and the app's digit is a test digit: then the item of the model's own held-out set with that index (the
    sidebar's index box picks it; wrapped round), captioned so. An upload or drawing is the user's and stays."""
    items = own_items(name)
    if items is None or digit.index is None:
        return digit
    images, labels, data = items
    i = digit.index % len(images)
    klass = data.class_name(int(labels[i]))
    caption = f"item #{i} of its own held-out {inert(data.label)}" + (f" ({inert(klass)})" if klass else "")
    return Digit(images[i : i + 1].clone(), caption, digit.source, None)


def knows_note(name: str) -> str | None:
    """A caption (Markdown) saying which data a model of other data than MNIST knows, and what it is shown for the
    app's digit; None for a model of MNIST."""
    data = model_data(name)
    if data.is_mnist:
        return None
    shown = (
        "it is shown items of its own held-out set where the app shows a test digit (the sidebar's index picks one)"
        if own_items(name) is not None
        else "no held-out items came with it, so it is shown the app's digits"
    )
    return f"Your model knows **{inert(data.label)}**, not MNIST digits: {shown}."
