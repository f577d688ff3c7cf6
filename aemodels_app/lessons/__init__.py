"""Lessons: a guided path of views. A lesson is a small TOML file (docs/lessons.md): a title and steps, each a view
(a page of the app and the settings its link would carry) with a few sentences and one thing to try. The shipped
lessons are the TOML files beside this module; a teacher's own comes as an uploaded file or inside a link.

A lesson file is user input. `parse` raises `LessonError` only for a file that cannot be read as a lesson at all
(too big, not UTF-8, not TOML, no steps); anything else wrong (an unknown page, a setting the page refuses, a value of
the wrong type, too many steps, a text too long) is left out with a plain note that names the step. A lesson never
runs code: its settings are strings handed to the same parsers as a link's values (`state.parse_query`), and its
texts are shown as inert text (`shown`).

This module is in the app, not in `aemodels/`: checking a step means checking its page against the app's page
registry and its settings against that page's fields, which only the app knows. It draws nothing (the player is
`aemodels_app.ui.lesson`), so it is tested without a running app.
"""

from __future__ import annotations

import base64
import binascii
import re
import tomllib
import zlib
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from aemodels_app import state
from aemodels_app.pages import registry
from aemodels_app.text import inert

SHIPPED = ("manifold", "pca_to_vae")  # the lessons in this folder (NAME.toml), in the order the Start page offers them
MAX_LESSON_BYTES = 32_000  # a lesson file, or the text a link's lesson unpacks to
MAX_STEPS = state.MAX_STEPS  # the link's step parameter allows no more
MAX_TITLE = 120  # characters
MAX_SUMMARY = 300
MAX_TEXT = 1_500
MAX_TRY = 500
MAX_SETTINGS = 24  # per step
# The shape of a lesson's TOML, checked before it is parsed. Python's TOML parser takes time quadratic in the parts of
# a dotted key (a.a.a… of 16,000 parts, which a 154-character link unpacks to, cost 3.5 to 9.5 s of CPU), and turns
# an integer of more than 4,300 digits into an error of its own. A lesson's keys have at most three parts
# (steps.settings.name) and its numbers a few digits.
MAX_KEY_PARTS = 8
MAX_NUMBER_CHARS = 32
LINK_PREFIX = "z."  # a lesson written into a link: "z." + its TOML, zlib-compressed, in URL-safe base64
LESSON_KEYS = ("title", "summary", "steps")
STEP_KEYS = ("page", "digit", "settings", "text", "try")
UNTITLED = "Untitled lesson"


class LessonError(ValueError):
    """A lesson that cannot be played at all; the message says why in plain words."""


@dataclass(frozen=True)
class Step:
    """One view of a lesson: its page (None where the file named none that exists: the view is left as it is), the
    settings its link would carry (only those the page's parsers accept; the app's digit among them), and what the
    student reads. `notes` says what was left out of it, each note naming the step."""

    page: str | None
    settings: dict[str, str]  # read-only: lessons are cached and shared
    text: str
    try_this: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lesson:
    title: str
    steps: tuple[Step, ...]
    summary: str = ""
    notes: tuple[str, ...] = ()  # about the file as a whole: unknown keys, a missing title, steps left out

    def all_notes(self) -> list[str]:
        return [*self.notes, *(note for step in self.steps for note in step.notes)]


# --- Reading a lesson --------------------------------------------------------------------------------------------


def parse(data: str | bytes) -> Lesson:
    """The lesson in a TOML text; LessonError where there is none to play."""
    if isinstance(data, str):
        data = data.encode("utf-8", errors="replace")
    if len(data) > MAX_LESSON_BYTES:
        raise LessonError(f"it is {len(data):,} bytes; a lesson is at most {MAX_LESSON_BYTES:,}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise LessonError("it is not text (UTF-8)") from None
    check_shape(text)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise LessonError(f"it is not a TOML file ({err})") from None
    except RecursionError:  # arrays nested thousands deep
        raise LessonError("it is not a TOML file (nested too deep)") from None
    except (ValueError, OverflowError, MemoryError):  # a last line: whatever else the parser refuses
        raise LessonError("it is not a TOML file that can be read") from None
    return _lesson(raw)


# Both start only where a word starts and never give back what they took (possessive), so each is linear in the text.
_DOTTED = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]++(?:[ \t]*+\.[ \t]*+[A-Za-z0-9_-]++)++")
_LONG_NUMBER = re.compile(rf"(?<![A-Za-z0-9_.+-])[+-]?[0-9][0-9A-Za-z_.+-]{{{MAX_NUMBER_CHARS},}}+")


