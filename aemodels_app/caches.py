"""What the pages compute that does not depend on the user: codes, scores and profiles of the shipped digits
under each model. Cached once per process (st.cache_data), here in one importable module, so that a warm-up
thread started at the first visit can fill them before the user reaches the pages that need them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from aemodels import DataError, load_digits
from aemodels.anomaly import (
    NOISE_KINDS,
    AnomalyReport,
    Histogram,
    anomaly_report,
    log_histograms,
    noise_images,
    reconstruction_error,
    score_range,
)
from aemodels.attributes import Direction, load_directions
from aemodels.capacity import load_curve, load_pca
from aemodels.checkpoints import CheckpointError
from aemodels.data import load_fashion_mnist, load_mnist
from aemodels.geometry import (
    LatentProfile,
    PushDirections,
    PushSummary,
    code_range,
    latent_profile,
    project_codes,
    push_directions,
    push_summary,
)
from aemodels.models import VAE
from aemodels.playground import TrainData
from aemodels.posterior import KLProfile, kl_profile
from aemodels.quality import load_report
from aemodels.samplers import (
    COMPONENTS,
    MAX_MIXTURE_DIMS,
    CodeBox,
    ModelSamplers,
    fit_code_mixture,
    load_samplers,
    training_codes,
)
from aemodels.sparsity import SparsityStats, sparsity_stats
from aemodels_app.jobs import TRAINER_NICENESS, Gate, TrainingPool
from aemodels_app.ui.charts import log_axis, scatter_spec, thin_curve
from aemodels_app.ui.digits import read_only, sample_tensor
from aemodels_app.ui.figures import styled
from aemodels_app.ui.models import YOURS, cached_model, items_of, own_items

# A user's upload to be read (a checkpoint, a picture set): one at a time in the process (docs/own-data.md, budgets)
UPLOADS = Gate("reading uploaded files", slots=1, wait=30.0)
COUNT = 2000  # sample digits, and Fashion-MNIST items
DIGITS = "MNIST digits"
ACTIVE_NATS = 0.01  # a latent carrying less than this on average is counted as switched off
RATIO_DIGITS = 200  # digits of the "Measure every model" experiment


@st.cache_resource(show_spinner=False)
def fashion() -> tuple[np.ndarray, np.ndarray] | str:
    """The first 2,000 Fashion-MNIST test items (shared, read-only), or the plain message saying why they are
    unavailable."""
    try:
        x, y = load_fashion_mnist("test", limit=COUNT)
    except DataError as err:
        return str(err)
    images, labels = read_only(x.numpy().copy(), y.numpy().copy())
    return images, labels


OWN_ITEMS = {"fashion": "its held-out Fashion-MNIST items", "pictures": "its held-out pictures"}


def normal_set(name: str) -> str:
    """What a model's anomaly scores call normal: MNIST digits, or, for a user's model of other data, its own held-out
    items (named by their kind, never by the user's file name: the label reaches Plotly, which renders some HTML)."""
    own = own_items(name)
    return DIGITS if own is None else OWN_ITEMS[own[2].dataset]


@st.cache_data(show_spinner="Scoring 2,000 digits and the comparison sets (once per model)…")
def scores(name: str) -> dict[str, np.ndarray]:
    """Reconstruction errors of the sample digits, Fashion-MNIST (where installed) and noise under a model; for a
    model of other data than MNIST, its own held-out items first (its normal set), the digits then among the rest."""
    model = cached_model(name)
    own = own_items(name)
    result = {} if own is None else {normal_set(name): reconstruction_error(model, own[0]).numpy()}
    result[DIGITS] = reconstruction_error(model, sample_tensor()).numpy()
    items = fashion()
    if not isinstance(items, str) and (own is None or own[2].dataset != "fashion"):
        result["Fashion-MNIST"] = reconstruction_error(model, torch.from_numpy(items[0].copy())).numpy()
    for kind in NOISE_KINDS:
        result[f"noise ({kind})"] = reconstruction_error(model, noise_images(kind, 500, seed=1)).numpy()
    return result


FALSE_ALARM = 0.05  # the share of real digits the anomaly threshold flags


@dataclass(frozen=True)
class AnomalySummary:
    """What the Anomaly page shows of a model that no choice of the user changes (shared, read-only): the report,
    its ROC curves thinned for drawing (`thin_curve`: within 0.001 of the exact curves; the AUCs come from the exact
    ones), the score histograms, each set's size, and the smallest positive and the largest score (the log axis)."""

    report: AnomalyReport
    roc_lines: dict[str, tuple[np.ndarray, np.ndarray]]
    histograms: dict[str, Histogram]
    counts: dict[str, int]
    extent: tuple[float, float]


@st.cache_resource(show_spinner=False, max_entries=8)
def anomaly_summary(name: str) -> AnomalySummary:
    sets = scores(name)
    report = anomaly_report(sets, normal=normal_set(name), false_alarm=FALSE_ALARM)
    return AnomalySummary(
        report=report,
        roc_lines={label: thin_curve(fpr, tpr) for label, (fpr, tpr) in report.roc.items()},
        histograms=log_histograms(sets),
        counts={label: len(values) for label, values in sets.items()},
        extent=score_range(sets),
    )


@st.cache_resource(show_spinner="Encoding the 2,000 sample digits (once per model)…")
def codes(name: str) -> np.ndarray:
    """A model's codes of its items (the sample digits, or its own held-out items): (N, d), shared, read-only."""
    with torch.inference_mode():
        (z,) = read_only(cached_model(name).encode(items_of(name)[0]).numpy().copy())
    return z


@st.cache_resource(show_spinner="Fitting the samplers to the codes (once per model)…")
def samplers_of(name: str) -> ModelSamplers | str:
    """A model's fitted box and mixture (shared, never changed), or the plain message saying why they are missing. A
    user's model has none shipped: they are fitted here to its codes of its items (its own held-out items, or the
    sample digits), with fewer mixture components for fewer items."""
    if not name.startswith(YOURS):
        try:
            return load_samplers(name)
        except CheckpointError as err:
            return str(err)
    model = cached_model(name)
    if model.latent_dim > MAX_MIXTURE_DIMS:
        return (
            f"A mixture is fitted to codes of at most {MAX_MIXTURE_DIMS} numbers; your model's have {model.latent_dim}."
        )
    codes = training_codes(model, items_of(name)[0])
    components = max(1, min(COMPONENTS, len(codes) // 20))
    try:
        mixture = fit_code_mixture(codes, components)
    except ValueError as err:  # scikit-learn's EM fails on degenerate codes (a collapsed model)
        return f"No mixture could be fitted to your model's codes ({err})."
    return ModelSamplers(name, mixture, CodeBox(*code_range(codes)))


@st.cache_resource(show_spinner=False)
def attribute_directions(name: str) -> dict[str, Direction] | str:
    """A model's attribute directions (shared, never changed), or the plain message saying why they are missing."""
    if name.startswith(YOURS):
        return "Attribute directions are fitted to the shipped models only (on their 60,000 training digits)."
    try:
        return load_directions(name)
    except CheckpointError as err:
        return str(err)


@st.cache_resource(show_spinner=False)
def sample_report() -> dict | str:
    """The measured sample quality of every sampler (shared, read only), or the plain message saying why not."""
    try:
        return load_report()
    except CheckpointError as err:
        return str(err)


@st.cache_data(show_spinner=False)
def points(name: str) -> tuple[np.ndarray, list[str]]:
    """2-d positions of the sample's codes for a scatter, and the axis titles."""
    z = torch.from_numpy(codes(name).copy())
    coords, explained = project_codes(z)
    if explained is None:
        return coords.numpy(), ["z1", "z2"]
    return coords.numpy(), [
        f"PC{i + 1} of the {z.shape[1]}-d codes ({share:.0%} of their variance)" for i, share in enumerate(explained)
    ]


@st.cache_data(show_spinner=False)
def profile(name: str) -> LatentProfile:
    """How the sliders of a model's code are laid out (order, range), from its items (the sample digits, or its own)."""
    return latent_profile(cached_model(name), items_of(name)[0])


@st.cache_data(show_spinner="Measuring the KL of each latent over the sample…")
def kl_over_sample(name: str) -> KLProfile:
    model = cached_model(name)
    if not isinstance(model, VAE):
        raise TypeError(f"{name} is not a VAE")
    return kl_profile(model, sample_tensor(), threshold=ACTIVE_NATS)


@st.cache_data(show_spinner=False, max_entries=16)
def directions(name: str) -> PushDirections:
    """The push directions of the first sample digits: the Jacobians, taken once per model and process."""
    return push_directions(cached_model(name), sample_tensor()[:RATIO_DIGITS])


@st.cache_data(show_spinner=False, max_entries=128)
def summary(name: str, eps: float) -> PushSummary:
    return push_summary(cached_model(name), sample_tensor()[:RATIO_DIGITS], eps=eps, directions=directions(name))


# --- Figures and resources of single pages (a page module defines no cache: Streamlit runs it as a fresh
# __main__, so a cache defined there is not the one a test or another module imports) -----------------------

SET_COLOURS = {DIGITS: "#1f77b4", "Fashion-MNIST": "#ff7f0e", "noise (uniform)": "#7f7f7f", "noise (blobs)": "#9467bd"}
SET_COLOURS |= dict.fromkeys(OWN_ITEMS.values(), "#2ca02c")  # a user's model of other data: its own held-out items


@st.cache_resource(show_spinner=False, max_entries=8)
def roc_chart(name: str) -> go.Figure:
    """The ROC curves of a model's scores, which no choice of the user changes: built once per process, shared."""
    summary = anomaly_summary(name)
    report = summary.report
    roc = go.Figure()
    for label, (fpr, tpr) in summary.roc_lines.items():
        roc.add_scatter(
            x=fpr, y=tpr, mode="lines", line_color=SET_COLOURS.get(label), name=f"{label}: AUC {report.auc[label]:.3f}"
        )
    roc.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "grey"}, name="chance")
    roc.update_layout(
        height=380,
        xaxis_title="false positive rate (digits flagged)",
        yaxis_title="true positive rate",
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
    )
    return styled(roc)


@st.cache_resource(show_spinner=False, max_entries=64)
def code_scatter(name: str) -> dict[str, Any]:
    """What the map of one model's codes draws (aemodels_app.ui.charts.scatter_spec), built once per process and model
    and shared read-only (digit_map adds the marks to a copy; st.cache_data would unpickle it on every run).
    A 2-d VAE's prior gets its 1σ and 2σ circles; a 2-d code's plane is clickable everywhere (any spot of it can
    be decoded)."""
    xy, titles = points(name)
    model = cached_model(name)
    _, labels, data = items_of(name)  # a model of other data than MNIST: its own held-out items
    what = "sample digits" if data.is_mnist else "held-out items of its own data"
    return scatter_spec(
        xy,
        labels,
        title=f"{name}: codes of the {len(labels):,} {what}",
        axis_titles=titles,
        circles=(1.0, 2.0) if model.variational and model.latent_dim == 2 else (),
        plane=titles == ["z1", "z2"],
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def latent_map(name: str) -> dict[str, Any]:
    """A 2-d model's plane with its items' codes (the sample digits, or its own held-out items; drawn by
    components/scatter.js): every spot clickable. Shared read-only, like the explorer's maps: no copy on the
    sliders' runs."""
    images, labels, data = items_of(name)
    what = "sample digits" if data.is_mnist else "held-out items of its own data"
    return scatter_spec(
        codes(name),
        labels,
        title=f"Codes of the {len(images):,} {what} under {name}: click to set the code",
        axis_titles=("z1", "z2"),
        plane=True,
        height=380,
    )


@st.cache_data(show_spinner=False)
def capacity_curve() -> dict | None:
    try:
        return load_curve()
    except (FileNotFoundError, ValueError):
        return None


@st.cache_data(show_spinner=False)
def shipped_pca() -> tuple[torch.Tensor, torch.Tensor] | None:
    try:
        return load_pca()
    except Exception:  # missing or damaged file: the page says so below
        return None


@st.cache_data(show_spinner=False)
def sparsity_of(name: str, target: float) -> SparsityStats:
    return sparsity_stats(codes(name), target=target)


@st.cache_resource(show_spinner=False, max_entries=8)
def population_charts(name: str, rho: float) -> tuple[go.Figure, go.Figure]:
    """The two charts of all sample digits' activations, which no choice of the user changes: built once per
    process (np.histogram of 800k values and two plotly figures were most of a run) and shared."""
    h = codes(name)
    s = sparsity_of(name, rho)
    counts, edges = np.histogram(h.ravel(), bins=50, range=(0.0, 1.0))
    activations = go.Figure(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=edges[1] - edges[0]))
    activations.update_layout(
        height=320,
        yaxis=log_axis(counts, title="count (log scale)"),
        xaxis_title="activation",
        title=f"All activations, {h.shape[0]:,} digits × {h.shape[1]} units",
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
    units = go.Figure(go.Histogram(x=s.unit_means, nbinsx=40))
    units.add_vline(x=rho, line={"color": "black", "dash": "dash"}, annotation_text=f"target ρ = {rho}")
    units.update_layout(
        height=320,
        xaxis_title="mean activation of a unit",
        yaxis_title="units",
        title="Each unit's mean activation ρ̂_j",
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
    return styled(activations), styled(units)


@st.cache_resource(show_spinner=False)
def training_pool() -> TrainingPool:
    """The process's training pool, shared by every session (aemodels_app.jobs): one worker per core, or
    $AEMODELS_TRAIN_WORKERS (fewer leaves more of the machine to the other pages' users)."""
    workers = os.environ.get("AEMODELS_TRAIN_WORKERS", "")
    return TrainingPool(int(workers) if workers.isdigit() and int(workers) > 0 else None, niceness=TRAINER_NICENESS)


@st.cache_resource(show_spinner="Loading the training digits…")
def training_data() -> TrainData:
    """MNIST's 60,000 training digits and the first 1,000 test digits held out, where MNIST is installed; otherwise
    the shipped 2,000-digit sample, 1,500 to train on and 500 held out."""
    items = fashion()
    extra = None if isinstance(items, str) else torch.from_numpy(items[0].copy())  # (2000, 1, 28, 28)
    try:
        x, y = load_mnist("train")
        x_test, y_test = load_mnist("test")
        return TrainData(x, y, x_test[:1000], y_test[:1000], "MNIST (60,000 training digits)", extra)
    except DataError:
        x, y = load_digits()
        return TrainData(
            x[:1500], y[:1500], x[1500:], y[1500:], "the shipped 2,000-digit sample (MNIST is not installed)", extra
        )
