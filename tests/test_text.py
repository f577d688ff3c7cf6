"""aemodels.text: a user's text as plain text, a long name shortened, a count with its noun, sizes in megabytes."""

import pytest

from aemodels.text import megabytes, plural, shortened, size_and_limit
from aemodels.text import plain as plain_text


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
