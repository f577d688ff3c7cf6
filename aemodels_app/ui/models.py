"""The app's models: the one loader (a shipped model, read once per process, or a session's trained one), the
registry of users' trained models, and the model pickers."""

from __future__ import annotations

import uuid

import streamlit as st

from aemodels import CheckpointError, load_pretrained
from aemodels.models import Autoencoder
from aemodels.text import inert
from aemodels.zoo import Role, model_label, models_for
from aemodels_app import state


@st.cache_resource(show_spinner="Loading model…")
def zoo_model(name: str) -> Autoencoder:
    """A shipped model, read and verified once per process. Raises CheckpointError."""
    return load_pretrained(name)


# --- Models trained by a user on the "Train your own" page -------------------------------------------------------
YOURS = "yours-"  # the name of a session's trained model starts with this
USER_MODELS_KEPT = 32  # the registry keeps this many users' models (one per session, the newest)


@st.cache_resource(show_spinner=False)
def user_models() -> dict[str, tuple[Autoencoder, str]]:
    """Process-wide: name -> (model, label) of the models users trained and chose to use on the other pages."""
    return {}


def register_user_model(model: Autoencoder, description: str) -> str:
    """Make `model` this session's "your model" on every page that can use it; returns its name."""
    registry = user_models()
    registry.pop(st.session_state.get(state.USER_MODEL, ""), None)
    while len(registry) >= USER_MODELS_KEPT:
        registry.pop(next(iter(registry)))
    name = f"{YOURS}{uuid.uuid4().hex[:8]}"
    registry[name] = (model.eval(), description)
    st.session_state[state.USER_MODEL] = name
    return name


def user_roles(model: Autoencoder) -> set[Role]:
    roles: set[Role] = {"reconstruction", "sliders", "latent_map", "geometry", "anomaly_score"}
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
        return entry[0]
    return zoo_model(name)


def choices(role: Role) -> list[str]:
    """The shipped models that serve `role`, then this session's trained model where it can."""
    names = models_for(role)
    mine = st.session_state.get(state.USER_MODEL)
    entry = user_models().get(mine) if mine else None
    if mine and entry is not None and role in user_roles(entry[0]):
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
        return f"your model — {entry[1]}" if entry else "your model (no longer on the server)"
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
