import json

import pytest
import torch

from aemodels import AEConfig, CheckpointError, build_model, list_pretrained, load_pretrained
from aemodels.zoo import save_checkpoint


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
    import io
    import zipfile

    from aemodels.zoo import checkpoint_archive

    model = build_model(AEConfig(kind="mlp", latent_dim=3, hidden=(16,))).eval()
    data = checkpoint_archive(model, "mine", {"description": "MLP AE, d=3, 10 steps"})
    zipfile.ZipFile(io.BytesIO(data)).extractall(tmp_path)
    loaded = load_pretrained("mine", directory=tmp_path)
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in model.state_dict().items())
    assert loaded.info["description"] == "MLP AE, d=3, 10 steps"
