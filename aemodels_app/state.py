"""The app's state machinery: the digit the whole app works on, and the view carried in the URL.

Streamlit forgets a widget's value when a page that does not draw the widget runs. So every remembered value is a
`Field` (the app's digit here, each page's in its own `PAGE` declaration); at the top of every run the router calls
`begin_run`, which keeps them alive and, on a session's first run, fills them from the URL. At the end of every
run, and of every fragment run, `sync_url` writes the page's view back into the URL. Query values are user input:
each is parsed and checked, and anything wrong is ignored with a plain note on the page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Any, Literal

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from aemodels_app import streamlit_private
from aemodels_app.page import Choice, Field, Invalid, WholeNumber, fixed, integer, setting, shorten, whole_number
from aemodels_app.pages import registry
from aemodels_app.text import inert

SAMPLE_SIZE = 2000  # digits in the shipped test sample (pretrained/mnist_test_2000.npz)

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

USER_MODEL = "user_model"  # the name of this session's trained model, once the user chose to use it elsewhere
DEFAULTS = "state_defaults"  # every field's default, worked out once per session (some read the model folder)
NOTES = "url_notes"  # LinkNotes: the plain notes about the link's values that were ignored, and their page
RESTORED = "url_restored"  # set once the session's first run has read the URL
DROPPED = "dropped"  # the parameter components/history.js puts in place of a link Streamlit would read none of
FROM_LINK = "url_values"  # key -> the value the session's link gave it (until a page has had to replace it)


@dataclass(frozen=True)
class LinkNotes:
    """What a link's values made the app ignore, in plain notes, and the page that shows them."""

    page: str
    notes: tuple[str, ...]


def source_of(text: str, _: dict[str, Any]) -> str:
    by_param = {param: source for source, param in SOURCE_PARAMS.items()}
    if text not in by_param:
        raise Invalid(f"“{text}” is not one of {', '.join(by_param)}")
    return by_param[text]


def source_param(source: str) -> str:
    return SOURCE_PARAMS[source]


def digit_fields(keys: DigitKeys, suffix: str, *, index: int, klass: int) -> tuple[Field, ...]:
    """The remembered choices of a digit slot: where the digit comes from, the test digit and the class (the last
    two declared by their widgets, which ui.digits draws)."""
    return (
        Field(keys.source, f"source{suffix}", fixed(SOURCES[0]), source_of, source_param),
        setting(keys.index, f"digit{suffix}", index, INDEX_BOX),
        setting(keys.klass, f"class{suffix}", klass, CLASS_BOX),
    )


INDEX_BOX = WholeNumber(f"Index in the test sample (0–{SAMPLE_SIZE - 1})", 0, SAMPLE_SIZE - 1)
CLASS_BOX = Choice("Class", tuple(range(10)), "selectbox", help="“Random one” picks a test digit of this class.")


# --- The lesson being played (aemodels_app.lessons): a shipped lesson's name, or the lesson itself written into the
# link ("z." and its TOML compressed: lessons.encode), and the step, from 1 ---------------------------------------
LESSON = "lesson"
LESSON_STEP = "lesson_step"
UPLOADED_LESSON = "uploaded"  # the reference of an uploaded lesson too long for a link (kept in the session only)
LESSON_LINK_LIMIT = 6000  # characters of a lesson written into a link: the whole request line stays under 8 KB
MAX_STEPS = 20
_LESSON_REF = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}|z\.[A-Za-z0-9_-]+")


def lesson_ref(text: str, _: dict[str, Any]) -> str:
    """Only the form of the reference: whether it names a lesson that can be played, the player finds out."""
    if not _LESSON_REF.fullmatch(text):
        raise Invalid("it is neither the name of a lesson nor a lesson written into a link")
    return text


LESSON_FIELDS = (
    Field(LESSON, "lesson", fixed(None), lesson_ref, max_length=LESSON_LINK_LIMIT),
    Field(LESSON_STEP, "step", fixed(1), integer(1, MAX_STEPS)),
)
# Every page's URL carries the app's digit and the lesson.
# Each digit slot's fields, made once: the app's digit (every page) and the second (the Latent page's interpolation).
SLOT_FIELDS: dict[Slot, tuple[Field, ...]] = {
    "main": digit_fields(MAIN, "", index=0, klass=0),
    "second": digit_fields(SECOND, "2", index=1, klass=1),
}
APP_FIELDS = (*SLOT_FIELDS["main"], *LESSON_FIELDS)


def all_fields() -> list[Field]:
    """The app's fields and every page's: all are kept alive through every run."""
    return [*APP_FIELDS, *(f for p in registry().values() for f in p.fields)]


