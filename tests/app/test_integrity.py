"""A damaged checkpoint in the app: the page names the file in a plain message and every other model works."""

import json
import shutil

import pytest
from apptest_helpers import ROOT, captions, plain, run

from aemodels_app.pages import reconstruct
from aemodels_app.ui.models import label, zoo_model


@pytest.fixture
def damaged_zoo(tmp_path, monkeypatch):
    """A copy of pretrained/ the test may damage, used by the app through AEMODELS_PRETRAINED."""
    copy = tmp_path / "pretrained"
    shutil.copytree(ROOT / "pretrained", copy)
    monkeypatch.setenv("AEMODELS_PRETRAINED", str(copy))

    zoo_model.clear()  # models are cached per process: start and end with the real files
    label.clear()
    yield copy
    zoo_model.clear()
    label.clear()


def tamper_weights(directory, name="ae16"):
    path = directory / f"{name}.safetensors"
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))


def change_config(directory):
    path = directory / "ae16.json"
    record = json.loads(path.read_text())
    record["config"]["latent_dim"] = 12  # the weights are for 16
    path.write_text(json.dumps(record))


def swap_weights(directory):
    shutil.copy(directory / "vae2.safetensors", directory / "ae16.safetensors")  # another model's file


@pytest.mark.parametrize(
    "damage,named", [(tamper_weights, "ae16.safetensors"), (change_config, "ae16"), (swap_weights, "ae16.safetensors")]
)
def test_a_damaged_model_is_named_and_the_others_keep_working(damaged_zoo, damage, named):
    damage(damaged_zoo)
    at = run("reconstruct")
    at.multiselect(key=reconstruct.MODELS).set_value(["ae16", "vae16", "linear16"]).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [plain(e.value) for e in at.error]  # as a reader sees them
    assert len(errors) == 1 and "ae16" in errors[0] and named in errors[0], errors
    assert "Traceback" not in errors[0]
    shown = captions(at)
    assert "vae16: reconstruction" in shown and "linear16: reconstruction" in shown
    assert "ae16: reconstruction" not in shown


def test_a_page_whose_models_are_missing_says_so_and_the_others_work(damaged_zoo):
    for path in damaged_zoo.glob("vae*"):  # no VAE installed: Sampling and Inside the VAE have nothing to show
        path.unlink()
    for page in ("sample", "inside_vae"):
        at = run(page)
        assert not at.exception and not at.error, page
        assert any("No model for this page is installed" in w.value for w in at.warning), page
    at = run("reconstruct")
    assert not at.exception and not at.error
    assert any(c.endswith("reconstruction") for c in captions(at))


def test_a_damaged_denoiser_is_named_once_and_the_curve_falls_back_to_the_plain_ae(damaged_zoo):
    tamper_weights(damaged_zoo, "dae")
    at = run("denoise")
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "dae" in errors[0], errors  # the pictures say it; the curve below does not repeat it
    assert any(c.startswith("Plain AE") for c in captions(at))
    (chart,) = at.get("plotly_chart")
    assert "(ae16)" in chart.proto.spec  # the curve drawn from the plain AE instead
