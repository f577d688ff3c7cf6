"""The sidebar's own pieces: the glossary of terms and the link to the view on the screen."""

from __future__ import annotations

import streamlit as st

from aemodels_app.ui import components

GLOSSARY = {
    "Manifold": "A smooth, low-dimensional surface inside a high-dimensional space. Digits (784 pixels each) lie "
    "near one: a few numbers (slant, width, thickness, …) describe them; random pixel patterns lie far from it.",
    "Chart": "A map that gives each point of a manifold coordinates, as an atlas page does for the Earth. An "
    "autoencoder's encoder is a chart: its code is a digit's coordinates.",
    "Code (latent z)": "The encoder's output: the few numbers a digit is compressed to. The decoder draws from it.",
    "Tangent direction": "A direction along the manifold: moving the code, or the digit, this way keeps it a digit.",
    "Normal direction": "A direction away from the manifold: a push this way turns a digit into noise.",
    "Prior": "The distribution a VAE's codes are trained to fill, N(0, I). Codes drawn from it decode to new digits.",
    "Posterior q(z|x)": "The VAE encoder's answer for one digit: a Gaussian with mean μ and spread σ per latent.",
    "ELBO": "Evidence lower bound: what a VAE maximises. Reconstruction log-likelihood minus KL(q(z|x) ‖ prior); "
    "−ELBO is an upper bound on −log p(x).",
    "KL divergence": "How far one distribution is from another, in nats; the VAE pays it for what its code carries.",
    "Nats": "Units of information with natural logarithms: 1 nat = 1/ln 2 ≈ 1.44 bits.",
    "Reparameterisation": "Writing a draw from N(μ, σ²) as z = μ + σ ⊙ ε with ε ~ N(0, I), so training can "
    "differentiate through μ and σ.",
    "PCA": "Principal component analysis: the best flat (linear) subspace for reconstructing data under squared "
    "error. A linear autoencoder finds the same subspace.",
    "PSNR": "Peak signal-to-noise ratio, 10·log10(1 / MSE) in dB for pixels in [0, 1]: higher means closer.",
    "AUC": "Area under the ROC curve: the chance that a random anomaly scores above a random normal input.",
}


def link_to_view() -> None:
    """The link to the view on the screen, with a button that copies it (components/link.js): read from the address
    bar, which `state.sync_url` keeps up to date after full runs and fragment runs alike."""
    components.link(key="aemodels_link", height="content")


def one_history_entry_per_view() -> None:
    """A page switch adds one entry to the browser's history, not two (components/history.js says why)."""
    components.history(key="aemodels_history", height=0)


def glossary() -> None:
    """The terms the pages use, in a popover: one element, since every run sends the sidebar again (a message per
    term would be one each, every run)."""
    with st.popover("Glossary", icon=":material/menu_book:", width="stretch"):
        st.markdown("\n\n".join(f"**{term}.** {meaning}" for term, meaning in GLOSSARY.items()))
