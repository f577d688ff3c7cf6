"""Anomaly detection: reconstruction error separates digits from everything else."""

from functools import partial

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from aemodels.anomaly import NOISE_KINDS, noise_images, reconstruction_error
from aemodels.data import FASHION_CLASSES
from aemodels.zoo import models_for
from aemodels_app.caches import COUNT, DIGITS, SET_COLOURS, anomaly_summary, fashion, normal_set, roc_chart
from aemodels_app.page import (
    Choice,
    Field,
    WarmUpTask,
    WholeNumber,
    first_model,
    model_of,
    page,
    setting,
)
from aemodels_app.ui.charts import log_axis
from aemodels_app.ui.digits import current_digit
from aemodels_app.ui.figures import error_picture, picture, picture_row, plot
from aemodels_app.ui.models import digit_for, knows_note, load_model, model_choice
from aemodels_app.ui.widgets import draw

MODEL = "anomaly_model"
INPUT = "anomaly_input"
ITEM = "anomaly_item"
NOISE = "anomaly_noise"
NOISE_SEED = "anomaly_noise_seed"
ANOMALY_INPUTS = ("Your digit (sidebar)", "A Fashion-MNIST item", "Noise")
INPUT_FIELD = setting(INPUT, "input", ANOMALY_INPUTS[0], Choice("Input", ANOMALY_INPUTS, "segmented"))
ITEM_FIELD = setting(ITEM, "item", 0, WholeNumber(f"Item (0–{COUNT - 1})", 0, COUNT - 1))  # of the Fashion items
NOISE_FIELD = setting(NOISE, "kind", NOISE_KINDS[0], Choice("Kind", NOISE_KINDS))
NOISE_SEED_FIELD = setting(NOISE_SEED, "seed", 0, WholeNumber("Seed", 0, 10_000))


def warm_up() -> list[WarmUpTask]:
    return [
        (f"anomaly scores under {name}", partial(anomaly_summary, name)) for name in models_for("anomaly_score")[:3]
    ]


PAGE = page(
    __name__,
    __file__,
    title="Anomaly detection",
    icon=":material/report:",
    section="Theory",
    order=4,
    answers="drop",
    fields=(
        Field(MODEL, "model", first_model("anomaly_score", "ae16"), model_of("anomaly_score")),
        INPUT_FIELD,
        ITEM_FIELD,
        NOISE_FIELD,
        NOISE_SEED_FIELD,
    ),
    warm_up=warm_up,
)


def chosen_input(items: tuple[np.ndarray, np.ndarray] | str, name: str) -> tuple[torch.Tensor, str]:
    """The input to score: the app's digit, a Fashion-MNIST item or noise."""
    choices = list(ANOMALY_INPUTS) if not isinstance(items, str) else [ANOMALY_INPUTS[0], ANOMALY_INPUTS[2]]
    if st.session_state.get(INPUT) not in choices:
        st.session_state[INPUT] = choices[0]
    what = draw(INPUT_FIELD, options=tuple(choices)) or choices[0]
    if what == ANOMALY_INPUTS[1] and not isinstance(items, str):
        index = int(draw(ITEM_FIELD))
        return (
            torch.from_numpy(items[0][index].copy()).view(1, 1, 28, 28),
            f"Fashion-MNIST #{index} ({FASHION_CLASSES[items[1][index]]})",
        )
    if what == ANOMALY_INPUTS[2]:
        kind = draw(NOISE_FIELD)
        seed = int(draw(NOISE_SEED_FIELD))
        return noise_images(kind, 1, seed=seed), f"{kind} noise"
    digit = digit_for(name, current_digit())  # a model of other data than MNIST: an item of its own held-out set
    return digit.x, digit.caption


def render() -> None:
    st.title("Anomaly detection")
    st.markdown(
        "An autoencoder reconstructs well only what lies near the manifold it learned. So its reconstruction error "
        "is an **anomaly score**: low for digits, high for anything else. Here the model meets things that are not "
        "digits (clothes from Fashion-MNIST, noise, and whatever you upload or draw), and the ROC curve says how "
        "well the score separates them: AUC 1 is perfect, 0.5 is a coin toss."
    )
    with st.sidebar:
        name = model_choice("Model", "anomaly_score", key=MODEL)
    model = load_model(name) if name else None
    if name is None or model is None:
        return
    items = fashion()
    if isinstance(items, str):
        st.info(f"Comparing with noise only. {items}")
    summary = anomaly_summary(name)
    report = summary.report

    st.header("Score one input")
    normal = normal_set(name)
    own = normal != DIGITS
    note = knows_note(name)
    if note:
        st.caption(note + " Its normal set below is those items; MNIST digits are among what is not its data.")
    x, caption = chosen_input(items, name)
    with torch.inference_mode():
        x_hat = model.reconstruct(x)
    score = float(reconstruction_error(model, x)[0])
    pictures, verdict = st.columns([3, 1])
    with pictures:
        cells = picture_row("anomaly", 3)  # side by side on a phone too; the verdict goes below them there
    picture(x, caption, scale=4, container=cells[0])
    picture(x_hat, f"{name} reconstruction", scale=4, container=cells[1])
    error_picture(x, x_hat, "Per-pixel error |x − x̂|", scale=4, container=cells[2])
    verdict.metric("Anomaly score (MSE)", f"{score:.4f}", help="mean squared error per pixel of the reconstruction")
    verdict.markdown(
        f"Higher than **{report.percentile(score):.1f}%** of {normal if own else 'test digits'}. "
        + (
            ("**Flagged: probably not like its data.**" if own else "**Flagged: probably not a digit.**")
            if report.flagged(score)
            else ("Looks like its data." if own else "Looks like a digit.")
        )
        + f" (Threshold {report.threshold:.4f}: {report.false_alarm:.0%} of {normal if own else 'real digits'} "
        "are flagged.)"
    )

    st.header("Its own data against everything else" if own else "Digits against everything else")
    left, right = st.columns(2)
    histogram = go.Figure()
    for label, hist in summary.histograms.items():
        histogram.add_scatter(
            x=hist.centres,
            y=hist.fractions,
            mode="lines",
            line={"shape": "hvh"},
            fill="tozeroy",
            line_color=SET_COLOURS.get(label),
            name=f"{label} ({summary.counts[label]})",
            opacity=0.6,
        )
    histogram.add_vline(x=score, line={"color": "black", "dash": "dash"}, annotation_text="this input")
    histogram.update_layout(
        height=380,
        xaxis=log_axis([*summary.extent, score], title="reconstruction MSE (log scale)"),
        yaxis_title="fraction per bin",
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
    )
    plot(left, histogram, key="anomaly_hist")

    roc = roc_chart(name)
    plot(right, roc, shared=True, key="anomaly_roc")
    st.dataframe(
        [
            {
                "not its data" if own else "not a digit": label,
                "count": summary.counts[label],
                "AUC": round(report.auc[label], 4),
                f"flagged at the {report.false_alarm:.0%} threshold": f"{report.flag_rate[label]:.1%}",
            }
            for label in report.roc
        ],
        hide_index=True,
    )
    st.caption(
        (f"Normal: {normal} ({summary.counts[normal]:,}). " if own else "")
        + "Digits: the 2,000 shipped MNIST test digits. Noise: 500 seeded images of each kind. Score: mean squared "
        "error per pixel between the input and its reconstruction."
    )


if __name__ == "__main__":
    render()
