"""Sparse codes: the sparse AE's activations against its target, and the parts a digit is drawn from."""

from functools import partial

import plotly.graph_objects as go
import streamlit as st
import torch

from aemodels.images import filter_grid
from aemodels.models import SparseAE
from aemodels.zoo import models_for
from aemodels_app.caches import codes, population_charts, sparsity_of
from aemodels_app.page import Slider, WarmUpTask, page, setting
from aemodels_app.ui.digits import current_digit
from aemodels_app.ui.figures import picture, pixels, plot
from aemodels_app.ui.models import load_model
from aemodels_app.ui.widgets import draw

SHOWN = "sparse_shown"
# The most units a sparse model may have; the slider's top is the chosen model's own count. 96 is on the steps.
SHOWN_FIELD = setting(SHOWN, "units", 96, Slider("Units shown", 16, 400, 16))


def warm_up() -> list[WarmUpTask]:
    return [
        (f"the sparse code of the sample under {name}", partial(codes, name)) for name in models_for("sparse_codes")
    ]


PAGE = page(
    __name__,
    __file__,
    title="Sparse codes",
    icon=":material/grain:",
    section="Theory",
    order=6,
    answers="linear",
    fields=(SHOWN_FIELD,),
    warm_up=warm_up,
)


def render() -> None:
    st.title("Sparse codes")
    st.markdown(
        "The sparse AE has more hidden units (400) than a digit needs, but a penalty, KL(ρ ‖ ρ̂_j) for every unit "
        "j, holds each unit's **mean activation** ρ̂_j over the data near a small target ρ. So each digit is drawn "
        "by a few units firing strongly while most stay near zero, and each unit learns a stroke-like part: "
        "its input weights, shown as images, are the features it detects."
    )
    names = models_for("sparse_codes")
    model = load_model(names[0]) if names else None
    if not isinstance(model, SparseAE):
        st.warning("The sparse AE is not installed in pretrained/ (`python -m aemodels.train sparse`).")
        return
    name = names[0]
    rho = model.config.sparsity_target
    h = codes(name)
    s = sparsity_of(name, rho)

    a, b, c = st.columns(3)
    a.metric(
        f"Mean activation ρ̂ ({h.shape[0]:,} sample digits)",
        f"{s.mean_activation:.4f}",
        delta=f"{s.relative_to_target:+.0%} vs ρ = {rho}",
        delta_color="off",
        help="Measured here on the 2,000 digits the app ships; "
        + (
            f"on the full 10,000-digit test set it is {model.info['metrics']['mean_activation']:.4f} "
            "(python -m aemodels.evaluate, the README's table)."
            if "mean_activation" in model.info.get("metrics", {})
            else "the README's table gives the figure on the full test set."
        ),
    )
    test_set = model.info.get("metrics", {}).get("mean_activation")
    if test_set is not None:
        a.caption(f"Full 10,000-digit test set: {test_set:.4f} ({(test_set - rho) / rho:+.0%} vs ρ)")
    b.metric(f"Units within {s.tolerance:.0%} of ρ", f"{s.units_near_target} of {h.shape[1]}")
    c.metric(
        f"Activations above {s.strong}",
        f"{s.share_strong:.1%}",
        help="share of all (digit, unit) pairs where a unit fires strongly",
    )

    left, right = st.columns(2)
    activations, units = population_charts(name, rho)
    plot(left, activations, shared=True, key="sparse_hist")
    plot(right, units, shared=True, key="sparse_units")

    digit = current_digit()
    st.header(f"The code of {digit.caption}")
    with torch.inference_mode():
        code = model.encode(digit.x)[0]
        x_hat = model.reconstruct(digit.x)
    strongest = torch.argsort(code, descending=True)[:16]
    cells = st.columns([1, 1, 3])
    picture(digit.x, "The digit", scale=4, container=cells[0])
    picture(x_hat, "Its reconstruction", scale=4, container=cells[1])
    figure = go.Figure(go.Bar(y=code.tolist()))
    figure.update_layout(
        height=240,
        xaxis_title="hidden unit",
        yaxis_title="activation",
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title=f"{int((code > s.strong).sum())} of {len(code)} units above {s.strong}",
    )
    plot(cells[2], figure, key="sparse_code")
    pixels(
        filter_grid(model.decoder.weight.T[strongest], ncol=16, scale=1),
        zoom=2,
        caption="The decoder weights of the 16 most active units for this digit: the parts it is drawn from, "
        "strongest first",
    )

    st.header("What each unit detects")
    shown = draw(SHOWN_FIELD, high=h.shape[1])
    pixels(
        filter_grid(model.encoder.weight[s.order[:shown].tolist()], ncol=20, scale=1),
        zoom=2,
        caption="Input weights of the units, most often active first (each scaled to its own range; grey = 0)",
    )


if __name__ == "__main__":
    render()
