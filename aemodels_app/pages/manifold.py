"""Manifold geometry: the decoder's tangent directions at the app's digit, and the push along and away from them."""

import plotly.graph_objects as go
import streamlit as st
import torch

from aemodels.geometry import (
    decoder_jacobian,
    smooth_reconstruct,
    tangent_basis,
    tangent_normal_split,
)
from aemodels.images import filter_grid
from aemodels.zoo import models_for
from aemodels_app.caches import RATIO_DIGITS, summary
from aemodels_app.page import (
    Field,
    Slider,
    WholeNumber,
    first_model,
    model_of,
    page,
    setting,
)
from aemodels_app.ui.charts import log_axis
from aemodels_app.ui.digits import current_digit
from aemodels_app.ui.figures import picture, picture_row, pixels, plot
from aemodels_app.ui.models import load_model, model_choice
from aemodels_app.ui.widgets import draw

MODEL = "manifold_model"
EPS = "manifold_eps"
SEED = "manifold_seed"
MEASURE = "manifold_measure"
TABLE = "manifold_table"  # the last "Measure every model" result: (eps, rows)
EPS_FIELD = setting(
    EPS,
    "eps",
    1.0,
    Slider(
        "Push size ‖δ‖ (pixel-space norm)",
        0.1,
        3.0,
        0.1,
        help="A digit has norm about 9; a push of 1 changes each pixel by about 0.036 on average.",
    ),
)
SEED_FIELD = setting(SEED, "seed", 0, WholeNumber("Random directions seed", 0, 10_000))
PAGE = page(
    __name__,
    __file__,
    title="Manifold geometry",
    icon=":material/3d_rotation:",
    section="Theory",
    order=2,
    answers="drop",
    fields=(
        Field(MODEL, "model", first_model("geometry", "vae16"), model_of("geometry")),
        EPS_FIELD,
        SEED_FIELD,
    ),
)


def measure_every_model(eps: float) -> list[dict[str, object]]:
    """The push experiment over the first sample digits for every manifold model, with progress on the page."""
    names = [name for name in models_for("geometry") if load_model(name) is not None]
    progress = st.progress(0.0, text="Measuring…")
    rows = []
    for done, name in enumerate(names):
        progress.progress(done / len(names), text=f"Measuring {name} ({done + 1} of {len(names)})…")
        result = summary(name, eps)
        rows.append(
            {
                "model": name,
                "tangent kept": round(result.tangent_kept, 3),
                "normal kept": round(result.normal_kept, 3),
                "ratio normal / tangent": round(result.ratio, 3),
            }
        )
    progress.empty()
    return rows


def render() -> None:
    st.title("Manifold geometry")
    st.markdown(
        "The decoder D maps a code z to an image, so its images form a surface of dimension d inside the "
        "784-dimensional pixel space: the learned **manifold**. At a digit's code, the Jacobian ∂D/∂z (784 × d) "
        "holds the surface's **tangent directions**, one column per latent, and its singular values say how fast "
        "the image moves along each. If reconstruction x ↦ D(E(x)) is a projection onto that surface, a push along "
        "the surface survives and a push away from it (a normal direction) is removed. Below, that claim is measured."
    )
    with st.sidebar:
        name = model_choice("Model", "geometry", key=MODEL)
        eps = draw(EPS_FIELD)
        seed = draw(SEED_FIELD)
    model = load_model(name) if name else None
    if model is None:
        return
    digit = current_digit()
    x = digit.x
    with torch.inference_mode():
        z = model.encode(x)
    jacobian = decoder_jacobian(model, z)[0]  # (784, d)
    basis, singular = tangent_basis(jacobian)

    st.header(f"Tangent directions of {name} at {digit.caption}")
    left, right = st.columns([1, 2])
    with left:
        picture(x, "The digit", scale=4)
        picture(smooth_reconstruct(model, x).clamp(0, 1), "D(E(x)), the point on the manifold", scale=4)
    with right:
        ncol = min(8, model.latent_dim)
        pixels(
            filter_grid(jacobian.T, ncol=ncol, scale=1),
            zoom=3,
            caption=f"The {model.latent_dim} columns ∂D/∂z_j as images (each scaled to its own range; grey = 0, "
            "white = the pixel brightens as z_j grows, black = it darkens)",
        )
        figure = go.Figure(go.Bar(x=[f"σ{i + 1}" for i in range(len(singular))], y=singular.tolist()))
        figure.update_layout(
            height=280,
            margin={"l": 10, "r": 10, "t": 40, "b": 10},
            yaxis=log_axis(singular.tolist(), title="singular value (log scale)"),
            title=f"Singular values of ∂D/∂z: {basis.shape[1]} of {model.latent_dim} directions tangent "
            "(≥ 1% of the largest)",
        )
        plot(st, figure, key="manifold_singular")

    st.header("The experiment: push along the manifold and away from it")
    result = tangent_normal_split(model, x, eps=eps, seed=int(seed))
    t, n = result.tangent, result.normal
    cells = picture_row("manifold-push", 4)
    picture((x + eps * t).clamp(0, 1), "x + δ along the tangent plane", scale=4, container=cells[0])
    picture(smooth_reconstruct(model, x + eps * t).clamp(0, 1), "its reconstruction", scale=4, container=cells[1])
    picture((x + eps * n).clamp(0, 1), "x + δ normal to it", scale=4, container=cells[2])
    picture(smooth_reconstruct(model, x + eps * n).clamp(0, 1), "its reconstruction", scale=4, container=cells[3])
    a, b, c = st.columns(3)
    a.metric(
        "Tangent push kept",
        f"{float(result.tangent_kept[0]):.3f}",
        help="‖D(E(x + δ)) − D(E(x))‖ / ‖δ‖ for δ along a random tangent direction",
    )
    b.metric(
        "Normal push kept", f"{float(result.normal_kept[0]):.3f}", help="the same for δ normal to the tangent plane"
    )
    c.metric(
        "Ratio normal / tangent",
        f"{float(result.ratio[0]):.3f}",
        help="near 0 when reconstruction projects onto the manifold",
    )

    st.subheader(f"Across models, over the first {RATIO_DIGITS} sample digits")
    st.markdown(
        "A plain AE is only ever trained on digits, so nothing tells its encoder to ignore directions that leave "
        "the manifold. Denoising training does exactly that (the noise is mostly normal to the manifold), and a "
        "VAE's posterior noise does some of it. The linear AE is an exact orthogonal projection: ratio 0."
    )
    if st.button("Measure every model", key=MEASURE):
        st.session_state[TABLE] = (float(eps), measure_every_model(float(eps)))
    table = st.session_state.get(TABLE)
    if table is not None:
        st.dataframe(table[1], hide_index=True)
        if table[0] != float(eps):
            st.caption(f"Measured with a push of {table[0]:g}; press the button again for {float(eps):g}.")


if __name__ == "__main__":
    render()
