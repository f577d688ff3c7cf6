"""Start here: what an autoencoder is, one digit through an encoder and a decoder, and a map of the pages."""

import streamlit as st
import torch

from aemodels.images import code_strip
from aemodels.losses import mse
from aemodels.zoo import models_for
from app_pages._widgets import current_digit, load_model, picture, picture_row, pixels

QUESTIONS = [  # (question, what the pages show, [(page file, label)])
    (
        "What does an autoencoder keep?",
        "The few numbers it keeps are enough to redraw the digit; move them and the digit changes smoothly.",
        [("app_pages/reconstruct.py", "Reconstruction"), ("app_pages/latent.py", "Latent sliders")],
    ),
    (
        "What does it drop?",
        "Noise and anything that is not a digit: what lies off the digits' manifold does not survive the round trip.",
        [
            ("app_pages/denoise.py", "Denoising"),
            ("app_pages/manifold.py", "Manifold geometry"),
            ("app_pages/anomaly.py", "Anomaly detection"),
        ],
    ),
    (
        "Can it dream?",
        "A plain AE's code space has holes; a VAE's prior fills it; a density fitted to the codes fills it better.",
        [
            ("app_pages/sample.py", "Sampling"),
            ("app_pages/explorer.py", "Latent explorer"),
            ("app_pages/inside_vae.py", "Inside the VAE"),
        ],
    ),
    (
        "Is it just PCA?",
        "A linear AE finds exactly PCA's subspace; nonlinear and sparse ones find curved and part-based codes.",
        [("app_pages/pca.py", "A linear AE is PCA"), ("app_pages/sparse.py", "Sparse codes")],
    ),
]


def render() -> None:
    st.title("Start here")
    st.markdown(
        "An **autoencoder** is a pair of networks trained to copy their input through a bottleneck. The "
        "**encoder** squeezes a 28×28 digit (784 numbers) into a short **code** of a few numbers, and the "
        "**decoder** draws a digit back from that code alone. Since a handful of numbers cannot describe every "
        "possible picture, training makes the code describe only what digits have in common: the shapes of "
        "digits form a thin, curved set (a **manifold**) inside the space of all pictures, and the code is a "
        "position on it. Everything in this lab follows from that: what the round trip keeps, what it drops, and "
        "what the decoder draws from codes no digit has."
    )
    names = models_for("start")
    model = load_model(names[0]) if names else None
    digit = current_digit()
    if model is not None:
        with torch.inference_mode():
            z = model.encode(digit.x)
            x_hat = model.decode(z)
        st.subheader(f"Your digit through {names[0]}")
        cells = picture_row("start", [1, 1.6, 1])
        picture(digit.x, f"784 pixels: {digit.caption}", scale=5, container=cells[0])
        with cells[1]:
            st.markdown("**encoder →**")
            pixels(code_strip(z[0], cell=1))
            st.caption(f"the code: {model.latent_dim} numbers (blue negative, red positive)")
            st.markdown("**→ decoder**")
        picture(x_hat, f"redrawn from the code (error {mse(x_hat, digit.x).item():.4f} per pixel)", container=cells[2])
        st.caption(
            "Choose another digit in the sidebar (a test digit, a photo of your own or a drawing): every page uses it."
        )
    st.subheader("Where to go next")
    for question, answer, pages in QUESTIONS:
        with st.container(border=True):
            st.markdown(f"**{question}** {answer}")
            columns = st.columns(len(pages))
            for column, (path, label) in zip(columns, pages, strict=True):
                column.page_link(path, label=label, icon=":material/arrow_forward:")


if __name__ == "__main__":
    render()