def fields_for(page: str) -> list[Field]:
    return [*APP_FIELDS, *registry()[page].fields]


def next_seed(key: str, *, limit: int = 1_000_000) -> None:
    """A button's callback: the seed under `key` moves on by one (so the next draw differs), up to `limit`."""
    st.session_state[key] = min(limit, int(st.session_state.get(key, 0)) + 1)


def begin_run(page: str) -> None:
    """Keep every remembered value alive through this run; on the session's first run, read the URL."""
    state = st.session_state
    fields = all_fields()
    if DEFAULTS not in state:
        state[DEFAULTS] = {f.key: f.default() for f in fields if f.store is None}
    kept: set[str] = set()  # on a first run, what the browser's widgets hold (after a failover): their values stand
    if RESTORED not in state:
        state[RESTORED] = True
        kept = widgets_the_browser_has()
        query = st.query_params.to_dict()
        dropped = query.pop(DROPPED, None)
        restore(page, query, kept=kept)
        for note in repeated_names(page):
            add_note(page, note)
        if dropped is not None:
            add_note(page, dropped_note(dropped))  # the URL then loses `dropped` (sync_url: no field has it)
    for f in fields:
        if f.store is not None or f.key in kept:
            continue
        if f.key in state:
            state[f.key] = state[f.key]  # a value set from Python survives runs of pages that lack its widget
        else:
            state[f.key] = state[DEFAULTS][f.key]
    for declared in registry().values():
        for key, default in declared.session.items():
            state[key] = state.get(key, default)
    for keys in (MAIN, SECOND):
        if state.get(keys.source) is None:  # a required segmented control with no value shows none chosen
            state[keys.source] = SOURCES[0]


def parse_query(
    fields: Sequence[Field], query: Mapping[str, str], *, where: str = "this page"
) -> tuple[dict[str, Any], list[str]]:
    """The values `query` gives `fields`, parsed and checked in the fields' order (a parser may read the values
    before it), by key; and a plain note for each that cannot be used: a name no field has, a value too long, a
    value its parser refuses. A link's values (`restore`) and a lesson step's (aemodels_app.lessons) both go through
    here."""
    notes: list[str] = []
    parsed: dict[str, Any] = {}
    limits = {f.param: f.max_length for f in fields}
    for name, value in query.items():
        if name not in limits:
            notes.append(f"“{shorten(name)}” is not a setting of {where}")
        elif len(value) > limits[name]:
            notes.append(f"the value of “{name}” is too long ({len(value):,} characters)")
    for f in fields:
        text = query.get(f.param)
        if text is None or len(text) > f.max_length:
            continue
        try:
            parsed[f.key] = f.parse(text, parsed)
        except Invalid as err:
            notes.append(f"{f.param}: {err}")
    return parsed, notes


def dropped_note(count: str) -> str:
    """The note for a link Streamlit read none of: more than streamlit_private.QUERY_MAX_FIELDS parameters (or
    MAX_LENGTH characters). Streamlit says so only in its log, and the server never sees the query; the browser does
    (components/history.js), and reloads the page with `?dropped=` and the number of parameters instead."""
    try:
        given = whole_number(count)
    except Invalid:
        given = 0
    if given > streamlit_private.QUERY_MAX_FIELDS:
        why = f"has {given:,} settings, more than the {streamlit_private.QUERY_MAX_FIELDS:,} a link may have"
    else:  # history.js also reloads a query of too many characters
        why = f"is longer than the {streamlit_private.QUERY_MAX_LENGTH:,} characters a link may have"
    return f"the link {why}, so none of its settings was read"


def widgets_the_browser_has() -> set[str]:
    """The keys of the widgets whose values the browser sent with this run. A session's first run has none, unless
    the browser was connected to another server before (a replica that went down, behind nginx): its widgets then hold
    the user's latest values, newer than the URL, and they stand."""
    return streamlit_private.widgets_the_browser_sent()


def restore(page: str, query: dict[str, str], *, kept: Set[str] = frozenset()) -> None:
    """Fill the state from a link's query values for `page`; every value that cannot be used becomes a note. The
    fields under `kept` keep the value their widget in the browser sent with this run."""
    state = st.session_state
    parsed, notes = parse_query(fields_for(page), query)
    for f in fields_for(page):
        if f.key not in parsed or f.key in kept:
            continue
        if f.store is not None:
            f.store(parsed[f.key])
        else:
            state[f.key] = parsed[f.key]
    state[FROM_LINK] = {
        f.key: parsed[f.key] for f in fields_for(page) if f.key in parsed and f.store is None and f.key not in kept
    }
    for slot_keys, name in SLOT_NAMES:
        source = parsed.get(slot_keys.source)
        if source in ("Upload", "Draw") and picture_key(slot_keys, source) not in state:
            notes.append(picture_note(name, source))
    if notes:
        state[NOTES] = LinkNotes(page, tuple(notes))


