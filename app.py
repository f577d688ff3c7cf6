"""aemodels: an interactive autoencoder lab. Run with `streamlit run app.py` (or `make run`)."""
import streamlit as st

st.set_page_config(page_title="aemodels: autoencoder lab", page_icon="🔢", layout="wide")

pages = [
    st.Page("app_pages/reconstruct.py", title="Reconstruction", icon="🔁", default=True),
    st.Page("app_pages/denoise.py", title="Denoising", icon="🧹"),
    st.Page("app_pages/latent.py", title="Latent sliders", icon="🎚️"),
    st.Page("app_pages/sample.py", title="Sampling the prior", icon="🎲"),
]
st.navigation(pages).run()