def skeleton(text: str) -> str:
    """The TOML text with its comments left out and each string (a quoted key or a value, of any of TOML's four
    kinds) replaced by `s`: what is left is keys, numbers and punctuation. One pass, linear in the text (a regular
    expression over strings with escapes can take quadratic time on an unclosed one)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif c in "\"'":
            triple = text.startswith(c * 3, i)
            quote = c * 3 if triple else c
            j = i + len(quote)
            while j < n:
                if text.startswith(quote, j):
                    break
                if c == '"' and text[j] == "\\":
                    j += 1  # an escaped character, a quote included
                elif not triple and text[j] == "\n":
                    break  # a one-line string left open: the parser will say so
                j += 1
            out.append("s")
            i = j + len(quote)
            while triple and i < n and text[i] == c:  # a closing """" holds a quote of the string's own
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def check_shape(text: str) -> None:
    """LessonError, before the TOML parser sees it, for a text whose keys have more than MAX_KEY_PARTS parts or that
    holds a number (or a bare key starting with a digit) of more than MAX_NUMBER_CHARS characters. Strings and
    comments may hold anything."""
    bare = skeleton(text)
    for match in _DOTTED.finditer(bare):
        parts = match.group().count(".") + 1
        if parts > MAX_KEY_PARTS:
            raise LessonError(
                f"it has a key of {parts:,} parts joined by dots; a lesson's keys have at most {MAX_KEY_PARTS}"
            )
    number = _LONG_NUMBER.search(bare)
    if number is not None:
        raise LessonError(
            f"it holds a number of {len(number.group()):,} characters; a lesson's numbers have at most "
            f"{MAX_NUMBER_CHARS}"
        )


def _lesson(raw: dict[str, Any]) -> Lesson:
    notes = [
        f"“{state.shorten(key)}” is not part of a lesson (only {', '.join(LESSON_KEYS)})"
        for key in raw
        if key not in LESSON_KEYS
    ]
    title = _text(raw.get("title"), MAX_TITLE, "the title", notes)
    if not title:
        if "title" not in raw:
            notes.append("the lesson has no title")
        title = UNTITLED
    summary = _text(raw.get("summary"), MAX_SUMMARY, "the summary", notes)
    given = raw.get("steps")
    if not isinstance(given, list) or not given:
        raise LessonError("it has no steps: write each step as a [[steps]] table")
    if len(given) > MAX_STEPS:
        notes.append(f"the lesson has {len(given)} steps; only the first {MAX_STEPS} are played")
        given = given[:MAX_STEPS]
    steps: list[Step] = []
    for number, entry in enumerate(given, start=1):
        if isinstance(entry, dict):
            steps.append(_step(entry, len(steps) + 1))
        else:
            notes.append(f"entry {number} of the steps is not a table of page, text and settings: left out")
    if not steps:
        raise LessonError("none of its steps is a table of page, text and settings")
    return Lesson(title=title, steps=tuple(steps), summary=summary, notes=tuple(notes))


def _step(raw: dict[str, Any], number: int) -> Step:
    where = f"step {number}"
    notes = [
        f"{where}: “{state.shorten(key)}” is not part of a step (only {', '.join(STEP_KEYS)})"
        for key in raw
        if key not in STEP_KEYS
    ]
    text = _text(raw.get("text"), MAX_TEXT, f"{where}: its text", notes)
    if not text:
        notes.append(f"{where} has no text")
    try_this = _text(raw.get("try"), MAX_TRY, f"{where}: its “try”", notes)
    page = raw.get("page")
    if page is None:
        notes.append(f"{where} names no page: it leaves the view as it is")
    elif not isinstance(page, str) or page not in registry():
        named = f"there is no page “{state.shorten(page)}”" if isinstance(page, str) else "its page must be a name"
        notes.append(f"{where}: {named} (the pages: {', '.join(registry())}); the view stays")
        page = None
    settings = _settings(raw.get("settings", {}), raw.get("digit"), where, notes)
    if page is not None:
        fields = [f for f in state.fields_for(page) if f not in state.LESSON_FIELDS]
        parsed, problems = state.parse_query(fields, settings, where=f"the page {page}")
        notes += [f"{where}: {problem}" for problem in problems]
        settings = {f.param: settings[f.param] for f in fields if f.key in parsed}
    elif settings:
        settings = {}  # there is no page to check them against
    return Step(page=page, settings=settings, text=text, try_this=try_this, notes=tuple(notes))


def _settings(given: object, digit: object, where: str, notes: list[str]) -> dict[str, str]:
    """A step's settings as the strings a link would carry: TOML strings, numbers and lists of them (joined with
    commas, as the link writes a list of models); the step's `digit` is the test digit."""
    if not isinstance(given, dict):
        notes.append(f"{where}: its settings must be a table of names and values")
        given = {}
    if len(given) > MAX_SETTINGS:
        notes.append(f"{where} has {len(given)} settings; only the first {MAX_SETTINGS} are read")
    settings: dict[str, str] = {}
    for name, value in list(given.items())[:MAX_SETTINGS]:
        text = _setting_text(value)
        if text is None:
            notes.append(f"{where}: the setting “{state.shorten(name)}” must be text or a number")
        else:
            settings[name] = text
    if digit is not None:
        if isinstance(digit, bool) or not isinstance(digit, int):
            notes.append(f"{where}: its digit must be a whole number (the index of a test digit)")
        elif "digit" in settings:
            notes.append(f"{where}: the digit is given twice; the one in its settings is used")
        else:
            settings["digit"] = str(digit)
            settings.setdefault("source", "test")
    return settings


