"""Your own data and your own model, on the Train page: what to train on (MNIST, Fashion-MNIST or your own pictures,
prepared and shown before training) and a checkpoint to bring (aemodels.pictures and aemodels.checkpoints do the
work; this draws it). A user's pictures live in this session's state as prepared 28x28 arrays, never the files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st
import torch

from aemodels import DataError
from aemodels.checkpoints import DEFAULT_LIMITS as CHECKPOINT_LIMITS
from aemodels.checkpoints import MNIST_DATA, CheckpointError, ModelData, read_checkpoint
from aemodels.data import FASHION_CLASSES, FASHION_INSTALL, load_fashion_mnist
from aemodels.images import make_grid
from aemodels.pictures import DEFAULT_LIMITS as PICTURE_LIMITS
from aemodels.pictures import PREPARATIONS, PreparedSet, load_image_files
from aemodels.playground import TrainData
from aemodels.text import plain, plural
from aemodels_app.caches import UPLOADS, fashion
from aemodels_app.jobs import Busy
from aemodels_app.text import inert
from aemodels_app.ui.digits import UPLOAD_TYPES
from aemodels_app.ui.figures import pixels
from aemodels_app.ui.models import register_user_model

DATASET = "train_dataset"  # radio: which data to train on
PICTURES = "train_pictures"  # file uploader: a zip or image files
RECIPE = "train_recipe"  # radio: how each picture is prepared
INVERT = "train_invert"  # toggle: swap light and dark after preparing
PREPARED = "train_prepared"  # (what it was made from, the PreparedSet or why there is none, its TrainingSet)
CHECKPOINT = "train_checkpoint"  # file uploader: a model
CHECKPOINT_SEEN = "train_checkpoint_seen"  # the files last read, so that a rerun does not read them again
CHECKPOINT_NOTE = "train_checkpoint_note"  # ("success" | "error", what to say)
AGAIN = "train_upload_again"  # buttons (one per uploader, + "_pictures"/"_model"): read it again after a busy server

DATASETS = {"mnist": "MNIST digits", "fashion": "Fashion-MNIST", "pictures": "Your pictures"}
NOUNS = {"mnist": "digits", "fashion": "items", "pictures": "pictures"}
RECIPE_LABELS = {"digit": "Digit recipe (ink on paper)", "grey": "Plain grey resize"}
SHOWN = 64  # prepared pictures in the grid before training (four rows)
KEPT = (
    "Nothing is written to disk: a zip is read in memory and never unpacked, and the prepared pictures stay in "
    "this session only (a training of them is dropped at most three minutes after its page is closed; a model you "
    "use on the other pages leaves the server with your session)."
)


@dataclass(frozen=True)
class TrainingSet:
    """What the Train page trains on: the data, what a model trained on it knows, the page's word for its items and
    how many classes its labels have (the linear probe needs two or more)."""

    data: TrainData
    known: ModelData
    noun: str
    classes: int


def noun(data: ModelData) -> str:
    return NOUNS[data.dataset]


@st.cache_resource(show_spinner="Loading Fashion-MNIST…")
def fashion_set() -> TrainingSet | str:
    """Fashion-MNIST's 60,000 training items and the first 1,000 test items held out (shared), or why it is absent."""
    try:
        x, y = load_fashion_mnist("train")
        x_test, y_test = load_fashion_mnist("test", limit=1000)
    except DataError as err:
        return str(err)
    known = ModelData("fashion", "Fashion-MNIST", FASHION_CLASSES, x_test, y_test)
    data = TrainData(x, y, x_test, y_test, "Fashion-MNIST (60,000 training items)")
    return TrainingSet(data, known, "items", 10)


def training_set(mnist: Callable[[], TrainData]) -> TrainingSet | None:
    """The data chooser: the set to train on, or None (with what to do on the page) when the chosen one is not
    available yet."""
    st.subheader("Data")
    choice = (
        st.segmented_control("Train on", list(DATASETS), format_func=DATASETS.__getitem__, key=DATASET, required=True)
        or "mnist"
    )
    if choice == "fashion":
        found = fashion_set()
        if isinstance(found, str):
            st.warning("Fashion-MNIST is not installed on this server. " + FASHION_INSTALL)  # ours: code spans
            return None
        st.caption(f"Clothes in ten classes ({', '.join(FASHION_CLASSES)}), 28 × 28 like MNIST (Xiao et al. 2017).")
        return found
    if choice == "pictures":
        return pictures_set()
    data = mnist()
    return TrainingSet(data, MNIST_DATA, "digits", 10)


