"""Lessons (aemodels_app.lessons) and their player (aemodels_app/ui/lesson.py): the shipped lessons, hostile lesson
files, a lesson carried in a link, and the player driven through AppTest (Next, Back, a reload, an upload, the
maker)."""

from __future__ import annotations

import base64
import re
import zlib
from importlib import resources

import pytest
from apptest_helpers import no_errors, run
from streamlit.testing.v1 import AppTest

from aemodels_app import lessons, state
from aemodels_app.lessons import (
    MAX_LESSON_BYTES,
    MAX_STEPS,
    SHIPPED,
    Lesson,
    LessonError,
    Step,
    decode,
    encode,
    load,
    parse,
    shipped,
    shown,
    to_toml,
)
from aemodels_app.pages import manifold, registry
from aemodels_app.ui import lesson as player

HOSTILE = (
    'Look <img src=x onerror="alert(1)"> and [click](javascript:alert(1)) ![x](http://evil.example/x.png) '
    "**bold** `code` # not a heading :red[red] $x^2$ :material/home: http://evil.example a@b.example -> & &#x202E;"
)


def lesson_text(*steps: str, title: str = "A lesson") -> str:
    return f'title = "{title}"\n' + "".join(f"\n[[steps]]\n{step}\n" for step in steps)


def unescaped(markdown: str) -> set[str]:
    """The Markdown characters in `markdown` that are not backslash-escaped: nothing of a lesson's text may be."""
    return set(re.sub(r"\\.", "", markdown)) & set("\\`*_[](){}#+-.!|<>~:$&")


# --- The shipped lessons -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_a_shipped_lesson_reads_without_a_note_and_every_step_opens_a_new_view(name):
    lesson = shipped(name)
    assert 8 <= len(lesson.steps) <= 12
    assert lesson.all_notes() == []
    views = [(step.page, step.settings) for step in lesson.steps]
    for step, before in zip(lesson.steps[1:], views, strict=False):
        assert (step.page, step.settings) != before  # Next always changes the view
    for step in lesson.steps:
        assert step.page in registry() and step.text and step.try_this
    assert len(encode(to_toml(lesson))) <= state.LESSON_LINK_LIMIT  # even a shipped one would fit in a link


def test_every_lesson_file_in_the_package_is_shipped():
    files = {
        p.name.removesuffix(".toml") for p in resources.files(lessons.__name__).iterdir() if p.name.endswith(".toml")
    }
    assert files == set(SHIPPED)
    assert shipped("manifold").title == "The manifold hypothesis"
    assert shipped("pca_to_vae").title == "From PCA to the VAE"


# --- Hostile lesson files: a plain LessonError, or a note naming the step, never another exception -----------------


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ('title = "x"\n[[steps]\npage = "start"\n', "not a TOML file"),
        (b'title = "\xff\xfe"\n', "not text"),
        ("#" * (MAX_LESSON_BYTES + 1), "at most 32,000"),
        ("a = " + "[" * 30_000, "not a TOML file"),
        ('title = "no steps"\n', "no steps"),
        ('title = "x"\nsteps = 3\n', "no steps"),
        ('title = "x"\nsteps = []\n', "no steps"),
        ('title = "x"\nsteps = [1, "two", [3]]\n', "none of its steps"),
        ("", "no steps"),
    ],
)
def test_a_file_that_is_no_lesson_is_a_plain_error(data, says):
    with pytest.raises(LessonError, match=says):
        parse(data)


def test_too_many_steps_are_cut_with_a_note():
    lesson = parse(lesson_text(*[f'page = "start"\ntext = "step {n}"' for n in range(MAX_STEPS + 5)]))
    assert len(lesson.steps) == MAX_STEPS
    assert f"the lesson has {MAX_STEPS + 5} steps; only the first {MAX_STEPS} are played" in lesson.notes


def test_an_unknown_page_is_a_note_naming_the_step_and_the_view_stays():
    lesson = parse(lesson_text('page = "start"\ntext = "a"', 'page = "nowhere"\ntext = "b"\nsettings = {eps = 2}'))
    second = lesson.steps[1]
    assert second.page is None and second.settings == {} and second.text == "b"
    assert second.notes[0].startswith("step 2: there is no page “nowhere” (the pages: start,")
    assert lesson.steps[0].notes == ()


