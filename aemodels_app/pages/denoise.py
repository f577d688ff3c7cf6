"""Denoising: noise of a chosen kind and level on the app's digit, and what the models make of it."""

from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import streamlit as st
import torch

from aemodels import corrupt
from aemodels.corrupt import median_filter
from aemodels.geometry import noise_collapse_curve
from aemodels.losses import psnr
from aemodels.models import Autoencoder
from aemodels.zoo import models_for
from aemodels_app import state
from aemodels_app.page import Choice, Field, Slider, WholeNumber, fixed, page, rounded, setting
from aemodels_app.ui.digits import current_digit
from aemodels_app.ui.figures import picture, picture_row, plot
from aemodels_app.ui.models import choices, digit_for, knows_note, load_model
from aemodels_app.ui.widgets import draw

KIND = "denoise_kind"
LEVEL = "denoise_level"
SEED = "denoise_seed"


@dataclass(frozen=True)
class NoiseLevel:
    """A kind of noise's level: its slider (range and steps, which the link's parser checks too) and its default."""

    slider: Slider
    default: float


NOISE_LEVELS = {
    "gaussian": NoiseLevel(Slider("Noise standard deviation σ", 0.0, 1.0, 0.05), 0.3),
    "salt_and_pepper": NoiseLevel(Slider("Fraction of pixels flipped to black or white", 0.0, 0.6, 0.02), 0.2),
    "occlusion": NoiseLevel(Slider("Side of the blacked-out square (pixels)", 0.0, 20.0, 1.0), 8.0),
}
NAMES = {"gaussian": "Gaussian", "salt_and_pepper": "Salt & pepper", "occlusion": "Occlusion"}


def noise_level(text: str, parsed: dict[str, Any]) -> float:
    """The level is checked against the slider of the kind the link names (parsed before it)."""
    return float(NOISE_LEVELS[parsed.get(KIND, "gaussian")].slider.parse(text, parsed))


KIND_FIELD = setting(KIND, "noise", "gaussian", Choice("Noise", tuple(NOISE_LEVELS), "segmented", names=NAMES))
LEVEL_FIELD = Field(LEVEL, "level", fixed(NOISE_LEVELS["gaussian"].default), noise_level, rounded)
SEED_FIELD = setting(SEED, "seed", 0, WholeNumber("Seed", 0, 10_000))


PAGE = page(
    __name__,
    __file__,
    title="Denoising",
    icon=":material/cleaning_services:",
    section="Play",
    order=2,
    answers="drop",
    fields=(
        KIND_FIELD,
        LEVEL_FIELD,
        SEED_FIELD,
    ),
)


def _kind_changed() -> None:
    """A new kind of noise starts at its own default level (the levels' ranges differ)."""
    kind = st.session_state.get(KIND) or "gaussian"
    st.session_state[KIND] = kind
    st.session_state[LEVEL] = NOISE_LEVELS[kind].default


def render() -> None:
    st.title("Denoising")
    st.markdown(
        "Noise pushes a digit off the manifold, in directions no digit varies along. An autoencoder maps its input "
        "back onto the manifold, so much of the noise is simply dropped: the code barely moves. The denoising AE "
        "was trained on exactly this task; the plain AE does it as a side effect; the median filter knows nothing "
        "about digits."
    )
    with st.sidebar:
        st.caption(
            "Your own noisy photo? Upload it as the digit and set the level to 0: the models then clean what is "
            "already there."
        )
    x = current_digit().x
    kind_box, seed_box = st.columns([3, 1], vertical_alignment="bottom")
    with kind_box:
        kind = draw(KIND_FIELD, on_change=_kind_changed) or "gaussian"
    seed = int(draw(SEED_FIELD, seed_box))
    level_and_models(x, kind, seed)
    noise_collapse(x, seed)