def _prepare(files: tuple[tuple[str, bytes], ...], recipe: str, invert: bool) -> PreparedSet | str:
    """Not cached: a process-wide cache would keep a user's pictures after their session. One upload is read at a
    time in the process (caches.UPLOADS); Busy when the wait for it is too long."""
    try:
        with st.spinner("Preparing your pictures…"), UPLOADS.slot():
            return load_image_files(files, recipe="grey" if recipe == "grey" else "digit", invert=invert)
    except DataError as err:
        return str(err)


def busy(err: Busy, uploader: str) -> None:
    """The server was busy reading others' uploads: say so, and offer to try again (the files are still here)."""
    st.warning(str(err))
    st.button("Try again", key=f"{AGAIN}_{uploader}")  # both uploaders may be busy in one run: a key each


def pictures_set() -> TrainingSet | None:
    """The upload of a picture set, its preparation (chosen, and shown as a grid before training), its notes and
    its limits."""
    limits = PICTURE_LIMITS
    files = st.file_uploader(
        "Your pictures: a zip of them, or several image files (PNG, JPEG, GIF, BMP or WebP). Pictures in folders "
        "are labelled by folder (up to ten).",
        type=["zip", *UPLOAD_TYPES],
        accept_multiple_files=True,
        key=PICTURES,
    )
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    recipe = left.radio(
        "Preparation of each picture",
        list(RECIPE_LABELS),
        format_func=RECIPE_LABELS.__getitem__,
        key=RECIPE,
        horizontal=True,
        help="; ".join(f"{RECIPE_LABELS[k]}: {v}" for k, v in PREPARATIONS.items()),
    )
    invert = right.toggle("Invert", key=INVERT, help="Swap light and dark after preparing (light things on black).")
    limits_note = "Limits: " + "; ".join(limits.describe()) + ". " + KEPT
    if not files:
        st.session_state.pop(PREPARED, None)
        st.info("Upload a zip of pictures (or several pictures) to see them prepared here before training.")
        st.caption(limits_note)
        return None
    made_from = (tuple(f.file_id for f in files), recipe, bool(invert))
    stored = st.session_state.get(PREPARED)
    if stored is None or stored[0] != made_from:
        try:
            prepared = _prepare(tuple((f.name, f.getvalue()) for f in files), str(recipe), bool(invert))
        except Busy as err:
            busy(err, "pictures")
            return None
        stored = (made_from, prepared, as_training_set(prepared, files[0].name if len(files) == 1 else None))
        st.session_state[PREPARED] = stored
    _, prepared, chosen = stored
    if isinstance(prepared, str):
        st.error(inert(prepared))  # it may quote a file's name
        st.caption(limits_note)
        return None
    show_prepared(prepared)
    st.caption(limits_note)
    if chosen is None:
        st.warning(
            f"{plural(len(prepared), 'picture')} could be used; at least {limits.min_pictures} are needed to train "
            f"({limits.min_pictures - 20} to train on, 20 held out)."
        )
    return chosen


def as_training_set(prepared: PreparedSet | str, upload: str | None) -> TrainingSet | None:
    """Training and held-out pictures (15 %, at least 20, for the measures), or None when there are too few."""
    if isinstance(prepared, str) or len(prepared) < PICTURE_LIMITS.min_pictures:
        return None
    train, held = prepared.split()
    label = f"your pictures ({upload[:60]})" if upload else f"your {len(prepared):,} pictures"
    known = ModelData("pictures", label, prepared.classes, held.images, held.labels)
    data = TrainData(train.images, train.labels, held.images, held.labels, f"{label}, {len(train):,} to train on")
    return TrainingSet(data, known, "pictures", max(1, len(prepared.classes)))