def test_bad_settings_are_left_out_with_notes_naming_the_step():
    lesson = parse(
        lesson_text(
            'page = "manifold"\ntext = "t"\ndigit = 5000\n'
            '[steps.settings]\neps = 99\nseed = "x"\ncolour = "red"\nmodel = "nope"\nlesson = "manifold"\n'
            'step = 3\nsource = "draw"',
            'page = "denoise"\ntext = "t"\nsettings = {noise = "salt_and_pepper", level = 0.9}',
        )
    )
    first, second = lesson.steps
    assert first.settings == {"source": "draw"}
    assert "step 1: eps: 99 is outside 0.1–3" in first.notes
    assert "step 1: seed: “x” is not a whole number" in first.notes
    assert "step 1: “colour” is not a setting of the page manifold" in first.notes
    assert "step 1: “lesson” is not a setting of the page manifold" in first.notes  # a step cannot start a lesson
    assert "step 1: “step” is not a setting of the page manifold" in first.notes
    assert "step 1: digit: 5000 is outside 0–1999" in first.notes
    assert any(note.startswith("step 1: model: “nope” is not one of") for note in first.notes)
    assert second.settings == {"noise": "salt_and_pepper"}  # the level is checked against that kind's range
    assert second.notes == ("step 2: level: 0.9 is outside 0–0.6",)


def test_values_of_the_wrong_type_are_notes():
    lesson = parse(
        "title = 5\nsummary = [1]\ncolour = 'red'\n"
        '[[steps]]\npage = 3\ntext = [1, 2]\ntry = {a = 1}\ndigit = "seven"\nextra = 1\n'
        '[[steps]]\npage = "manifold"\ntext = "ok"\ndigit = true\nsettings = "eps=2"\n'
        '[[steps]]\npage = "manifold"\ntext = "ok"\n[steps.settings]\n'
        "eps = true\nseed = 1979-05-27\nmodel = {name = 'ae2'}\nsteps = [[1]]\n"
    )
    assert lesson.title == lessons.UNTITLED and lesson.summary == ""
    assert lesson.notes == (
        "“colour” is not part of a lesson (only title, summary, steps)",
        "the title must be text",
        "the summary must be text",
    )
    first, second, third = lesson.steps
    assert first.page is None and first.text == "" and first.try_this == ""
    assert "step 1: “extra” is not part of a step (only page, digit, settings, text, try)" in first.notes
    assert "step 1: its text must be text" in first.notes and "step 1 has no text" in first.notes
    assert any(note.startswith("step 1: its page must be a name (the pages: start,") for note in first.notes)
    assert "step 1: its digit must be a whole number (the index of a test digit)" in first.notes
    assert "step 2: its settings must be a table of names and values" in second.notes
    assert "step 2: its digit must be a whole number (the index of a test digit)" in second.notes
    assert third.settings == {}
    assert {n for n in third.notes if "must be text or a number" in n} == {
        f"step 3: the setting “{name}” must be text or a number" for name in ("eps", "seed", "model", "steps")
    }


def test_long_texts_are_cut_with_a_note():
    lesson = parse(lesson_text(f'page = "start"\ntext = "{"a" * 5000}"\ntry = "{"b" * 900}"', title="t" * 300))
    step = lesson.steps[0]
    assert len(lesson.title) == lessons.MAX_TITLE and len(step.text) == lessons.MAX_TEXT
    assert len(step.try_this) == lessons.MAX_TRY
    assert "step 1: its text is 5,000 characters; the first 1,500 are shown" in step.notes


def test_a_step_with_too_many_settings_reads_only_the_first():
    settings = "\n".join(f"x{n} = 1" for n in range(100))
    lesson = parse(lesson_text(f'page = "manifold"\ntext = "t"\n[steps.settings]\n{settings}'))
    notes = lesson.steps[0].notes
    assert notes[0] == "step 1 has 100 settings; only the first 24 are read"
    assert len(notes) == 1 + lessons.MAX_SETTINGS


def test_a_steps_digit_is_the_test_digit_and_lists_are_joined():
    lesson = parse(lesson_text('page = "reconstruct"\ntext = "t"\ndigit = 42\nsettings = {models = ["ae2", "ae16"]}'))
    assert lesson.steps[0].settings == {"digit": "42", "source": "test", "models": "ae2,ae16"}
    assert lesson.steps[0].notes == ()


