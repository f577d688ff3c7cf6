"""UI pieces shared by the pages: the app's model loader, the shipped digits, the digit picker (test digit,
upload, drawing), model pickers and pictures. Every key comes from `_state`."""

from __future__ import annotations

import base64
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch
from PIL import Image
from streamlit.delta_generator import DeltaGenerator

from aemodels import CheckpointError, ImageInputError, load_digits, load_pretrained, open_image, prepare_digit
from aemodels.charts import TITLE_CHARACTERS, title_lines
from aemodels.images import error_map, error_scale, to_image
from aemodels.models import Autoencoder
from aemodels.preprocess import drawing_problem, upload_preview
from aemodels.zoo import Role, model_label, models_for
from app_pages import _state as state
from app_pages._state import SOURCES, Slot

UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp"]
HERE = Path(__file__).resolve().parent
GALLERY_CSS = """
.gallery { display: grid; grid-template-columns: repeat(4, 1fr); gap: 0.3rem; font-family: var(--st-font); }
.thumb { display: flex; flex-direction: column; align-items: center; gap: 0.1rem; padding: 0.15rem; cursor: pointer;
         background: none; border: 2px solid transparent; border-radius: var(--st-base-radius); color: inherit;
         min-height: 44px; }
.thumb:hover { border-color: var(--st-border-color); }
.thumb.selected { border-color: var(--st-primary-color); }
.thumb img { width: 100%; max-width: 56px; image-rendering: pixelated; border-radius: 3px; }
.thumb span { font-size: 0.75rem; opacity: 0.75; font-variant-numeric: tabular-nums; }
"""
_upload_guard = st.components.v2.component("aemodels_upload_guard", js=(HERE / "upload_guard.js").read_text())
UPLOAD_LIMIT_MB = 10  # as server.maxUploadSize in .streamlit/config.toml, and open_image's own check
_gallery = st.components.v2.component("aemodels_gallery", js=(HERE / "gallery.js").read_text(), css=GALLERY_CSS)
_preload = st.components.v2.component("aemodels_preload", js=(HERE / "preload.js").read_text())
LINK_CSS = """
.link { display: flex; gap: 0.3rem; font-family: var(--st-font); }
.link input { flex: 1; min-width: 0; min-height: 36px; padding: 0 0.5rem; font: inherit; font-size: 0.8rem;
              color: inherit; background: var(--st-secondary-background-color, #f0f2f6);
              border: 1px solid var(--st-border-color, #ccc); border-radius: var(--st-base-radius); }
.link button { min-height: 36px; padding: 0 0.7rem; font: inherit; font-size: 0.85rem; cursor: pointer; color: inherit;
               background: none; border: 1px solid var(--st-border-color, #ccc); border-radius: var(--st-base-radius); }
"""
_link = st.components.v2.component("aemodels_link", js=(HERE / "link.js").read_text(), css=LINK_CSS)
SCATTER_CSS = """
.aemodels-scatter { font-family: var(--st-font); color: var(--st-text-color); }
.title { font-weight: 600; font-size: 0.95rem; margin: 0 0 0.2rem 0.2rem; }
.stage { position: relative; width: 100%; }
canvas { display: block; cursor: grab; touch-action: pan-y pinch-zoom; }
.tip { position: absolute; pointer-events: none; background: rgba(255, 255, 255, 0.95); color: #262730;
       border: 1px solid #ccc; border-radius: 4px; padding: 2px 6px; font-size: 12px; white-space: nowrap; }
.tools { position: absolute; top: 2px; right: 14px; display: flex; gap: 3px; }
.tools button { width: 28px; height: 28px; padding: 0; border: 1px solid var(--st-border-color, #ccc);
                border-radius: 4px; background: transparent; color: inherit; cursor: pointer; font-size: 15px; }
.legend { display: flex; flex-wrap: wrap; align-items: center; gap: 0 0.3rem; font-size: 0.8rem; margin-left: 50px; }
.legend-title { opacity: 0.7; margin-right: 0.2rem; }
.entry { display: inline-flex; align-items: center; gap: 0.25rem; min-height: 28px; padding: 0 0.3rem;
         background: none; border: none; color: inherit; cursor: pointer; font: inherit; }
.entry[aria-pressed="false"] { opacity: 0.35; }
.dot { width: 10px; height: 10px; border-radius: 50%; display: inline-block; }
"""
_scatter = st.components.v2.component("aemodels_scatter", js=(HERE / "scatter.js").read_text(), css=SCATTER_CSS)


