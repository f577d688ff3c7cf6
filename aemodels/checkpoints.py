"""A model brought by its user, and the data a model knows.

`read_checkpoint` takes the files of a checkpoint as bytes: what the Train page downloads (the zip of NAME.safetensors,
NAME.json and, for a model trained on other data than MNIST, NAME.items.safetensors with held-out items of its data),
those files one by one, or what `python -m aemodels.train` writes (NAME.safetensors beside NAME.json). Nothing is
written to disk and nothing is unpickled: the JSON is checked against the config schema with bounds on every size
before any tensor is made (the parameter count is taken on PyTorch's "meta" device, which allocates nothing), the
weights' sha256 must be the one the JSON records, the safetensors header is parsed by the safetensors library, and
the weights are loaded strictly after every name and shape has been compared with the model the config describes.
Each way of failing is one plain sentence in a CheckpointError.

`ModelData` is what a model knows: its data set's name, how pages name it, its classes and held-out items; a model's
JSON carries it under "dataset" (a zoo model's JSON has none: MNIST).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import load_file, save_file
from safetensors.torch import save as save_tensors

from aemodels.data import PRETRAINED_DIR
from aemodels.models import MODELS, AEConfig, Autoencoder, build_model, empty_model
from aemodels.pictures import junk, overlapping
from aemodels.text import megabytes, shortened, size_and_limit

# JSON written before the format had a version (every checkpoint shipped in 2026-11) counts as version 1.
FORMAT_VERSION = 1


class CheckpointError(Exception):
    """A checkpoint file is missing, altered or inconsistent; the message names the file."""


DatasetName = Literal["mnist", "fashion", "pictures"]
DATASET_NAMES: tuple[DatasetName, ...] = ("mnist", "fashion", "pictures")
MB = 2**20


@dataclass(frozen=True)
class ModelData:
    """The data a model was trained on, as the pages need it: which set (`dataset`), how pages name it (`label`), the
    names of its classes, and held-out items, images (N, 1, 28, 28) in [0, 1] with labels (N,), where the model
    carries them (MNIST's are the app's own digits; Fashion-MNIST's the installed test set)."""

    dataset: DatasetName
    label: str
    classes: tuple[str, ...] = ()
    images: torch.Tensor | None = None
    labels: torch.Tensor | None = None

    def __post_init__(self) -> None:
        if self.dataset not in DATASET_NAMES:
            raise ValueError(f"dataset must be one of {', '.join(DATASET_NAMES)}, not {self.dataset!r}")
        if self.images is not None and (self.images.ndim != 4 or tuple(self.images.shape[1:]) != (1, 28, 28)):
            raise ValueError(f"images must be (N, 1, 28, 28), not {tuple(self.images.shape)}")
        if (self.images is None) != (self.labels is None) or (
            self.images is not None and self.labels is not None and len(self.images) != len(self.labels)
        ):
            raise ValueError("images and labels must come together, one label per image")

    @property
    def is_mnist(self) -> bool:
        return self.dataset == "mnist"

    def class_name(self, label: int) -> str:
        return self.classes[label] if 0 <= label < len(self.classes) else ""


MNIST_DATA = ModelData("mnist", "MNIST digits", tuple(str(d) for d in range(10)))


@dataclass(frozen=True)
class CheckpointLimits:
    """What an uploaded checkpoint may be; every bound is checked before the thing it bounds is made."""

    max_upload_bytes: int = 10 * MB  # each uploaded file, a zip included: the server's upload limit
    max_unpacked_bytes: int = 48 * MB  # the weights file unpacked from a zip
    max_total_bytes: int = 56 * MB  # everything read for one checkpoint: the weights, its items and its JSON
    max_files: int = 3  # checkpoint files read (JSON, weights, items): an upload or a zip of more is refused
    max_entries: int = 16  # entries of a zip, read or not (a README, folders)
    max_number_chars: int = 24  # characters of a number in the JSON, checked before it is converted
    max_json_bytes: int = 1 * MB
    max_header_bytes: int = 1 * MB  # the safetensors header (JSON of names, shapes and offsets)
    max_parameters: int = 12_000_000  # numbers in the model (48 MB in float32)
    max_latent: int = 1024  # the Train page's largest code
    max_layers: int = 4  # hidden layers of an MLP
    max_width: int = 4096  # units in a hidden layer
    max_channels: int = 256  # a convolution's channels
    max_items: int = 1000  # held-out items carried with the model
    max_text: int = 200  # characters of a name, description or class name

    def describe(self) -> list[str]:
        return [
            f"each file at most {self.max_upload_bytes / MB:.3g} MB (about {self.max_upload_bytes // 4 / 1e6:.1f} "
            "million parameters in float32, twice that in float16)",
            f"a code of at most {self.max_latent:,} numbers, at most {self.max_layers} hidden layers of at most "
            f"{self.max_width:,} units, at most {self.max_channels} channels, {self.max_parameters / 1e6:g} million "
            "parameters in all",
            "safetensors only: a pickle (.pt, .pth, .ckpt, .bin from torch.save) is never opened",
        ]


DEFAULT_LIMITS = CheckpointLimits()


@dataclass(frozen=True)
class UploadedModel:
    """A checkpoint read from a user's files: the model (eval mode, CPU; `model.info` holds its JSON without the
    config), and what it knows."""

    model: Autoencoder
    data: ModelData


# --- Writing -------------------------------------------------------------------------------------------------------


def items_bytes(data: ModelData) -> bytes:
    """The held-out items as safetensors: images uint8 (N, 1, 28, 28), labels int64 (N,)."""
    if data.images is None or data.labels is None:
        raise ValueError("this ModelData carries no items")
    images = (data.images.clamp(0, 1) * 255 + 0.5).to(torch.uint8).contiguous()
    return save_tensors({"images": images, "labels": data.labels.to(torch.int64).contiguous()})


def dataset_entry(data: ModelData, items_file: str | None = None, items_sha256: str | None = None) -> dict[str, Any]:
    """The JSON's "dataset" entry for a model that knows `data`."""
    entry: dict[str, Any] = {"name": data.dataset, "label": data.label, "classes": list(data.classes)}
    if items_file:
        entry |= {"items": items_file, "items_sha256": items_sha256}
    return entry


def checkpoint_zip(model: Autoencoder, name: str, meta: dict[str, Any], data: ModelData = MNIST_DATA) -> bytes:
    """NAME.safetensors and NAME.json in one zip (checkpoint_archive), the JSON saying what data the
    model knows, with NAME.items.safetensors (up to 1,000 held-out items) beside them when that is not MNIST."""
    if data.is_mnist or data.images is None or data.labels is None:
        return checkpoint_archive(model, name, {**meta, "dataset": dataset_entry(data)})
    blob = items_bytes(ModelData(data.dataset, data.label, data.classes, data.images[:1000], data.labels[:1000]))
    items_file = f"{name}.items.safetensors"
    entry = dataset_entry(data, items_file, hashlib.sha256(blob).hexdigest())
    archive = io.BytesIO(checkpoint_archive(model, name, {**meta, "dataset": entry}))
    with zipfile.ZipFile(archive, "a") as bundle:
        bundle.writestr(items_file, blob)
    return archive.getvalue()


# --- Reading -------------------------------------------------------------------------------------------------------

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def _expand(files: Sequence[tuple[str, bytes]], limits: CheckpointLimits) -> dict[str, bytes]:
    """Uploaded files by their base name, a zip's entries (one level, read in memory) in its place. What the files
    unpack to is charged, before anything is unpacked, against one budget for the whole checkpoint: at most
    `max_files` files of a checkpoint (.json, .safetensors) and `max_total_bytes` in all, as each entry declares (an
    entry is never read past what it declares)."""
    budget = [limits.max_total_bytes]
    out: dict[str, bytes] = {}
    for name, raw in files:
        if len(raw) > limits.max_upload_bytes:
            shown, limit = size_and_limit(len(raw), limits.max_upload_bytes)
            raise CheckpointError(f"{_base(name)} is {shown}; the limit is {limit} a file.")
        if name.lower().endswith(".zip") or (raw[:4] in ZIP_MAGIC and not name.lower().endswith(".safetensors")):
            out |= _unzip(raw, limits, budget)
        elif _base(name).endswith((".json", ".safetensors")):
            _charge(_base(name), len(raw), budget, limits)
            out[_base(name)] = raw
        if len(out) > limits.max_files:
            raise CheckpointError(
                f"These files hold {len(out)} JSON and safetensors files; a checkpoint is at most {limits.max_files} "
                "(NAME.json, NAME.safetensors and NAME.items.safetensors). Upload one model at a time."
            )
    return out


def _charge(name: str, size: int, budget: list[int], limits: CheckpointLimits) -> None:
    """Take `size` bytes of the checkpoint's budget (a one-item list, what is left), before they are read."""
    if size > budget[0]:
        raise CheckpointError(
            f"{name} would take the files past the {limits.max_total_bytes / MB:g} MB a checkpoint may unpack to in "
            "all; nothing more is read."
        )
    budget[0] -= size


def _base(name: str) -> str:
    return shortened(PurePosixPath(name.replace("\\", "/")).name, DEFAULT_LIMITS.max_text)


def _unzip(raw: bytes, limits: CheckpointLimits, budget: list[int]) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise CheckpointError("The zip is damaged and cannot be read.") from None
    if len(infos) > limits.max_entries:
        raise CheckpointError(f"The zip holds {len(infos):,} entries; a checkpoint is two or three files.")
    if overlapping(infos, raw):
        raise CheckpointError("The zip's entries share their packed data, as a zip bomb's do; it was refused.")
    wanted = [  # a README, a folder, what a zip tool adds (__MACOSX/._NAME.json): not part of it, never read
        i
        for i in infos
        if not i.is_dir() and _base(i.filename).endswith((".json", ".safetensors")) and not junk(i.filename)
    ]
    if len(wanted) > limits.max_files:
        raise CheckpointError(
            f"The zip holds {len(wanted)} JSON and safetensors files; a checkpoint is at most {limits.max_files}."
        )
    for info in wanted:  # every entry's declared size, charged before any entry is unpacked
        base = _base(info.filename)
        limit = limits.max_json_bytes if base.endswith(".json") else limits.max_unpacked_bytes
        if info.file_size > limit:
            shown, most = size_and_limit(info.file_size, limit)
            raise CheckpointError(f"{base} in the zip unpacks to {shown}; the limit is {most}.")
        _charge(base, info.file_size, budget, limits)
    out: dict[str, bytes] = {}
    with archive:
        for info in wanted:
            base = _base(info.filename)
            limit = limits.max_json_bytes if base.endswith(".json") else limits.max_unpacked_bytes
            try:
                with archive.open(info) as handle:
                    data = handle.read(limit + 1)
            except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError, ValueError):
                raise CheckpointError(f"{base} in the zip is damaged or packed in a way that cannot be read.") from None
            if len(data) > limit:
                raise CheckpointError(f"{base} in the zip unpacks to more than the {megabytes(limit)} MB it may.")
            out[base] = data
    return out


