"""Bring your own checkpoint (aemodels.checkpoints): what the Train page downloads and `python -m aemodels.train` writes
is read back exactly; a wrong or tampered file gets one plain sentence, and nothing is ever unpickled."""

import hashlib
import io
import json
import pickle
import zipfile
from pathlib import Path

import pytest
import torch
from safetensors.torch import save as save_tensors

from aemodels import CheckpointError, load_pretrained
from aemodels.checkpoints import (
    MNIST_DATA,
    CheckpointLimits,
    ModelData,
    check_config,
    checkpoint_zip,
    pretrained_dir,
    read_checkpoint,
    save_checkpoint,
)
from aemodels.models import AEConfig, build_model

ROOT = Path(__file__).resolve().parent.parent


def small_model():
    torch.manual_seed(1)
    return build_model(AEConfig(kind="mlp", latent_dim=3, hidden=(32,)))


def pictures_data(n: int = 12) -> ModelData:
    images = torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    return ModelData("pictures", "your pictures (cats.zip)", ("cats", "dogs"), images, torch.arange(n) % 2)


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def files_of(zipped: bytes) -> list[tuple[str, bytes]]:
    return list(unzip(zipped).items())


def with_record(files, change) -> list[tuple[str, bytes]]:
    """The files with the JSON changed by `change(record)` (which may also recompute the sha256)."""
    out = []
    for name, raw in files:
        if name.endswith(".json"):
            record = json.loads(raw)
            change(record)
            raw = json.dumps(record).encode()
        out.append((name, raw))
    return out


def sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def test_the_train_pages_zip_reads_back_exactly_with_its_held_out_items():
    model, data = small_model(), pictures_data()
    zipped = checkpoint_zip(model, "mine", {"description": "MLP AE, d=3"}, data)
    assert sorted(unzip(zipped)) == ["mine.items.safetensors", "mine.json", "mine.safetensors"]
    uploaded = read_checkpoint([("my_autoencoder.zip", zipped)])
    for key, value in model.state_dict().items():
        assert torch.equal(uploaded.model.state_dict()[key], value), key
    assert not uploaded.model.training and uploaded.model.info["description"] == "MLP AE, d=3"
    assert uploaded.data.dataset == "pictures" and uploaded.data.classes == ("cats", "dogs")
    assert uploaded.data.label == "your pictures (cats.zip)"
    assert uploaded.data.images is not None and uploaded.data.labels is not None
    assert torch.allclose(uploaded.data.images, data.images, atol=0.5 / 255 + 1e-6)  # stored as uint8
    assert torch.equal(uploaded.data.labels, data.labels)
    # The same files uploaded one by one (unzipped) read the same.
    loose = read_checkpoint(files_of(zipped))
    assert torch.equal(loose.model.encoder[0].weight, model.encoder[0].weight)


def test_an_mnist_model_carries_no_items_and_says_mnist():
    zipped = checkpoint_zip(small_model(), "mine", {}, MNIST_DATA)
    assert sorted(unzip(zipped)) == ["mine.json", "mine.safetensors"]
    assert read_checkpoint([("mine.zip", zipped)]).data == MNIST_DATA


def test_what_aemodels_train_writes_loads_as_the_zoo_loads_it():
    folder = pretrained_dir()
    files = [(f"ae2{s}", (folder / f"ae2{s}").read_bytes()) for s in (".json", ".safetensors")]
    uploaded = read_checkpoint(files)
    reference = load_pretrained("ae2")
    x = torch.rand(4, 1, 28, 28)
    assert torch.equal(uploaded.model.reconstruct(x), reference.reconstruct(x))
    assert uploaded.data.is_mnist and uploaded.model.info["name"] == "ae2"


def test_a_tampered_weights_file_is_refused():
    files = files_of(checkpoint_zip(small_model(), "mine", {}))
    tampered = [(n, r[:-1] + bytes([r[-1] ^ 1]) if n == "mine.safetensors" else r) for n, r in files]
    with pytest.raises(CheckpointError, match="does not match the sha256 its JSON records: it was altered"):
        read_checkpoint(tampered)


def test_tampered_items_are_refused():
    files = files_of(checkpoint_zip(small_model(), "mine", {}, pictures_data()))
    tampered = [(n, r.replace(b"labels", b"lapels") if n.endswith("items.safetensors") else r) for n, r in files]
    with pytest.raises(CheckpointError, match=r"mine.items.safetensors does not match the sha256"):
        read_checkpoint(tampered)