@st.cache_resource(show_spinner="Loading model…")
def zoo_model(name: str) -> Autoencoder:
    """A shipped model, read and verified once per process. Raises CheckpointError."""
    return load_pretrained(name)


# --- Models trained by a user on the "Train your own" page -------------------------------------------------------
YOURS = "yours-"  # the name of a session's trained model starts with this
USER_MODELS_KEPT = 32  # the registry keeps this many users' models (one per session, the newest)


@st.cache_resource(show_spinner=False)
def user_models() -> dict[str, tuple[Autoencoder, str]]:
    """Process-wide: name -> (model, label) of the models users trained and chose to use on the other pages."""
    return {}


def register_user_model(model: Autoencoder, description: str) -> str:
    """Make `model` this session's "your model" on every page that can use it; returns its name."""
    registry = user_models()
    registry.pop(st.session_state.get(state.USER_MODEL, ""), None)
    while len(registry) >= USER_MODELS_KEPT:
        registry.pop(next(iter(registry)))
    name = f"{YOURS}{uuid.uuid4().hex[:8]}"
    registry[name] = (model.eval(), description)
    st.session_state[state.USER_MODEL] = name
    return name


def user_roles(model: Autoencoder) -> set[Role]:
    roles: set[Role] = {"reconstruction", "sliders", "explorer", "manifold", "anomaly"}
    return roles | {"inside_vae"} if model.variational else roles


def cached_model(name: str) -> Autoencoder:
    """The app's one model loader: a shipped model (read once per process) or this session's trained one.
    Raises CheckpointError."""
    if name.startswith(YOURS):
        entry = user_models().get(name)
        if entry is None:
            raise CheckpointError(
                "your trained model is no longer on the server (a newer one replaced it, or the server restarted); "
                "train it again on the Train your own page"
            )
        return entry[0]
    return zoo_model(name)


def choices(role: Role) -> list[str]:
    """The shipped models that serve `role`, then this session's trained model where it can."""
    names = models_for(role)
    mine = st.session_state.get(state.USER_MODEL)
    entry = user_models().get(mine) if mine else None
    if mine and entry is not None and role in user_roles(entry[0]):
        names = [*names, mine]
    return names


def load_model(name: str, *, quiet: bool = False) -> Autoencoder | None:
    """The model, or None with a plain message on the page when its files are broken (none when `quiet`: for a
    second use on a page that has already said so)."""
    try:
        return cached_model(name)
    except CheckpointError as err:
        if not quiet:
            st.error(f"The model **{name}** cannot be used: {err}")
        return None


@st.cache_data(show_spinner=False)
def label(name: str) -> str:
    """ "name — what it is", from the model's JSON (its weights are not loaded to label a choice)."""
    if name.startswith(YOURS):
        entry = user_models().get(name)
        return f"your model — {entry[1]}" if entry else "your model (no longer on the server)"
    return model_label(name)