@st.fragment
def level_and_models(x: torch.Tensor, kind: str, seed: int) -> None:
    """The noise level and all it changes: moving it reruns only this (not the router, the sidebar, the page's text
    and the curve below, which the level does not change), and writes the URL itself, since a fragment's run does
    not reach the router."""
    slider = NOISE_LEVELS[kind].slider
    level = st.slider(slider.label, slider.low, slider.high, step=slider.step, key=LEVEL)
    noisy = corrupt(x, kind, level, seed=seed)
    plain_names, denoiser_names = models_for("denoise_plain"), models_for("denoiser")
    plain = load_model(plain_names[0]) if plain_names else None
    denoiser = load_model(denoiser_names[0]) if denoiser_names else None
    mine = st.session_state.get(state.USER_MODEL)  # trained on the Train your own page, where the user chose to
    yours = load_model(mine) if mine and mine in choices("reconstruction") else None
    digit = current_digit()
    own = digit_for(mine, digit) if mine and yours is not None else digit  # a model of other data: its own item
    outputs = [("Clean", x), ("Noisy", noisy)]
    with torch.inference_mode():
        if plain is not None:
            outputs.append((f"Plain AE ({plain_names[0]})", plain.reconstruct(noisy)))
        if denoiser is not None:
            outputs.append((f"Denoising AE ({denoiser_names[0]})", denoiser.reconstruct(noisy)))
        if yours is not None and own is digit:
            outputs.append(("Your model", yours.reconstruct(noisy)))
        outputs.append(("Median filter 3×3", median_filter(noisy)))
    cols = picture_row("denoise", len(outputs))
    for col, (title, image) in zip(cols, outputs, strict=True):
        picture(image, title, container=col)
        if title != "Clean":
            col.metric("PSNR", f"{psnr(image, x).item():.1f} dB", help="against the clean digit: higher is closer")
    if yours is not None and mine and own is not digit:
        your_row(yours, mine, own.x, own.caption, kind, level, seed)
    state.sync_fragment_url("denoise")


def your_row(model: Autoencoder, name: str, x: torch.Tensor, caption: str, kind: str, level: float, seed: int) -> None:
    """Your model, trained on other data than MNIST, denoising an item of its own held-out set: the same noise."""
    st.markdown("**Your model, on its own data**: the same noise on " + caption)
    note = knows_note(name)
    if note:
        st.caption(note)
    noisy = corrupt(x, kind, level, seed=seed)
    with torch.inference_mode():
        outputs = [("Clean", x), ("Noisy", noisy), ("Your model", model.reconstruct(noisy))]
    outputs.append(("Median filter 3×3", median_filter(noisy)))
    for col, (title, image) in zip(picture_row("denoise-yours", len(outputs)), outputs, strict=True):
        picture(image, title, container=col)
        if title != "Clean":
            col.metric("PSNR", f"{psnr(image, x).item():.1f} dB", help="against the clean item: higher is closer")


def noise_collapse(x: torch.Tensor, seed: int) -> None:
    st.subheader("Noise off the manifold is collapsed")
    st.markdown(
        "For growing Gaussian noise on this digit: how big the noise is relative to the digit, and how far it "
        "moves the code and the decoded digit. A model that projects onto the manifold moves far less than the noise."
    )
    # The denoising AE's curve, or the plain AE's where the denoiser cannot be used (the pictures above have said
    # why: quiet here, so a broken file is named once).
    names = [*models_for("denoiser")[:1], *models_for("denoise_plain")[:1]]
    loaded = ((name, load_model(name, quiet=True)) for name in names)
    model_name, model = next(((name, model) for name, model in loaded if model is not None), ("", None))
    if model is None:
        st.info("No model can draw this curve: it needs the denoising AE or the plain AE.")
    else:
        levels = [round(0.05 * i, 2) for i in range(0, 21)]
        curve = noise_collapse_curve(model, x, levels, seed=seed)
        figure = go.Figure()
        series = [
            ("input_change", "noise ‖n‖ / ‖x‖ (the input's change)", {"dash": "dot", "color": "grey"}),
            ("code_change", f"code ‖E(x+n) − E(x)‖ / ‖E(x)‖ ({model_name})", {"color": "#1f77b4"}),
            ("output_change", f"output ‖D(E(x+n)) − D(E(x))‖ / ‖x‖ ({model_name})", {"color": "#d62728"}),
        ]
        for field, name, line in series:
            figure.add_scatter(x=curve["noise_std"], y=curve[field], mode="lines+markers", name=name, line=line)
        figure.update_layout(
            height=380,
            xaxis_title="Gaussian noise σ",
            yaxis_title="relative change",
            legend={"orientation": "h", "yanchor": "top", "y": -0.25, "xanchor": "left", "x": 0},
            margin={"l": 10, "r": 10, "t": 20, "b": 10},
        )
        plot(st, figure, key="denoise_curve")


if __name__ == "__main__":
    render()
