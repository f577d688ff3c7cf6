import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from aemodels import DataError
from aemodels.anomaly import NOISE_KINDS, auc, noise_images, reconstruction_error, roc_curve
from aemodels.data import FASHION_CLASSES, load_fashion_mnist
from aemodels.images import error_map
from app_pages._widgets import _load, digit_source, get_model, model_choice, picture, sample_tensor

st.title("Anomaly detection")
st.markdown(
    "An autoencoder reconstructs well only what lies near the manifold it learned. So its reconstruction error "
    "is an **anomaly score**: low for digits, high for anything else. Here the model meets things that are not "
    "digits (clothes from Fashion-MNIST, noise, and whatever you upload or draw), and the ROC curve says how well "
    "the score separates them: AUC 1 is perfect, 0.5 is a coin toss."
)

ANOMALY_MODELS = ["ae16", "dae", "vae16", "vae50", "linear16", "ae2", "vae2", "sparse"]
COUNT = 2000  # sample digits, and Fashion-MNIST items


@st.cache_data(show_spinner=False)
def fashion() -> tuple[np.ndarray, np.ndarray] | str:
    """The first 2,000 Fashion-MNIST test items, or the plain message saying why they are unavailable."""
    try:
        x, y = load_fashion_mnist("test", limit=COUNT)
    except DataError as err:
        return str(err)
    return x.numpy(), y.numpy()


@st.cache_data(show_spinner="Scoring 2,000 digits and the comparison sets…")
def scores(name: str) -> dict[str, np.ndarray]:
    model = _load(name)
    result = {"MNIST digits": reconstruction_error(model, sample_tensor()).numpy()}
    items = fashion()
    if not isinstance(items, str):
        result["Fashion-MNIST"] = reconstruction_error(model, torch.from_numpy(items[0])).numpy()
    for kind in NOISE_KINDS:
        result[f"noise ({kind})"] = reconstruction_error(model, noise_images(kind, 500, seed=1)).numpy()
    return result


with st.sidebar:
    st.header("Your input")
    x_user, user_caption = digit_source("anomaly")
    name = model_choice("Model", ANOMALY_MODELS, key="anomaly_model", default="ae16")

model = get_model(name)
if model is None:
    st.stop()
items = fashion()
if isinstance(items, str):
    st.info(f"Comparing with noise only. {items}")
sets = scores(name)
digit_scores = sets["MNIST digits"]
threshold = float(np.quantile(digit_scores, 0.95))

st.header("Score one input")
choices = ["Your input (sidebar)", "A Fashion-MNIST item", "Noise"]
what = (
    st.segmented_control(
        "Input",
        choices if not isinstance(items, str) else [choices[0], choices[2]],
        default=choices[0],
        key="anomaly_input",
    )
    or choices[0]
)
if what == "A Fashion-MNIST item":
    index = int(st.number_input("Item (0–1999)", 0, COUNT - 1, 0, key="anomaly_item"))
    x, caption = (
        torch.from_numpy(items[0][index]).view(1, 1, 28, 28),
        f"Fashion-MNIST #{index} ({FASHION_CLASSES[items[1][index]]})",
    )
elif what == "Noise":
    kind = st.radio("Kind", NOISE_KINDS, horizontal=True, key="anomaly_noise")
    x, caption = (
        noise_images(kind, 1, seed=int(st.number_input("Seed", 0, 10_000, 0, key="anomaly_noise_seed"))),
        f"{kind} noise",
    )
else:
    x, caption = x_user, user_caption
with torch.inference_mode():
    x_hat = model.reconstruct(x)
score = float(reconstruction_error(model, x)[0])
cells = st.columns(4)
picture(x, caption, scale=4, container=cells[0])
picture(x_hat, f"{name} reconstruction", scale=4, container=cells[1])
cells[2].image(error_map(x, x_hat, scale=4), caption="Per-pixel error |x − x̂|", width=112)
percentile = float((digit_scores < score).mean() * 100)
cells[3].metric("Anomaly score (MSE)", f"{score:.4f}", help="mean squared error per pixel of the reconstruction")
cells[3].markdown(
    f"Higher than **{percentile:.1f}%** of test digits. "
    + ("**Flagged: probably not a digit.**" if score > threshold else "Looks like a digit.")
    + f" (Threshold {threshold:.4f}: 5% of real digits are flagged.)"
)

st.header("Digits against everything else")
left, right = st.columns(2)
histogram = go.Figure()
bins = np.logspace(
    np.log10(max(1e-5, min(s.min() for s in sets.values()))), np.log10(max(s.max() for s in sets.values())), 60
)
for label, values in sets.items():
    counts, edges = np.histogram(values, bins=bins)
    histogram.add_scatter(
        x=np.sqrt(edges[:-1] * edges[1:]),
        y=counts / len(values),
        mode="lines",
        line={"shape": "hvh"},
        fill="tozeroy",
        name=f"{label} ({len(values)})",
        opacity=0.6,
    )
histogram.add_vline(x=score, line={"color": "black", "dash": "dash"}, annotation_text="this input")
histogram.update_layout(
    height=380,
    xaxis={"type": "log", "title": "reconstruction MSE (log scale)"},
    yaxis_title="fraction per bin",
    margin={"l": 10, "r": 10, "t": 30, "b": 10},
)
left.plotly_chart(histogram, key="anomaly_hist")

roc = go.Figure()
table = []
for label, values in sets.items():
    if label == "MNIST digits":
        continue
    fpr, tpr, _ = roc_curve(digit_scores, values)
    area = auc(digit_scores, values)
    roc.add_scatter(x=fpr, y=tpr, mode="lines", name=f"{label}: AUC {area:.3f}")
    table.append(
        {
            "not a digit": label,
            "count": len(values),
            "AUC": round(area, 4),
            "flagged at the 5% threshold": f"{(values > threshold).mean():.1%}",
        }
    )
roc.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "grey"}, name="chance")
roc.update_layout(
    height=380,
    xaxis_title="false positive rate (digits flagged)",
    yaxis_title="true positive rate",
    margin={"l": 10, "r": 10, "t": 30, "b": 10},
)
right.plotly_chart(roc, key="anomaly_roc")
st.dataframe(table, hide_index=True)
st.caption(
    "Digits: the 2,000 shipped MNIST test digits. Noise: 500 seeded images of each kind. Score: mean squared "
    "error per pixel between the input and its reconstruction."
)
