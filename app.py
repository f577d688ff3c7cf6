"""aemodels: an interactive autoencoder lab. Run with `streamlit run app.py` (or `make run`)."""
import streamlit as st

st.set_page_config(page_title="aemodels: autoencoder lab", page_icon=":material/draw:", layout="wide")

pages = [
    st.Page("app_pages/reconstruct.py", title="Reconstruction", icon=":material/autorenew:", default=True),
    st.Page("app_pages/denoise.py", title="Denoising", icon=":material/cleaning_services:"),
    st.Page("app_pages/latent.py", title="Latent sliders", icon=":material/tune:"),
    st.Page("app_pages/sample.py", title="Sampling the prior", icon=":material/casino:"),
]
st.navigation(pages).run()
