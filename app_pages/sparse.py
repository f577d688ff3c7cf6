import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from aemodels.images import filter_grid
from app_pages._widgets import _load, digit_source, get_model, picture, sample_tensor

st.title("Sparse codes")
st.markdown(
    "The sparse AE has more hidden units (400) than a digit needs, but a penalty, KL(ρ ‖ ρ̂_j) for every unit j, "
    "holds each unit's **mean activation** ρ̂_j over the data near a small target ρ. So each digit is drawn "
    "by a few units firing strongly while most stay near zero, and each unit learns a stroke-like part: "
    "its input weights, shown as images, are the features it detects."
)


@st.cache_data(show_spinner="Encoding the sample…")
def activations(name: str) -> np.ndarray:
    with torch.inference_mode():
        return _load(name).encode(sample_tensor()).numpy()  # (2000, 400) in [0, 1]


with st.sidebar:
    st.header("Digit")
    x, caption = digit_source("sparse")

model = get_model("sparse")
if model is None:
    st.stop()
rho = model.config.sparsity_target
h = activations("sparse")
unit_means = h.mean(0)

a, b, c = st.columns(3)
a.metric(
    "Mean activation ρ̂ over the sample",
    f"{h.mean():.4f}",
    delta=f"{(h.mean() - rho) / rho:+.0%} vs ρ = {rho}",
    delta_color="off",
)
b.metric("Units within 20% of ρ", f"{int((np.abs(unit_means - rho) <= 0.2 * rho).sum())} of {h.shape[1]}")
c.metric(
    "Activations above 0.5",
    f"{(h > 0.5).mean():.1%}",
    help="share of all (digit, unit) pairs where a unit fires strongly",
)

left, right = st.columns(2)
figure = go.Figure(go.Histogram(x=h.ravel(), nbinsx=50))
figure.update_layout(
    height=320,
    yaxis_type="log",
    xaxis_title="activation",
    yaxis_title="count (log)",
    title="All activations, 2,000 digits × 400 units",
    margin={"l": 10, "r": 10, "t": 40, "b": 10},
)
left.plotly_chart(figure, key="sparse_hist")
figure = go.Figure(go.Histogram(x=unit_means, nbinsx=40))
figure.add_vline(x=rho, line={"color": "black", "dash": "dash"}, annotation_text=f"target ρ = {rho}")
figure.update_layout(
    height=320,
    xaxis_title="mean activation of a unit",
    yaxis_title="units",
    title="Each unit's mean activation ρ̂_j",
    margin={"l": 10, "r": 10, "t": 40, "b": 10},
)
right.plotly_chart(figure, key="sparse_units")

st.header(f"The code of {caption}")
with torch.inference_mode():
    code = model.encode(x)[0]
    x_hat = model.reconstruct(x)
strongest = torch.argsort(code, descending=True)[:16]
cells = st.columns([1, 1, 3])
picture(x, "The digit", scale=4, container=cells[0])
picture(x_hat, "Its reconstruction", scale=4, container=cells[1])
figure = go.Figure(go.Bar(y=code.tolist()))
figure.update_layout(
    height=240,
    xaxis_title="hidden unit",
    yaxis_title="activation",
    margin={"l": 10, "r": 10, "t": 30, "b": 10},
    title=f"{int((code > 0.5).sum())} of {len(code)} units above 0.5",
)
cells[2].plotly_chart(figure, key="sparse_code")
st.image(
    filter_grid(model.decoder.weight.T[strongest], ncol=16, scale=2),
    caption="The decoder weights of the 16 most active units for this digit: the parts it is drawn from, strongest first",
)

st.header("What each unit detects")
order = np.argsort(-unit_means)
shown = st.slider("Units shown", 16, 400, 100, 16, key="sparse_shown")
st.image(
    filter_grid(model.encoder.weight[order[:shown].tolist()], ncol=20, scale=2),
    caption="Input weights of the units, most often active first (each scaled to its own range; grey = 0)",
)
