import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from aemodels import lerp, slerp
from aemodels.geometry import latent_profile
from aemodels.images import make_grid
from app_pages._live import decoder_url, live_sliders
from app_pages._widgets import (
    _load,
    digit_source,
    digit_tensor,
    digits,
    get_model,
    model_choice,
    picture,
    sample_tensor,
)

st.title("Latent sliders and interpolation")
st.markdown(
    "Each slider is one coordinate of the chart. Moving it walks along the manifold: the digit changes "
    "smoothly and stays a digit (a tangent direction). The VAE's sliders are in prior standard deviations; "
    "the AE has no prior, so its sliders span the range its codes take on test digits. Dimensions are "
    "ordered by how much they carry; a VAE leaves some unused (they carry ~0 nats and do nothing)."
)

SLIDER_MODELS = ["vae16", "ae16", "vae2", "ae2"]
SHOWN = 8


@st.cache_data(show_spinner=False)
def profile(name: str):
    return latent_profile(_load(name), sample_tensor())


@st.cache_data(show_spinner=False)
def sample_codes(name: str) -> np.ndarray:
    with torch.inference_mode():
        return _load(name).encode(sample_tensor()).numpy()


def latent_map(name: str, point: list[float]) -> go.Figure:
    codes, labels = sample_codes(name), digits()[1]
    figure = go.Figure()
    for digit in range(10):
        mask = labels == digit
        figure.add_scatter(
            x=codes[mask, 0], y=codes[mask, 1], mode="markers", name=str(digit), marker={"size": 4, "opacity": 0.6}
        )
    figure.add_scatter(
        x=[point[0]], y=[point[1]], mode="markers", name="current", marker={"size": 16, "color": "black", "symbol": "x"}
    )
    figure.update_layout(
        height=380,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title="z1",
        yaxis_title="z2",
        title=f"Codes of the 2,000 sample digits under {name}",
    )
    return figure


def slider_key(name: str, dim: int) -> str:
    return f"latent_{name}_{dim}"


def code_key(name: str) -> str:
    return f"latent_code_{name}"  # the current code: the one truth both kinds of sliders read and write


def set_sliders(name: str, z0: list[float], prof) -> None:
    st.session_state[code_key(name)] = [float(np.clip(v, prof.low[d], prof.high[d])) for d, v in enumerate(z0)]
    st.session_state["latent_live_version"] = st.session_state.get("latent_live_version", 0) + 1


def _slider_moved(name: str, dim: int) -> None:
    st.session_state[code_key(name)][dim] = st.session_state[slider_key(name, dim)]


def help_text(model, prof, dim: int) -> str:
    info = prof.informativeness[dim]
    return f"{info:.2f} nats on average" if model.variational else f"code variance {info:.3g}"


def server_sliders(name: str, model, prof) -> None:
    """st.slider per dimension: the picture follows when a slider is released."""
    code = st.session_state[code_key(name)]

    def slider(dim: int) -> None:
        if st.session_state.get(slider_key(name, dim)) != code[dim]:  # the code moved elsewhere (reset, live mode)
            st.session_state[slider_key(name, dim)] = code[dim]
        st.slider(
            f"z{dim + 1}",
            float(prof.low[dim]),
            float(prof.high[dim]),
            step=(prof.high[dim] - prof.low[dim]) / 200,
            key=slider_key(name, dim),
            help=help_text(model, prof, dim),
            format="%.2f",
            on_change=_slider_moved,
            args=(name, dim),
        )

    for dim in prof.order[:SHOWN]:
        slider(dim)
    if len(prof.order) > SHOWN:
        with st.expander(f"The other {len(prof.order) - SHOWN} dimensions (less informative)"):
            for dim in prof.order[SHOWN:]:
                slider(dim)


@st.fragment
def sliders(name: str, z0: list[float]) -> None:
    """Moving a slider reruns only this fragment. Live mode decodes in the browser on every movement and
    reports the code here on release; server mode decodes here when a slider is released."""
    model, prof = get_model(name), profile(name)
    top = st.columns([1, 1, 2])
    top[0].button("Reset to the digit", on_click=set_sliders, args=(name, z0, prof), key="latent_reset")
    live = top[1].toggle(
        "Live dragging",
        value=True,
        key="latent_live",
        help="Decode in your browser while you drag (the model's decoder runs there). "
        "Off: the server decodes when you release a slider.",
    )
    z = list(st.session_state[code_key(name)])
    if live and decoder_url(name) is None:
        st.caption("Live dragging is not available for this model here; the server decodes on release.")
        live = False
    if live:
        released = live_sliders(
            name,
            z=z,
            low=prof.low,
            high=prof.high,
            order=prof.order,
            shown=SHOWN,
            help_texts=[help_text(model, prof, dim) for dim in range(model.latent_dim)],
            version=st.session_state.get("latent_live_version", 0),
            caption=f"Decoded in your browser ({prof.unit})",
            key=f"latent_live_{name}",
        )
        if released is not None and released != z:  # the code the user released in the browser
            st.session_state[code_key(name)] = released
            z = released
        if model.latent_dim == 2:
            st.plotly_chart(latent_map(name, z), key="latent_map")
        return
    left, right = st.columns([2, 3])
    with right:
        server_sliders(name, model, prof)
    z = list(st.session_state[code_key(name)])
    with torch.inference_mode():
        image = model.decode(torch.tensor([z], dtype=torch.float32))
    with left:
        picture(image, f"Decoded from the sliders ({prof.unit})", scale=8)
        if model.latent_dim == 2:
            st.plotly_chart(latent_map(name, z), key="latent_map")


with st.sidebar:
    st.header("Digit")
    x, caption = digit_source("latent")
    name = model_choice("Model", SLIDER_MODELS, key="latent_model", default="vae16")

model = get_model(name)
if model is not None:
    with torch.inference_mode():
        z0 = model.encode(x)[0].tolist()
    identity = (name, caption, tuple(round(v, 5) for v in z0))
    if st.session_state.get("latent_identity") != identity:  # a new digit or model: start from its code
        st.session_state["latent_identity"] = identity
        set_sliders(name, z0, profile(name))
    st.caption(f"Starting point: {caption}")
    sliders(name, z0)

    st.header("Interpolation")
    st.markdown(
        "Decode the codes on a path between two digits. Spherical interpolation keeps the path at the "
        "radius where a Gaussian prior puts its mass; a straight line cuts through the low-norm middle."
    )
    c1, c2, c3, c4 = st.columns(4)
    a = c1.number_input("From test digit", 0, 1999, 0, key="latent_from")
    b = c2.number_input("To test digit", 0, 1999, 1, key="latent_to")
    method = c3.radio("Path", ["linear", "spherical"], key="latent_path", horizontal=True)
    steps = c4.slider("Steps", 3, 15, 9, key="latent_steps")
    with torch.inference_mode():
        za, zb = model.encode(digit_tensor(int(a)))[0], model.encode(digit_tensor(int(b)))[0]
        path = (lerp if method == "linear" else slerp)(za, zb, steps)
        frames = model.decode(path)
    st.image(
        make_grid(frames, ncol=steps, scale=3), caption=f"{method} path from #{a} to #{b} in {name}'s latent space"
    )
