"""Latent sliders and interpolation: move the app's digit's code coordinate by coordinate, and walk between two
digits in latent space."""

from functools import partial

import streamlit as st
import torch

from aemodels import lerp, slerp
from aemodels.attributes import PROPERTIES, measure
from aemodels.geometry import LatentProfile
from aemodels.images import make_grid
from aemodels.models import Autoencoder
from aemodels.zoo import models_for
from aemodels_app import state
from aemodels_app.caches import attribute_directions, codes, latent_map, profile
from aemodels_app.page import (
    Choice,
    Field,
    Slider,
    WarmUpTask,
    code,
    first_model,
    fixed,
    model_of,
    page,
    setting,
)
from aemodels_app.ui.digits import current_digit, digit_picker
from aemodels_app.ui.figures import Click, digit_map, picture, pixels
from aemodels_app.ui.live import decoder_url, live_sliders
from aemodels_app.ui.models import cached_model, digit_for, knows_note, load_model, model_choice
from aemodels_app.ui.widgets import draw

MODEL = "latent_model"
LIVE = "latent_live"
RESET = "latent_reset"
PATH = "latent_path"
STEPS = "latent_steps"
IDENTITY = "latent_identity"  # (model, digit) the sliders were last reset for
LIVE_VERSION = "latent_live_version"  # bumped when the code is set from Python: the browser takes it over
MAP = "latent_map"  # the 2-d map: a click on it sets the code
URL_CODE = "latent_url_code"  # a code from the URL, waiting for this page to use it
ATTRIBUTE_APPLY = "attribute_apply"
PATHS = ("linear", "spherical")
PATH_FIELD = setting(PATH, "path", "linear", Choice("Path", PATHS))
STEPS_FIELD = setting(STEPS, "steps", 9, Slider("Steps", 3, 15))


def code_key(model: str) -> str:
    """The current latent code of a model: the one truth both kinds of sliders use."""
    return f"latent_code_{model}"


def slider_key(model: str, dim: int) -> str:
    return f"latent_{model}_{dim}"


def attribute_key(prop: str) -> str:
    """An attribute slider: the asked change of slant, thickness or width."""
    return f"attribute_{prop}"


def link_code() -> list[float] | None:
    """The code the link carries: the current model's."""
    model = st.session_state.get(MODEL)
    return st.session_state.get(code_key(model)) if model else None


def take_link_code(values: list[float]) -> None:
    st.session_state[URL_CODE] = values  # checked against the model's size when the page runs (start_code)


def warm_up() -> list[WarmUpTask]:
    return [(f"the slider layout of {name}", partial(profile, name)) for name in models_for("sliders")]


PAGE = page(
    __name__,
    __file__,
    repeat="slider",
    title="Latent sliders",
    icon=":material/tune:",
    section="Play",
    order=3,
    answers="keep",
    fields=(
        Field(MODEL, "model", first_model("sliders", "vae16"), model_of("sliders")),
        *state.SLOT_FIELDS["second"],
        PATH_FIELD,
        STEPS_FIELD,
        Field(
            URL_CODE,
            "z",
            fixed(None),
            code,
            lambda z: ",".join(f"{v:.2f}" for v in z),
            store=take_link_code,
            shown=link_code,
        ),
    ),
    session={LIVE: True},
    warm_up=warm_up,
)


SHOWN = 8
# Attribute sliders: the largest change asked for, and the slider step, per property.
ATTRIBUTE_RANGE = {"slant": (30.0, 1.0), "thickness": (1.5, 0.05), "width": (6.0, 0.2)}


def take_map_click(name: str, click: Click) -> None:
    """A click on the 2-d map sets the code (before the sliders run again): a digit's dot gives its code, any other
    spot that spot."""
    if click.point is not None:
        set_code(name, list(click.point))
    elif click.index is not None:
        set_code(name, codes(name)[click.index].tolist())


def map_chart(name: str, z: list[float]) -> None:
    """The map, with the current code marked (a cross)."""
    digit_map(latent_map(name), key=MAP, spot=(z[0], z[1]), on_click=partial(take_map_click, name))


def code_of(name: str) -> list[float]:
    """The current latent code of a model, as a copy."""
    return list(st.session_state[code_key(name)])


