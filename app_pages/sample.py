"""Sampling the prior: new digits from a VAE's prior beside a plain AE's random codes."""

import streamlit as st
import torch

from aemodels.geometry import normal_icdf_grid, uniform_codes
from aemodels.images import make_grid
from aemodels.models import VAE
from aemodels.zoo import ZOO
from app_pages import _state as state
from app_pages._caches import profile
from app_pages._widgets import load_model, model_choice, next_seed


def render() -> None:
    st.title("Sampling the prior")
    st.markdown(
        "A VAE is trained so that its codes fill a standard Gaussian: draw z ~ N(0, I), decode, and you get a new "
        "digit. A plain AE gives coordinates but no distribution over them: random codes, even inside the range "
        "its digits use, often land in holes between the clusters and decode to smudges."
    )
    with st.sidebar:
        name = model_choice("VAE", "sampling", key=state.SAMPLE_MODEL)
        count = st.slider("Number of samples", 4, 64, step=4, key=state.SAMPLE_COUNT)
        temperature = st.slider(
            "Temperature (scales z)",
            0.1,
            1.5,
            step=0.05,
            key=state.SAMPLE_TEMPERATURE,
            help="z ~ N(0, T² I). Below 1 samples are cleaner and more alike; above 1, stranger.",
        )
        st.number_input("Seed", 0, 1_000_000, key=state.SAMPLE_SEED)
        st.button("Resample", key=state.SAMPLE_AGAIN, on_click=next_seed, args=(state.SAMPLE_SEED,))
    vae = load_model(name) if name else None
    if name is None or not isinstance(vae, VAE):
        return
    ae_name = ZOO[name].compare_ae if name in ZOO else None
    ae = load_model(ae_name) if ae_name else None
    seed = int(st.session_state[state.SAMPLE_SEED])
    left, right = st.columns(2)
    images = vae.sample(count, temperature, generator=torch.Generator().manual_seed(seed))
    left.subheader(f"{name}: z ~ N(0, {temperature:.2f}² I)")
    left.image(make_grid(images, ncol=8, scale=2))
    if ae is not None and ae_name is not None:
        box = profile(ae_name)
        low, high = box.low, box.high
        with torch.inference_mode():
            images = ae.decode(uniform_codes(low, high, count, seed=seed))
        right.subheader(f"{ae_name}: random codes in its range")
        right.image(make_grid(images, ncol=8, scale=2))

    if vae.latent_dim == 2:
        st.header("The manifold map")
        st.markdown(
            "Decode a grid of 2-d codes spaced by the inverse Gaussian CDF, so each cell covers equal prior "
            "mass (Kingma & Welling 2014, figure 4): the whole learned manifold in one picture."
        )
        n = st.slider("Grid size", 8, 25, key=state.SAMPLE_GRID)
        with torch.inference_mode():
            images = vae.decode(normal_icdf_grid(n))
        st.image(make_grid(images, ncol=n, scale=2, pad=0))


if __name__ == "__main__":
    render()
