"""Latent explorer: the shipped digits' codes under two models side by side; click one to see it."""

from functools import partial

import streamlit as st
import torch

from aemodels.geometry import spot_report
from aemodels.zoo import models_for
from aemodels_app import state
from aemodels_app.caches import code_scatter, points
from aemodels_app.page import Field, WarmUpTask, first_model, fixed, integer, model_of, page
from aemodels_app.text import inert
from aemodels_app.ui.digits import digit_tensor, digits
from aemodels_app.ui.figures import Click, digit_map, picture, picture_row
from aemodels_app.ui.models import items_of, knows_note, load_model, model_choice, own_items

LEFT = "explorer_left"
RIGHT = "explorer_right"
SELECTED = "explorer_selected"  # the clicked digit (carried by links as "selected")
USE = "explorer_use"
SELECTED_FROM = "explorer_selected_from"  # whose items the clicked dot is one of: "" the sample digits, or a model
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
        f"The nearest of the {len(points(name)[0]):,} codes on the map is **{report.nearest:.2f}** away from this "
        "spot; codes lie "
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
    st.session_state[SELECTED_FROM] = item_set(name)
    st.session_state[SPOT] = (name, *click.point) if click.point else None


def item_set(name: str) -> str:
    """Whose items a model's map shows: "" for the sample digits, the model's name for its own held-out items."""
    return name if own_items(name) is not None else ""


def clicked(selected: int) -> tuple[torch.Tensor, str, bool]:
    """(the clicked item (1, 1, 28, 28), its caption, whether it is a sample digit)."""
    source = st.session_state.get(SELECTED_FROM) or ""
    if source and own_items(source) is not None:
        images, labels, data = items_of(source)
        i = selected % len(images)
        klass = data.class_name(int(labels[i]))
        return images[i : i + 1], f"Item #{i} of {inert(data.label)}" + (f" ({inert(klass)})" if klass else ""), False
    return digit_tensor(selected), f"Test digit #{selected} (a {int(digits()[1][selected])})", True


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
    for name in dict.fromkeys((left_name, right_name)):
        note = knows_note(name)
        if note:
            st.caption(note + " Its map shows the codes of those items.")
    sides = {"left": left_name, "right": right_name}
    selected = st.session_state.get(SELECTED)
    spot_of = st.session_state.get(SPOT)
    for column, (side, name) in zip(st.columns(2), sides.items(), strict=True):
        if load_model(name) is not None:
            with column:
                digit_map(
                    code_scatter(name),
                    key=chart_key(side, name),
                    # the clicked item, marked in each map of its set
                    marked=selected if item_set(name) == (st.session_state.get(SELECTED_FROM) or "") else None,
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
    x, caption, sample = clicked(selected)
    cells = picture_row("explorer", 3)
    picture(x, caption, scale=5, container=cells[0])
    if sample:
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
