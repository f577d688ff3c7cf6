import streamlit as st
import torch

from aemodels.geometry import latent_profile, normal_icdf_grid, uniform_codes
from aemodels.images import make_grid
from app_pages._widgets import _load, get_model, model_choice, sample_tensor

st.title("Sampling the prior")
st.markdown(
    "A VAE is trained so that its codes fill a standard Gaussian: draw z ~ N(0, I), decode, and you get a new "
    "digit. A plain AE gives coordinates but no distribution over them: random codes, even inside the range "
    "its digits use, often land in holes between the clusters and decode to smudges."
)

PAIRED_AE = {"vae2": "ae2", "vae16": "ae16", "vae50": "ae16"}


@st.cache_data(show_spinner=False)
def code_box(name: str) -> tuple[list[float], list[float]]:
    prof = latent_profile(_load(name), sample_tensor())
    return prof.low, prof.high


with st.sidebar:
    name = model_choice("VAE", ["vae2", "vae16", "vae50"], key="sample_model", default="vae16")
    count = st.slider("Number of samples", 4, 64, 32, step=4, key="sample_count")
    temperature = st.slider(
        "Temperature (scales z)",
        0.1,
        1.5,
        1.0,
        0.05,
        key="sample_temperature",
        help="z ~ N(0, T² I). Below 1 samples are cleaner and more alike; above 1, stranger.",
    )
    if "sample_seed" not in st.session_state:
        st.session_state["sample_seed"] = 0
    st.number_input("Seed", 0, 1_000_000, key="sample_seed")
    st.button(
        "Resample",
        key="sample_again",
        on_click=lambda: st.session_state.update(sample_seed=st.session_state["sample_seed"] + 1),
    )

vae = get_model(name)
ae_name = PAIRED_AE[name]
ae = get_model(ae_name)
seed = int(st.session_state["sample_seed"])
left, right = st.columns(2)
if vae is not None:
    images = vae.sample(count, temperature, generator=torch.Generator().manual_seed(seed))
    left.subheader(f"{name}: z ~ N(0, {temperature:.2f}² I)")
    left.image(make_grid(images, ncol=8, scale=2))
if ae is not None:
    low, high = code_box(ae_name)
    with torch.inference_mode():
        images = ae.decode(uniform_codes(low, high, count, seed=seed))
    right.subheader(f"{ae_name}: random codes in its range")
    right.image(make_grid(images, ncol=8, scale=2))

if name == "vae2" and vae is not None:
    st.header("The manifold map")
    st.markdown(
        "Decode a grid of 2-d codes spaced by the inverse Gaussian CDF, so each cell covers equal prior "
        "mass (Kingma & Welling 2014, figure 4): the whole learned manifold in one picture."
    )
    n = st.slider("Grid size", 8, 25, 15, key="sample_grid")
    with torch.inference_mode():
        images = vae.decode(normal_icdf_grid(n))
    st.image(make_grid(images, ncol=n, scale=2, pad=0))
