"""aemodels: an interactive autoencoder lab. Run with `streamlit run app.py` (or `make run`)."""

from pathlib import Path

import streamlit as st

st.set_page_config(
    page_title="aemodels: autoencoder lab", page_icon=str(Path(__file__).parent / "docs" / "icon.png"), layout="wide"
)

pages = {
    "Play": [
        st.Page("app_pages/reconstruct.py", title="Reconstruction", icon=":material/autorenew:", default=True),
        st.Page("app_pages/denoise.py", title="Denoising", icon=":material/cleaning_services:"),
        st.Page("app_pages/latent.py", title="Latent sliders", icon=":material/tune:"),
        st.Page("app_pages/sample.py", title="Sampling the prior", icon=":material/casino:"),
    ],
    "Theory": [
        st.Page("app_pages/explorer.py", title="Latent explorer", icon=":material/scatter_plot:"),
        st.Page("app_pages/manifold.py", title="Manifold geometry", icon=":material/3d_rotation:"),
        st.Page("app_pages/pca.py", title="A linear AE is PCA", icon=":material/linear_scale:"),
        st.Page("app_pages/anomaly.py", title="Anomaly detection", icon=":material/report:"),
        st.Page("app_pages/inside_vae.py", title="Inside the VAE", icon=":material/blur_on:"),
        st.Page("app_pages/sparse.py", title="Sparse codes", icon=":material/grain:"),
    ],
}
st.navigation(pages).run()