SLOT_NAMES = ((MAIN, "digit"), (SECOND, "second digit"))


def picture_key(keys: DigitKeys, source: str) -> str:
    """Where the slot keeps the picture of `source` once given: the prepared upload or drawing."""
    return keys.upload_digit if source == "Upload" else keys.drawing_digit


def picture_note(name: str, source: str) -> str:
    """The note for a link made with an upload or a drawing as the digit `name`: it cannot carry the picture."""
    given = "an uploaded photo" if source == "Upload" else "a drawing"
    again = "upload" if source == "Upload" else "draw"
    return (
        f"the link was made with {given} as the {name}, and links cannot carry pictures: {again} it again in the "
        "sidebar. Until then a test digit is used"
    )


def repeated_names(page: str) -> list[str]:
    """A note for each setting of `page` the link gives more than once (?digit=1&digit=2): the last value is the one
    read (as st.query_params gives it), and the URL then keeps only that one (`sync_url`)."""
    notes = []
    for f in fields_for(page):
        values = st.query_params.get_all(f.param)
        if len(values) > 1:
            given = ", ".join(f"“{shorten(v, 20)}”" for v in values[:5]) + (", …" if len(values) > 5 else "")
            last = shorten(values[-1])
            notes.append(f"{f.param} is given {len(values)} times ({given}): the last, “{last}”, is used")
    return notes


def show_notes(page: str, where: DeltaGenerator) -> None:
    """The notes about the link this session was opened with, on the page it opened. A note quotes the link, so
    each is shown as inert text (st.info renders Markdown: a link's value must not become a link or an image)."""
    stored = st.session_state.get(NOTES)
    if stored and stored.page == page:
        given = {  # a note asking for a picture the user has since uploaded or drawn is no longer true
            picture_note(name, source)
            for keys, name in SLOT_NAMES
            for source in ("Upload", "Draw")
            if picture_key(keys, source) in st.session_state
        }
        shown = [note for note in stored.notes if note not in given]
        if shown:
            where.info("Some settings in the link were ignored:\n" + "\n".join(f"- {inert(note)}" for note in shown))


def moved_from_link(page: str, key: str, why: str) -> None:
    """A page had to replace the value the link gave `key` (the choices depend on what the page has: the Train page's
    number of training items): the link's note says so, once. Nothing where the value did not come from the link."""
    linked = st.session_state.get(FROM_LINK, {})
    if key in linked and linked[key] != st.session_state.get(key):
        given = linked.pop(key)
        param = next(f.param for f in fields_for(page) if f.key == key)
        add_note(page, f"{param}: {_number(given)} {why}; {_number(st.session_state[key])} is used")


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def add_note(page: str, note: str) -> None:
    """A note about a link value that only the page can check (a latent code of the wrong length)."""
    stored = st.session_state.get(NOTES)
    st.session_state[NOTES] = LinkNotes(page, (*(stored.notes if stored else ()), note))


def default_of(f: Field) -> Any:
    """The field's default, from the session's table when the router has made it (a page run alone has none)."""
    defaults = st.session_state.get(DEFAULTS)
    return defaults[f.key] if defaults is not None and f.key in defaults else f.default()


def view(page: str) -> dict[str, str]:
    """The query parameters of the current view of `page`: only values that differ from their defaults."""
    state = st.session_state
    params: dict[str, str] = {}
    for f in fields_for(page):
        value = f.shown() if f.shown is not None else state.get(f.key)
        if value is None or (f.shown is None and value == default_of(f)):
            continue
        params[f.param] = f.dump(value)
    return params


def sync_url(page: str) -> None:
    """Write the current view into the browser's URL (only when it changed: each write is a message). A name the
    URL gives twice is a change: the URL keeps one."""
    params = view(page)
    current = st.query_params
    if current.to_dict() != params or any(len(current.get_all(name)) > 1 for name in current):
        st.query_params.from_dict(params)


def sync_fragment_url(page: str) -> None:
    """`sync_url` at the end of a fragment of `page`, in the fragment's own run only (which does not reach the
    router). In a full run the router writes the URL once, at its end, never from the middle of a run: during a page
    switch the browser may not have moved to the new page yet."""
    if streamlit_private.is_fragment_run():
        sync_url(page)