def test_a_config_with_an_unknown_architecture():
    files = files_of(checkpoint_zip(small_model(), "mine", {}))
    with pytest.raises(CheckpointError, match="unknown architecture “transformer”; known: conv, cvae_mlp, linear"):
        read_checkpoint(with_record(files, lambda r: r["config"].update(kind="transformer")))


@pytest.mark.parametrize(
    "change, message",
    [
        ({"latent_dim": 10**9}, "asks for a code of 1,000,000,000 numbers; at most 1,024 are allowed"),
        ({"latent_dim": 0}, "latent_dim must be a whole number from 1 to 1,024"),
        ({"latent_dim": "2"}, "latent_dim must be a whole number"),
        ({"latent_dim": True}, "latent_dim must be a whole number"),
        ({"hidden": [4096, 4096, 4096, 4096]}, "a model of .* parameters; at most 12,000,000 are allowed"),
        ({"hidden": [10**6]}, "hidden widths must be a whole number from 1 to 4,096"),
        ({"hidden": [8] * 5}, "hidden widths must be a list of 1 to 4 whole numbers"),
        ({"channels": [999, 2]}, "channels must be a whole number from 1 to 256"),
        ({"recon_loss": "hinge"}, "recon_loss must be mse or bce"),
        ({"train_noise_std": float("nan")}, "train_noise_std must be a number from 0 to 10"),
        ({"evil": 1}, "fields this aemodels does not know: evil"),
        ({"kind": "cvae_mlp"}, "class-conditional model cannot be used"),
    ],
)
def test_config_bounds(change, message):
    config = {"kind": "mlp", "latent_dim": 2, "hidden": [16]} | change
    with pytest.raises(CheckpointError, match=message):
        check_config(config)


def test_the_parameter_count_is_taken_without_allocating(monkeypatch):
    """A config of 16 million parameters is refused by counting on the meta device: no weight is made."""
    made = []
    real = torch.nn.Linear.reset_parameters
    monkeypatch.setattr(torch.nn.Linear, "reset_parameters", lambda self: made.append(self.weight.device) or real(self))
    with pytest.raises(CheckpointError, match="parameters; at most"):
        check_config({"kind": "mlp", "latent_dim": 1024, "hidden": [4096, 4096]})
    assert made and all(device.type == "meta" for device in made)


def test_wrong_tensor_shapes_are_named():
    """Weights of a 3-d code under a JSON that says 4 (its sha256 recomputed, so only the shapes are wrong)."""
    files = files_of(checkpoint_zip(small_model(), "mine", {}))
    with pytest.raises(CheckpointError, match=r"encoder.2.weight is 3×32 in the file, 4×32 in the model"):
        read_checkpoint(with_record(files, lambda r: r["config"].update(latent_dim=4)))


def test_missing_and_extra_tensors_are_named():
    model = small_model()
    state = {k: v for k, v in model.state_dict().items() if k != "decoder.2.bias"}
    raw = save_tensors(state)
    files = with_record(files_of(checkpoint_zip(model, "mine", {})), lambda r: r.update(sha256=sha(raw)))
    files = [(n, raw if n == "mine.safetensors" else r) for n, r in files]
    with pytest.raises(CheckpointError, match=r"its config describes: it lacks decoder.2"):
        read_checkpoint(files)


def test_non_finite_weights_are_refused():
    model = small_model()
    state = dict(model.state_dict())
    state["decoder.0.weight"] = state["decoder.0.weight"].clone()
    state["decoder.0.weight"][0, 0] = float("nan")
    raw = save_tensors(state)
    files = with_record(files_of(checkpoint_zip(model, "mine", {})), lambda r: r.update(sha256=sha(raw)))
    files = [(n, raw if n == "mine.safetensors" else r) for n, r in files]
    with pytest.raises(CheckpointError, match="not numbers"):
        read_checkpoint(files)


@pytest.mark.parametrize("legacy", [False, True])
def test_a_pickle_renamed_safetensors_is_never_unpickled(monkeypatch, legacy):
    """torch.save's file (zip format, or the legacy pickle), named .safetensors, with a JSON whose sha256 matches it."""
    model = small_model()
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer, _use_new_zipfile_serialization=not legacy)
    raw = buffer.getvalue()
    files = with_record(files_of(checkpoint_zip(model, "mine", {})), lambda r: r.update(sha256=sha(raw)))
    files = [(n, raw if n == "mine.safetensors" else r) for n, r in files]

    def refuse(*args, **kwargs):
        raise AssertionError("something was unpickled")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    monkeypatch.setattr(torch, "load", refuse)
    with pytest.raises(CheckpointError, match=r"is a PyTorch pickle .* never opened"):
        read_checkpoint(files)