def _setting_text(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list) and value and all(isinstance(v, str | int | float) for v in value):
        parts = [_setting_text(v) for v in value]
        return None if None in parts else ",".join(str(part) for part in parts)
    return None


_EDGES = "".join(map(chr, (*range(0x21), *range(0x7F, 0xA1)))) + "\u2028\u2029\ufeff"  # spaces and controls


def _text(value: object, limit: int, what: str, notes: list[str]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        notes.append(f"{what} must be text")
        return ""
    value = value.strip().strip(_EDGES)  # a title of control characters alone is no title
    if len(value) > limit:
        notes.append(f"{what} is {len(value):,} characters; the first {limit:,} are shown")
        value = value[: limit - 1] + "…"
    return value


# --- Where lessons come from ---------------------------------------------------------------------------------------


@cache
def shipped(name: str) -> Lesson:
    """A lesson of this folder by its name (SHIPPED)."""
    return parse(resources.files(__name__).joinpath(f"{name}.toml").read_bytes())


@lru_cache(maxsize=32)
def _parsed(text: str) -> Lesson:
    return parse(text)


def load(ref: str, uploaded: str | None = None) -> Lesson:
    """The lesson a link's `lesson` value names: a shipped one, one written into the link, or (UPLOADED_LESSON) the
    file this session uploaded, whose text is `uploaded`. LessonError, in plain words, where it cannot be played."""
    if ref in SHIPPED:
        return shipped(ref)
    if ref.startswith(LINK_PREFIX):
        return _parsed(decode(ref))
    if ref == state.UPLOADED_LESSON:
        if uploaded is None:
            raise LessonError(
                "the link was made with an uploaded lesson too long to carry in a link: upload its file again "
                "in the sidebar (Lessons)"
            )
        return _parsed(uploaded)
    raise LessonError(f"there is no lesson called “{state.shorten(ref)}” (the lessons: {', '.join(SHIPPED)})")


def encode(text: str) -> str:
    """A lesson's TOML written into a link's `lesson` value: LINK_PREFIX + zlib + URL-safe base64 (no padding)."""
    packed = base64.urlsafe_b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii").rstrip("=")
    return LINK_PREFIX + packed


def decode(ref: str) -> str:
    """The TOML text of a lesson written into a link (`encode`); LessonError where it is damaged or unpacks to more
    than MAX_LESSON_BYTES (a small value can unpack to gigabytes: it is unpacked no further than that)."""
    body = ref.removeprefix(LINK_PREFIX)
    damaged = LessonError("the lesson in the link is damaged (cut short or mistyped)")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", body):
        raise damaged
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        unpacker = zlib.decompressobj()
        data = unpacker.decompress(packed, MAX_LESSON_BYTES + 1)
    except (binascii.Error, ValueError, zlib.error):
        raise damaged from None
    if len(data) > MAX_LESSON_BYTES or unpacker.unconsumed_tail:
        raise LessonError(f"the lesson in the link unpacks to more than {MAX_LESSON_BYTES:,} bytes")
    if not unpacker.eof:
        raise damaged
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise LessonError("the lesson in the link is not text (UTF-8)") from None


# --- Writing a lesson --------------------------------------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def to_toml(lesson: Lesson) -> str:
    """The lesson as a TOML file that `parse` reads back as the same title, summary and steps."""
    lines = [f"title = {_string(lesson.title)}"]
    if lesson.summary:
        lines.append(f"summary = {_string(lesson.summary)}")
    for step in lesson.steps:
        lines += ["", "[[steps]]"]
        if step.page is not None:
            lines.append(f"page = {_string(step.page)}")
        lines.append(f"text = {_string(step.text)}")
        if step.try_this:
            lines.append(f"try = {_string(step.try_this)}")
        if step.settings:
            lines.append("[steps.settings]")
            lines += [f"{_key(name)} = {_string(value)}" for name, value in step.settings.items()]
    return "\n".join(lines) + "\n"


def _key(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else _string(name)


def _string(text: str) -> str:
    """A TOML basic string, or a multi-line one (easier to edit) for a text with line breaks."""
    multi = "\n" in text

    def escaped(c: str) -> str:
        if c in '"\\':
            return "\\" + c
        if c == "\n" and multi:
            return c
        if c == "\t":
            return c
        if ord(c) < 0x20 or ord(c) == 0x7F:
            return f"\\u{ord(c):04X}"
        return c

    body = "".join(escaped(c) for c in text)
    return f'"""\n{body}"""' if multi else f'"{body}"'


# --- Showing a lesson's text -------------------------------------------------------------------------------------


def shown(text: str) -> str:
    """A lesson's text as Markdown that shows it as typed (aemodels_app.text.inert), paragraph by paragraph: a blank
    line starts a new one; nothing in it becomes a link, an image, HTML, a heading or a list."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n\n".join(inert(p) for p in paragraphs)
