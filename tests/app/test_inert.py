"""aemodels_app.text.inert: a user's text reaches Streamlit's Markdown as plain text. Checked against the rules of the
Markdown Streamlit renders (CommonMark escapes; its directives, maths and shortcodes; the rewrites it makes after
parsing, mirrored from its frontend in apptest_helpers.live_syntax), not against the function's own tables."""

import string

import pytest
from apptest_helpers import as_read, live_syntax, plain

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
