"""Words for what a user supplied and for sizes, in the library's messages: a user's text as plain text on one line
(`plain`: control characters as spaces, bidirectional controls named, so `exe.png` written backwards shows as
such), a long name shortened with its end kept, a count with its noun, megabytes without exponents, and a size over
a limit that reads larger than it. Making a text inert for Streamlit's Markdown is the app's (aemodels_app.text)."""

from __future__ import annotations

import math
import re

# Unicode's explicit directional formatting characters (UAX #9, section 2): embeddings, overrides, isolates, marks.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Runs of spaces, C0 and C1 control characters (newline, tab, NUL, NEL ...), line and paragraph separators.
_BREAKS = re.compile(r"[\x00-\x20\x7f-\x9f\u2028\u2029]+")


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
