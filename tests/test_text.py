"""aemodels_app.text.inert: a user's text reaches Streamlit's Markdown as plain text. Checked against the rules of the
Markdown Streamlit renders (CommonMark escapes; its directives, maths and shortcodes; the rewrites it makes after
parsing, mirrored from its frontend in apptest_helpers.live_syntax), not against the function's own tables."""

import string

import pytest
from apptest_helpers import as_read, live_syntax, plain

from aemodels.text import megabytes, plural, shortened, size_and_limit
from aemodels.text import plain as plain_text
from aemodels_app.text import MARKDOWN_SPECIAL, inert

PAYLOADS = [
    "[Session expired - log in again](http://evil.example/phish)",
    "![x](http://host/track.png)",
    "a\n\n# Heading",
    ":red[alarm] and :blue-background[calm] and :color[x]{foreground=red}",
    "$x^2$ and $$\\int$$",
    "**bold** _it_ ~~gone~~ `code`",
    "\u202egnp.exe",
    "<img src=http://host/t.png> <http://evil.example> <b>html</b>",
    "http://evil.example www.evil.example user@evil.example",
    ":smile: :+1: :streamlit: :material/home: :material_home:",
    "a -> b <- c <-> d -- e >= f <= g ~= h",
    "&#x202E; &lt;b&gt; &amp;",
    "1. list\n- item\n> quote\n    code\n| a | b |\n|---|---|",
    "[a]: http://evil.example\n[a] [^1] ![x][a]",
    "trailing backslash \\",
]


@pytest.mark.parametrize("text", PAYLOADS)
def test_a_payload_has_no_live_syntax_and_reads_as_typed(text):
    shown = inert(text)
    assert live_syntax(shown) == [], (text, shown)
    assert plain(shown) == as_read(text)


# Each character the brief names: escaped on its own, in a word, at the start of a line.
SPECIAL = "\\`*_[](){}#+-.!|<>~:$"


@pytest.mark.parametrize("char", list(SPECIAL))
def test_every_markdown_character_is_escaped(char):
    for text in (char, f"a{char}b", f"{char}{char}{char} x"):
        shown = inert(text)
        assert "\\" + char in shown and live_syntax(shown) == [], (text, shown)
        assert plain(shown) == text


def test_only_ascii_punctuation_is_escaped():
    """CommonMark escapes only ASCII punctuation (spec section 2.4); a backslash before anything else would show."""
    assert set(SPECIAL) | {"&"} <= MARKDOWN_SPECIAL <= set(string.punctuation)
    for text in ("vae16", "test digit 42", "σ ≥ 0 · x̂ — ünïcödé 七", "your model"):
        assert inert(text) == text


@pytest.mark.parametrize(
    "text,expected",
    [
        ("a\nb", "a b"),
        ("a\r\n\r\nb", "a b"),
        ("a\tb", "a b"),
        ("a\x00b\x1bc", "a b c"),
        ("a\x85b\u2028c\u2029d", "a b c d"),
        ("a    b", "a b"),  # four spaces would start an indented code block on a line of their own
        ("    indented", "indented"),  # and none at either end
        ("\x01Title\n", "Title"),
    ],
)
def test_newlines_and_control_characters_become_one_space(text, expected):
    assert inert(text) == expected


def test_a_bold_title_that_begins_with_a_control_character_is_still_bold():
    """Issue 36.7: "**" + inert(title) + "**" showed its asterisks when the title began with a control character
    (CommonMark's ** must not be followed by a space to open emphasis)."""
    for title in ("\x01Lesson", "\u0085Lesson ", "\tLesson\x7f"):
        assert f"**{inert(title)}**" == "**Lesson**"


def test_plain_text_names_bidi_controls_and_keeps_markdown_characters():
    """For a select box's options (plain text): no backslashes, but an override shown by name, not obeyed."""
    assert plain_text("my *model*\u202egnp.exe\n") == "my *model*[U+202E]gnp.exe"


@pytest.mark.parametrize(
    "size,expected", [(1.02e3 * 2**20, "1,020"), (48 * 2**20, "48"), (0.5 * 2**20, "0.5"), (2**30 * 5, "5,120")]
)
def test_megabytes_never_read_in_exponent_form(size, expected):
    assert megabytes(size) == expected


def test_a_count_agrees_with_its_noun():
    assert [plural(n, "file") for n in (0, 1, 2, 1000)] == ["0 files", "1 file", "2 files", "1,000 files"]
    assert plural(1, "entry", "entries") == "1 entry" and plural(3, "entry", "entries") == "3 entries"


def test_a_long_name_is_shortened_with_its_end_kept():
    shown = shortened("x" * 60_000 + ".png", 80)
    assert len(shown) == 80 and shown.endswith(".png") and "…" in shown
    assert shortened("short.png") == "short.png"


@pytest.mark.parametrize(
    "char", ["\u061c", "\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]
)
def test_bidi_controls_are_shown_by_name(char):
    shown = inert(f"photo{char}gnp.exe")
    assert char not in shown
    assert plain(shown) == f"photo[U+{ord(char):04X}]gnp.exe"


def test_the_rewrites_after_parsing_are_broken_invisibly():
    """Bare URLs, e-mail addresses, shortcodes and arrows are matched on the parsed text, where backslashes are gone:
    a word joiner breaks them, and the reader sees the same characters."""
    for text in ("http://e.example", "www.e.example", "a@e.example", ":smile:", ":streamlit:", "x -> y"):
        shown = inert(text)
        assert "\u2060" in shown and live_syntax(shown) == [] and plain(shown) == text


@pytest.mark.parametrize(
    "size,limit,expected",
    [
        (10_486_784, 10 * 2**20, ("10.001 MB", "10 MB")),  # one decimal read "10.0 MB" (issue 27.4f)
        (12 * 2**20, 10 * 2**20, ("12 MB", "10 MB")),
        (10.5 * 2**20, 10 * 2**20, ("10.5 MB", "10 MB")),
        (0.197 * 2**20, 1000, ("0.197 MB", "0.000954 MB")),
        (10 * 2**20 + 1, 10 * 2**20, ("10,485,761 bytes", "10,485,760 bytes")),  # seven figures are not enough
    ],
)
def test_a_size_over_a_limit_reads_larger_than_it(size, limit, expected):
    assert size_and_limit(size, limit) == expected
