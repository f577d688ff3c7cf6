"""The "Train your own" page through AppTest: its controls start, pause, step and reset a job, the experiments set
their choices, and a trained model is used on the Reconstruction page."""

import io
import json
import time
import zipfile
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from apptest_helpers import captions, digit_maps, go, no_errors, run
from streamlit.testing.v1 import AppTest

from aemodels import CheckpointError, load_digits
from aemodels.checkpoints import read_checkpoint
from aemodels.playground import CodeMap, TrainData, TrainSpec
from aemodels_app import state
from aemodels_app.caches import training_pool as pool
from aemodels_app.pages import reconstruct, train
from aemodels_app.ui.models import cached_model
from aemodels_app.ui.training import GONE, checkpoint_zip, code_map_spec


def status(at: AppTest) -> str:
    return next((m.value for m in at.markdown if "step " in m.value and m.value.startswith("**")), "")


def step_of(at: AppTest) -> int:
    text = status(at)
    return int(text.split("step ")[1].split(" ")[0].replace(",", "")) if text else -1


def poll(at: AppTest, until, timeout: float = 60.0) -> AppTest:
    """Rerun the page (as its live fragment does in a browser) until `until(at)` holds."""
    end = time.monotonic() + timeout
    while not until(at):
        assert time.monotonic() < end, f"timed out; the page says {status(at)!r}"
        time.sleep(0.3)
        at.run()
        no_errors(at)
    return at


def code_map(at: AppTest) -> dict | None:
    """The live code map's data (components/scatter.js), as the browser gets it; None before the first one."""
    maps = digit_maps(at)
    return maps[0] if maps else None


def test_the_code_map_moves_and_keeps_its_version():
    """The map redraws as the codes move, under one version (the browser keeps the user's zoom), and its dots
    choose nothing (they are held-out digits, not the sample's)."""
    at = run("train")
    at.button(key=train.START).click().run()
    poll(at, lambda a: code_map(a) is not None)
    first = code_map(at)
    assert first is not None and not first["clickable"] and first["title"].startswith("Codes of ")
    poll(at, lambda a: code_map(a)["x"] != first["x"])
    assert code_map(at)["version"] == first["version"]
    at.button(key=train.RESET).click().run()


def test_nothing_trains_until_start():
    at = run("train")
    no_errors(at)
    assert any("Nothing is training yet" in i.value for i in at.info)
    assert at.number_input(key=train.DIM).value == 2
    assert any("η = d / 784 = 0.00255: undercomplete" in c.value for c in at.caption)


def test_start_pause_one_step_reset():
    at = run("train")
    at.button(key=train.START).click().run()
    no_errors(at)
    poll(at, lambda a: step_of(a) > 50 and bool(a.dataframe))
    table = at.dataframe[0].value
    assert "reconstruction MSE" in set(table["measured on held-out digits"])
    assert any("Eight held-out digits" in c for c in captions(at))
    at.button(key=train.PAUSE).click().run()
    poll(at, lambda a: status(a).startswith("**Paused"))
    paused_at = step_of(at)
    time.sleep(0.5)
    at.run()
    assert step_of(at) == paused_at
    at.button(key=train.STEP).click().run()
    poll(at, lambda a: step_of(a) == paused_at + 1)
    at.button(key=train.RESET).click().run()
    no_errors(at)
    assert any("Nothing is training yet" in i.value for i in at.info)


def test_an_experiment_sets_its_choices_and_states_its_claim():
    at = run("train")
    at.button(key="train_exp_pca").click().run()
    no_errors(at)
    assert at.radio(key=train.ARCH).value == "linear" and at.number_input(key=train.DIM).value == 16
    poll(at, lambda a: any("The claim: A linear AE is PCA" in m.value for m in a.markdown))
    poll(at, lambda a: any("Mean principal angle to PCA-16" in m.value for m in a.markdown))


def test_an_impossible_combination_is_refused_in_plain_words():
    at = run("train")
    at.radio(key=train.ARCH).set_value("conv").run()
    at.radio(key=train.REG).set_value("sparse").run()
    assert any("sparsity is offered on the MLP" in w.value for w in at.warning)
    at.button(key=train.START).click().run()
    no_errors(at)
    assert any("Cannot train this" in w.value for w in at.warning)
    assert any("Nothing is training yet" in i.value for i in at.info)


def test_a_link_with_an_absurd_code_size_is_ignored_with_a_note():
    at = run("train", query={"d": "1000000", "lr": "1e9"})
    no_errors(at)
    assert at.number_input(key=train.DIM).value == 2
    notes = " ".join(e.value for e in [*at.warning, *at.info, *at.caption, *at.markdown])
    assert "d" in notes and "1000000" in notes


