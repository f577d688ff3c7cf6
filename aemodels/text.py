"""Text a user supplied (a link's values and names, an uploaded file's name, a model's description or error),
made inert for Streamlit's Markdown: it reads as typed and never becomes a link, an image, a heading, colour,
maths or a fetch from another host.

Streamlit renders GitHub-flavoured Markdown (https://github.github.com/gfm) in st.markdown, st.caption, the alert
boxes (st.info, st.error, ...), headers, image captions, progress texts, widget labels and the options of radio
buttons, pills and segmented controls; not in select boxes' or multiselects' options. On top of GFM it has its
own syntax (the docstring of st.markdown): `:red[...]`-style directives, `$...$` maths, `:material/icon:`, emoji
and `:streamlit:` shortcodes, and `->`, `<=`-style arrows and symbols.

Two kinds of defence are needed. CommonMark lets any ASCII punctuation be backslash-escaped (spec 0.31, section
2.4), which stops everything the parser sees: emphasis, links, images, headings, lists, code, HTML and entities,
directives and maths. But some rewrites run after parsing, on the text that is left, where a backslash has already
gone: GFM's bare-URL and e-mail links (`http://`, `www.`, `a@b.c`), the shortcodes and the arrows. These are broken
with an invisible word joiner (U+2060) inside the pattern. Newlines and other control characters would start new
blocks (a heading on its own line), so they become spaces; bidirectional controls, which would reorder what is
shown (`exe.png` written backwards), are shown by name instead.
"""

from __future__ import annotations

import math
import re

# The characters GFM and Streamlit give a meaning, each escaped with a backslash. `&` starts an entity (`&#x202E;`
# is an invisible bidi control once parsed).
MARKDOWN_SPECIAL = frozenset("\\`*_[](){}#+-.!|<>~:$&")
# Unicode's explicit directional formatting characters (UAX #9, section 2): embeddings, overrides, isolates, marks.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
WORD_JOINER = "\u2060"  # invisible, and never a line break; ends a pattern without showing
# Runs of spaces, C0 and C1 control characters (newline, tab, NUL, NEL ...), line and paragraph separators.
_BREAKS = re.compile(r"[\x00-\x20\x7f-\x9f\u2028\u2029]+")
# Where Streamlit's after-parsing rewrites would match (its StreamlitMarkdown, and mdast-util-gfm-autolink-literal):
# after a colon (`http://`, `:smile:`, `:streamlit:`, `:material_icon:`), before `@` (e-mail), between `www` and `.`,
# and inside the arrows and symbols `<->` `->` `<-` `--` `>=` `<=` `~=`.
_REWRITES = re.compile(r"(?<=:)(?=\S)|(?=@)|(?<=www)(?=\.)|(?<=[<>~-])(?=[>=-])", re.IGNORECASE)


def inert(text: str) -> str:
    """`text` as Markdown that shows it as plain text on one line, for any Markdown-rendering Streamlit call.

    Never for a plain-text place (a select box's options, st.text, a component's textContent): there the
    backslashes would show. Bidi controls show as "[U+202E]"; whitespace and control characters become one space."""
    shown = plain(text)
    shown = _REWRITES.sub(WORD_JOINER, shown)
    return "".join("\\" + c if c in MARKDOWN_SPECIAL else c for c in shown)


def plain(text: str) -> str:
    """`text` as plain text on one line, for a place that shows text as given (a select box's options, a component's
    textContent): bidi controls named ("[U+202E]"), runs of whitespace and control characters one space, and none at
    either end (a bold title that began with a control character showed its asterisks)."""
    shown = "".join(f"[U+{ord(c):04X}]" if c in BIDI_CONTROLS else c for c in text)
    return _BREAKS.sub(" ", shown).strip(" ")


def shortened(text: str, limit: int = 80) -> str:
    """A user's name (a file's, an entry's) cut to `limit` characters, its end kept ("…" in the middle): a name of
    60,000 characters filled the error box that quoted it, and a name's end (its extension) says the most."""
    if len(text) <= limit:
        return text
    tail = limit // 3
    return text[: limit - tail - 1] + "…" + text[-tail:]


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """ "1 file", "2 files", "1,000 pictures": the count with its noun in the right number."""
    return f"{count:,} {noun if count == 1 else (nouns or noun + 's')}"


def megabytes(size: float, figures: int = 3) -> str:
    """A size in megabytes (2**20 bytes) to `figures` significant figures, never in exponent form ("1,020", not
    "1.02e+03"), trailing zeros dropped as the "g" format drops them ("10", "0.5")."""
    value = size / MB
    if value == 0:
        return "0"
    decimals = max(0, figures - 1 - math.floor(math.log10(abs(value))))
    shown = f"{value:,.{decimals}f}"
    return shown.rstrip("0").rstrip(".") if "." in shown else shown


MB = 2**20


def size_and_limit(size: float, limit: float) -> tuple[str, str]:
    """A size over a limit and the limit, as megabytes (2**20 bytes) that read as the different numbers they are:
    the limit to three figures ("10 MB"), the size to as many figures as it takes to read larger ("10.001 MB" for
    10,486,784 bytes, which one decimal made "10.0 MB"); both in bytes where seven figures do not tell them apart."""
    shown_limit = megabytes(limit)
    for figures in range(3, 8):
        shown = megabytes(size, figures)
        if shown != shown_limit and float(shown.replace(",", "")) > float(shown_limit.replace(",", "")):
            return f"{shown} MB", f"{shown_limit} MB"
    return f"{size:,.0f} bytes", f"{limit:,.0f} bytes"