def read_only(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """Arrays for a process-wide cache (st.cache_resource: every session reads the same arrays, where
    st.cache_data copied megabytes out of its cache on every call), made read-only so that a write raises
    instead of changing them for every session. Tensors made from them must come from a copy."""
    for array in arrays:
        array.flags.writeable = False
    return arrays


@st.cache_resource(show_spinner=False)
def digits() -> tuple[np.ndarray, np.ndarray]:
    """The shipped sample: (2000, 28, 28) float32 in [0, 1] and labels, shared and read-only (`read_only`); the
    tensors below are copies."""
    x, y = load_digits()
    images, labels = read_only(x[:, 0].numpy().copy(), y.numpy().copy())
    return images, labels


def digit_tensor(index: int) -> torch.Tensor:
    return torch.from_numpy(digits()[0][index].copy()).view(1, 1, 28, 28)


def sample_tensor() -> torch.Tensor:
    return torch.from_numpy(digits()[0].copy()).unsqueeze(1)


def model_choice(label_text: str, role: Role, *, key: str) -> str | None:
    """A select box of the installed models that serve `role`; its value is remembered (key from _state).
    None, with a plain message, when no such model is installed."""
    available = choices(role)
    if not available:
        st.warning(f"No model for this page is installed in pretrained/ (the zoo's role “{role}”).")
        return None
    if st.session_state.get(key) not in available:
        st.session_state[key] = available[0]
    return st.selectbox(label_text, available, key=key, format_func=label)


# --- The digit -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Digit:
    x: torch.Tensor  # (1, 1, 28, 28) in [0, 1]
    caption: str  # "test digit #42 (a 7)", "your upload (photo.jpg)", "your drawing"
    source: str  # one of SOURCES
    index: int | None  # the test digit's index, None for an upload or drawing
    waiting: bool = False  # the source is an upload or drawing not given yet: a test digit stands in


def _stored(key: str) -> tuple[torch.Tensor, str] | None:
    value = st.session_state.get(key)
    if not value:
        return None
    values, caption = value
    return torch.tensor(values, dtype=torch.float32).view(1, 1, 28, 28), caption


def _store(key: str, digit: torch.Tensor, caption: str) -> None:
    st.session_state[key] = (digit.flatten().tolist(), caption)  # 784 floats: the prepared digit, never the file


def current_digit(slot: Slot = "main") -> Digit:
    """The digit of a slot as the user last chose it; never fails (with no upload or drawing given yet, the test
    digit stands in and `waiting` says so)."""
    keys = state.digit_keys(slot)
    source = st.session_state.get(keys.source) or SOURCES[0]
    index = int(st.session_state.get(keys.index, 0))
    if source != SOURCES[0]:
        given = _stored(keys.upload_digit if source == "Upload" else keys.drawing_digit)
        if given is not None:
            return Digit(given[0], given[1], source, None)
    label_of = int(digits()[1][index])
    caption = f"test digit #{index} (a {label_of})"
    if source != SOURCES[0]:
        return Digit(digit_tensor(index), f"{caption}, until yours is ready", source, index, waiting=True)
    return Digit(digit_tensor(index), caption, source, index)


def _random_of_class(slot: Slot) -> None:
    keys = state.digit_keys(slot)
    labels = digits()[1]
    current = int(st.session_state.get(keys.index, 0))
    candidates = np.flatnonzero(labels == int(st.session_state.get(keys.klass, 0)))
    candidates = candidates[candidates != current]
    rng = np.random.default_rng(current * 10 + int(st.session_state.get(keys.klass, 0)))
    st.session_state[keys.index] = int(rng.choice(candidates))


def test_digit_picker(slot: Slot) -> None:
    keys = state.digit_keys(slot)
    x = digits()[0]
    st.number_input(f"Index in the test sample (0–{len(x) - 1})", 0, len(x) - 1, key=keys.index)
    left, right = st.columns(2, vertical_alignment="bottom")
    left.selectbox("Class", list(range(10)), key=keys.klass, help="“Random one” picks a test digit of this class.")
    right.button("Random one", key=keys.another, on_click=_random_of_class, args=(slot,), width="stretch")
    index = int(st.session_state[keys.index])
    start = max(0, min(index - 3, len(x) - 8))  # the chosen digit and its neighbours
    gallery_key = f"{keys.index}_gallery"
    _gallery(
        key=gallery_key,
        data={"items": thumbnails(start), "selected": index},
        on_chosen_change=partial(_thumbnail_chosen, slot, gallery_key),
        height="content",
    )


@st.cache_data(show_spinner=False, max_entries=256)
def thumbnails(start: int, count: int = 8) -> list[dict[str, object]]:
    """Test digits start … start + count - 1 as small PNG data URLs with their labels, for the gallery."""
    x, y = digits()
    items: list[dict[str, object]] = []
    for i in range(start, min(start + count, len(x))):
        buffer = io.BytesIO()
        to_image(torch.from_numpy(x[i].copy()), scale=2).save(buffer, format="PNG")
        items.append(
            {
                "index": i,
                "label": int(y[i]),
                "src": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(),
            }
        )
    return items


def _trigger(key: str, name: str) -> Any:
    """The trigger value `name` a components.v2 component mounted under `key` sent with this run, or None."""
    result = st.session_state.get(key)
    value = getattr(result, name, None)
    if value is None and isinstance(result, dict):
        value = result.get(name)
    return value


def _thumbnail_chosen(slot: Slot, gallery_key: str) -> None:
    """A click on a thumbnail: that test digit becomes the slot's digit."""
    chosen = _trigger(gallery_key, "chosen")
    if chosen is not None and 0 <= int(chosen) < len(digits()[0]):
        st.session_state[state.digit_keys(slot).index] = int(chosen)


@st.cache_data(max_entries=16, show_spinner="Preparing your image…")
def _prepare_upload(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(thumbnail RGB uint8, prepared digit (28, 28) float32) of uploaded bytes; raises ImageInputError."""
    image = open_image(data)
    digit = prepare_digit(image)
    return np.asarray(upload_preview(image, size=280)), digit[0, 0].numpy()


def _upload_rejected(slot: Slot, guard_key: str) -> None:
    """The browser dropped a file over the limit before uploading it: say so in the page."""
    rejected = _trigger(guard_key, "rejected")
    if isinstance(rejected, dict):
        name, size = str(rejected.get("name", "the file"))[:80], float(rejected.get("size", 0))
        st.session_state[state.digit_keys(slot).upload_error] = (
            f"“{name}” is {size / 2**20:.1f} MB; the limit is {UPLOAD_LIMIT_MB} MB. Please choose a smaller image "
            "(a phone photo saved as JPEG, or a crop of the digit, is well under it)."
        )


def upload_picker(slot: Slot) -> None:
    keys = state.digit_keys(slot)
    guard_key = f"{keys.upload}_guard"
    _upload_guard(
        key=guard_key,
        data={"limit": UPLOAD_LIMIT_MB * 2**20, "scope": f".st-key-{keys.upload}"},
        on_rejected_change=partial(_upload_rejected, slot, guard_key),
        height=0,
    )
    upload = st.file_uploader(
        f"A photo or image of one handwritten digit (PNG, JPEG, GIF, BMP or WebP, up to {UPLOAD_LIMIT_MB} MB)",
        type=UPLOAD_TYPES,
        key=keys.upload,
    )
    shown = None
    if upload is not None and upload.file_id != st.session_state.get(f"{keys.upload}_seen"):
        st.session_state[f"{keys.upload}_seen"] = upload.file_id  # a new file: judge it once
        try:
            thumbnail, digit = _prepare_upload(upload.getvalue())
        except ImageInputError as err:
            st.session_state[keys.upload_error] = str(err)
        except Exception:  # a decoder fault on a hostile file must not take the page down
            st.session_state[keys.upload_error] = "This image could not be read. Please try another file."
        else:
            st.session_state.pop(keys.upload_error, None)
            _store(keys.upload_digit, torch.from_numpy(digit), f"your upload ({upload.name})")
            shown = thumbnail
    elif upload is not None and keys.upload_error not in st.session_state:
        shown = _prepare_upload(upload.getvalue())[0]  # the same file on a later run: cached
    if shown is not None:
        stored = _stored(keys.upload_digit)
        left, right = st.columns(2)
        left.image(shown, caption="Your upload", width="stretch")
        if stored is not None:
            pixels(to_image(stored[0], scale=1), caption="What the model receives", where=right)
    error = st.session_state.get(keys.upload_error)
    if error:
        st.error(error)
    stored = _stored(keys.upload_digit)
    if stored is None:
        st.info("Upload an image to see what the models make of it. Until then a test digit is used.")
    elif shown is None:
        if error:
            st.caption("The previous digit is still in use.")
        picture(stored[0], f"In use: {stored[1]}", scale=3)


STROKE = 18  # px on the 224 px canvas: about MNIST's stroke width after scaling to 28 px


def draw_picker(slot: Slot) -> None:
    keys = state.digit_keys(slot)
    try:
        from streamlit_drawable_canvas import st_canvas
    except Exception:  # the component registers itself only inside a running Streamlit server
        st.error("The drawing canvas is not available in this environment; pick a test digit or upload one.")
        return
    st.caption("Draw one digit with the mouse or a finger; it is prepared like an upload. The bin clears the canvas.")
    canvas_key = f"{keys.canvas}_{st.session_state.get(keys.canvas_round, 0)}"
    st.container(height=28, border=False)  # room for the canvas's tool bar, which floats above the canvas
    canvas = st_canvas(
        stroke_width=STROKE,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=224,
        width=224,
        drawing_mode="freedraw",
        key=canvas_key,
        update_streamlit=True,
        return_image_data=True,
    )
    strokes = len((canvas.json_data or {}).get("objects", [])) if canvas is not None else 0
    seen = f"{canvas_key}_strokes"
    if strokes == 0 and st.session_state.get(seen, 0) > 0:  # the user emptied the canvas with its bin
        st.session_state.pop(keys.drawing_digit, None)
    st.session_state[seen] = strokes
    if canvas is not None and canvas.image_data is not None and strokes > 0:
        rgba = np.asarray(canvas.image_data, dtype=np.uint8)
        problem = drawing_problem(rgba, stroke_width=STROKE)
        if problem is not None:
            st.warning(problem)
        else:
            try:
                _store(keys.drawing_digit, prepare_digit(Image.fromarray(rgba, "RGBA").convert("RGB")), "your drawing")
            except ImageInputError as err:
                st.error(str(err))
    stored = _stored(keys.drawing_digit)
    if stored is None:
        st.info("The canvas is empty: draw a digit. Until then a test digit is used.")
    else:
        picture(stored[0], "What the model receives", scale=3)


def digit_picker(slot: Slot = "main") -> Digit:
    """The digit source of a slot (test digit, upload or drawing) and the digit it gives."""
    keys = state.digit_keys(slot)
    source = st.segmented_control("Digit from", SOURCES, key=keys.source, width="stretch") or SOURCES[0]
    if source == "Upload":
        upload_picker(slot)
    elif source == "Draw":
        draw_picker(slot)
    else:
        test_digit_picker(slot)
    return current_digit(slot)


# --- Words -----------------------------------------------------------------------------------------------------------

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


@st.cache_resource(show_spinner=False)
def plotly_chunk() -> str:
    """The file name of Streamlit's Plotly chart module in its build (hashed per release), or "" if none is found."""
    found = sorted((Path(st.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js"))
    return found[0].name if found else ""


def preload_charts() -> None:
    """Let the browser load the chart module while it is idle on whatever page it is (app_pages/preload.js)."""
    _preload(key="aemodels_preload", data={"chunk": plotly_chunk()}, height=0)


def link_to_view() -> None:
    """The link to the view on the screen, with a button that copies it (app_pages/link.js): read from the address
    bar, which `state.sync_url` keeps up to date after full runs and fragment runs alike."""
    _link(key="aemodels_link", height="content")


def glossary() -> None:
    """The terms the pages use, in a popover: one element (every run sends the sidebar again, and a message per
    term was a fifth of a run's messages)."""
    with st.popover("Glossary", icon=":material/menu_book:", width="stretch"):
        st.markdown("\n\n".join(f"**{term}.** {meaning}" for term, meaning in GLOSSARY.items()))


# --- Pictures --------------------------------------------------------------------------------------------------------


def styled(figure: go.Figure) -> go.Figure:
    """The app's chart settings: the tool bar stands upright at the right edge (off the title, which it covered),
    a tap within 30 px of a point hits it (5 px dots are hard to tap on a phone), a legend not placed by its chart
    runs in a row above the plot (at the right, where Plotly puts it, it took half a phone's width), and a title
    too long for a phone's width is broken into lines (`title_lines`), with the room above the plot they need."""
    figure.update_layout(modebar={"orientation": "v"}, hoverdistance=30)
    if figure.layout.legend.orientation is None:
        figure.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0})
    title = figure.layout.title.text
    if title and "<br>" not in title and len(title) > TITLE_CHARACTERS:
        lines = title_lines(title)
        top = figure.layout.margin.t
        room = 24 + 44 * (len(lines) - 1)  # Plotly centres the first line in the top margin; the rest hang below it
        figure.update_layout(title={"text": "<br>".join(lines)}, margin={"t": max(top or 0, room)})
    return figure


def plot(where: Any, figure: go.Figure, *, shared: bool = False, **kwargs: Any) -> Any:
    """st.plotly_chart with the app's chart settings. shared: the figure comes from a process-wide cache (built
    once, styled by its builder) and is only read here, never changed, since other sessions read it too."""
    if not shared:
        styled(figure)
    return where.plotly_chart(figure, config={"displaylogo": False}, **kwargs)


def picture_row(name: str, spec: int | list[float]) -> list[DeltaGenerator]:
    """Columns for pictures that are compared side by side; on a phone they stay side by side (app.css), where
    Streamlit would stack columns."""
    return list(st.container(key=f"pictures-{name}").columns(spec))


def pixels(image: Image.Image, *, caption: str | None = None, zoom: int | None = None, where: Any = None) -> None:
    """A picture made of pixels (digits, weights, codes), sent at its own size as a PNG and enlarged by the browser
    without blurring (app.css): `zoom` times its size, or the width of its column where zoom is None. Streamlit
    would otherwise send the enlarged picture as a JPEG, several times the bytes (bench/image_bytes.py)."""
    width = "stretch" if zoom is None else image.width * zoom
    (where or st).image(image, caption=caption, width=width, output_format="PNG")


def picture(x: torch.Tensor, caption: str, *, scale: int = 5, container: DeltaGenerator | None = None) -> None:
    pixels(to_image(x, scale=1), caption=caption, zoom=scale, where=container)


@st.cache_resource(show_spinner=False, max_entries=8)
def scale_png(width: int) -> bytes:
    """The error maps' colour bar as PNG bytes, made once per width (it never changes)."""
    buffer = io.BytesIO()
    error_scale(width=width, height=8).save(buffer, format="PNG")
    return buffer.getvalue()


def error_picture(
    x: torch.Tensor, x_hat: torch.Tensor, caption: str, *, scale: int = 5, container: DeltaGenerator | None = None
) -> None:
    """The error map |x − x̂| with its colour bar under it, so a colour can be read as a number."""
    where = container or st
    pixels(error_map(x, x_hat, scale=1), caption=caption, zoom=scale, where=where)
    where.image(scale_png(28 * scale), width=28 * scale)
    where.caption("error 0 (black) · 0.5 (red) · 1 (yellow)")


@dataclass(frozen=True)
class Click:
    """What a click on a scatter chose: a test digit (its index) or a spot of the plane (its coordinates)."""

    index: int | None = None
    point: tuple[float, float] | None = None


def scatter_click(value: Any) -> Click | None:
    """The click app_pages/scatter.js sends: {"index": i} for a digit's dot, {"point": [x, y]} for a spot of a 2-d
    plane; None for anything else."""
    if not isinstance(value, dict):
        return None
    index, point = value.get("index"), value.get("point")
    if isinstance(index, int) and not isinstance(index, bool) and index >= 0:
        return Click(index=index)
    if isinstance(point, list) and len(point) == 2 and all(isinstance(v, int | float) for v in point):
        return Click(point=(float(point[0]), float(point[1])))
    return None


def digit_map(
    spec: dict[str, Any],
    *,
    key: str,
    marked: int | None = None,
    spot: tuple[float, float] | None = None,
    on_click: Callable[[Click], None] | None = None,
) -> None:
    """Digits' codes on a canvas of our own (app_pages/scatter.js; aemodels.charts.scatter_spec builds `spec`):
    `marked` is the digit's dot to mark, `spot` a spot of the plane; a click calls on_click before the page runs
    again."""
    _scatter(
        key=key,
        data={**spec, "marked": marked, "spot": list(spot) if spot else None},
        on_clicked_change=partial(_map_clicked, key, on_click) if on_click else None,
        height="content",
    )


def _map_clicked(key: str, on_click: Callable[[Click], None]) -> None:
    click = scatter_click(_trigger(key, "clicked"))
    if click is not None:
        on_click(click)


def next_seed(key: str, *, limit: int = 1_000_000) -> None:
    """A button's callback: the seed under `key` moves on by one (so the next draw differs), up to `limit`."""
    st.session_state[key] = min(limit, int(st.session_state.get(key, 0)) + 1)