@pytest.mark.slow  # a training of 100 steps
def test_the_trained_model_is_used_on_the_reconstruction_page():
    at = run("train")
    at.button(key=train.START).click().run()
    poll(at, lambda a: step_of(a) > 100)
    at.button(key=train.USE).click().run()
    no_errors(at)
    name = at.session_state[state.USER_MODEL]
    assert name.startswith("yours-")
    go(at, "reconstruct")
    no_errors(at)
    assert name in at.multiselect(key=reconstruct.MODELS).value
    assert any(c == f"{name}: reconstruction" for c in captions(at))


def test_a_trained_model_no_longer_on_the_server_gets_a_plain_message():

    with pytest.raises(CheckpointError, match="no longer on the server"):
        cached_model("yours-00000000")


def test_a_training_the_pool_has_forgotten_is_explained_once():
    """An ended training is forgotten 3 minutes after its page last looked (aemodels_app.jobs); coming back then gets
    a plain message, not an error, and the page is ready for a new one."""
    at = run("train")
    at.button(key=train.START).click().run()
    poll(at, lambda a: step_of(a) > 10)
    job = at.session_state[train.JOB]
    at.button(key=train.RESET).click().run()  # the pool stops and forgets the job (once its slice ends) ...
    end = time.monotonic() + 30
    while not any("no longer on the server" in i.value and "three minutes" in i.value for i in at.info):
        assert time.monotonic() < end, [i.value for i in at.info]
        time.sleep(0.2)
        at.session_state[train.JOB] = job  # ... which this session still holds, as after 3 minutes unseen
        at.run()
        no_errors(at)
    at.run()
    assert not any("no longer on the server" in i.value for i in at.info)
    assert any("Nothing is training yet" in i.value for i in at.info)


def test_a_download_of_a_training_that_is_gone_says_so():
    """The download button builds its zip when clicked; if the pool has forgotten the job by then, the zip holds the
    plain message instead of a model (no error on the page)."""

    with zipfile.ZipFile(io.BytesIO(checkpoint_zip(pool(), 10**9))) as archive:
        assert archive.namelist() == ["README.txt"]
        assert archive.read("README.txt").decode().strip() == GONE


def test_a_diverged_trainings_code_map_draws_its_finite_codes_or_nothing():
    """A learning rate that blows the model up can leave codes that are not numbers: the map draws the others, and
    no map at all (not an error) when none is left."""

    points = np.array([[0.0, 1.0], [np.nan, 2.0], [3.0, 4.0]])
    view = SimpleNamespace(job_id=1, code_map=CodeMap(points, np.array([5, 6, 7]), "z1, z2"))
    spec = code_map_spec(view)
    assert spec is not None and spec["x"] == [0.0, 3.0] and spec["labels"] == [5, 7]
    view.code_map = CodeMap(np.full((3, 2), np.nan), np.array([5, 6, 7]), "z1, z2")
    assert code_map_spec(view) is None


def test_the_download_is_the_model_at_the_step_it_says():
    """The zip is made when the download is clicked, from the model as it is then (while it trains too): its JSON
    names the step and seconds the weights are at (TrainingPool.snapshot), not those of the run that drew the page."""

    x, y = load_digits()
    job = pool().submit("download-test", TrainSpec(train_digits=1000, batch_size=16), TrainData(x, y, x, y, "s"))
    try:
        end = time.monotonic() + 300  # the trainers run at the lowest priority: a busy machine slows them down
        while pool().view(job).step < 5:
            assert time.monotonic() < end, pool().view(job)
            time.sleep(0.05)
        first = checkpoint_zip(pool(), job)  # while it trains
        pool().pause(job)
        while pool().view(job).status != "paused":
            assert time.monotonic() < end, pool().view(job)
            time.sleep(0.05)
        paused = pool().view(job)
        zipped = checkpoint_zip(pool(), job)
    finally:
        pool().cancel(job)
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert json.loads(archive.read("mine.json"))["training"]["steps"] >= 5
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        record = json.loads(archive.read("mine.json"))
    assert record["training"]["steps"] == paused.step and record["description"].endswith(f"{paused.step:,} steps")
    model = pool().model(job)
    loaded = read_checkpoint([("my_autoencoder.zip", zipped)]).model
    weights = model.state_dict()
    assert all(torch.equal(value, weights[name]) for name, value in loaded.state_dict().items())
