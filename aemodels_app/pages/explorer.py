"""Latent explorer: the shipped digits' codes under two models side by side; click one to see it."""

from functools import partial
from typing import Any

import streamlit as st
import torch

from aemodels.geometry import spot_report
from aemodels.zoo import models_for
from aemodels_app import state
from aemodels_app.caches import points
from aemodels_app.page import Field, WarmUpTask, first_model, fixed, integer, model_of, page
from aemodels_app.ui.charts import scatter_spec
from aemodels_app.ui.digits import digit_tensor, digits
from aemodels_app.ui.figures import Click, digit_map, picture, picture_row
from aemodels_app.ui.models import cached_model, load_model, model_choice

LEFT = "explorer_left"
RIGHT = "explorer_right"
SELECTED = "explorer_selected"  # the clicked digit (carried by links as "selected")
USE = "explorer_use"
SPOT = "explorer_spot"  # (model, x, y): a clicked spot of a 2-d latent plane


def chart_key(side: str, model: str) -> str:
    return f"explorer_chart_{side}_{model}"


def warm_up() -> list[WarmUpTask]:
    return [(f"the codes of the sample under {name}", partial(points, name)) for name in models_for("latent_map")[:4]]


PAGE = page(
    __name__,
    __file__,
    title="Latent explorer",
    icon=":material/scatter_plot:",
    section="Theory",
    order=1,
    answers="dream",
    fields=(
        Field(LEFT, "left", first_model("latent_map", "ae2"), model_of("latent_map")),
        Field(RIGHT, "right", first_model("latent_map", "vae2"), model_of("latent_map")),
        Field(SELECTED, "selected", fixed(None), integer(0, state.SAMPLE_SIZE - 1)),
    ),
    warm_up=warm_up,
)


@st.cache_resource(show_spinner=False, max_entries=64)
def scatter(name: str) -> dict[str, Any]:
    """What the map of one model's codes draws (aemodels_app.ui.charts.scatter_spec), built once per process and model
    and shared read-only (digit_map adds the marks to a copy; st.cache_data would unpickle it on every run).
    A 2-d VAE's prior gets its 1σ and 2σ circles; a 2-d code's plane is clickable everywhere (any spot of it can
    be decoded)."""
    xy, titles = points(name)
    model = cached_model(name)
    return scatter_spec(
        xy,
        digits()[1],
        title=f"{name}: codes of the 2,000 sample digits",
        axis_titles=titles,
        circles=(1.0, 2.0) if model.variational and model.latent_dim == 2 else (),
        plane=titles == ["z1", "z2"],
    )


def decoded_spot(name: str, x: float, y: float) -> None:
    """What the decoder of a 2-d model draws at a clicked spot of its latent plane."""
    model = load_model(name)
    if model is None:
        return
    st.header(f"The decoder of {name} at z = ({x:.2f}, {y:.2f})")
    report = spot_report(torch.from_numpy(points(name)[0]), torch.tensor([x, y]))
    cells = st.columns([1, 3])
    with torch.inference_mode():
        picture(model.decode(torch.tensor([[x, y]])), f"D(z) at ({x:.2f}, {y:.2f})", scale=5, container=cells[0])
    cells[1].markdown(
        f"The nearest of the 2,000 sample digits' codes is **{report.nearest:.2f}** away from this spot; codes lie "
        f"about {report.spacing:.2f} from their nearest neighbour. "
        + (
            "No digit's code is near it: this is a **hole**, and what the decoder draws here was never asked "
            "of it in training."
            if report.is_hole
            else "Digits' codes lie around it, so the decoder draws something like them."
        )
    )


def take_click(name: str, click: Click) -> None:
    """A click on a map (before the page runs again): a digit's dot selects that digit; a spot of a 2-d plane is
    decoded by that model."""
    st.session_state[SELECTED] = click.index
    st.session_state[SPOT] = (name, *click.point) if click.point else None


def use_digit(index: int) -> None:
    st.session_state[state.MAIN.source] = state.SOURCES[0]
    st.session_state[state.MAIN.index] = index


def render() -> None:
    st.title("Latent explorer")
    st.markdown(
        "Every dot is one of the 2,000 shipped test digits, placed at its code and coloured by its label. "
        "Compare an AE with a VAE: the AE's clusters are free to spread and leave **holes** (codes no digit uses, "
        "which decode to smudges), while the VAE's KL term pulls the codes into the shape of its Gaussian prior. "
        "Codes with more than two dimensions are shown through a PCA of the codes; the axes say which. "
        "**Click a dot** to see that digit and what each model makes of it."
    )
    with st.sidebar:
        left_name = model_choice("Left model", "latent_map", key=LEFT)
        right_name = model_choice("Right model", "latent_map", key=RIGHT)
    if left_name is None or right_name is None:
        return
    sides = {"left": left_name, "right": right_name}
    selected = st.session_state.get(SELECTED)
    spot_of = st.session_state.get(SPOT)
    for column, (side, name) in zip(st.columns(2), sides.items(), strict=True):
        if load_model(name) is not None:
            with column:
                digit_map(
                    scatter(name),
                    key=chart_key(side, name),
                    marked=selected,  # the clicked digit, marked in both maps
                    spot=(spot_of[1], spot_of[2]) if spot_of and spot_of[0] == name else None,
                    on_click=partial(take_click, name),
                )

    if spot_of is not None:
        decoded_spot(*spot_of)
        return
    st.header("The clicked digit")
    if selected is None:
        st.info(
            "Click a dot in either map to see its digit and both reconstructions here. On a 2-d model's map, "
            "click anywhere, holes included, to see what the decoder makes of that spot."
        )
        return
    x = digit_tensor(selected)
    label = int(digits()[1][selected])
    cells = picture_row("explorer", 3)
    picture(x, f"Test digit #{selected} (a {label})", scale=5, container=cells[0])
    cells[0].button(
        "Use this digit",
        key=USE,
        on_click=use_digit,
        args=(selected,),
        help="Make it the app's digit: every other page then works on it.",
    )
    for cell, name in zip(cells[1:], (left_name, right_name), strict=True):
        model = load_model(name)
        if model is not None:
            with torch.inference_mode():
                picture(model.reconstruct(x), f"{name} reconstruction", scale=5, container=cell)


if __name__ == "__main__":
    render()