def test_markdown_and_html_in_a_lesson_are_shown_as_text():
    text = HOSTILE + "\n\n" + HOSTILE
    markdown = shown(text)
    assert markdown.count("\n\n") == 1  # its two paragraphs stay two
    for paragraph in markdown.split("\n\n"):
        assert unescaped(paragraph) == set(), paragraph
        assert "\n" not in paragraph


# --- A lesson in a link, and writing a lesson --------------------------------------------------------------------


def test_a_lesson_rides_in_a_link_and_comes_back_the_same():
    text = lesson_text('page = "manifold"\ntext = "Pushes"\nsettings = {eps = 2}', title="Mine")
    ref = encode(text)
    assert ref.startswith("z.") and re.fullmatch(r"z\.[A-Za-z0-9_-]+", ref)
    assert decode(ref) == text
    assert load(ref) == parse(text)
    assert state.lesson_ref(ref, {}) == ref


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        ("z.", "damaged"),
        ("z.!!!", "damaged"),
        ("z.AAAA", "damaged"),
        (encode(lesson_text('page = "start"\ntext = "x"'))[:-6], "damaged"),
        ("z." + base64.urlsafe_b64encode(zlib.compress(b" " * 5_000_000)).decode().rstrip("="), "more than 32,000"),
        ("z." + base64.urlsafe_b64encode(zlib.compress(b"\xff\xfe")).decode().rstrip("="), "not text"),
        ("nowhere", "there is no lesson called “nowhere”"),
        (state.UPLOADED_LESSON, "upload its file again"),
    ],
)
def test_a_bad_lesson_reference_is_a_plain_error(ref, says):
    with pytest.raises(LessonError, match=says):
        load(ref)


def test_writing_a_lesson_and_reading_it_back_keeps_every_text():
    nasty = 'He said "hi" \\ ' + "'''" + ' """ \t tab \x01 \x7f é ∂D/∂z'
    lesson = Lesson(
        title=nasty,
        summary="s",
        steps=(
            Step(
                page="manifold",
                settings={"eps": "2", "digit": "7"},
                text=nasty + "\n\nSecond paragraph\n",
                try_this=nasty,
            ),
            Step(page="start", settings={}, text="plain"),
        ),
    )
    again = parse(to_toml(lesson))
    assert again.title == nasty.strip()
    assert again.steps[0].text == (nasty + "\n\nSecond paragraph").strip()
    assert again.steps[0].settings == {"eps": "2", "digit": "7"} and again.steps[1].page == "start"
    assert again.all_notes() == []
    assert 'text = """\n' in to_toml(lesson)  # a text with line breaks is written as a multi-line string


def test_parse_query_reads_a_pages_values_as_a_link_does():
    parsed, notes = state.parse_query(state.fields_for("manifold"), {"eps": "2", "seed": "x", "zzz": "1"})
    assert parsed == {manifold.EPS: 2.0}
    assert notes == ["“zzz” is not a setting of this page", "seed: “x” is not a whole number"]
    assert state.parse_query(state.fields_for("manifold"), {"eps": "1" * 3000})[1] == [
        "the value of “eps” is too long (3,000 characters)"
    ]
    long_lesson = "z." + "A" * 5000  # a lesson in a link may be longer than other values
    assert state.parse_query(state.LESSON_FIELDS, {"lesson": long_lesson})[0] == {state.LESSON: long_lesson}


# --- The player, through AppTest ---------------------------------------------------------------------------------


def panel_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown if "Step " in m.value or "Try this" in m.value)


def on_page(at: AppTest, page: str) -> bool:
    return bool(at.title) and at.title[0].value.startswith(registry()[page].title)


# Numbers a step quotes from another page, or works out (η = 16 / 784), rather than reads off its own page.
QUOTED_FROM_ELSEWHERE = {("manifold", 10): {"9.1"}, ("pca_to_vae", 3): {"0.02"}}