def _bounded(limits: CheckpointLimits, kind: Callable[[str], Any]) -> Callable[[str], Any]:
    """A JSON number parser that refuses a number of more than `max_number_chars` characters before converting it
    (Python converts an integer of up to 4,300 digits, slowly, then raises an error of its own)."""

    def parse(text: str) -> Any:
        if len(text) > limits.max_number_chars:
            raise CheckpointError(
                f"The JSON holds a number of {len(text):,} characters; a checkpoint's numbers have at most "
                f"{limits.max_number_chars}."
            )
        return kind(text)

    return parse


def _no_constant(name: str) -> Any:
    raise CheckpointError(f"The JSON holds {name}, which is not a number JSON allows.")


def _record(files: Mapping[str, bytes], limits: CheckpointLimits) -> tuple[str, dict[str, Any]]:
    configs = [name for name in files if name.endswith(".json")]
    if not configs:
        raise CheckpointError(
            "There is no JSON config: upload NAME.json with NAME.safetensors (as `python -m aemodels.train` writes "
            "them), or the zip the Train page downloads."
        )
    if len(configs) > 1:
        raise CheckpointError(f"Upload one model at a time: there are {len(configs)} JSON files.")
    name = configs[0]
    raw = files[name]
    if len(raw) > limits.max_json_bytes:
        shown, limit = size_and_limit(len(raw), limits.max_json_bytes)
        raise CheckpointError(f"{name} is {shown}; a checkpoint's JSON is at most {limit}.")
    return name, check_record(parse_json(raw, name, limits), name)