def test_a_safetensors_file_that_starts_like_a_pickle_is_read():
    """A header of 128 + 256k bytes makes the file's first byte 0x80, as a pickle's is: still safetensors."""
    model = small_model()
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    raw = next(blob for k in range(400) if (blob := save_tensors(state, metadata={"pad": "x" * k}))[0] == 0x80)
    files = with_record(files_of(checkpoint_zip(model, "mine", {})), lambda r: r.update(sha256=sha(raw)))
    files = [(n, raw if n == "mine.safetensors" else r) for n, r in files]
    assert torch.equal(read_checkpoint(files).model.decoder[0].weight, model.decoder[0].weight)


def test_garbage_named_safetensors_is_not_safetensors():
    raw = b"\x10\x00\x00\x00\x00\x00\x00\x00not json at all!" + b"\0" * 64
    files = with_record(files_of(checkpoint_zip(small_model(), "mine", {})), lambda r: r.update(sha256=sha(raw)))
    files = [(n, raw if n == "mine.safetensors" else r) for n, r in files]
    with pytest.raises(CheckpointError, match="is not a safetensors file"):
        read_checkpoint(files)


@pytest.mark.parametrize(
    "files, message",
    [
        ([("mine.safetensors", b"x")], "There is no JSON config"),
        ([("a.json", b"{}"), ("b.json", b"{}")], "one model at a time"),
        ([("a.json", b"\xff\xfe")], "is not valid JSON"),
        ([("a.json", b"[1, 2]")], "has no config"),
        ([("a.json", b'{"config": {}, "sha256": "x"}')], "lacks its 'weights' entry"),
        ([("a.zip", b"PK\x03\x04 broken")], "The zip is damaged"),
        ([("README.zip", None)], "There is no JSON config"),
    ],
)
def test_wrong_files_get_one_sentence(files, message):
    if files[0][1] is None:  # the zip the Train page gives when the training is gone: a README only
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("README.txt", "gone")
        files = [("my_autoencoder.zip", buffer.getvalue())]
    with pytest.raises(CheckpointError, match=message):
        read_checkpoint(files)


def test_a_newer_format_and_a_missing_weights_file():
    files = files_of(checkpoint_zip(small_model(), "mine", {}))
    with pytest.raises(CheckpointError, match="format version 99"):
        read_checkpoint(with_record(files, lambda r: r.update(format_version=99)))
    with pytest.raises(CheckpointError, match=r"The weights file mine.safetensors that the JSON names is missing"):
        read_checkpoint([f for f in files if f[0].endswith(".json")])


def test_sizes_are_bounded_before_reading():
    zipped = checkpoint_zip(small_model(), "mine", {})
    with pytest.raises(CheckpointError, match=r"mine.zip is 0.197 MB; the limit is 0.000954 MB a file"):
        read_checkpoint([("mine.zip", zipped)], limits=CheckpointLimits(max_upload_bytes=1000))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mine.json", b" " * 5_000_000)
    with pytest.raises(CheckpointError, match=r"mine.json in the zip unpacks to 4.77 MB; the limit is 1 MB"):
        read_checkpoint([("bomb.zip", bomb.getvalue())])


def test_names_from_the_json_are_kept_as_text_and_bounded():
    files = files_of(checkpoint_zip(small_model(), "mine", {"description": "x" * 5000}))
    uploaded = read_checkpoint(with_record(files, lambda r: r.update(name="[evil](http://e.vil)")))
    assert uploaded.model.info["name"] == "[evil](http://e.vil)"  # the app shows it inert (aemodels_app.text.inert)
    assert len(uploaded.model.info["description"]) == 200


@pytest.mark.parametrize("version", [True, 0, -1, 2, "1"])
def test_a_shipped_checkpoint_and_an_upload_are_checked_by_the_one_validator(tmp_path, version):
    """Issue 34.6: the zoo's reader and the upload's had a format check each, of different strictness (the zoo's took
    True, 0 and -1), and two config validators (the zoo's built any size it was given)."""

    path = save_checkpoint(small_model(), "mine", directory=tmp_path)
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "format_version": version}))
    with pytest.raises(CheckpointError, match=f"format version {version!r}"):
        load_pretrained("mine", directory=tmp_path)
    files = [(p.name, p.read_bytes()) for p in sorted(tmp_path.iterdir())]
    with pytest.raises(CheckpointError, match=f"format version {version!r}"):
        read_checkpoint(files)
    path.write_text(json.dumps({**record, "config": {**record["config"], "latent_dim": 10**6}}))
    with pytest.raises(CheckpointError, match="a code of 1,000,000 numbers; at most 1,024"):
        load_pretrained("mine", directory=tmp_path)
