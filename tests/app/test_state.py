"""One digit and one set of choices for the whole app, and the view in the URL (aemodels_app/state.py)."""

import pytest
from apptest_helpers import captions, go, image_by_caption, no_errors, photo_bytes, plain, run
from streamlit.testing.v1 import AppTest

from aemodels_app import state
from aemodels_app.page import Invalid, code, integer, models_of, number
from aemodels_app.pages import denoise, latent, manifold, reconstruct, registry


def page_text(at: AppTest) -> str:
    """Everything a user reads on the page: headings, text, captions, picture captions, notes."""
    kinds = ("title", "header", "subheader", "markdown", "caption", "info")
    parts = [plain(e.value) for kind in kinds for e in at.get(kind)]
    return "\n".join([*parts, *captions(at)])


def test_an_upload_is_the_digit_of_every_page_and_survives_every_switch():
    at = run("reconstruct")
    at.button_group(key=state.MAIN.source).set_value("Upload").run()
    at.file_uploader(key=state.MAIN.upload).set_value(("seven.jpg", photo_bytes(), "image/jpeg")).run()
    no_errors(at)
    assert "Input: your upload (seven.jpg)" in captions(at)
    go(at, "denoise")
    clean = image_by_caption(at, "Clean")
    for page, shown in [
        ("latent", "Starting point: your upload (seven.jpg)"),
        ("manifold", "at your upload (seven.jpg)"),
        ("inside_vae", "q(z|x) for your upload (seven.jpg)"),
        ("sparse", "The code of your upload (seven.jpg)"),
        ("anomaly", "your upload (seven.jpg)"),
        ("sample", "Sampling"),  # a page without the digit in between
        ("reconstruct", "Input: your upload (seven.jpg)"),
    ]:
        go(at, page)
        no_errors(at)
        assert shown in page_text(at), page
    go(at, "denoise")
    assert image_by_caption(at, "Clean") == clean  # the same prepared 28×28, not a test digit
    assert plain(at.session_state[state.MAIN.upload_digit][1]) == "your upload (seven.jpg)"
    assert len(at.session_state[state.MAIN.upload_digit][0]) == 784  # the prepared array is kept, not the file


def test_a_page_remembers_its_model_choice_when_the_user_comes_back():
    at = run("manifold")
    at.selectbox(key=manifold.MODEL).set_value("linear16").run()
    at.slider(key=manifold.EPS).set_value(2.0).run()
    go(at, "denoise")
    go(at, "reconstruct")
    go(at, "manifold")
    no_errors(at)
    assert at.selectbox(key=manifold.MODEL).value == "linear16"
    assert at.slider(key=manifold.EPS).value == 2.0
    assert "Tangent directions of linear16" in page_text(at)


def test_the_url_carries_the_view_and_a_new_session_restores_it():
    at = run("reconstruct")
    at.number_input(key=state.MAIN.index).set_value(42).run()
    at.multiselect(key=reconstruct.MODELS).set_value(["ae2", "vae16"]).run()
    assert at.query_params == {"digit": "42", "models": "ae2,vae16"}
    shown = {c: image_by_caption(at, c) for c in captions(at) if not c.startswith("#")}
    reloaded = run("reconstruct", query={k: str(v) for k, v in at.query_params.items()})  # a reload: a new session
    no_errors(reloaded)
    assert not reloaded.info  # nothing was ignored
    assert {c: image_by_caption(reloaded, c) for c in captions(reloaded) if not c.startswith("#")} == shown


def test_page_settings_and_the_latent_code_round_trip_through_the_url():
    at = run("denoise")
    at.button_group(key=denoise.KIND).set_value("occlusion").run()
    at.slider(key=denoise.LEVEL).set_value(12.0).run()
    at.number_input(key=denoise.SEED).set_value(5).run()
    assert at.query_params == {"noise": "occlusion", "level": "12", "seed": "5"}
    again = run("denoise", query=at.query_params)
    assert image_by_caption(again, "Noisy") == image_by_caption(at, "Noisy")

    sliders = run("latent")
    sliders.toggle(key=latent.LIVE).set_value(False).run()
    slider = next(s for s in sliders.slider if s.key.startswith("latent_vae16_"))
    slider.set_value(2.5).run()
    code = sliders.query_params["z"]
    assert "2.50" in code.split(",")
    restored = run("latent", query=sliders.query_params)
    restored.toggle(key=latent.LIVE).set_value(False).run()
    assert restored.session_state[latent.code_key("vae16")] == pytest.approx(
        [float(v) for v in code.split(",")], abs=0.006
    )


def test_a_link_made_with_an_upload_says_so_and_carries_on_with_a_test_digit():
    at = run("reconstruct", query={"source": "upload", "digit": "5"})
    no_errors(at)
    notes = " ".join(i.value for i in at.info)
    assert "links cannot carry pictures" in notes and "upload it again" in notes
    assert any(c.startswith("Input: test digit #5") and "until yours is ready" in c for c in captions(at))


@pytest.mark.parametrize(
    "query,note",
    [
        ({"models": "ae2,evil"}, "evil is not one of"),
        ({"digit": "5000"}, "5000 is outside 0–1999"),
        ({"digit": "-1"}, "-1 is outside 0–1999"),
        ({"digit": "seven"}, "“seven” is not a whole number"),
        ({"digit": "1e400"}, "is not a whole number"),
        ({"digit": "x" * 100_000}, "is too long (100,000 characters)"),
        ({"x" * 100_000: "1"}, "is not a setting of this page"),
        ({"source": "<script>alert(1)</script>"}, "is not one of test, upload, draw"),
    ],
)
def test_a_bad_or_hostile_query_value_is_ignored_with_a_plain_note(query, note):
    at = run("reconstruct", query=query)
    no_errors(at)
    notes = [plain(i.value) for i in at.info if "ignored" in i.value]
    assert len(notes) == 1 and note in notes[0], notes
    assert any(c.startswith("Input: test digit #0") for c in captions(at))  # the page carries on with its default


