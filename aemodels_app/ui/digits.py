"""The app's digit: the shipped test sample and the digit picker of a slot (test digit, upload, drawing)."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from functools import partial

import numpy as np
import streamlit as st
import torch
from PIL import Image

from aemodels import ImageInputError, load_digits, open_image, prepare_digit
from aemodels.images import to_image
from aemodels.preprocess import drawing_problem, upload_preview
from aemodels.text import shortened, size_and_limit
from aemodels_app import state
from aemodels_app.state import SOURCES, Slot
from aemodels_app.text import inert
from aemodels_app.ui import components
from aemodels_app.ui.figures import picture, pixels
from aemodels_app.ui.widgets import draw

UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp"]
UPLOAD_LIMIT_MB = 10  # as server.maxUploadSize in serving.CONFIG, and open_image's own check


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


@dataclass(frozen=True)
class Digit:
    x: torch.Tensor  # (1, 1, 28, 28) in [0, 1]
    caption: str  # Markdown: "test digit #42 (a 7)", "your upload (photo.jpg)" (the name inert), "your drawing"
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
    _, index_field, class_field = state.SLOT_FIELDS[slot]
    draw(index_field)
    left, right = st.columns(2, vertical_alignment="bottom")
    draw(class_field, left)
    right.button("Random one", key=keys.another, on_click=_random_of_class, args=(slot,), width="stretch")
    index = int(st.session_state[keys.index])
    start = max(0, min(index - 3, len(x) - 8))  # the chosen digit and its neighbours
    gallery_key = f"{keys.index}_gallery"
    components.gallery(
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


def _thumbnail_chosen(slot: Slot, gallery_key: str) -> None:
    """A click on a thumbnail: that test digit becomes the slot's digit."""
    chosen = components.trigger(gallery_key, "chosen")
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
    rejected = components.trigger(guard_key, "rejected")
    if isinstance(rejected, dict):
        name, size = str(rejected.get("name", "the file"))[:80], float(rejected.get("size", 0))
        shown, limit = size_and_limit(size, UPLOAD_LIMIT_MB * 2**20)
        st.session_state[state.digit_keys(slot).upload_error] = (
            f"“{name}” is {shown}; the limit is {limit}. Please choose a smaller image "
            "(a phone photo saved as JPEG, or a crop of the digit, is well under it)."
        )


def upload_picker(slot: Slot) -> None:
    keys = state.digit_keys(slot)
    guard_key = f"{keys.upload}_guard"
    components.upload_guard(
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
            _store(keys.upload_digit, torch.from_numpy(digit), f"your upload ({inert(shortened(upload.name))})")
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
        st.error(inert(error))  # plain words that may quote the file's name (or what its bytes claim to be)
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
    source = st.segmented_control("Digit from", SOURCES, key=keys.source, width="stretch", required=True) or SOURCES[0]
    if source == "Upload":
        upload_picker(slot)
    elif source == "Draw":
        draw_picker(slot)
    else:
        test_digit_picker(slot)
    return current_digit(slot)