def parse_json(raw: bytes, where: str, limits: CheckpointLimits = DEFAULT_LIMITS) -> Any:
    """A checkpoint's JSON, every number bounded before it is converted; CheckpointError where it is not JSON."""
    try:
        return json.loads(
            raw.decode("utf-8"),
            parse_int=_bounded(limits, int),
            parse_float=_bounded(limits, float),
            parse_constant=_no_constant,
        )
    except (UnicodeDecodeError, ValueError, RecursionError):  # JSONDecodeError is a ValueError
        raise CheckpointError(f"{where} is not valid JSON.") from None


def check_record(record: object, where: str, *, advice: str = "") -> dict[str, Any]:
    """The one check of a checkpoint's JSON, a shipped one's or an upload's: a config, the weights' file name and
    sha256, and a format version this aemodels reads (a JSON without one is version 1)."""
    if not isinstance(record, dict) or not isinstance(record.get("config"), dict):
        raise CheckpointError(f"{where} has no config: it is not a checkpoint's JSON.")
    for key in ("weights", "sha256"):
        if not isinstance(record.get(key), str):
            raise CheckpointError(f"{where} lacks its {key!r} entry (a string), so the weights cannot be checked.")
    version = record.get("format_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= FORMAT_VERSION:
        raise CheckpointError(
            f"{where} has format version {shortened(repr(version), 40)}; this aemodels reads up to version "
            f"{FORMAT_VERSION}.{advice}"
        )
    return record


def _whole(value: object, low: int, high: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise CheckpointError(
            f"The config's {what} must be a whole number from {low:,} to {high:,}, not {str(value)[:30]}."
        )
    return value


def _real(value: object, low: float, high: float, what: str) -> float:
    if (
        not isinstance(value, (int, float))
        or isinstance(value, bool)
        or not (math.isfinite(float(value)) and low <= value <= high)  # an int's digits are bounded: it converts
    ):
        raise CheckpointError(f"The config's {what} must be a number from {low:g} to {high:g}, not {str(value)[:30]}.")
    return float(value)


def check_config(
    config: Mapping[str, Any], limits: CheckpointLimits = DEFAULT_LIMITS, *, conditional: bool = False
) -> AEConfig:
    """A checkpoint's config (an upload's or a shipped model's: the one validator), checked against AEConfig's schema
    with a bound on every size; raises CheckpointError in one plain sentence. A class-conditional model is refused
    unless `conditional` (the pages' "your model" keeps the shared interface; the zoo ships one)."""
    known = {f.name for f in dataclasses.fields(AEConfig)}
    unknown = sorted(str(key)[:40] for key in config if key not in known)
    if unknown:
        raise CheckpointError(f"The config has fields this aemodels does not know: {', '.join(unknown[:5])}.")
    kind = config.get("kind")
    if not isinstance(kind, str) or kind not in MODELS:
        raise CheckpointError(
            f"The config names an unknown architecture “{str(kind)[:40]}”; known: {', '.join(sorted(MODELS))}."
        )
    if MODELS[kind].conditional and not conditional:
        raise CheckpointError("A class-conditional model cannot be used as your model here (it needs the class).")
    default = AEConfig(kind="mlp", latent_dim=2)
    latent = config.get("latent_dim")
    if isinstance(latent, int) and not isinstance(latent, bool) and latent > limits.max_latent:
        raise CheckpointError(
            f"The config asks for a code of {latent:,} numbers; at most {limits.max_latent:,} are allowed."
        )
    values: dict[str, Any] = {"kind": kind, "latent_dim": _whole(latent, 1, limits.max_latent, "latent_dim")}
    for key, top, what in (
        ("hidden", limits.max_width, "hidden widths"),
        ("channels", limits.max_channels, "channels"),
    ):
        raw = config.get(key, list(getattr(default, key)))
        fewest, most = (1, limits.max_layers) if key == "hidden" else (2, 2)
        if not isinstance(raw, (list, tuple)) or not fewest <= len(raw) <= most:
            raise CheckpointError(f"The config's {what} must be a list of {fewest} to {most} whole numbers.")
        values[key] = tuple(_whole(v, 1, top, what) for v in raw)
    loss = config.get("recon_loss", default.recon_loss)
    if loss not in ("mse", "bce"):
        raise CheckpointError(f"The config's recon_loss must be mse or bce, not {str(loss)[:30]}.")
    values["recon_loss"] = loss
    for key, low, high in (
        ("sparsity_target", 1e-6, 1.0),
        ("sparsity_weight", 0.0, 1e4),
        ("train_noise_std", 0.0, 10.0),
    ):
        values[key] = _real(config.get(key, getattr(default, key)), low, high, key)
    try:
        result = AEConfig(**values)
        with torch.device("meta"):  # the parameter count without allocating a single weight
            count = sum(p.numel() for p in build_model(result).parameters())
    except (TypeError, ValueError, AssertionError, RuntimeError) as err:
        raise CheckpointError(f"The config does not describe a model this aemodels can build ({err}).") from None
    if count > limits.max_parameters:
        raise CheckpointError(
            f"The config describes a model of {count:,} parameters; at most {limits.max_parameters:,} are allowed."
        )
    return result


def _sniff(name: str, raw: bytes, limits: CheckpointLimits) -> None:
    """Refuse what is not safetensors before the parser sees it. A safetensors file starts with its header's length
    (8 bytes, little-endian) and the header's JSON; anything else that starts as a pickle does (torch.save's legacy
    format: the protocol byte 0x80; its zip format: PK) is named as such and never opened."""
    header = int.from_bytes(raw[:8], "little") if len(raw) >= 8 else -1
    if 2 <= header <= len(raw) - 8 and raw[8:9] == b"{":
        if header > limits.max_header_bytes:
            shown, limit = size_and_limit(header, limits.max_header_bytes)
            raise CheckpointError(f"{name} has a header of {shown}; at most {limit} is read.")
        return
    if raw[:1] == b"\x80" or raw[:4] in ZIP_MAGIC:
        raise CheckpointError(
            f"{name} is a PyTorch pickle (torch.save), not safetensors; a pickle can run code, so it is never opened "
            "here. Save the weights with safetensors.torch.save_file."
        )
    raise CheckpointError(f"{name} is not a safetensors file.")


def _weights_file(files: Mapping[str, bytes], record: Mapping[str, Any], items: str | None) -> str:
    named = _base(str(record["weights"]))
    if named in files:
        return named
    candidates = [n for n in files if n.endswith(".safetensors") and n != items]
    if len(candidates) == 1:
        return candidates[0]  # renamed on the way: the sha256 still says whether it is the right file
    raise CheckpointError(f"The weights file {named} that the JSON names is missing: upload it beside the JSON.")


def _fit(model: Autoencoder, state: Mapping[str, torch.Tensor], name: str) -> dict[str, torch.Tensor]:
    """The state as float32 where the model has floats, after every name, shape and value is checked."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    extra = [k for k in state if k not in expected]
    if missing or extra:
        what = f"lacks {', '.join(missing[:3])}" if missing else f"has tensors the model lacks: {', '.join(extra[:3])}"
        raise CheckpointError(f"{name} does not fit the architecture its config describes: it {what}.")
    out = {}
    for key, target in expected.items():
        tensor = state[key]
        if tuple(tensor.shape) != tuple(target.shape):
            shape, wanted = "×".join(map(str, tensor.shape)) or "a scalar", "×".join(map(str, target.shape))
            raise CheckpointError(
                f"{name} does not fit the architecture its config describes: {key} is {shape} in the file, {wanted} "
                "in the model."
            )
        if target.is_floating_point() != tensor.is_floating_point():
            raise CheckpointError(f"{name} holds {key} as {tensor.dtype}, where the model has {target.dtype}.")
        if tensor.is_floating_point():
            tensor = tensor.float()
            if not torch.isfinite(tensor).all():
                raise CheckpointError(f"{name} holds values that are not numbers (NaN or infinity) in {key}.")
        out[key] = tensor
    return out


def _text(value: object, limit: int) -> str:
    return str(value)[:limit] if isinstance(value, (str, int, float)) else ""


def _data(
    record: Mapping[str, Any], files: Mapping[str, bytes], limits: CheckpointLimits
) -> tuple[ModelData, str | None]:
    """(what the model knows, its items file's name) from the JSON's "dataset" entry; MNIST where it has none."""
    entry = record.get("dataset")
    if entry is None:
        return MNIST_DATA, None
    if not isinstance(entry, dict) or entry.get("name") not in DATASET_NAMES:
        raise CheckpointError(f"The JSON's dataset entry must name one of {', '.join(DATASET_NAMES)}.")
    dataset: DatasetName = entry["name"]
    if dataset == "mnist":
        return MNIST_DATA, None
    classes = entry.get("classes", [])
    if not isinstance(classes, list) or len(classes) > 10:
        raise CheckpointError("The JSON's dataset entry may name at most 10 classes.")
    names = tuple(_text(c, limits.max_text // 4) for c in classes)
    label = _text(entry.get("label"), limits.max_text) or dataset
    items = entry.get("items")
    if not isinstance(items, str):
        return ModelData(dataset, label, names), None
    items = _base(items)
    raw = files.get(items)
    if raw is None:  # the model alone (its JSON and weights) is usable; its pages then lack its own items
        return ModelData(dataset, label, names), items
    if hashlib.sha256(raw).hexdigest() != entry.get("items_sha256"):
        raise CheckpointError(f"{items} does not match the sha256 its JSON records: it was altered.")
    _sniff(items, raw, limits)
    try:
        tensors = load_tensors(raw)
    except (SafetensorError, RuntimeError, ValueError, OSError):
        raise CheckpointError(f"{items} is not a safetensors file that can be read.") from None
    images, labels = tensors.get("images"), tensors.get("labels")
    if (
        images is None
        or labels is None
        or images.dtype != torch.uint8
        or images.ndim != 4
        or tuple(images.shape[1:]) != (1, 28, 28)
        or not 1 <= len(images) <= limits.max_items
        or labels.shape != (len(images),)
        or labels.dtype != torch.int64
        or (len(labels) and not (int(labels.min()) >= 0 and int(labels.max()) < 10))
    ):
        raise CheckpointError(f"{items} does not hold up to {limits.max_items} items of 28×28 uint8 with labels 0–9.")
    return ModelData(dataset, label, names, images.float() / 255.0, labels), items


def read_checkpoint(files: Sequence[tuple[str, bytes]], *, limits: CheckpointLimits = DEFAULT_LIMITS) -> UploadedModel:
    """A model from its files as (name, bytes): NAME.json with NAME.safetensors (and NAME.items.safetensors), or a
    zip of them. Raises CheckpointError in one plain sentence; never writes a file, never unpickles."""
    with torch.inference_mode(False):
        found = _expand(files, limits)
        json_name, record = _record(found, limits)
        config = check_config(record["config"], limits)
        data, items = _data(record, found, limits)
        weights_name = _weights_file(found, record, items)
        raw = found[weights_name]
        if len(raw) > limits.max_unpacked_bytes:
            shown, limit = size_and_limit(len(raw), limits.max_unpacked_bytes)
            raise CheckpointError(f"{weights_name} is {shown}; the limit is {limit}.")
        _sniff(weights_name, raw, limits)
        if hashlib.sha256(raw).hexdigest() != record["sha256"]:
            raise CheckpointError(
                f"{weights_name} does not match the sha256 its JSON records: it was altered, truncated, or belongs "
                "to another model."
            )
        try:
            state = load_tensors(raw)
        except (SafetensorError, RuntimeError, ValueError, OSError):
            raise CheckpointError(f"{weights_name} is not a safetensors file that can be read.") from None
        model = empty_model(config)  # its weights are loaded next: nothing is drawn
        try:
            model.load_state_dict(_fit(model, state, weights_name), strict=True)
        except RuntimeError as err:  # _fit has compared names and shapes; this is a last line
            raise CheckpointError(f"{weights_name} does not fit the architecture its config describes.") from err
    model.info = {k: v for k, v in record.items() if k != "config"}
    model.info["name"] = _text(record.get("name"), DEFAULT_LIMITS.max_text) or json_name.removesuffix(".json")
    model.info["description"] = _text(record.get("description"), DEFAULT_LIMITS.max_text)
    return UploadedModel(model.eval(), data)


# --- The checkpoint files: NAME.safetensors beside NAME.json (the zoo's, and what `python -m aemodels.train` writes)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pretrained_dir() -> Path:
    return Path(os.environ.get("AEMODELS_PRETRAINED", PRETRAINED_DIR))


def save_checkpoint(
    model: Autoencoder, name: str, *, directory: Path | None = None, meta: dict | None = None, float16: bool = False
) -> Path:
    directory = Path(directory or pretrained_dir())
    directory.mkdir(parents=True, exist_ok=True)
    weights = directory / f"{name}.safetensors"
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    if float16:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    save_file(state, str(weights))
    record = {
        "format_version": FORMAT_VERSION,
        "name": name,
        "config": dataclasses.asdict(model.config),
        "weights": weights.name,
        "sha256": sha256_file(weights),
        **(meta or {}),
    }
    path = directory / f"{name}.json"
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return path


def checkpoint_archive(model: Autoencoder, name: str, meta: dict | None = None) -> bytes:
    """NAME.safetensors and NAME.json (save_checkpoint's files) in one zip: unpacked into a folder,
    `load_pretrained(NAME, directory=folder)` reads it."""
    with tempfile.TemporaryDirectory() as folder:
        save_checkpoint(model, name, directory=Path(folder), meta=meta)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for suffix in (".safetensors", ".json"):
                archive.write(Path(folder) / f"{name}{suffix}", f"{name}{suffix}")
        return buffer.getvalue()


def read_record(name: str, directory: Path | None = None) -> dict:
    path = Path(directory or pretrained_dir()) / f"{name}.json"
    if not path.exists():
        raise CheckpointError(f"Checkpoint description {path} is missing; the model {name!r} cannot be loaded.")
    where = f"Checkpoint description {path}"
    advice = f" Update aemodels, or retrain with `python -m aemodels.train {name}`."
    return check_record(parse_json(path.read_bytes(), where), where, advice=advice)


def write_metrics(name: str, metrics: dict, directory: Path | None = None) -> None:
    path = Path(directory or pretrained_dir()) / f"{name}.json"
    record = read_record(name, directory)
    record["metrics"] = metrics
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")


def load_pretrained(name: str, *, directory: Path | None = None) -> Autoencoder:
    """Rebuild NAME from its JSON, verify the weights' sha256, load strictly; eval mode, on the CPU. The weights
    are ordinary tensors even when the caller is inside torch.inference_mode(), so that a model loaded there can
    still be differentiated later (decoder Jacobians)."""
    with torch.inference_mode(False):
        return _load_pretrained(name, Path(directory or pretrained_dir()))


def _load_pretrained(name: str, directory: Path) -> Autoencoder:
    record = read_record(name, directory)
    weights = directory / record["weights"]
    if not weights.exists():
        raise CheckpointError(f"Weights file {weights} is missing; the model {name!r} cannot be loaded.")
    actual = sha256_file(weights)
    if actual != record["sha256"]:
        raise CheckpointError(
            f"Weights file {weights} does not match its recorded sha256 (it was altered or truncated); "
            f"restore it from the repository or retrain with `python -m aemodels.train {name}`."
        )
    try:
        config = check_config(record["config"], conditional=True)
    except CheckpointError as err:
        raise CheckpointError(f"Checkpoint description {directory / (name + '.json')}: {err}") from None
    model = empty_model(config)  # its weights are loaded next: nothing is drawn from the process's generator
    try:
        state = load_file(str(weights))
        model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()}, strict=True)
    except (SafetensorError, RuntimeError, OSError) as err:
        raise CheckpointError(f"Weights file {weights} does not fit the model its JSON describes: {err}") from err
    model.info = {k: v for k, v in record.items() if k not in ("config",)}
    model.info.setdefault("name", name)
    return model.eval()
