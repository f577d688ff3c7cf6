"""Start here: what an autoencoder is, one digit through an encoder and a decoder, and a map of the pages."""

import streamlit as st
import torch

from aemodels.images import code_strip
from aemodels.losses import mse
from aemodels.zoo import models_for
from aemodels_app.page import page
from aemodels_app.pages import registry
from aemodels_app.ui.digits import current_digit
from aemodels_app.ui.figures import picture, picture_row, pixels
from aemodels_app.ui.lesson import offers
from aemodels_app.ui.models import load_model

PAGE = page(__name__, __file__, title="Start here", icon=":material/school:", section="", order=0, default=True)


QUESTIONS = {  # key -> (question, what the pages show); the pages that answer one declare it (Page.answers)
    "keep": (
        "What does an autoencoder keep?",
        "The few numbers it keeps are enough to redraw the digit; move them and the digit changes smoothly.",
    ),
    "drop": (
        "What does it drop?",
        "Noise and anything that is not a digit: what lies off the digits' manifold does not survive the round trip.",
    ),
    "dream": (
        "Can it dream?",
        "A plain AE's code space has holes; a VAE's prior fills it; a density fitted to the codes fills it better.",
    ),
    "linear": (
        "Is it just PCA?",
        "A linear AE finds exactly PCA's subspace; nonlinear and sparse ones find curved and part-based codes.",
    ),
}


def render() -> None:
    st.title("Start here")
    st.markdown(
        "**Take a guided lesson**: each step opens a page with its settings and says what to look at there. "
        "Or read on, and find your own way."
    )
    offers()
    st.markdown(
        "An **autoencoder** is a pair of networks trained to copy their input through a bottleneck. The "
        "**encoder** squeezes a 28×28 digit (784 numbers) into a short **code** of a few numbers, and the "
        "**decoder** draws a digit back from that code alone. Since a handful of numbers cannot describe every "
        "possible picture, training makes the code describe only what digits have in common: the shapes of "
        "digits form a thin, curved set (a **manifold**) inside the space of all pictures, and the code is a "
        "position on it. Everything in this lab follows from that: what the round trip keeps, what it drops, and "
        "what the decoder draws from codes no digit has."
    )
    names = models_for("intro")
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
    for key, (question, answer) in QUESTIONS.items():
        pages = [p for p in registry().values() if p.answers == key]
        with st.container(border=True):
            st.markdown(f"**{question}** {answer}")
            columns = st.columns(len(pages))
            for column, shown in zip(columns, pages, strict=True):
                column.page_link(shown.path, label=shown.title, icon=":material/arrow_forward:")


if __name__ == "__main__":
    render()