def show_prepared(prepared: PreparedSet) -> None:
    shown = prepared.images[torch.linspace(0, len(prepared) - 1, min(SHOWN, len(prepared))).long()]  # spread out
    classes = f", in {len(prepared.classes)} classes by folder" if prepared.classes else ""
    pixels(
        make_grid(shown, ncol=16, scale=1),
        caption=f"What the model will see: {len(shown)} (spread over the set) of your {len(prepared):,} pictures, "
        "prepared 28 × 28 by the "
        f"{RECIPE_LABELS[prepared.recipe].lower()}{', inverted' if prepared.invert else ''}{classes}",
    )
    if prepared.classes:
        counts = torch.bincount(prepared.labels, minlength=len(prepared.classes)).tolist()
        st.caption("Classes: " + ", ".join(f"{inert(c)} ({n})" for c, n in zip(prepared.classes, counts, strict=True)))
    if prepared.skipped:
        with st.expander(f"{plural(len(prepared.skipped), 'file')} skipped, and why"):
            lines = [f"- {inert(s.name[:120])}: {inert(s.reason)}" for s in prepared.skipped[:50]]
            more = len(prepared.skipped) - len(lines)
            st.markdown("\n".join(lines) + (f"\n\n… and {more:,} more." if more > 0 else ""))


# --- Bring your own model ------------------------------------------------------------------------------------------


def with_items(data: ModelData) -> ModelData:
    """A model of Fashion-MNIST that came without held-out items is shown the installed test set's."""
    if data.dataset != "fashion" or data.images is not None:
        return data
    items = fashion()
    if isinstance(items, str):
        return data
    return ModelData(
        data.dataset,
        data.label,
        data.classes or FASHION_CLASSES,
        torch.from_numpy(items[0].copy()),
        torch.from_numpy(items[1].copy()),
    )


def bring_your_own(on_registered: Callable[[str], None]) -> None:
    """Upload a checkpoint: it becomes "your model" on every page, as a trained one does."""
    st.subheader("Bring your own model")
    st.markdown(
        "Trained elsewhere (on a GPU, say)? Upload it as this page downloads it (the zip, or the files in it), or "
        "as `python -m aemodels.train` writes it: NAME.json with NAME.safetensors. It is checked against the "
        "config schema, rebuilt from its config and its weights loaded strictly; it then serves every page as "
        "“your model”, as a model trained here does."
    )
    files = st.file_uploader(
        "A checkpoint: the zip, or NAME.json with NAME.safetensors",
        type=["zip", "json", "safetensors"],
        accept_multiple_files=True,
        key=CHECKPOINT,
    )
    st.caption("Limits: " + "; ".join(CHECKPOINT_LIMITS.describe()) + ". Nothing is written to disk.")
    seen = tuple(f.file_id for f in files or ())
    if files and seen != st.session_state.get(CHECKPOINT_SEEN):
        try:
            with st.spinner("Reading your model…"), UPLOADS.slot():
                uploaded = read_checkpoint([(f.name, f.getvalue()) for f in files])
        except Busy as err:
            busy(err, "model")
            return
        except CheckpointError as err:
            st.session_state[CHECKPOINT_SEEN] = seen
            st.session_state[CHECKPOINT_NOTE] = ("error", str(err))
        else:
            st.session_state[CHECKPOINT_SEEN] = seen
            info = uploaded.model.info
            data = with_items(uploaded.data)
            # the pickers' labels are plain text (a select box's options): controls named, not obeyed
            title = plain(str(info.get("name") or "uploaded"))[:60] or "uploaded"
            description = plain(str(info.get("description") or ""))[:80]
            name = register_user_model(
                uploaded.model, f"uploaded {title}" + (f": {description}" if description else ""), data
            )
            on_registered(name)
            kind, d = uploaded.model.config.kind, uploaded.model.latent_dim
            st.session_state[CHECKPOINT_NOTE] = (
                "success",
                f"“{title}” ({description or kind + f', d={d}'}; it knows {data.label}) is now your model on every "
                "page: choose “your model” in a page's model picker.",
            )
    note = st.session_state.get(CHECKPOINT_NOTE)
    if note and files:
        (st.success if note[0] == "success" else st.error)(inert(note[1]))  # quotes the JSON's name and the files'
