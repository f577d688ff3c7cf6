"""UI pieces shared by the pages: cached models and digits, the digit source, model pickers, pictures."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch
from PIL import Image

from aemodels import (
    CheckpointError,
    ImageInputError,
    list_pretrained,
    load_digits,
    load_pretrained,
    open_image,
    prepare_digit,
)
from aemodels.images import to_image

UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp"]
SOURCES = ["Test digit", "Upload", "Draw"]


@st.cache_resource(show_spinner="Loading model…")
def _load(name: str):
    return load_pretrained(name)


def get_model(name: str):
    """The model, loaded once per process; None (with a plain message on the page) if its files are broken."""
    try:
        return _load(name)
    except CheckpointError as err:
        st.error(f"The model **{name}** cannot be used: {err}")
        return None


@st.cache_data(show_spinner=False)
def digits() -> tuple[np.ndarray, np.ndarray]:
    """The shipped sample: (2000, 28, 28) float32 in [0, 1] and labels."""
    x, y = load_digits()
    return x[:, 0].numpy(), y.numpy()


def digit_tensor(index: int) -> torch.Tensor:
    return torch.from_numpy(digits()[0][index]).view(1, 1, 28, 28)


def sample_tensor() -> torch.Tensor:
    return torch.from_numpy(digits()[0]).unsqueeze(1)


def model_choice(label: str, names: list[str], *, key: str, default: str | None = None) -> str:
    available = [n for n in names if n in list_pretrained()]
    if not available:
        st.warning(f"None of the models this page needs ({', '.join(names)}) is installed in pretrained/.")
        st.stop()
    index = available.index(default) if default in available else 0
    return st.selectbox(label, available, index=index, key=key, format_func=describe)


def describe(name: str) -> str:
    try:
        return f"{name} — {_load(name).info.get('description', '').split(':')[0]}"
    except CheckpointError:
        return f"{name} (unavailable)"


def test_digit_picker(key: str, *, default_index: int = 0) -> tuple[torch.Tensor, str]:
    x, y = digits()
    mode = st.radio("Pick", ["By index", "Random of a class"], key=f"{key}_mode", horizontal=True)
    if mode == "By index":
        index = st.number_input("Index in the test sample (0–1999)", 0, len(x) - 1, default_index, key=f"{key}_index")
    else:
        label = st.selectbox("Class", list(range(10)), key=f"{key}_class")
        if st.button("Another one", key=f"{key}_another"):
            st.session_state[f"{key}_draw"] = st.session_state.get(f"{key}_draw", 0) + 1
        candidates = np.flatnonzero(y == label)
        rng = np.random.default_rng(st.session_state.get(f"{key}_draw", 0))
        index = int(rng.choice(candidates))
    index = int(index)
    gallery = [int(i) for i in range(index, min(index + 8, len(x)))]
    st.image(
        [to_image(torch.from_numpy(x[i]), scale=2) for i in gallery],
        caption=[f"#{i}: {y[i]}" for i in gallery],
        width=56,
    )
    return digit_tensor(index), f"test digit #{index} (a {y[index]})"


def _remember(key: str, digit: torch.Tensor, caption: str) -> None:
    st.session_state[f"{key}_prepared"] = digit.flatten().tolist()  # 784 floats: a small array, not an image
    st.session_state[f"{key}_prepared_caption"] = caption


def _recall(key: str) -> tuple[torch.Tensor, str] | None:
    if f"{key}_prepared" not in st.session_state:
        return None
    return torch.tensor(st.session_state[f"{key}_prepared"]).view(1, 1, 28, 28), st.session_state[
        f"{key}_prepared_caption"
    ]


@st.cache_data(max_entries=16, show_spinner="Preparing your image…")
def _prepare_upload(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(thumbnail RGB uint8, prepared digit (28, 28) float32) of uploaded bytes; raises ImageInputError."""
    image = open_image(data)
    digit = prepare_digit(image)
    thumbnail = image.convert("RGB")
    thumbnail.thumbnail((280, 280))
    return np.asarray(thumbnail), digit[0, 0].numpy()


def upload_picker(key: str) -> tuple[torch.Tensor, str] | None:
    upload = st.file_uploader(
        "A photo or image of one handwritten digit (PNG, JPEG, GIF, BMP or WebP, up to 10 MB)",
        type=UPLOAD_TYPES,
        key=f"{key}_upload",
    )
    if upload is None:
        st.info("Upload an image to see what the models make of it.")
        return _recall(key)
    try:
        thumbnail, digit = _prepare_upload(upload.getvalue())
    except ImageInputError as err:
        st.error(str(err))
        previous = _recall(key)
        if previous is not None:
            st.caption("The previous digit is still in use.")
        return previous
    except Exception:  # a decoder fault on a hostile file must not take the page down
        st.error("This image could not be read. Please try another file.")
        return _recall(key)
    prepared = torch.from_numpy(digit).view(1, 1, 28, 28)
    _remember(key, prepared, f"your upload ({upload.name})")
    left, right = st.columns(2)
    left.image(thumbnail, caption="Your upload", width=140)
    right.image(to_image(prepared, scale=5), caption="What the model receives (28×28)", width=140)
    return prepared, f"your upload ({upload.name})"


def draw_picker(key: str) -> tuple[torch.Tensor, str] | None:
    try:
        from streamlit_drawable_canvas import st_canvas
    except Exception:  # the component registers itself only inside a running Streamlit server
        st.error("The drawing canvas is not available in this environment; pick a test digit or upload one.")
        return _recall(key)

    st.caption("Draw one digit with the mouse or a finger; it is prepared like an upload.")
    canvas = st_canvas(
        stroke_width=18,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=224,
        width=224,
        drawing_mode="freedraw",
        key=f"{key}_canvas",
        update_streamlit=True,
        return_image_data=True,
    )
    if canvas is not None and canvas.image_data is not None:
        rgba = np.asarray(canvas.image_data, dtype=np.uint8)
        if rgba[..., :3].max() > 0:
            try:
                digit = prepare_digit(Image.fromarray(rgba, "RGBA").convert("RGB"))
                _remember(key, digit, "your drawing")
            except ImageInputError as err:
                st.error(str(err))
    remembered = _recall(key)
    if remembered is None:
        st.info("The canvas is empty: draw a digit to begin.")
        return None
    st.image(to_image(remembered[0], scale=5), caption="What the model receives (28×28)", width=140)
    return remembered


def digit_source(key: str, *, default_index: int = 0) -> tuple[torch.Tensor, str]:
    """The digit every page works on, from the test sample, an upload or a drawing. Never fails: with no
    usable upload or drawing yet, the page carries on with a test digit."""
    source = st.segmented_control("Digit from", SOURCES, default=SOURCES[0], key=f"{key}_source") or SOURCES[0]
    if source == "Upload":
        chosen = upload_picker(f"{key}_up")
    elif source == "Draw":
        chosen = draw_picker(f"{key}_draw")
    else:
        chosen = test_digit_picker(key, default_index=default_index)
    if chosen is None:
        return digit_tensor(default_index), f"test digit #{default_index} (until yours is ready)"
    return chosen


def picture(x: torch.Tensor, caption: str, *, scale: int = 5, container=st) -> None:
    container.image(to_image(x, scale=scale), caption=caption, width=28 * scale)


def clicked_index(event) -> int | None:
    """The index a clicked plotly point carries as customdata, from st.plotly_chart's selection event."""
    try:
        chosen = event["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for point in chosen:
        data = point.get("customdata")
        if isinstance(data, list):
            data = data[0] if data else None
        if data is not None:
            return int(data)
    return None
