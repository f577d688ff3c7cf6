"""What a page declares about itself, once, beside its `render()`: its title, icon and section, whether it uses
the app's digit, the values it remembers with their URL parameters, and its warm-up.

A page module `aemodels_app/pages/NAME.py` defines `PAGE = Page(...)`; the registry (`aemodels_app.pages`) finds
it, and the router, the URL machinery (`aemodels_app.state`), the tests and the benchmarks read it from there."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from aemodels.zoo import Role, models_for

MAX_CODE_DIMS = 1024
MAX_PARAM_LENGTH = 2000  # characters; longer query values are ignored unread (unless a field allows more)
Section = Literal["", "Play", "Theory"]  # the sidebar's headings, in this order ("": above them all)
SECTIONS: tuple[Section, ...] = ("", "Play", "Theory")
Parser = Callable[[str, dict[str, Any]], Any]  # (query text, the values parsed so far) -> value, or raise Invalid
WarmUpTask = tuple[str, Callable[[], object]]  # (what it prepares, in words; the call that prepares it)


class Invalid(ValueError):
    """A query value that cannot be used; the message says why in plain words."""


# A number as a link writes one: ASCII digits, an optional minus, a decimal point and exponent for a real number.
# Python's int() and float() take more (other scripts' digits "٣", full-width "１２", underscores "1_0", spaces and a
# plus sign " +5 "), which no link the app writes holds; and they convert a number of any length (a 5,000-digit one
# costs time, then raises). Both are checked here first: at most MAX_DIGITS characters ("inf" and "nan" are let
# through to the range check, which names them).
_WHOLE = re.compile(r"-?[0-9]+", re.ASCII)
_REAL = re.compile(r"-?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,3})?|inf|infinity|nan)", re.ASCII | re.I)
MAX_DIGITS = 24


def whole_number(text: str) -> int:
    """A whole number written as a link writes it ("-12"), or Invalid; "-0" is 0."""
    if len(text) > MAX_DIGITS or not _WHOLE.fullmatch(text):
        raise Invalid(f"“{shorten(text, 80)}” is not a whole number")
    return int(text) or 0


def real_number(text: str) -> float:
    """A number written as a link writes it ("0.5", "-1e-3", "2"), or Invalid; "-0" is 0."""
    if len(text) > MAX_DIGITS or not _REAL.fullmatch(text):
        raise Invalid(f"“{shorten(text, 80)}” is not a number")
    return float(text) + 0.0  # -0.0 + 0.0 is 0.0: a link's "-0" is written back as "0"


def shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Widgets, declared once: the drawn widget (aemodels_app.ui.widgets.draw), the link's parser and its writer all
# come from the same declaration, so their bounds, steps and options cannot disagree ------------------------------


def _is_whole(*values: float) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


@dataclass(frozen=True)
class Slider:
    """st.slider: a number from `low` to `high` on the grid of `step` (whole numbers when all three are whole)."""

    label: str
    low: float
    high: float
    step: float = 1
    help: str | None = None

    def __post_init__(self) -> None:
        if not (self.low < self.high and self.step > 0):
            raise ValueError(f"{self.label}: a slider needs low < high and a positive step")

    def parse(self, text: str, parsed: dict[str, Any]) -> float:
        whole = _is_whole(self.low, self.high, self.step)
        value = (integer(int(self.low), int(self.high)) if whole else number(self.low, self.high))(text, parsed)
        if not self.on_grid(value):
            raise Invalid(f"{text} is not on the slider's steps of {self.step:g} from {self.low:g}")
        return value

    def on_grid(self, value: float) -> bool:
        steps = (value - self.low) / self.step
        return math.isclose(steps, round(steps), abs_tol=1e-6)

    def dump(self, value: Any) -> str:
        return str(value) if _is_whole(value) else rounded(value)


@dataclass(frozen=True)
class WholeNumber:
    """st.number_input of a whole number from `low` to `high`."""

    label: str
    low: int
    high: int
    help: str | None = None

    def parse(self, text: str, parsed: dict[str, Any]) -> int:
        return integer(self.low, self.high)(text, parsed)

    def dump(self, value: Any) -> str:
        return str(value)


ChoiceKind = Literal["radio", "segmented", "select_slider", "selectbox"]


@dataclass(frozen=True)
class Choice:
    """One of `options`, as a radio, a segmented control, a select slider or a select box; `names` is what the
    widget shows for an option (the option itself, or its number with thousands separated, where absent)."""

    label: str
    options: tuple[Any, ...]
    kind: ChoiceKind = "radio"
    names: Mapping[Any, str] | None = None
    help: str | None = None

    def parse(self, text: str, parsed: dict[str, Any]) -> Any:
        if all(isinstance(o, str) for o in self.options):
            return one_of(self.options)(text, parsed)
        return option_of(self.options)(text, parsed)

    def dump(self, value: Any) -> str:
        return value if isinstance(value, str) else (str(value) if _is_whole(value) else rounded(value))

    def name(self, option: Any) -> str:
        if self.names is not None and option in self.names:
            return self.names[option]
        return option if isinstance(option, str) else f"{option:,g}"


Widget = Slider | WholeNumber | Choice


@dataclass(frozen=True)
class Field:
    """A remembered value: its session-state key, its query parameter, its default and how a query value is
    parsed (raising Invalid) and written. `store` and `shown` replace the plain session-state value where the
    link's value lives elsewhere (the latent code lives per model); such a field is not kept alive by the router.
    A longer query value than `max_length` is ignored unread. `widget`, where the field has one, is its widget's
    declaration: `setting` derives the parser and the writer from it, and `ui.widgets.draw` draws it."""

    key: str
    param: str
    default: Callable[[], Any]
    parse: Parser
    dump: Callable[[Any], str] = str
    store: Callable[[Any], None] | None = None
    shown: Callable[[], Any] | None = None
    max_length: int = MAX_PARAM_LENGTH
    widget: Widget | None = None


def setting(key: str, param: str, default: Any, widget: Widget) -> Field:
    """A field declared by its widget: the link's parser (bounds, the step grid or the options) and its writer come
    from the widget's declaration, and so does what `ui.widgets.draw` draws. The default must be a value the widget
    can hold."""
    if widget.parse(widget.dump(default), {}) != default:
        raise ValueError(f"{param}: the default {default!r} is not a value its widget can hold")
    return Field(key, param, fixed(default), widget.parse, widget.dump, widget=widget)


@dataclass(frozen=True)
class Page:
    """A page of the app. `name` is its URL path and module name; `order` its place in its section."""

    name: str
    title: str
    icon: str
    section: Section
    order: int
    path: str  # the page's file, which Streamlit runs
    uses_digit: bool = True
    fields: tuple[Field, ...] = ()
    warm_up: Callable[[], list[WarmUpTask]] = field(default=lambda: [])
    session: dict[str, Any] = field(default_factory=dict)  # widgets remembered for the session, not in links
    # What a user does again and again here, for the benchmarks and browser tests: "digit" (a new digit in the
    # sidebar), "slider" (a latent slider), a button's key, or "" (nothing: a long job).
    repeat: str = "digit"
    answers: str = ""  # the Start page's question this page answers (start.QUESTIONS), if any
    default: bool = False  # the page an address without a path opens

    @property
    def url(self) -> str:
        """The page's path in the app's address ("" for the default page)."""
        return "" if self.default else self.name


def page(module: str, file: str, **declared: Any) -> Page:
    """The declaration of the page module `module` (its __name__) in `file` (its __file__)."""
    return Page(name=module.rsplit(".", 1)[-1], path=file, **declared)


# --- Parsers of query values -----------------------------------------------------------------------------------


def integer(low: int, high: int) -> Parser:
    def parse(text: str, _: dict[str, Any]) -> int:
        value = whole_number(text)
        if not low <= value <= high:
            raise Invalid(f"{value} is outside {low}–{high}")
        return value

    return parse


def number(low: float, high: float) -> Parser:
    def parse(text: str, _: dict[str, Any]) -> float:
        value = real_number(text)
        if not (math.isfinite(value) and low <= value <= high):
            raise Invalid(f"{text} is outside {low:g}–{high:g}")
        return value

    return parse


def option_of(options: Sequence[float]) -> Parser:
    """A number that must be one of a select slider's `options`: the widget would put its first option in place of
    any other value, and the page a default, without a word. Returns the option itself (an int stays an int)."""

    def parse(text: str, _: dict[str, Any]) -> float:
        value = real_number(text)
        for option in options:
            if math.isclose(value, option, rel_tol=1e-9):
                return option
        raise Invalid(f"{text} is not one of the choices {', '.join(f'{o:,g}' for o in options)}")

    return parse


def one_of(options: Sequence[str] | Callable[[], Sequence[str]]) -> Parser:
    def parse(text: str, _: dict[str, Any]) -> str:
        allowed = options() if callable(options) else options
        if text not in allowed:
            raise Invalid(f"“{text}” is not one of {', '.join(allowed)}")
        return text

    return parse


def model_of(role: Role) -> Parser:
    return one_of(lambda: models_for(role))


def models_of(role: Role) -> Parser:
    def parse(text: str, _: dict[str, Any]) -> list[str]:
        names = [name for name in text.split(",") if name]
        allowed = models_for(role)
        unknown = [name for name in names if name not in allowed]
        if unknown:
            raise Invalid(f"{', '.join(unknown)} is not one of {', '.join(allowed)}")
        return list(dict.fromkeys(names))

    return parse


def code(text: str, _: dict[str, Any]) -> list[float]:
    parts = text.split(",")
    if len(parts) > MAX_CODE_DIMS:
        raise Invalid(f"a code has at most {MAX_CODE_DIMS} numbers")
    try:
        values = [real_number(part.strip(" ")) for part in parts]  # "0.5, 1" as the pages show a code
    except Invalid:
        raise Invalid("it must be numbers separated by commas") from None
    if not all(math.isfinite(v) and abs(v) <= 1e6 for v in values):
        raise Invalid("its numbers must be finite and reasonable")
    return values


def first_model(role: Role, preferred: str) -> Callable[[], str | None]:
    def default() -> str | None:
        names = models_for(role)
        return preferred if preferred in names else (names[0] if names else None)

    return default


def fixed(value: Any) -> Callable[[], Any]:
    return lambda: value


def rounded(value: float) -> str:
    return f"{value:g}"
