"""What the pages compute that does not depend on the user: codes, scores and profiles of the shipped digits
under each model. Cached once per process (st.cache_data), here in one importable module, so that a warm-up
thread started at the first visit can fill them before the user reaches the pages that need them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

from aemodels import DataError
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
from aemodels.data import load_fashion_mnist
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
from aemodels.zoo import CheckpointError
from aemodels_app.jobs import Gate
from aemodels_app.ui.charts import thin_curve
from aemodels_app.ui.digits import read_only, sample_tensor
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