def page_words(at: AppTest, step: Step) -> str:
    """What the page shows besides the lesson's own text: text, metrics, widget values, tables, pictures' captions."""
    own = {shown(step.text)}
    parts = [
        e.value
        for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning")
        for e in at.get(kind)
        if e.value not in own and "Try this" not in e.value
    ]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [str(w.value) for kind in ("slider", "number_input") for w in at.get(kind)]
    parts += [d.value.to_string() for d in at.dataframe]
    parts += [c for e in at.get("image") for c in e.captions]
    return "\n".join(parts).replace("\\", "")


def counter(at: AppTest) -> str:
    found = re.search(r"Step (\d+) of (\d+)", panel_text(at))
    return found.group(0) if found else ""


@pytest.mark.parametrize("name", SHIPPED)
def test_a_shipped_lesson_plays_from_the_start_page_to_its_end_and_back(name):
    lesson = shipped(name)
    at = run("start")
    assert at.button[0].key == player.start_key(SHIPPED[0])  # the Start page offers the lessons first
    at.button(key=player.start_key(name)).click().run()
    for number, step in enumerate(lesson.steps, start=1):
        if number > 1:
            at.button(key=player.NEXT).click().run()
        no_errors(at)
        assert counter(at) == f"Step {number} of {len(lesson.steps)}"
        assert on_page(at, str(step.page)), (number, at.title[0].value if at.title else None)
        assert at.query_params["lesson"] == name and at.query_params.get("step", "1") == str(number)
        words = page_words(at, step)  # every number the step quotes is on the page it opens
        quoted = set(re.findall(r"\d+(?:\.\d+)?", step.text)) - QUOTED_FROM_ELSEWHERE.get((name, number), set())
        assert {n for n in quoted if n not in words} == set(), number
    assert at.button(key=player.NEXT).disabled
    at.button(key=player.BACK).click().run()
    no_errors(at)
    assert counter(at) == f"Step {len(lesson.steps) - 1} of {len(lesson.steps)}"
    assert on_page(at, str(lesson.steps[-2].page))


def test_a_reload_keeps_the_step_and_the_control_the_student_moved():
    at = run("manifold", query={"lesson": "manifold", "step": "8"})  # only the step: its view is set
    assert counter(at) == "Step 8 of 10" and at.selectbox(key=manifold.MODEL).value == "dae"
    at.slider(key=manifold.EPS).set_value(2.0).run()
    assert dict(at.query_params) == {"lesson": "manifold", "step": "8", "model": "dae", "eps": "2"}
    reloaded = run("manifold", query=dict(at.query_params))
    no_errors(reloaded)
    assert counter(reloaded) == "Step 8 of 10"
    assert reloaded.slider(key=manifold.EPS).value == 2.0  # the moved control, not the step's 1.0
    reloaded.button(key=player.AGAIN).click().run()  # "This step's view" sets it again
    assert reloaded.slider(key=manifold.EPS).value == 1.0
    reloaded.button(key=player.NEXT).click().run()  # Next goes on from the next step's own view
    assert on_page(reloaded, "denoise") and counter(reloaded) == "Step 9 of 10"


def test_a_link_to_a_step_opens_its_page_with_the_links_notes():
    at = run("start", query={"lesson": "manifold", "step": "3", "bogus": "1"})
    no_errors(at)
    assert on_page(at, "explorer") and counter(at) == "Step 3 of 10"
    assert "“bogus” is not a setting of this page" in at.info[0].value.replace("\\", "")


def test_a_step_beyond_the_end_plays_the_last_one():
    at = run("manifold", query={"lesson": "manifold", "step": "19"})
    no_errors(at)
    assert counter(at) == "Step 10 of 10"


@pytest.mark.parametrize(
    ("lesson", "says"),
    [
        ("nowhere", "there is no lesson called"),
        ("z.AAAA", "damaged"),
        ("<b>", "neither the name of a lesson"),
        # issue 36.2 and 36.4: links of about 100 characters that cost seconds of CPU, or broke the session
        (encode('title = "x"\n' + "a" + ".a" * 15_990 + " = 1\n"), "a key of 15,991 parts"),
        (encode('title = "x"\n[[steps]]\ntext = "a"\nn = ' + "9" * 5000 + "\n"), "a number of 5,000 characters"),
    ],
)
def test_a_lesson_link_that_cannot_be_played_is_a_note(lesson, says):
    at = run("start", query={"lesson": lesson})
    no_errors(at)
    assert counter(at) == ""
    assert says in at.info[0].value.replace("\\", "")
    assert "lesson" not in at.query_params


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.toggle(key=player.UPLOAD_OPEN).set_value(True).run()
    return at.file_uploader(key=player.UPLOAD).set_value((name, data, "application/toml")).run()


