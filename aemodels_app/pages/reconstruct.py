"""Reconstruction: the app's digit through several autoencoders, with the error map and the code."""

import streamlit as st
import torch

from aemodels.losses import mse, psnr
from aemodels.zoo import models_for
from aemodels_app.page import Field, models_of, page
from aemodels_app.text import inert
from aemodels_app.ui.digits import current_digit
from aemodels_app.ui.figures import error_picture, picture, picture_row
from aemodels_app.ui.models import YOURS, choices, digit_for, knows_note, label, load_model

MODELS = "recon_models"
PAGE = page(
    __name__,
    __file__,
    title="Reconstruction",
    icon=":material/autorenew:",
    section="Play",
    order=1,
    answers="keep",
    fields=(
        Field(
            MODELS,
            "models",
            lambda: [n for n in ("linear16", "ae2", "ae16", "vae16") if n in models_for("reconstruction")],
            models_of("reconstruction"),
            ",".join,
        ),
    ),
)


def render() -> None:
    st.title("Reconstruction")
    st.markdown(
        "An autoencoder is a chart of the digit manifold: the encoder gives a digit a few coordinates, the decoder "
        "draws the digit back from them. What survives the round trip is what lies on the manifold the model "
        "learned; the error map shows what it could not place there. The linear AE is PCA: a flat chart."
    )
    with st.sidebar:
        names = st.multiselect("Models", choices("reconstruction"), key=MODELS, format_func=label)
    digit = current_digit()
    picture(digit.x, f"Input: {digit.caption}", scale=6)
    if not names:
        st.info("Choose at least one model in the sidebar.")
    for name in names:
        model = load_model(name)
        if model is None:
            continue
        shown = digit_for(name, digit)  # a model of other data than MNIST is given an item of its own
        with torch.inference_mode():
            z = model.encode(shown.x)
            x_hat = model.decode(z)
        own = shown is not digit
        cols = picture_row(f"reconstruct-{name}", [1, 1, 1, 2] if own else [1, 1, 2])
        if own:
            picture(shown.x, f"{name}: its input, {shown.caption}", container=cols.pop(0))
        picture(x_hat, f"{name}: reconstruction", container=cols[0])
        error_picture(shown.x, x_hat, "|x − x̂|", container=cols[1])
        with cols[2]:
            description = label(name) if name.startswith(YOURS) else str(model.info.get("description", ""))
            st.markdown(f"**{inert(name)}** · {inert(description)}")  # from its JSON
            note = knows_note(name)
            if note:
                st.caption(note)
            st.metric("MSE per pixel", f"{mse(x_hat, shown.x).item():.4f}", border=False)
            st.metric("PSNR", f"{psnr(x_hat, shown.x).item():.1f} dB", border=False)
            code = z[0].tolist()
            numbers = ", ".join(f"{v:.2f}" for v in code[:16]) + (" …" if len(code) > 16 else "")
            st.caption(f"Latent code z ({len(code)} numbers): {numbers}")
        st.divider()


if __name__ == "__main__":
    render()