def set_code(name: str, z: list[float]) -> None:
    """Make z the current code of the model (clipped to the sliders' range); the browser's sliders follow."""
    st.session_state[code_key(name)] = profile(name).clip(z)
    st.session_state[LIVE_VERSION] = st.session_state.get(LIVE_VERSION, 0) + 1


def _slider_moved(name: str, dim: int) -> None:
    st.session_state[code_key(name)][dim] = st.session_state[slider_key(name, dim)]


def help_text(model: Autoencoder, prof: LatentProfile, dim: int) -> str:
    info = prof.informativeness[dim]
    return f"{info:.2f} nats on average" if model.variational else f"code variance {info:.3g}"


def server_sliders(name: str, model: Autoencoder, prof: LatentProfile) -> None:
    """st.slider per dimension: the picture follows when a slider is released."""
    code = st.session_state[code_key(name)]

    def slider(dim: int) -> None:
        key = slider_key(name, dim)
        if st.session_state.get(key) != code[dim]:  # the code moved elsewhere (reset, live mode, a link)
            st.session_state[key] = code[dim]
        st.slider(
            f"z{dim + 1}",
            float(prof.low[dim]),
            float(prof.high[dim]),
            # The value is the session state's (set above); given here too, because a slider without one makes
            # Streamlit copy the whole session state to learn it is a single slider: 16 sliders, 16 copies a run.
            value=float(code[dim]),
            step=(prof.high[dim] - prof.low[dim]) / 200,
            key=key,
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
    model, prof = cached_model(name), profile(name)
    top = st.columns([1, 1, 2])
    top[0].button("Reset to the digit", on_click=set_code, args=(name, z0), key=RESET)
    live = top[1].toggle(
        "Live dragging",
        key=LIVE,
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
            version=st.session_state.get(LIVE_VERSION, 0),
            caption=f"Decoded in your browser ({prof.unit})",
            key=f"latent_live_{name}",
        )
        if released is not None and released != z:  # the code the user released in the browser
            st.session_state[code_key(name)] = released
            z = released
        if model.latent_dim == 2:
            map_chart(name, z)
    else:
        left, right = st.columns([2, 3])
        with right:
            server_sliders(name, model, prof)
        z = list(st.session_state[code_key(name)])
        with torch.inference_mode():
            image = model.decode(torch.tensor([z], dtype=torch.float32))
        with left:
            picture(image, f"Decoded from the sliders ({prof.unit})", scale=8)
            if model.latent_dim == 2:
                map_chart(name, z)
    attribute_sliders(name, model, z)
    state.sync_fragment_url("latent")


def _apply_attributes(name: str, code: list[float]) -> None:
    set_code(name, code)
    for prop in PROPERTIES:
        st.session_state[attribute_key(prop)] = 0.0


def attribute_sliders(name: str, model: Autoencoder, z: list[float]) -> None:
    """Move the current code along the directions that predict slant, thickness and width; measure the result."""
    directions = attribute_directions(name)
    st.subheader("Attribute sliders")
    if isinstance(directions, str):
        st.info(directions)
        return
    st.markdown(
        "Directions in the code for properties measured on the picture: a regression of each property on the codes "
        "of the 60,000 training digits. A slider asks for a change; the code moves along that direction, is "
        "decoded, and the property is **measured** again on the new picture. R² says how much of the property "
        "the code predicts: where it is low, the asked change and the measured one part ways."
    )
    columns = st.columns(3)
    moved = torch.tensor(z, dtype=torch.float32)
    asked = {}
    for column, (prop, unit) in zip(columns, PROPERTIES.items(), strict=True):
        limit, step = ATTRIBUTE_RANGE[prop]
        key = attribute_key(prop)
        value = float(st.session_state.get(key, 0.0))
        asked[prop] = column.slider(
            f"Change of {prop} ({unit})", -limit, limit, value=value, step=step, key=key, format="%+.2f"
        )
        moved = directions[prop].move(moved, asked[prop])
    with torch.inference_mode():
        pair = model.decode(torch.stack([torch.tensor(z, dtype=torch.float32), moved]))
    values = measure(pair)
    left, right, table = st.columns([1, 1, 3])
    picture(pair[0:1], "The current code", scale=4, container=left)
    picture(pair[1:2], "Moved along the directions", scale=4, container=right)
    table.dataframe(
        [
            {
                "property": f"{prop} ({unit})",
                "asked": round(asked[prop], 2),
                "measured change": round(float(values[prop][1] - values[prop][0]), 2),
                "now": round(float(values[prop][1]), 2),
                "R² over the training codes": round(directions[prop].r2, 2),
            }
            for prop, unit in PROPERTIES.items()
        ],
        hide_index=True,
    )
    table.button(
        "Make this the current code",
        key=ATTRIBUTE_APPLY,
        on_click=_apply_attributes,
        args=(name, moved.tolist()),
        disabled=not any(asked.values()),
    )


def start_code(name: str, model: Autoencoder, z0: list[float], digit_caption: str) -> None:
    """A new digit or model starts the sliders at its code; a link's code, once, where it fits the model."""
    identity = (name, digit_caption, tuple(round(v, 5) for v in z0))
    pending = st.session_state.pop(URL_CODE, None)
    if pending is not None:
        if len(pending) == model.latent_dim:
            st.session_state[IDENTITY] = identity
            set_code(name, pending)
            clipped = code_of(name)
            moved = [d for d, (asked, held) in enumerate(zip(pending, clipped, strict=True)) if asked != held]
            if moved:  # held inside the sliders' range (LatentProfile.clip): say so, as for other link values
                shown = ", ".join(f"z{d + 1} {pending[d]:g} → {clipped[d]:.2f}" for d in moved[:4])
                state.add_note(
                    "latent",
                    f"z: {len(moved)} of the link's {len(pending)} numbers lie outside the sliders' range and were "
                    f"moved to its end ({shown}{', …' if len(moved) > 4 else ''})",
                )
            return
        state.add_note(
            "latent", f"z: the link's code has {len(pending)} numbers, {name} has {model.latent_dim}; ignored"
        )
    if st.session_state.get(IDENTITY) != identity:
        st.session_state[IDENTITY] = identity
        set_code(name, z0)


def interpolation(name: str, model: Autoencoder) -> None:
    st.header("Interpolation")
    st.markdown(
        "Decode the codes on a path from your digit to a second one. Spherical interpolation keeps the path at "
        "the radius where a Gaussian prior puts its mass; a straight line cuts through the low-norm middle."
    )
    left, right = st.columns([1, 2])
    with left, st.expander("The second digit", expanded=True):
        end = digit_picker("second")
    with right:
        c1, c2 = st.columns(2)
        method = draw(PATH_FIELD, c1)
        steps = draw(STEPS_FIELD, c2)
        start, end = digit_for(name, current_digit()), digit_for(name, end)
        with torch.inference_mode():
            za, zb = model.encode(start.x)[0], model.encode(end.x)[0]
            path = (lerp if method == "linear" else slerp)(za, zb, steps)
            frames = model.decode(path)
        pixels(
            make_grid(frames, ncol=steps, scale=1),
            zoom=3,
            caption=f"{method} path from {start.caption} to {end.caption} in {name}'s latent space",
        )


def render() -> None:
    st.title("Latent sliders and interpolation")
    st.markdown(
        "Each slider is one coordinate of the chart. Moving it walks along the manifold: the digit changes "
        "smoothly and stays a digit (a tangent direction). The VAE's sliders are in prior standard deviations; "
        "the AE has no prior, so its sliders span the range its codes take on test digits. Dimensions are "
        "ordered by how much they carry; a VAE leaves some unused (they carry ~0 nats and do nothing)."
    )
    with st.sidebar:
        name = model_choice("Model", "sliders", key=MODEL)
    model = load_model(name) if name else None
    if name is None or model is None:
        return
    digit = digit_for(name, current_digit())  # a model of other data than MNIST starts from an item of its own
    with torch.inference_mode():
        z0 = model.encode(digit.x)[0].tolist()
    start_code(name, model, z0, digit.caption)
    st.caption(f"Starting point: {digit.caption}")
    note = knows_note(name)
    if note:
        st.caption(note)
    sliders(name, z0)
    interpolation(name, model)


if __name__ == "__main__":
    render()
