"""Latent explorer: the shipped digits' codes under two models side by side; click one to see it."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from aemodels.geometry import spot_report
from app_pages import _state as state
from app_pages._caches import points
from app_pages._widgets import (
    add_click_grid,
    cached_model,
    class_scatter,
    clicked,
    digit_tensor,
    digits,
    load_model,
    model_choice,
    picture,
    picture_row,
    plot,
    styled,
)


@st.cache_resource(show_spinner=False, max_entries=64)
def scatter(name: str, marked: int | None) -> go.Figure:
    """The chart of one model's codes, built once per process for every session (passed to `plot` as shared).
    It depends on nothing a click changes (plotly marks the clicked dot or spot itself), so a click does not make
    the browser draw both charts again: `marked` is the dot selected when the charts are drawn anew (a link's
    digit, the last click's when the page is opened again)."""
    xy, titles = points(name)
    figure = go.Figure()
    class_scatter(figure, xy, marked=marked)
    model = cached_model(name)
    prior = model.variational and model.latent_dim == 2
    if prior:  # the prior's 1- and 2-sigma circles, labelled; equal axis scales keep them circles
        t = np.linspace(0, 2 * np.pi, 100)
        for radius in (1, 2):
            figure.add_scatter(
                x=radius * np.cos(t),
                y=radius * np.sin(t),
                mode="lines",
                hoverinfo="skip",
                line={"color": "grey", "dash": "dot", "width": 1},
                showlegend=False,
            )
            figure.add_annotation(  # on top of its circle, on a pale ground: legible over the dots
                x=0,
                y=radius,
                text=f"{radius}σ of the prior",
                showarrow=False,
                xanchor="center",
                yanchor="bottom",
                bgcolor="rgba(255, 255, 255, 0.75)",
                font={"color": "dimgrey", "size": 11},
            )
        figure.update_yaxes(scaleanchor="x", scaleratio=1)
    if titles == ["z1", "z2"]:  # the plane is the latent space itself: every spot of it can be decoded
        add_click_grid(figure, xy[:, 0], xy[:, 1])
    figure.update_layout(
        height=460,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        xaxis_title=titles[0],
        yaxis_title=titles[1],
        title=f"{name}: codes of the 2,000 sample digits",
        legend_title="label",
        clickmode="event+select",
        dragmode="pan",
    )
    return styled(figure)


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
        left_name = model_choice("Left model", "explorer", key=state.EXPLORER_LEFT)
        right_name = model_choice("Right model", "explorer", key=state.EXPLORER_RIGHT)
    if left_name is None or right_name is None:
        return
    sides = {"left": left_name, "right": right_name}
    keys = {side: state.explorer_chart_key(side, name) for side, name in sides.items()}
    by_click = False
    for side, key in keys.items():  # a click is in the chart's state before the script runs: no second run needed
        click = clicked(st.session_state.get(key))
        if click is not None and click != st.session_state.get(f"{key}_seen"):
            st.session_state[f"{key}_seen"] = click
            st.session_state[state.EXPLORER_SELECTED] = click.index
            st.session_state[state.EXPLORER_SPOT] = (sides[side], *click.point) if click.point else None
            by_click = True
    selected = st.session_state.get(state.EXPLORER_SELECTED)
    spot_of = st.session_state.get(state.EXPLORER_SPOT)
    if not by_click:  # a run a click did not cause: the charts may show the selection from the start
        st.session_state[state.EXPLORER_MARKED] = selected

    for column, (side, name) in zip(st.columns(2), sides.items(), strict=True):
        if load_model(name) is not None:
            with column:
                figure = scatter(name, st.session_state.get(state.EXPLORER_MARKED))
                plot(st, figure, shared=True, key=keys[side], on_select="rerun", selection_mode="points")

    if spot_of is not None:
        decoded_spot(*spot_of)
        return
    st.header("The clicked digit")
    if selected is None:
        st.info(
            "Click a dot in either chart to see its digit and both reconstructions here. On a 2-d model's map, "
            "click anywhere, holes included, to see what the decoder makes of that spot."
        )
        return
    x = digit_tensor(selected)
    label = int(digits()[1][selected])
    cells = picture_row("explorer", 3)
    picture(x, f"Test digit #{selected} (a {label})", scale=5, container=cells[0])
    cells[0].button(
        "Use this digit",
        key=state.EXPLORER_USE,
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
