"""aemodels: an interactive autoencoder lab. Run with `streamlit run app.py` (or `make run`).

The router: the page list, the app's digit in the sidebar (shared by every page), and the view in the URL."""

import gc
from pathlib import Path

import streamlit as st

from app_pages import _state as state
from app_pages._caches import settle_after_first_run, warm_up
from app_pages._widgets import digit_picker, glossary, link_to_view, preload_charts


@st.cache_resource(show_spinner=False)
def process_settings() -> bool:
    """Once per process, after the imports.
    - Move the ~250k objects that torch, numpy, plotly and Streamlit leave for the life of the process out of the
      garbage collector's reach. Streamlit collects garbage after every run, and walking them cost 160-220 ms of
      CPU each time (bench/step_cost.py shows the step costs before and after).
    Later, what each page's first run and the warm-up leave is frozen too (`settle_after_first_run`). One OpenMP
    thread per server thread is set where torch is first imported (app_pages/__init__.py)."""
    gc.freeze()
    return True


process_settings()
st.set_page_config(
    page_title="aemodels: autoencoder lab", page_icon=str(Path(__file__).parent / "docs" / "icon.png"), layout="wide"
)

PAGES = {  # url path -> st.Page; the sections are the sidebar's headings
    "start": st.Page("app_pages/start.py", title="Start here", icon=":material/school:", default=True),
    "reconstruct": st.Page("app_pages/reconstruct.py", title="Reconstruction", icon=":material/autorenew:"),
    "denoise": st.Page("app_pages/denoise.py", title="Denoising", icon=":material/cleaning_services:"),
    "latent": st.Page("app_pages/latent.py", title="Latent sliders", icon=":material/tune:"),
    "sample": st.Page("app_pages/sample.py", title="Sampling", icon=":material/casino:"),
    "train": st.Page("app_pages/train.py", title="Train your own", icon=":material/model_training:"),
    "explorer": st.Page("app_pages/explorer.py", title="Latent explorer", icon=":material/scatter_plot:"),
    "manifold": st.Page("app_pages/manifold.py", title="Manifold geometry", icon=":material/3d_rotation:"),
    "pca": st.Page("app_pages/pca.py", title="A linear AE is PCA", icon=":material/linear_scale:"),
    "anomaly": st.Page("app_pages/anomaly.py", title="Anomaly detection", icon=":material/report:"),
    "inside_vae": st.Page("app_pages/inside_vae.py", title="Inside the VAE", icon=":material/blur_on:"),
    "sparse": st.Page("app_pages/sparse.py", title="Sparse codes", icon=":material/grain:"),
}
SECTIONS = {
    "": ["start"],
    "Play": ["reconstruct", "denoise", "latent", "sample", "train"],
    "Theory": ["explorer", "manifold", "pca", "anomaly", "inside_vae", "sparse"],
}
USES_NO_DIGIT = {"sample", "pca", "train"}

st.html(f"<style>{(Path(__file__).parent / 'app_pages' / 'app.css').read_text()}</style>")
current = st.navigation({section: [PAGES[name] for name in names] for section, names in SECTIONS.items()})
page = next(name for name, candidate in PAGES.items() if candidate is current)
state.begin_run(page)
with st.sidebar:
    st.header("Your digit")
    if page in USES_NO_DIGIT:
        st.caption("This page does not use the digit; every other page does.")
    digit_picker("main")
notes = st.empty()  # filled after the page: a page can add a note about a link value only it can check
current.run()
preparing = warm_up()  # once per process, after the first page: fills the theory pages' caches off this thread
state.show_notes(page, notes)
state.sync_url(page)
with st.sidebar:
    with st.popover("Link to this view", icon=":material/link:", width="stretch"):
        st.caption("This page with its digit and settings.")
        link_to_view()
    glossary()
    preload_charts()  # the charts' JavaScript, while the browser is idle: the first chart opened is drawn sooner
    if not preparing.finished:  # what the background warm-up is preparing (the theory pages' data), once
        st.caption(
            f"Preparing the theory pages in the background ({preparing.done} of {len(preparing.tasks)}): "
            f"{preparing.current}…"
        )
settle_after_first_run(page)
