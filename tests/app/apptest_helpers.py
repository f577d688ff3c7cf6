"""Helpers shared by the AppTest tests: running the app on a page, and reading what it shows."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from streamlit.testing.v1 import AppTest

from aemodels_app import pages
from aemodels_app.text import WORD_JOINER
from labtools.apptest import open_app
from labtools.samples import blank_bytes, photo_bytes

ROOT = Path(__file__).resolve().parents[2]  # tests/app/ -> the checkout
__all__ = [
    "ROOT",
    "as_read",
    "blank_bytes",
    "captions",
    "go",
    "image_by_caption",
    "live_syntax",
    "metric_values",
    "no_errors",
    "photo_bytes",
    "plain",
    "run",
]


def run(page: str, *, timeout: float = 120, query: dict[str, str] | None = None) -> AppTest:
    """Run the whole app (router, sidebar digit, URL state) opened on a page of the registry; no exception may
    escape it. `query` is the URL's query string, as a link would carry it."""
    at = open_app(page, timeout=timeout, query=query)
    assert not at.exception, [e.value for e in at.exception]
    return at


def go(at: AppTest, page: str) -> AppTest:
    """Switch the running app to another page, as the sidebar's navigation does."""
    at.switch_page(pages.get(page).path)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


# What Streamlit's Markdown gives a meaning (GFM, its directives, maths, entities), and the rewrites its frontend
# makes after parsing, on the text that is left (StreamlitMarkdown and mdast-util-gfm-autolink-literal in
# streamlit/static): a bare URL, an e-mail address, an emoji, logo or icon shortcode, an arrow.
LIVE_CHARACTERS = set("\\`*_[](){}#+-.!|<>~:$&")
AFTER_PARSING = [
    re.compile(r"https?://|www(?=\.)", re.IGNORECASE | re.ASCII),
    re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+", re.ASCII),
    re.compile(r":\+1:|:-1:|:[\w-]+:", re.ASCII),
    re.compile(r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)"),
]
BEFORE_PARSING = [re.compile(r":material/"), re.compile(r":[a-z][a-z0-9-]*\[")]  # icons; :red[...] directives
BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark's backslash escapes: ASCII punctuation only


def plain(markdown: str) -> str:
    """What a reader sees of Markdown whose user-supplied parts were made inert (aemodels_app.text.inert): the text
    without its backslash escapes and word joiners. An element's `.value` is its Markdown source."""
    return ESCAPED.sub(r"\1", markdown).replace(WORD_JOINER, "")


def live_syntax(markdown: str) -> list[str]:
    """What in one line of Markdown would not read as plain text: unescaped Markdown characters, a line break or
    control character, a bidi control, a source pattern Streamlit rewrites before parsing, or a text pattern it
    rewrites after. [] for inert text."""
    found = [f"unescaped {c!r}" for c in sorted(set(ESCAPED.sub("", markdown)) & LIVE_CHARACTERS)]
    found += [f"control {c!r}" for c in markdown if unicodedata.category(c) == "Cc" or c in "\u2028\u2029"]
    found += [f"bidi {c!r}" for c in markdown if ord(c) in BIDI]
    found += [f"source {m.group()!r}" for pattern in BEFORE_PARSING for m in pattern.finditer(markdown)]
    text = ESCAPED.sub(r"\1", markdown)  # what the parser leaves (word joiners stay)
    return found + [f"text {m.group()!r}" for pattern in AFTER_PARSING for m in pattern.finditer(text)]


def as_read(text: str) -> str:
    """What a reader should see of a user's text on one line: bidi controls named, each run of spaces and control
    characters one space."""
    named = "".join(f"[U+{ord(c):04X}]" if ord(c) in BIDI else c for c in text)
    spaced = "".join(" " if c == " " or unicodedata.category(c) == "Cc" or c in "\u2028\u2029" else c for c in named)
    return re.sub(" +", " ", spaced)


def image_by_caption(at: AppTest, text: str) -> str:
    for element in at.get("image"):
        for url, caption in zip(element.value, element.captions, strict=True):
            if text in plain(caption):
                return url
    raise AssertionError(f"no picture captioned {text!r}; captions: {captions(at)}")


def captions(at: AppTest) -> list[str]:
    """The pictures' captions as a reader sees them (plain)."""
    return [plain(c) for e in at.get("image") for c in e.captions]


def metric_values(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


def digit_maps(at: AppTest) -> list[dict]:
    """The data of the page's canvas maps (components/scatter.js), as the browser gets it."""
    found = at.get("bidi_component")
    return [json.loads(e.proto.json) for e in found if "aemodels_scatter" in e.proto.component_name]