def test_an_uploaded_lesson_plays_rides_in_the_link_and_shows_its_texts_as_typed():
    text = lesson_text(
        f'page = "denoise"\ndigit = 3\ntext = """{HOSTILE}"""\ntry = "{HOSTILE.replace(chr(34), "")}"\n'
        "settings = {noise = 'occlusion', level = 12, bogus = 1}",
        'page = "nowhere"\ntext = "Second"',
        title="<script>alert(1)</script> **mine**",
    )
    at = upload(run("start"), "my lesson.toml", text.encode())
    no_errors(at)
    assert on_page(at, "denoise") and counter(at) == "Step 1 of 2"
    assert at.session_state[state.MAIN.index] == 3 and at.slider(key="denoise_level").value == 12.0
    shown_markdown = [m.value for m in at.markdown if "alert" in m.value or "evil" in m.value]
    assert len(shown_markdown) == 3  # the title, the text and "Try this"
    for value in shown_markdown:
        assert unescaped(value.replace("**Try this:**", "").replace("** · Step 1 of 2", "").lstrip("*")) == set()
    left_out = " ".join(c.value for c in at.caption if "Left out" in c.value).replace("\\", "")
    assert "step 1: “bogus” is not a setting of the page denoise" in left_out and "step 2: there is no page" in left_out
    ref = at.query_params["lesson"]
    assert ref.startswith("z.") and decode(ref) == text
    shared = run("denoise", query=dict(at.query_params))  # the link, in a new session
    no_errors(shared)
    assert counter(shared) == "Step 1 of 2"
    shared.button(key=player.NEXT).click().run()
    no_errors(shared)
    assert counter(shared) == "Step 2 of 2" and on_page(shared, "denoise")  # a step without a page: the view stays


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"title = [unclosed", "not a TOML file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "not text"),
        (b"#" * (MAX_LESSON_BYTES + 10), "a lesson is at most 32,000"),
        (b'title = "x"\n[[steps]]\ntext = "a"\nn = ' + b"9" * 5000, "a number of 5,000 characters"),
    ],
)
def test_a_hostile_upload_is_a_plain_warning(data, says):
    at = upload(run("reconstruct"), "bad [file](http://x).toml", data)
    no_errors(at)
    assert counter(at) == ""
    warning = at.warning[0].value
    assert says in warning.replace("\\", "") and unescaped(warning) == set()


def test_leaving_the_lesson_keeps_the_view_and_drops_the_lesson_from_the_link():
    at = run("manifold", query={"lesson": "manifold", "step": "8"})
    at.button(key=player.LEAVE).click().run()
    no_errors(at)
    assert counter(at) == "" and on_page(at, "manifold")
    assert dict(at.query_params) == {"model": "dae"}


def test_a_lesson_made_from_my_views_plays_and_downloads():
    at = run("manifold")
    at.slider(key=manifold.EPS).set_value(2.0).run()
    at.text_input(key=player.MAKER_TITLE).input("My pushes").run()
    at.button(key=player.MAKER_ADD).click().run()
    (first,) = at.session_state[player.MAKER]
    at.text_area(key=player.maker_text_key(first["id"])).input("Push the *seven*.").run()
    at.switch_page(registry()["denoise"].path).run()
    at.button(key=player.MAKER_ADD).click().run()
    no_errors(at)
    assert at.get("download_button")  # the file; "Play it" plays the same TOML, read back here from the link
    at.button(key=player.MAKER_PLAY).click().run()
    no_errors(at)
    assert on_page(at, "manifold") and counter(at) == "Step 1 of 2"
    assert at.slider(key=manifold.EPS).value == 2.0
    played = parse(decode(at.query_params["lesson"]))
    assert played.title == "My pushes" and [s.page for s in played.steps] == ["manifold", "denoise"]
    assert played.steps[0].settings == {"eps": "2"} and played.steps[0].text == "Push the *seven*."
    assert "Push the \\*seven\\*\\." in [m.value for m in at.markdown]  # shown as typed: no emphasis
