import io
import json
import zipfile

import pytest
import torch

from aemodels import AEConfig, CheckpointError, build_model, list_pretrained, load_digits, load_pretrained
from aemodels.checkpoints import FORMAT_VERSION, checkpoint_archive, save_checkpoint
from aemodels.geometry import push_summary
from aemodels.zoo import ROLES, ZOO, model_label, models_for


@pytest.fixture
def saved(tmp_path):
    model = build_model(AEConfig(kind="vae_mlp", latent_dim=3, hidden=(16,)))
    save_checkpoint(model, "tiny", directory=tmp_path, meta={"description": "test"})
    return model, tmp_path


def test_round_trip_is_exact(saved):
    model, directory = saved
    loaded = load_pretrained("tiny", directory=directory)
    assert not loaded.training
    original, restored = model.state_dict(), loaded.state_dict()
    assert original.keys() == restored.keys()
    for key in original:
        assert torch.equal(original[key], restored[key]), key
    assert loaded.info["description"] == "test" and loaded.config == model.config
    assert list_pretrained(directory) == ["tiny"]


def test_tampered_weights_are_refused(saved):
    _, directory = saved
    path = directory / "tiny.safetensors"
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"tiny.safetensors.*sha256"):
        load_pretrained("tiny", directory=directory)


def test_truncated_and_missing_weights_are_refused(saved):
    _, directory = saved
    path = directory / "tiny.safetensors"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CheckpointError, match=r"tiny.safetensors"):
        load_pretrained("tiny", directory=directory)
    path.unlink()
    with pytest.raises(CheckpointError, match=r"tiny.safetensors is missing"):
        load_pretrained("tiny", directory=directory)


def test_config_that_does_not_fit_the_weights_is_refused(saved):
    _, directory = saved
    record = json.loads((directory / "tiny.json").read_text())
    record["config"]["latent_dim"] = 4
    (directory / "tiny.json").write_text(json.dumps(record))
    with pytest.raises(CheckpointError, match="does not fit"):
        load_pretrained("tiny", directory=directory)


def test_broken_or_missing_description_is_refused(saved):
    _, directory = saved
    (directory / "tiny.json").write_text("{not json")
    with pytest.raises(CheckpointError, match=r"tiny.json is not valid JSON"):
        load_pretrained("tiny", directory=directory)
    with pytest.raises(CheckpointError, match=r"nothing.json is missing"):
        load_pretrained("nothing", directory=directory)


def test_no_pickle_in_checkpoints(saved):
    _, directory = saved
    assert not (directory / "tiny.safetensors").read_bytes().startswith(b"\x80")  # pickle protocol marker


def test_a_checkpoint_archive_unpacks_into_what_load_pretrained_reads(tmp_path):
    # The Train your own page's download.

    model = build_model(AEConfig(kind="mlp", latent_dim=3, hidden=(16,))).eval()
    data = checkpoint_archive(model, "mine", {"description": "MLP AE, d=3, 10 steps"})
    zipfile.ZipFile(io.BytesIO(data)).extractall(tmp_path)
    loaded = load_pretrained("mine", directory=tmp_path)
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in model.state_dict().items())
    assert loaded.info["description"] == "MLP AE, d=3, 10 steps"


def test_every_role_is_served_and_roles_follow_the_zoo():
    for role in ROLES:
        assert models_for(role), role  # every page has a model in the shipped zoo
    assert models_for("linear_pca") == ["linear16"]
    assert models_for("sampling") == [n for n in ZOO if "sampling" in ZOO[n].roles]
    for name, recipe in ZOO.items():
        if recipe.compare_ae is not None:
            assert recipe.compare_ae in ZOO and not ZOO[recipe.compare_ae].config.kind.startswith("vae"), name
    with pytest.raises(ValueError, match="unknown role"):
        models_for("nonsense")  # type: ignore[arg-type]


def test_a_model_is_labelled_from_its_json_without_reading_its_weights(tmp_path):
    model = build_model(AEConfig(kind="mlp", latent_dim=2, hidden=(8,)))
    save_checkpoint(model, "tiny", directory=tmp_path, meta={"description": "A tiny AE: for this test"})
    (tmp_path / "tiny.safetensors").write_bytes(b"not weights at all")
    assert model_label("tiny", tmp_path) == "tiny — A tiny AE"
    assert model_label("absent", tmp_path) == "absent (unavailable)"
    assert list_pretrained(tmp_path) == ["tiny"]


def test_checkpoints_carry_a_format_version_and_older_ones_still_load(tmp_path):
    model = build_model(AEConfig(kind="mlp", latent_dim=2, hidden=(8,)))
    path = save_checkpoint(model, "tiny", directory=tmp_path)
    record = json.loads(path.read_text())
    assert record["format_version"] == FORMAT_VERSION
    del record["format_version"]  # as written before versions existed
    path.write_text(json.dumps(record))
    load_pretrained("tiny", directory=tmp_path)
    record["format_version"] = FORMAT_VERSION + 1
    path.write_text(json.dumps(record))
    with pytest.raises(CheckpointError, match="format version 2"):
        load_pretrained("tiny", directory=tmp_path)


# About load_pretrained, which loads ordinary tensors even inside inference mode; push_summary only proves it.
def test_a_model_loaded_inside_inference_mode_can_still_be_differentiated():
    with torch.inference_mode():
        model = load_pretrained("vae2")
    assert not any(p.is_inference() for p in model.parameters())
    summary = push_summary(model, load_digits()[0][:3])  # decoder Jacobians need ordinary weights
    assert summary.digits == 3
