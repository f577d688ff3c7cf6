"""What a user supplies reaches the page as inert text (issue 27, point 1): a link's values and names in the note
about ignored settings, on every page; an uploaded file's name in every caption and heading that shows the digit;
a model's description and the error about a broken model file, both read from its JSON."""

import json
import re
import shutil

import pytest
from apptest_helpers import ROOT, as_read, go, live_syntax, no_errors, photo_bytes, plain, run
from streamlit.testing.v1 import AppTest

from aemodels_app import pages, state
from aemodels_app.pages import reconstruct
from aemodels_app.ui.models import label, zoo_model

NOTE_HEADER = "Some settings in the link were ignored:"
PAYLOADS = {
    "link": "[Session expired - log in again](http://evil.example/phish)",
    "image": "![x](http://host/track.png)",
    "heading": "a\n\n# Heading",
    "colour": ":red[alarm]",
    "maths": "$x^2$",
    "bold": "**bold**",
    "rtl": "\u202egnp.exe",
    "bare": "http://evil.example user@evil.example :streamlit:",
}
MARKDOWN_KINDS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success")


def markdown_sources(at: AppTest) -> list[str]:
    """The Markdown source of every element that renders Markdown, picture captions included."""
    texts = [e.value for kind in MARKDOWN_KINDS for e in at.get(kind)]
    return texts + [c for e in at.get("image") for c in e.captions]


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS)
@pytest.mark.parametrize("page", pages.names())
def test_a_link_value_and_a_link_name_are_shown_as_inert_text(page, payload):
    at = run(page, query={"digit": payload, payload: "1"})
    notes = [i.value for i in at.info if i.value.startswith(NOTE_HEADER)]
    assert len(notes) == 1, [i.value for i in at.info]
    header, *items = notes[0].split("\n")  # the list stays two items: the payload's own newlines are gone
    assert header == NOTE_HEADER and len(items) == 2 and all(item.startswith("- ") for item in items), notes
    for item in items:
        assert live_syntax(item.removeprefix("- ")) == [], item
    read = [plain(item.removeprefix("- ")) for item in items]
    assert f"“{as_read(state.shorten(payload))}” is not a setting of this page" in read, read
    assert f"digit: “{as_read(payload)}” is not a whole number" in read, read
    assert not any(payload in text for text in markdown_sources(at))  # nothing else on the page echoes it raw


HOSTILE_NAME = "**x**[a](http://e).png"
UPLOAD_CAPTION = re.compile(r"your upload \(((?:\\.|[^\\)])*)\)")  # the name, up to the first unescaped ")"


def shown_names(at: AppTest) -> list[str]:
    """The Markdown of the upload's name in each element that shows the digit's caption."""
    return [m.group(1) for text in markdown_sources(at) for m in UPLOAD_CAPTION.finditer(text)]


def test_an_uploaded_file_name_is_shown_as_inert_text_on_every_page_that_names_the_digit():
    at = run("reconstruct")
    at.button_group(key=state.MAIN.source).set_value("Upload").run()
    at.file_uploader(key=state.MAIN.upload).set_value((HOSTILE_NAME, photo_bytes(), "image/jpeg")).run()
    no_errors(at)
    for page in ("reconstruct", "latent", "manifold", "inside_vae", "sparse", "anomaly", "start"):
        go(at, page)
        no_errors(at)
        names = shown_names(at)
        assert names, (page, markdown_sources(at))
        for name in names:
            assert live_syntax(name) == [] and plain(name) == HOSTILE_NAME, (page, name)


@pytest.fixture
def zoo_copy(tmp_path, monkeypatch):
    """A copy of pretrained/ whose JSON files the test may rewrite, used through AEMODELS_PRETRAINED."""
    copy = tmp_path / "pretrained"
    shutil.copytree(ROOT / "pretrained", copy)
    monkeypatch.setenv("AEMODELS_PRETRAINED", str(copy))

    zoo_model.clear()
    label.clear()
    yield copy
    zoo_model.clear()
    label.clear()


def rewrite_record(directory, name: str, **changes) -> None:
    path = directory / f"{name}.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | changes))


def test_a_model_description_from_its_json_is_shown_as_inert_text(zoo_copy):
    description = "![i](http://host/t.png) [a](http://e) **x** :red[y]"
    rewrite_record(zoo_copy, "ae16", description=description)
    at = run("reconstruct")
    at.multiselect(key=reconstruct.MODELS).set_value(["ae16"]).run()
    no_errors(at)
    (line,) = [m.value for m in at.markdown if m.value.startswith("**ae16** · ")]
    shown = line.removeprefix("**ae16** · ")
    assert live_syntax(shown) == [] and plain(shown) == description


def test_the_error_about_a_broken_model_json_is_inert_text(zoo_copy):
    version = "![i](http://host/t.png)"
    rewrite_record(zoo_copy, "ae16", format_version=version)  # read_record quotes it: "has format version '...'"
    at = run("reconstruct")
    at.multiselect(key=reconstruct.MODELS).set_value(["ae16"]).run()
    (error,) = [e.value for e in at.error]
    said = error.removeprefix("The model **ae16** cannot be used: ")
    assert live_syntax(said) == [] and repr(version) in plain(said), error
