"""A linear AE is PCA: the capacity curve, and the shipped linear AE's subspace against PCA's."""

import plotly.graph_objects as go
import streamlit as st
import torch

from aemodels.geometry import decorrelated_basis, principal_angles
from aemodels.images import filter_grid
from aemodels.models import LinearAE
from aemodels.zoo import models_for
from aemodels_app.caches import capacity_curve, shipped_pca
from aemodels_app.page import page
from aemodels_app.ui.charts import log_axis
from aemodels_app.ui.digits import sample_tensor
from aemodels_app.ui.figures import pixels, plot
from aemodels_app.ui.models import load_model

PAGE = page(
    __name__,
    __file__,
    title="A linear AE is PCA",
    icon=":material/linear_scale:",
    section="Theory",
    order=3,
    uses_digit=False,
    answers="linear",
)


def render() -> None:
    st.title("A linear AE is PCA")
    st.markdown(
        "Train an autoencoder with no nonlinearity, x̂ = AᵀA(x − m) + m, on squared error and it finds the same "
        "subspace as principal component analysis (Baldi & Hornik 1989): its best error at every latent size is "
        "PCA's error. It does **not** find PCA's individual components: any rotation of the code gives the same "
        "reconstruction, so its rows of A are a mixed basis of the same subspace. Nonlinear AEs beat the line "
        "because the digit manifold is curved."
    )
    st.header("Reconstruction error against latent size")
    data = capacity_curve()
    if data is None:
        st.warning(
            "The curve has not been computed in this copy (pretrained/figures/capacity.json is missing). "
            "Run `python -m aemodels.capacity` to make it."
        )
    else:
        rows = data["rows"]
        dims = [row["d"] for row in rows]
        figure = go.Figure()
        figure.add_scatter(
            x=dims, y=[row["pca"] for row in rows], name="PCA (exact)", mode="lines+markers", line={"width": 4}
        )
        figure.add_scatter(
            x=dims,
            y=[row["linear_ae"] for row in rows],
            name="tied linear AE (trained)",
            mode="lines+markers",
            line={"dash": "dash"},
        )
        figure.add_scatter(
            x=dims, y=[row["nonlinear_ae"] for row in rows], name=data["nonlinear_ae"], mode="lines+markers"
        )
        figure.update_layout(
            height=420,
            xaxis={"type": "log", "title": "latent size d", "tickvals": dims, "ticktext": [str(d) for d in dims]},
            yaxis=log_axis(
                [row[key] for row in rows for key in ("pca", "linear_ae", "nonlinear_ae")], title="test MSE per pixel"
            ),
            margin={"l": 10, "r": 10, "t": 30, "b": 10},
        )
        plot(st, figure, key="pca_curve")
        st.caption(
            f"{data['what']}; {data['data']}. Linear AE trained {data['plan']['linear_epochs']} epochs, MLP AE "
            f"{data['plan']['nonlinear_epochs']} epochs at each d. Made by `{data['command']}`."
        )
        st.dataframe(
            [
                {
                    "d": row["d"],
                    "PCA": round(row["pca"], 5),
                    "linear AE": round(row["linear_ae"], 5),
                    "linear / PCA": round(row["linear_ae"] / row["pca"], 4),
                    "mean angle to PCA (°)": round(row["mean_principal_angle_deg"], 2),
                    "MLP AE": round(row["nonlinear_ae"], 5),
                }
                for row in rows
            ],
            hide_index=True,
        )
    st.header("The shipped linear AE (d = 16) against PCA-16")
    names = models_for("linear_pca")
    model = load_model(names[0]) if names else None
    shipped = shipped_pca()
    if not isinstance(model, LinearAE) or shipped is None:
        st.warning(
            "This part needs pretrained/linear16 and pretrained/figures/pca.safetensors "
            "(`python -m aemodels.train linear16`, `python -m aemodels.capacity`)."
        )
        return
    _, components = shipped
    pca16 = components[:, :16]
    weights = model.A.detach()  # (16, 784)
    angles = principal_angles(weights.T, pca16)
    figure = go.Figure(go.Bar(x=[f"θ{i + 1}" for i in range(len(angles))], y=angles.tolist()))
    figure.update_layout(
        height=280,
        yaxis_title="degrees",
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        title="Principal angles between the two 16-d subspaces: "
        f"mean {angles.mean():.2f}°, largest {angles.max():.2f}°",
    )
    plot(st, figure, key="pca_angles")
    st.caption("0° for every angle means the same subspace. PCA was fitted on the 60,000 training digits.")
    with torch.inference_mode():
        codes = model.encode(sample_tensor())
    rotated = decorrelated_basis(weights, codes, reference=pca16)
    left, middle, right = st.columns(3)
    pixels(
        filter_grid(weights, ncol=4, scale=1),
        zoom=2,
        where=left,
        caption="Rows of A: what the linear AE learned (a mixed basis)",
    )
    pixels(
        filter_grid(rotated, ncol=4, scale=1),
        zoom=2,
        where=middle,
        caption="The same subspace, rotated to decorrelate the codes of the 2,000 sample digits",
    )
    pixels(
        filter_grid(pca16.T, ncol=4, scale=1), zoom=2, where=right, caption="The first 16 principal components of MNIST"
    )


if __name__ == "__main__":
    render()
