"""Bounded work for what a user sends, the app's part (issue 36): a lesson's shape checked before it is parsed, link
numbers read as the link writes them, one upload read at a time per process, and an uploaded model's name as plain
text in the pickers. The library's budgets are tested in tests/test_budgets.py."""

from __future__ import annotations

import contextlib
import threading
import tomllib

import numpy as np
import pytest
import torch
from apptest_helpers import go, no_errors, run

from aemodels.checkpoints import checkpoint_zip
from aemodels.models import AEConfig, build_model
from aemodels_app import caches, lessons
from aemodels_app.jobs import Busy, Gate
from aemodels_app.lessons import LessonError, check_shape, parse
from aemodels_app.page import Invalid, code, integer, number


@pytest.fixture
def parser_calls(monkeypatch) -> list[int]:
    calls: list[int] = []
    original = tomllib.loads

    def counting(text: str, **kwargs):
        calls.append(len(text))
        return original(text, **kwargs)

    monkeypatch.setattr(tomllib, "loads", counting)
    return calls


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("a" + ".a" * 15_990 + " = 1\n", "a key of 15,991 parts"),  # quadratic in the parser: 3.5 to 9.5 s
        ("[a" + ".a" * 15_990 + "]\n", "a key of 15,991 parts"),
        ('x."' + '"."' * 9_000 + '" = 1\n', "a key of 9,002 parts"),
        ("x = {a" + ".b" * 100 + " = 1}\n", "a key of 101 parts"),
        ('title = "t"\n[[steps]]\ntext = "a"\nn = ' + "9" * 5_000 + "\n", "a number of 5,000 characters"),
        ("n = -1" + "0" * 400 + ".5e3\n", "a number of 406 characters"),
    ],
)
def test_a_lesson_of_a_hostile_shape_is_refused_before_it_is_parsed(parser_calls, text, says):
    with pytest.raises(LessonError, match=says):
        parse(text)
    with pytest.raises(LessonError, match=says):
        lessons.load(lessons.encode(text))  # the same text carried in a link: a link of about 100 characters
    assert parser_calls == []


def test_the_shape_check_leaves_strings_comments_and_a_lessons_own_keys_alone(parser_calls):
    text = (
        'title = "a.b.c.d.e.f.g.h.i.j and 123456789012345678901234567890123456789"  # x.y.z.w.v.u.t.s.r.q\n'
        "[[steps]]\n"
        'page = "latent"\n'
        "text = '''v1.2.3.4.5.6.7.8.9 \"\"\" not closed here'''\n"
        "[steps.settings]\n"
        'z = "' + ",".join(["0.125"] * 64) + '"\n'
        "eps = 0.5\n"
        "seed = 12\n"
    )
    lesson = parse(text)
    assert lesson.title.startswith("a.b.c.d") and lesson.steps[0].settings["z"].startswith("0.125,0.125")
    assert len(parser_calls) == 1
    for name in lessons.SHIPPED:  # the shipped lessons pass the check
        check_shape(lessons.resources.files(lessons.__name__).joinpath(f"{name}.toml").read_text())


@pytest.mark.parametrize(
    "text",
    ['"' + '\\"' * 16_000, "1" * 32_000, "a." * 16_000, '"""' * 10_000, "'" * 32_000, "[" * 16_000],
)
def test_texts_a_backtracking_scan_finds_hard_are_a_lesson_error_never_another(text):
    """Unclosed strings, long runs of digits and dots: the scan (one pass) and the parser answer with a LessonError,
    never an error of their own that would reach the page."""
    with contextlib.suppress(LessonError):
        parse(text)


def test_a_title_of_control_characters_is_no_title():
    lesson = parse('title = "\\u0001\\u0085 "\n[[steps]]\ntext = "a"\n')
    assert lesson.title == lessons.UNTITLED and "the lesson has no title" not in lesson.notes


@pytest.mark.parametrize("text", ["٣", "１２", "1_0", " +5 ", "+5", "5 ", " 5", "0x10", "1" * 30])
def test_a_link_number_is_ascii_digits_as_the_link_writes_them(text):
    for parser in (integer(-100, 100), number(-100.0, 100.0)):
        with pytest.raises(Invalid):
            parser(text, {})
    if text in ("5 ", " 5"):
        assert code(f"1,{text},2", {}) == [1.0, 5.0, 2.0]  # spaces after commas: "0.5, 1", as the pages show a code
    else:
        with pytest.raises(Invalid):
            code(f"1,{text},2", {})


