"""The app's state, in one place: every widget and session-state key, the digit the whole app works on, each
page's remembered choices, and the view carried in the URL (`st.query_params`).

How it works. Streamlit forgets a widget's value when a page that does not draw the widget runs. So every
remembered value lives under a key listed here (`FIELDS`, `DIGIT_FIELDS`); at the top of every run the router
calls `begin_run`, which keeps those keys alive and, on a session's first run, fills them from the URL. Widgets
are created with these keys and no default of their own (the default lives here). At the end of every run, and
of every fragment run, `sync_url` writes the current page's view back into the URL, so a reload, a shared link
or a failover to another replica opens the same view. Query values are user input: each is parsed and checked,
and anything wrong is ignored with a plain note on the page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from aemodels.zoo import Role, models_for

SAMPLE_SIZE = 2000  # digits in the shipped test sample (pretrained/mnist_test_2000.npz)
MAX_PARAM_LENGTH = 2000  # characters; longer query values are ignored unread
MAX_CODE_DIMS = 1024

# --- The digit ---------------------------------------------------------------------------------------------------
Slot = Literal["main", "second"]  # the app's digit (sidebar) and a second one (the interpolation's end)
SOURCES = ("Test digit", "Upload", "Draw")
SOURCE_PARAMS = {"Test digit": "test", "Upload": "upload", "Draw": "draw"}


@dataclass(frozen=True)
class DigitKeys:
    """The session-state keys of one digit slot."""

    source: str  # segmented control: Test digit | Upload | Draw
    index: str  # number input: index in the test sample
    klass: str  # select box: the class of "Random digit of this class"
    another: str  # button: draw a random test digit of that class
    upload: str  # file uploader (the file itself is never kept past preparing it)
    canvas: str  # drawing canvas (its key changes with `canvas_round` when the user clears it)
    canvas_round: str  # counter: a new canvas after "Clear"
    upload_digit: str  # the prepared upload: 784 floats and a caption
    drawing_digit: str  # the prepared drawing: 784 floats and a caption
    upload_error: str  # the last plain message about an upload, shown until the next good one


def digit_keys(slot: Slot) -> DigitKeys:
    p = "digit" if slot == "main" else "digit2"
    return DigitKeys(
        source=f"{p}_source",
        index=f"{p}_index",
        klass=f"{p}_class",
        another=f"{p}_another",
        upload=f"{p}_upload",
        canvas=f"{p}_canvas",
        canvas_round=f"{p}_canvas_round",
        upload_digit=f"{p}_upload_digit",
        drawing_digit=f"{p}_drawing_digit",
        upload_error=f"{p}_upload_error",
    )


MAIN, SECOND = digit_keys("main"), digit_keys("second")

# --- Page widgets --------------------------------------------------------------------------------------------------
RECON_MODELS = "recon_models"
DENOISE_KIND = "denoise_kind"
DENOISE_LEVEL = "denoise_level"
DENOISE_SEED = "denoise_seed"
LATENT_MODEL = "latent_model"
LATENT_LIVE = "latent_live"
LATENT_RESET = "latent_reset"
LATENT_PATH = "latent_path"
LATENT_STEPS = "latent_steps"
LATENT_IDENTITY = "latent_identity"  # (model, digit) the sliders were last reset for
LATENT_LIVE_VERSION = "latent_live_version"  # bumped when the code is set from Python: the browser takes it over
LATENT_MAP = "latent_map"  # the 2-d map: a click on it sets the code
LATENT_URL_CODE = "latent_url_code"  # a code from the URL, waiting for the latent page to use it
SAMPLE_MODEL = "sample_model"
SAMPLE_COUNT = "sample_count"
SAMPLE_TEMPERATURE = "sample_temperature"
SAMPLE_SEED = "sample_seed"
SAMPLE_AGAIN = "sample_again"
SAMPLE_GRID = "sample_grid"
SAMPLE_CLASS = "sample_class"  # the class-conditional VAE's chosen digit class
SAMPLE_CLASS_TEMPERATURE = "sample_class_temperature"
SAMPLE_STYLE = "sample_style"  # the style code shown across the ten classes (session only)
EXPLORER_LEFT = "explorer_left"
EXPLORER_RIGHT = "explorer_right"
EXPLORER_SELECTED = "explorer_selected"
EXPLORER_USE = "explorer_use"
EXPLORER_SPOT = "explorer_spot"  # (model, x, y): a clicked spot of a 2-d latent plane
MANIFOLD_MODEL = "manifold_model"
MANIFOLD_EPS = "manifold_eps"
MANIFOLD_SEED = "manifold_seed"
MANIFOLD_MEASURE = "manifold_measure"
MANIFOLD_TABLE = "manifold_table"  # the last "Measure every model" result: (eps, rows)
ANOMALY_MODEL = "anomaly_model"
ANOMALY_INPUT = "anomaly_input"
ANOMALY_ITEM = "anomaly_item"
ANOMALY_NOISE = "anomaly_noise"
ANOMALY_NOISE_SEED = "anomaly_noise_seed"
VAE_MODEL = "vae_model"
VAE_EPS_SEED = "vae_eps_seed"
VAE_RESAMPLE = "vae_resample"
SPARSE_SHOWN = "sparse_shown"
USER_MODEL = "user_model"  # the name of this session's trained model, once the user chose to use it elsewhere
TRAIN_ARCH = "train_arch"
TRAIN_DIM = "train_dim"
TRAIN_REG = "train_reg"
TRAIN_SIGMA = "train_sigma"
TRAIN_RHO = "train_rho"
TRAIN_LAMBDA = "train_lambda"
TRAIN_BETA = "train_beta"
TRAIN_DIGITS = "train_digits"
TRAIN_LR = "train_lr"
TRAIN_SEED = "train_seed"
TRAIN_STEPS = "train_steps"
TRAIN_JOB = "train_job"  # this session's job in the training pool
TRAIN_OWNER = "train_owner"  # this session's identity in the pool (one job per owner)
TRAIN_EXPERIMENT = "train_experiment"  # the guided experiment the current job runs, if any
TRAIN_NOTE = "train_note"  # why the last Start was refused
TRAIN_SEEN_DONE = "train_seen_done"  # the finished job the page has redrawn for (once, to stop polling)
TRAIN_START = "train_start"
TRAIN_PAUSE = "train_pause"
TRAIN_STEP = "train_step"
TRAIN_RESET = "train_reset"
TRAIN_USE = "train_use"
TRAIN_DOWNLOAD = "train_download"
DEFAULTS = "state_defaults"  # every field's default, worked out once per session (some read the model folder)
NOTES = "url_notes"  # (page, [plain notes about the link's values that were ignored])
RESTORED = "url_restored"  # set once the session's first run has read the URL


def latent_code_key(model: str) -> str:
    """The current latent code of a model on the Latent sliders page: the one truth both kinds of sliders use."""
    return f"latent_code_{model}"


def latent_slider_key(model: str, dim: int) -> str:
    return f"latent_{model}_{dim}"


def attribute_key(prop: str) -> str:
    """An attribute slider of the Latent sliders page: the asked change of slant, thickness or width."""
    return f"attribute_{prop}"


ATTRIBUTE_APPLY = "attribute_apply"


def style_slider_key(model: str, dim: int) -> str:
    return f"style_{model}_{dim}"


def explorer_chart_key(side: str, model: str) -> str:
    return f"explorer_chart_{side}_{model}"


# --- Choices of the pages -------------------------------------------------------------------------------------------
NOISE_LEVELS = {  # noise kind -> (slider label, min, max, default, step)
    "gaussian": ("Noise standard deviation σ", 0.0, 1.0, 0.3, 0.05),
    "salt_and_pepper": ("Fraction of pixels flipped to black or white", 0.0, 0.6, 0.2, 0.02),
    "occlusion": ("Side of the blacked-out square (pixels)", 0.0, 20.0, 8.0, 1.0),
}
ANOMALY_INPUTS = ("Your digit (sidebar)", "A Fashion-MNIST item", "Noise")
PATHS = ("linear", "spherical")
NOISE_IMAGE_KINDS = ("uniform", "blobs")


class Invalid(ValueError):
    """A query value that cannot be used; the message says why in plain words."""


def integer(low: int, high: int) -> Callable[[str, dict[str, Any]], int]:
    def parse(text: str, _: dict[str, Any]) -> int:
        try:
            value = int(text)
        except ValueError:
            raise Invalid(f"“{text}” is not a whole number") from None
        if not low <= value <= high:
            raise Invalid(f"{value} is outside {low}–{high}")
        return value

    return parse


def number(low: float, high: float) -> Callable[[str, dict[str, Any]], float]:
    def parse(text: str, _: dict[str, Any]) -> float:
        try:
            value = float(text)
        except ValueError:
            raise Invalid(f"“{text}” is not a number") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise Invalid(f"{text} is outside {low:g}–{high:g}")
        return value

    return parse


def one_of(options: Sequence[str] | Callable[[], Sequence[str]]) -> Callable[[str, dict[str, Any]], str]:
    def parse(text: str, _: dict[str, Any]) -> str:
        allowed = options() if callable(options) else options
        if text not in allowed:
            raise Invalid(f"“{text}” is not one of {', '.join(allowed)}")
        return text

    return parse


def model_of(role: Role) -> Callable[[str, dict[str, Any]], str]:
    return one_of(lambda: models_for(role))


def models_of(role: Role) -> Callable[[str, dict[str, Any]], list[str]]:
    def parse(text: str, _: dict[str, Any]) -> list[str]:
        names = [name for name in text.split(",") if name]
        allowed = models_for(role)
        unknown = [name for name in names if name not in allowed]
        if unknown:
            raise Invalid(f"{', '.join(unknown)} is not one of {', '.join(allowed)}")
        return list(dict.fromkeys(names))

    return parse


def source_of(text: str, _: dict[str, Any]) -> str:
    by_param = {param: source for source, param in SOURCE_PARAMS.items()}
    if text not in by_param:
        raise Invalid(f"“{text}” is not one of {', '.join(by_param)}")
    return by_param[text]


def noise_level(text: str, parsed: dict[str, Any]) -> float:
    _, low, high, _, _ = NOISE_LEVELS[parsed.get(DENOISE_KIND, "gaussian")]
    return number(low, high)(text, parsed)


def code(text: str, _: dict[str, Any]) -> list[float]:
    parts = text.split(",")
    if len(parts) > MAX_CODE_DIMS:
        raise Invalid(f"a code has at most {MAX_CODE_DIMS} numbers")
    try:
        values = [float(part) for part in parts]
    except ValueError:
        raise Invalid("it must be numbers separated by commas") from None
    if not all(math.isfinite(v) and abs(v) <= 1e6 for v in values):
        raise Invalid("its numbers must be finite and reasonable")
    return values


@dataclass(frozen=True)
class Field:
    """A remembered value: its session-state key, its query parameter and the page whose URL carries it (None:
    every page's), its default, and how a query value is parsed (raising Invalid) and written."""

    key: str
    param: str
    page: str | None
    default: Callable[[], Any]
    parse: Callable[[str, dict[str, Any]], Any]
    dump: Callable[[Any], str] = str


def first_model(role: Role, preferred: str) -> Callable[[], str | None]:
    def default() -> str | None:
        names = models_for(role)
        return preferred if preferred in names else (names[0] if names else None)

    return default


def fixed(value: Any) -> Callable[[], Any]:
    return lambda: value


def rounded(value: float) -> str:
    return f"{value:g}"


FIELDS: tuple[Field, ...] = (
    # The app's digit (every page).
    Field(MAIN.source, "source", None, fixed(SOURCES[0]), source_of, SOURCE_PARAMS.__getitem__),
    Field(MAIN.index, "digit", None, fixed(0), integer(0, SAMPLE_SIZE - 1)),
    Field(MAIN.klass, "class", None, fixed(0), integer(0, 9)),
    # Reconstruction
    Field(
        RECON_MODELS,
        "models",
        "reconstruct",
        lambda: [n for n in ("linear16", "ae2", "ae16", "vae16") if n in models_for("reconstruction")],
        models_of("reconstruction"),
        ",".join,
    ),
    # Denoising (the kind before its level: the level is checked against the kind's range)
    Field(DENOISE_KIND, "noise", "denoise", fixed("gaussian"), one_of(tuple(NOISE_LEVELS))),
    Field(DENOISE_LEVEL, "level", "denoise", fixed(NOISE_LEVELS["gaussian"][3]), noise_level, rounded),
    Field(DENOISE_SEED, "seed", "denoise", fixed(0), integer(0, 10_000)),
    # Latent sliders and interpolation
    Field(LATENT_MODEL, "model", "latent", first_model("sliders", "vae16"), model_of("sliders")),
    Field(SECOND.source, "source2", "latent", fixed(SOURCES[0]), source_of, SOURCE_PARAMS.__getitem__),
    Field(SECOND.index, "digit2", "latent", fixed(1), integer(0, SAMPLE_SIZE - 1)),
    Field(SECOND.klass, "class2", "latent", fixed(1), integer(0, 9)),
    Field(LATENT_PATH, "path", "latent", fixed("linear"), one_of(PATHS)),
    Field(LATENT_STEPS, "steps", "latent", fixed(9), integer(3, 15)),
    # Sampling
    Field(SAMPLE_MODEL, "model", "sample", first_model("sampling", "vae16"), model_of("sampling")),
    Field(SAMPLE_COUNT, "n", "sample", fixed(32), integer(4, 64)),
    Field(SAMPLE_TEMPERATURE, "t", "sample", fixed(1.0), number(0.1, 1.5), rounded),
    Field(SAMPLE_SEED, "seed", "sample", fixed(0), integer(0, 1_000_000)),
    Field(SAMPLE_GRID, "grid", "sample", fixed(15), integer(8, 25)),
    Field(SAMPLE_CLASS, "c", "sample", fixed(3), integer(0, 9)),
    Field(SAMPLE_CLASS_TEMPERATURE, "ct", "sample", fixed(1.0), number(0.1, 1.5), rounded),
    # Latent explorer
    Field(EXPLORER_LEFT, "left", "explorer", first_model("explorer", "ae2"), model_of("explorer")),
    Field(EXPLORER_RIGHT, "right", "explorer", first_model("explorer", "vae2"), model_of("explorer")),
    # Manifold geometry
    Field(MANIFOLD_MODEL, "model", "manifold", first_model("manifold", "vae16"), model_of("manifold")),
    Field(MANIFOLD_EPS, "eps", "manifold", fixed(1.0), number(0.1, 3.0), rounded),
    Field(MANIFOLD_SEED, "seed", "manifold", fixed(0), integer(0, 10_000)),
    # Anomaly detection
    Field(ANOMALY_MODEL, "model", "anomaly", first_model("anomaly", "ae16"), model_of("anomaly")),
    Field(ANOMALY_INPUT, "input", "anomaly", fixed(ANOMALY_INPUTS[0]), one_of(ANOMALY_INPUTS)),
    Field(ANOMALY_ITEM, "item", "anomaly", fixed(0), integer(0, SAMPLE_SIZE - 1)),
    Field(ANOMALY_NOISE, "kind", "anomaly", fixed(NOISE_IMAGE_KINDS[0]), one_of(NOISE_IMAGE_KINDS)),
    Field(ANOMALY_NOISE_SEED, "seed", "anomaly", fixed(0), integer(0, 10_000)),
    # Inside the VAE
    Field(VAE_MODEL, "model", "inside_vae", first_model("inside_vae", "vae16"), model_of("inside_vae")),
    Field(VAE_EPS_SEED, "draw", "inside_vae", fixed(0), integer(0, 1_000_000)),
    # Sparse codes
    Field(SPARSE_SHOWN, "units", "sparse", fixed(100), integer(16, 400)),
    # Train your own
    Field(TRAIN_ARCH, "arch", "train", fixed("mlp"), one_of(("linear", "mlp", "conv"))),
    Field(TRAIN_DIM, "d", "train", fixed(2), integer(1, 1024)),
    Field(TRAIN_REG, "reg", "train", fixed("none"), one_of(("none", "denoising", "sparse", "vae"))),
    Field(TRAIN_SIGMA, "sigma", "train", fixed(0.3), number(0.05, 1.0), rounded),
    Field(TRAIN_RHO, "rho", "train", fixed(0.05), number(0.01, 0.3), rounded),
    Field(TRAIN_LAMBDA, "lambda", "train", fixed(3.0), number(0.0, 10.0), rounded),
    Field(TRAIN_BETA, "beta", "train", fixed(1.0), number(0.0, 4.0), rounded),
    Field(TRAIN_DIGITS, "digits", "train", fixed(10_000), integer(1_000, 60_000)),
    Field(TRAIN_LR, "lr", "train", fixed(1e-3), number(1e-4, 1.0), rounded),
    Field(TRAIN_SEED, "seed", "train", fixed(0), integer(0, 1_000_000)),
    Field(TRAIN_STEPS, "steps", "train", fixed(5_000), integer(100, 20_000)),
)
# Widgets remembered for the session but not carried by links, with their defaults. (Values that are not widgets,
# such as the prepared upload or the latent codes, stay in the session by themselves.)
SESSION_ONLY: dict[str, Any] = {LATENT_LIVE: True}
# Values with a URL parameter that no Field holds: the latent code and the explorer's clicked digit.
CODE_PARAM, SELECTED_PARAM = "z", "selected"


def fields_for(page: str) -> list[Field]:
    return [f for f in FIELDS if f.page in (None, page)]


def begin_run(page: str) -> None:
    """Keep every remembered value alive through this run; on the session's first run, read the URL."""
    state = st.session_state
    if DEFAULTS not in state:
        state[DEFAULTS] = {f.key: f.default() for f in FIELDS}
    if RESTORED not in state:
        state[RESTORED] = True
        restore(page, st.query_params.to_dict())
    for f in FIELDS:
        if f.key in state:
            state[f.key] = state[f.key]  # a value set from Python survives runs of pages that lack its widget
        else:
            state[f.key] = state[DEFAULTS][f.key]
    for key, default in SESSION_ONLY.items():
        state[key] = state.get(key, default)
    for keys in (MAIN, SECOND):
        if state.get(keys.source) is None:  # a click on the chosen source unselects it: keep one chosen
            state[keys.source] = SOURCES[0]


def restore(page: str, query: dict[str, str]) -> None:
    """Fill the state from a link's query values for `page`; every value that cannot be used becomes a note."""
    state = st.session_state
    notes: list[str] = []
    parsed: dict[str, Any] = {}
    known = {f.param for f in fields_for(page)} | {CODE_PARAM, SELECTED_PARAM}
    for name, value in query.items():
        if name not in known:
            notes.append(f"“{shorten(name)}” is not a setting of this page")
        elif len(value) > MAX_PARAM_LENGTH:
            notes.append(f"the value of “{name}” is too long ({len(value):,} characters)")
    for f in fields_for(page):
        text = query.get(f.param)
        if text is None or len(text) > MAX_PARAM_LENGTH:
            continue
        try:
            value = f.parse(text, parsed)
        except Invalid as err:
            notes.append(f"{f.param}: {err}")
            continue
        parsed[f.key] = value
        state[f.key] = value
    if page == "latent" and CODE_PARAM in query and len(query[CODE_PARAM]) <= MAX_PARAM_LENGTH:
        try:
            state[LATENT_URL_CODE] = code(query[CODE_PARAM], parsed)
        except Invalid as err:
            notes.append(f"{CODE_PARAM}: {err}")
    if page == "explorer" and SELECTED_PARAM in query and len(query[SELECTED_PARAM]) <= MAX_PARAM_LENGTH:
        try:
            state[EXPLORER_SELECTED] = integer(0, SAMPLE_SIZE - 1)(query[SELECTED_PARAM], parsed)
        except Invalid as err:
            notes.append(f"{SELECTED_PARAM}: {err}")
    for slot_keys, name in ((MAIN, "digit"), (SECOND, "second digit")):
        source = parsed.get(slot_keys.source)
        if source in ("Upload", "Draw") and slot_keys.upload_digit not in state:
            given = "an uploaded photo" if source == "Upload" else "a drawing"
            notes.append(
                f"the link was made with {given} as the {name}, and links cannot carry pictures: "
                f"{'upload' if source == 'Upload' else 'draw'} it again in the sidebar. Until then a test digit is used"
            )
    if notes:
        state[NOTES] = (page, notes)


def shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show_notes(page: str, where: DeltaGenerator) -> None:
    """The notes about the link this session was opened with, on the page it opened."""
    stored = st.session_state.get(NOTES)
    if stored and stored[0] == page:
        where.info("Some settings in the link were ignored:\n" + "\n".join(f"- {note}" for note in stored[1]))


def add_note(page: str, note: str) -> None:
    """A note about a link value that only the page can check (a latent code of the wrong length)."""
    _, notes = st.session_state.get(NOTES) or (page, [])
    st.session_state[NOTES] = (page, [*notes, note])


def default_of(f: Field) -> Any:
    """The field's default, from the session's table when the router has made it (a page run alone has none)."""
    defaults = st.session_state.get(DEFAULTS)
    return defaults[f.key] if defaults is not None and f.key in defaults else f.default()


def view(page: str) -> dict[str, str]:
    """The query parameters of the current view of `page`: only values that differ from their defaults."""
    state = st.session_state
    params: dict[str, str] = {}
    for f in fields_for(page):
        value = state.get(f.key)
        if value is None or value == default_of(f):
            continue
        params[f.param] = f.dump(value)
    if page == "latent":
        model = state.get(LATENT_MODEL)
        z = state.get(latent_code_key(model)) if model else None
        if z is not None:
            params[CODE_PARAM] = ",".join(f"{v:.2f}" for v in z)
    if page == "explorer" and state.get(EXPLORER_SELECTED) is not None:
        params[SELECTED_PARAM] = str(state[EXPLORER_SELECTED])
    return params


def sync_url(page: str) -> None:
    """Write the current view into the browser's URL (only when it changed: each write is a message)."""
    params = view(page)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