@pytest.mark.parametrize(
    "page,query,note",
    [
        ("latent", {"model": "nope"}, "model: “nope” is not one of"),
        ("latent", {"z": "1,2"}, "the link's code has 2 numbers, vae16 has 16"),
        ("latent", {"z": "1,nan,3"}, "must be finite"),
        ("sample", {"t": "inf"}, "t: inf is outside"),
        ("denoise", {"noise": "occlusion", "level": "25"}, "level: 25 is outside 0–20"),
        ("explorer", {"selected": "2000"}, "selected: 2000 is outside"),
    ],
)
def test_page_query_values_are_checked(page, query, note):
    at = run(page, query=query)
    no_errors(at)
    notes = [plain(i.value) for i in at.info if "ignored" in i.value]
    assert len(notes) == 1 and note in notes[0], notes


@pytest.mark.parametrize(
    ("count", "says"),
    [("1201", "the link has 1,201 settings, more than the 1,000"), ("5", "is longer than the 524,288 characters")],
)
def test_a_link_streamlit_drops_whole_is_named_and_cleared(count, says):
    """Streamlit reads none of a link of more than 1,000 parameters, and said so only in its log (issue 36.7): the
    browser (components/history.js) loads the page again with ?dropped=N, and the page names it and drops it."""
    at = run("reconstruct", query={state.DROPPED: count})
    no_errors(at)
    notes = [plain(i.value) for i in at.info if "ignored" in i.value]
    assert len(notes) == 1 and says in notes[0] and "none of its settings was read" in notes[0], notes
    assert at.query_params == {}


def test_parsers_accept_good_values_and_explain_bad_ones():

    assert integer(0, 9)("7", {}) == 7
    assert number(0.1, 1.5)("0.5", {}) == 0.5
    assert models_of("reconstruction")("ae2,ae2,vae16", {}) == ["ae2", "vae16"]
    assert code("0.5,-1,2", {}) == [0.5, -1.0, 2.0]
    with pytest.raises(Invalid, match="outside"):
        number(0.1, 1.5)("nan", {})
    with pytest.raises(Invalid, match="at most 1024"):
        code(",".join(["0"] * 1025), {})
    assert denoise.noise_level("0.3", {denoise.KIND: "gaussian"}) == 0.3
    with pytest.raises(Invalid):
        denoise.noise_level("0.9", {denoise.KIND: "salt_and_pepper"})  # outside that kind's 0–0.6


def test_every_key_is_unique():
    keys = [f.key for f in state.all_fields()]
    assert len(keys) == len(set(keys))
    for page in registry():  # a page's link never names one parameter twice
        params = [f.param for f in state.fields_for(page)]
        assert len(set(params)) == len(params), page


def test_a_name_given_twice_is_read_once_said_so_and_written_back_once():
    """?digit=1&digit=2 (issue 27.4c): the last value is used, the note says which, and the URL keeps one."""
    at = run("reconstruct", query={"digit": ["1", "2"]})
    no_errors(at)
    notes = [plain(i.value) for i in at.info if "ignored" in i.value]
    assert len(notes) == 1 and "digit is given 2 times (“1”, “2”): the last, “2”, is used" in notes[0], notes
    assert at.session_state[state.MAIN.index] == 2
    assert at.query_params == {"digit": "2"}


@pytest.mark.parametrize(
    "page,query,note",
    [
        ("train", {"steps": "7000"}, "steps: 7000 is not one of the choices 500, 1,000, 2,000, 5,000, 10,000, 20,000"),
        ("train", {"lr": "0.002"}, "lr: 0.002 is not one of the choices 0.0001, 0.0003, 0.001"),
        ("train", {"digits": "3000"}, "digits: 3,000 is not offered for these digits"),
        ("latent", {"z": ",".join(["100"] * 16)}, "z: 16 of the link's 16 numbers lie outside the sliders' range"),
    ],
)
def test_a_value_the_page_cannot_take_as_it_is_gets_a_note_not_a_silent_change(page, query, note):
    """Out of the choices or the sliders' range (issue 27.4d): the widget or the page would change it without a word
    (a select slider takes its first option, the page its default, the latent sliders clip)."""
    at = run(page, query=query)
    no_errors(at)
    notes = [plain(i.value) for i in at.info if "ignored" in i.value]
    assert len(notes) == 1 and note in notes[0], notes


def test_a_link_value_the_page_takes_as_it_is_gets_no_note():
    at = run("train", query={"steps": "2000", "lr": "3e-3", "digits": "1000"})
    no_errors(at)
    assert not [i.value for i in at.info if "ignored" in i.value]
    assert at.query_params == {"steps": "2000", "lr": "0.003", "digits": "1000"}


def test_the_note_asking_for_the_picture_goes_once_it_is_given():
    """A link made with an upload asks for the picture again (issue 27.4e): once it is uploaded the note goes."""
    at = run("reconstruct", query={"source": "upload", "digit": "5"})
    assert any("links cannot carry pictures" in i.value for i in at.info)
    at.file_uploader(key=state.MAIN.upload).set_value(("seven.jpg", photo_bytes(), "image/jpeg")).run()
    no_errors(at)
    assert "Input: your upload (seven.jpg)" in captions(at)
    assert not any("links cannot carry pictures" in i.value for i in at.info), [i.value for i in at.info]