def test_minus_zero_from_a_link_is_zero():
    assert str(number(-1.0, 1.0)("-0", {})) == "0.0" and integer(-1, 1)("-0", {}) == 0
    assert np.signbit(code("-0,-0.0", {})).tolist() == [False, False]


def test_the_gate_lets_one_through_and_tells_the_next_in_plain_words():
    gate = Gate("reading uploaded files", slots=1, wait=0.05)
    entered = threading.Event()
    leave = threading.Event()

    def hold() -> None:
        with gate.slot():
            entered.set()
            leave.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    entered.wait(5)
    with pytest.raises(Busy, match="The server is busy reading uploaded files for other people"), gate.slot():
        pass
    leave.set()
    holder.join()
    with gate.slot():  # free again
        pass


def test_an_uploaded_models_name_reaches_the_pickers_as_plain_text():
    """A checkpoint's name and description reached the model pickers' labels (plain text) with a right-to-left
    override obeyed (issue 36.7); everywhere else it was named. Now it is named there too."""

    torch.manual_seed(0)
    model = build_model(AEConfig(kind="mlp", latent_dim=3, hidden=(32,)))
    zipped = checkpoint_zip(model, "mine\u202egnp.exe", {"description": "\x01evil\u202e *x*\n# head"})
    at = run("train")
    at.file_uploader(key="train_checkpoint").set_value([("m.zip", zipped, "application/zip")]).run()
    no_errors(at)
    go(at, "reconstruct")
    (label,) = [o for o in at.multiselect(key="recon_models").options if o.startswith("your model")]
    assert label == "your model — uploaded mine[U+202E]gnp.exe: evil[U+202E] *x* # head"


def test_an_upload_sent_while_another_is_read_is_told_to_try_again_and_then_read(monkeypatch):
    """One upload is read at a time per process: the next waits, then reads one sentence and "Try again"; its file is
    still there, and the next try reads it."""

    monkeypatch.setattr(caches.UPLOADS, "wait", 0.05)
    torch.manual_seed(0)
    zipped = checkpoint_zip(build_model(AEConfig(kind="mlp", latent_dim=3, hidden=(32,))), "mine", {})
    entered, leave = threading.Event(), threading.Event()

    def another_session() -> None:
        with caches.UPLOADS.slot():
            entered.set()
            leave.wait(10)

    holder = threading.Thread(target=another_session)
    holder.start()
    entered.wait(5)
    try:
        at = run("train")
        at.file_uploader(key="train_checkpoint").set_value([("m.zip", zipped, "application/zip")]).run()
        no_errors(at)
        assert any("The server is busy reading uploaded files" in w.value for w in at.warning)
        assert not at.success
    finally:
        leave.set()
        holder.join()
    at.button(key="train_upload_again_model").click().run()
    no_errors(at)
    assert any("is now your model on every page" in s.value for s in at.success)


def test_both_uploads_of_the_train_page_told_busy_in_one_run_each_get_their_own_try_again(monkeypatch):
    """A picture set and a checkpoint sent while another session's upload is read: one sentence and one "Try again"
    for each (the two buttons once shared a key, which Streamlit refuses)."""
    from apptest_helpers import no_errors, run

    from aemodels_app import caches
    from labtools.samples import picture_zip

    monkeypatch.setattr(caches.UPLOADS, "wait", 0.05)
    torch.manual_seed(0)
    zipped = checkpoint_zip(build_model(AEConfig(kind="mlp", latent_dim=3, hidden=(32,))), "mine", {})
    at = run("train", query={"data": "pictures"})
    with caches.UPLOADS.slot():  # another session's upload is being read
        at.file_uploader(key="train_pictures").set_value([("p.zip", picture_zip(), "application/zip")])
        at.file_uploader(key="train_checkpoint").set_value([("m.zip", zipped, "application/zip")]).run()
    no_errors(at)
    assert sum("The server is busy reading uploaded files" in w.value for w in at.warning) == 2
    assert {b.key for b in at.button if b.key.startswith("train_upload_again")} == {
        "train_upload_again_pictures",
        "train_upload_again_model",
    }
