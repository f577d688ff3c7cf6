"""Inside the VAE: the posterior of the app's digit, the reparameterisation, the ELBO's terms and unused latents."""

from functools import partial

import plotly.graph_objects as go
import streamlit as st
import torch

from aemodels.images import make_grid
from aemodels.losses import elbo_terms
from aemodels.models import VAE
from aemodels.posterior import posterior_draws, posterior_spread
from aemodels.zoo import models_for
from aemodels_app import state
from aemodels_app.caches import ACTIVE_NATS, kl_over_sample
from aemodels_app.page import Field, WarmUpTask, first_model, fixed, integer, model_of, page
from aemodels_app.state import next_seed
from aemodels_app.ui.digits import current_digit
from aemodels_app.ui.figures import picture, pixels, plot
from aemodels_app.ui.models import load_model, model_choice

MODEL = "vae_model"
EPS_SEED = "vae_eps_seed"
RESAMPLE = "vae_resample"


def warm_up() -> list[WarmUpTask]:
    return [(f"the KL of each latent of {name}", partial(kl_over_sample, name)) for name in models_for("posterior")]


PAGE = page(
    __name__,
    __file__,
    repeat=RESAMPLE,
    title="Inside the VAE",
    icon=":material/blur_on:",
    section="Theory",
    order=5,
    answers="dream",
    fields=(
        Field(MODEL, "model", first_model("posterior", "vae16"), model_of("posterior")),
        Field(EPS_SEED, "draw", fixed(0), integer(0, 1_000_000)),
    ),
    warm_up=warm_up,
)


ACTIVE, INACTIVE = "#1f77b4", "#c7c7c7"


def render() -> None:
    st.title("Inside the VAE")
    st.markdown(
        "A VAE's encoder does not give a digit one code: it gives a Gaussian q(z|x) = N(μ, σ²) per latent. "
        "Training samples z = μ + σ ⊙ ε with ε ~ N(0, I) (the **reparameterisation**, so gradients flow through μ "
        "and σ) and maximises the ELBO = E_q[log p(x|z)] − KL(q(z|x) ‖ N(0, I)): reconstruct well, but pay in nats "
        "for every bit the code carries. Latents not worth their price are switched off: σ = 1, μ = 0, KL = 0."
    )
    with st.sidebar:
        name = model_choice("VAE", "posterior", key=MODEL)
    model = load_model(name) if name else None
    if name is None or not isinstance(model, VAE):
        return
    digit = current_digit()
    x = digit.x
    mu, sigma = posterior_spread(model, x)  # q(z|x); the draws from it are the section below's
    kl = kl_over_sample(name)
    colours = [ACTIVE if j in kl.active else INACTIVE for j in range(model.latent_dim)]

    st.header(f"q(z|x) for {digit.caption}")
    figure = go.Figure()
    figure.add_bar(
        x=[f"z{j + 1}" for j in range(model.latent_dim)],
        y=mu.tolist(),
        name="μ",
        error_y={"type": "data", "array": sigma.tolist(), "visible": True},
        marker_color=colours,
    )
    figure.add_hrect(y0=-1, y1=1, fillcolor="grey", opacity=0.1, line_width=0, annotation_text="prior ±1σ")
    figure.update_layout(
        height=320,
        yaxis_title="μ ± σ",
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title="μ ± σ of q(z|x) per latent",
    )
    plot(st, figure, key="vae_posterior")
    off = model.latent_dim - len(kl.active)
    grey = f"Grey bars: the {off} switched-off latent{'s' if off > 1 else ''}." if off else "No latent is switched off."
    st.caption(f"Posterior mean μ and standard deviation σ of each latent for this digit. {grey}")

    reparameterisation(model, x)

    st.header("The ELBO of this digit, term by term")
    terms = elbo_terms(model, x, samples=64, generator=torch.Generator().manual_seed(0))
    a, b, c = st.columns(3)
    a.metric(
        "Reconstruction −E_q[log p(x|z)]", f"{float(terms['recon'][0]):.1f} nats", help="Monte Carlo over 64 draws of ε"
    )
    b.metric("KL(q(z|x) ‖ p(z))", f"{float(terms['kl'][0]):.1f} nats", help="closed form")
    c.metric("−ELBO (sum)", f"{float(terms['neg_elbo'][0]):.1f} nats", help="an upper bound on −log p(x)")
    st.caption(
        "Grey pixels are scored with the Bernoulli cross-entropy the model was trained on; on the binarised "
        "test set the shipped metrics use, the figures differ slightly."
    )

    st.header("Which latents are in use: KL per dimension over the 2,000 sample digits")
    figure = go.Figure(
        go.Bar(
            x=[f"z{j + 1}" for j in kl.order],
            y=[kl.per_dim[j] for j in kl.order],
            marker_color=[colours[j] for j in kl.order],
        )
    )
    figure.update_layout(
        height=300,
        yaxis_title="mean KL (nats)",
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title=f"{len(kl.active)} of {model.latent_dim} latents active (mean KL ≥ {ACTIVE_NATS} nats); "
        f"total {kl.total:.1f} nats per digit",
    )
    plot(st, figure, key="vae_kl")

    st.header("Temperature: sampling z ~ N(0, T² I)")
    temperatures = [0.5, 0.8, 1.0, 1.3]
    rows = [model.sample(8, t, generator=torch.Generator().manual_seed(7)) for t in temperatures]
    pixels(
        make_grid(torch.cat(rows), ncol=8, scale=1),
        zoom=2,
        caption="Rows: T = " + ", ".join(str(t) for t in temperatures) + " (the same ε in every row, scaled). "
        "Low T stays near the prior's centre: clean, typical digits; high T reaches the edges: odd ones.",
    )


@st.fragment
def reparameterisation(model: VAE, x: torch.Tensor) -> None:
    """Eight draws of ε and what they decode to: "Draw ε again" reruns only this (not the charts, the ELBO's 64
    draws and the temperature grid, which it does not change), and writes the URL itself."""
    st.header("The reparameterisation: z = μ + σ ⊙ ε")
    st.button("Draw ε again", key=RESAMPLE, on_click=next_seed, args=(EPS_SEED,))
    seed = int(st.session_state[EPS_SEED])
    draws = posterior_draws(model, x, 8, seed=seed)
    left, right = st.columns([1, 4])
    picture(x, "The digit", scale=3, container=left)
    picture(draws.at_mean, "Decoded at μ", scale=3, container=left)
    pixels(
        make_grid(draws.draws, ncol=8, scale=1),
        caption=f"Decoded from 8 draws z = μ + σ ⊙ ε (draw {seed})",
        zoom=3,
        where=right,
    )
    state.sync_fragment_url("inside_vae")


if __name__ == "__main__":
    render()
