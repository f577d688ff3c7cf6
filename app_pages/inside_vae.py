import plotly.graph_objects as go
import streamlit as st
import torch

from aemodels.images import make_grid
from aemodels.losses import elbo_terms
from app_pages._widgets import _load, digit_source, get_model, model_choice, picture, sample_tensor

st.title("Inside the VAE")
st.markdown(
    "A VAE's encoder does not give a digit one code: it gives a Gaussian q(z|x) = N(μ, σ²) per latent. "
    "Training samples z = μ + σ ⊙ ε with ε ~ N(0, I) (the **reparameterisation**, so gradients flow through μ "
    "and σ) and maximises the ELBO = E_q[log p(x|z)] − KL(q(z|x) ‖ N(0, I)): reconstruct well, but pay in nats "
    "for every bit the code carries. Latents not worth their price are switched off: σ = 1, μ = 0, KL = 0."
)

VAE_MODELS = ["vae16", "vae2", "vae50"]
ACTIVE_NATS = 0.01  # a latent carrying less than this on average is counted as switched off


@st.cache_data(show_spinner="Measuring the KL of each latent over the sample…")
def kl_over_sample(name: str) -> list[float]:
    terms = elbo_terms(_load(name), sample_tensor(), generator=torch.Generator().manual_seed(0))
    return terms["kl_per_dim"].mean(0).tolist()


with st.sidebar:
    st.header("Digit")
    x, caption = digit_source("vae")
    name = model_choice("VAE", VAE_MODELS, key="vae_model", default="vae16")

model = get_model(name)
if model is None:
    st.stop()
with torch.inference_mode():
    mu, logvar = model.posterior(x)
mu, sigma = mu[0], (0.5 * logvar[0]).exp()
kl_dims = kl_over_sample(name)
active = [j for j, value in enumerate(kl_dims) if value >= ACTIVE_NATS]

st.header(f"q(z|x) for {caption}")
figure = go.Figure()
figure.add_bar(
    x=[f"z{j + 1}" for j in range(model.latent_dim)],
    y=mu.tolist(),
    name="μ",
    error_y={"type": "data", "array": sigma.tolist(), "visible": True},
    marker_color=["#1f77b4" if j in active else "#c7c7c7" for j in range(model.latent_dim)],
)
figure.add_hrect(y0=-1, y1=1, fillcolor="grey", opacity=0.1, line_width=0, annotation_text="prior ±1σ")
figure.update_layout(
    height=320,
    yaxis_title="μ ± σ",
    margin={"l": 10, "r": 10, "t": 30, "b": 10},
    title=f"Posterior mean and standard deviation per latent (grey bars: the {model.latent_dim - len(active)} switched-off latents)",
)
st.plotly_chart(figure, key="vae_posterior")

st.header("The reparameterisation: z = μ + σ ⊙ ε")
if "vae_eps_seed" not in st.session_state:
    st.session_state["vae_eps_seed"] = 0
st.button(
    "Draw ε again",
    key="vae_resample",
    on_click=lambda: st.session_state.update(vae_eps_seed=st.session_state["vae_eps_seed"] + 1),
)
generator = torch.Generator().manual_seed(int(st.session_state["vae_eps_seed"]))
eps = torch.randn(8, model.latent_dim, generator=generator)
with torch.inference_mode():
    draws = model.decode(mu + sigma * eps)
    at_mean = model.decode(mu.unsqueeze(0))
left, right = st.columns([1, 4])
picture(x, "The digit", scale=3, container=left)
picture(at_mean, "Decoded at μ", scale=3, container=left)
right.image(
    make_grid(draws, ncol=8, scale=3),
    caption=f"Decoded from 8 draws z = μ + σ ⊙ ε (draw {st.session_state['vae_eps_seed']})",
)

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
order = sorted(range(model.latent_dim), key=lambda j: -kl_dims[j])
figure = go.Figure(
    go.Bar(
        x=[f"z{j + 1}" for j in order],
        y=[kl_dims[j] for j in order],
        marker_color=["#1f77b4" if j in active else "#c7c7c7" for j in order],
    )
)
figure.update_layout(
    height=300,
    yaxis_title="mean KL (nats)",
    margin={"l": 10, "r": 10, "t": 30, "b": 10},
    title=f"{len(active)} of {model.latent_dim} latents active (mean KL ≥ {ACTIVE_NATS} nats); "
    f"total {sum(kl_dims):.1f} nats per digit",
)
st.plotly_chart(figure, key="vae_kl")

st.header("Temperature: sampling z ~ N(0, T² I)")
temperatures = [0.5, 0.8, 1.0, 1.3]
rows = [model.sample(8, t, generator=torch.Generator().manual_seed(7)) for t in temperatures]
st.image(
    make_grid(torch.cat(rows), ncol=8, scale=2),
    caption="Rows: T = " + ", ".join(str(t) for t in temperatures) + " (the same ε in every row, scaled). "
    "Low T stays near the prior's centre: clean, typical digits; high T reaches the edges: odd ones.",
)
