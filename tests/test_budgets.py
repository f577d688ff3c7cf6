"""Bounded work for everything a user sends (issue 36): each budget is charged before the work it bounds is done.
Each test builds its small hostile file here and checks that the costly step (unpacking, decoding, converting,
parsing) is never reached, by counting the calls that do it, not by timing them."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib

import pytest
import torch
from PIL import Image, ImageFile

from aemodels import CheckpointError, DataError, geometry
from aemodels.checkpoints import ModelData, checkpoint_zip, read_checkpoint
from aemodels.geometry import JACOBIAN_COLUMNS, push_directions
from aemodels.models import AEConfig, build_model
from aemodels.pictures import PictureLimits, load_image_zip
from aemodels.playground import RATIO_DIGITS, RATIO_LEAST, ratio_digits

MB = 2**20


def zip_of(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The zip entries opened for reading, by name (writing one is not counted)."""
    opened: list[str] = []
    original = zipfile.ZipFile.open

    def counting(self, name, mode="r", *args, **kwargs):
        if mode == "r":
            opened.append(name.filename if isinstance(name, zipfile.ZipInfo) else name)
        return original(self, name, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", counting)
    return opened


# --- 36.1: a checkpoint upload ------------------------------------------------------------------------------------


def test_a_checkpoint_zip_of_many_large_entries_is_refused_before_any_is_read(reads):
    """16 entries of 48 MB each (a few kB packed) were all unpacked and held at once: 768 MB from one upload."""
    zipped = zip_of([(f"w{i}.safetensors", bytes(8 * MB)) for i in range(6)])
    assert len(zipped) < 100_000
    with pytest.raises(CheckpointError, match="holds 6 JSON and safetensors files; a checkpoint is at most 3"):
        read_checkpoint([("many.zip", zipped)])
    assert reads == []


def test_what_a_checkpoint_unpacks_to_is_charged_in_all_before_it_is_read(reads):
    """Two files each within the 48 MB a weights file may have pass the 56 MB a checkpoint may unpack to in all."""
    zipped = zip_of([("m.json", b"{}"), ("m.safetensors", bytes(40 * MB)), ("m.items.safetensors", bytes(40 * MB))])
    with pytest.raises(CheckpointError, match="past the 56 MB a checkpoint may unpack to in all"):
        read_checkpoint([("m.zip", zipped)])
    assert "m.items.safetensors" not in reads


def test_loose_checkpoint_files_are_counted_too():
    files = [(f"w{i}.safetensors", b"x") for i in range(4)] + [("m.json", b"{}")]
    with pytest.raises(CheckpointError, match="a checkpoint is at most 3"):
        read_checkpoint(files)


def test_a_good_checkpoint_with_its_items_is_within_the_budget():
    torch.manual_seed(0)
    model = build_model(AEConfig(kind="mlp", latent_dim=3, hidden=(32,)))

    data = ModelData("pictures", "mine", ("a", "b"), torch.rand(50, 1, 28, 28), torch.arange(50) % 2)
    uploaded = read_checkpoint([("mine.zip", checkpoint_zip(model, "mine", {}, data))])
    assert uploaded.data.images is not None and len(uploaded.data.images) == 50


# --- 36.5: numbers in a checkpoint's JSON -------------------------------------------------------------------------


def checkpoint_json(config_text: str) -> list[tuple[str, bytes]]:
    text = '{"weights": "m.safetensors", "sha256": "0", "config": ' + config_text + "}"
    return [("m.json", text.encode()), ("m.safetensors", b"x")]


@pytest.mark.parametrize(
    ("config", "says"),
    [
        ('{"kind": "mlp", "latent_dim": ' + "7" * 5000 + "}", "a number of 5,000 characters"),
        ('{"kind": "mlp", "latent_dim": 2, "sparsity_weight": 1' + "0" * 400 + "}", "a number of 401 characters"),
        ('{"kind": "mlp", "latent_dim": 2, "sparsity_weight": 1e400}', "sparsity_weight must be a number"),
        ('{"kind": "mlp", "latent_dim": 2, "sparsity_weight": NaN}', "holds NaN, which is not a number JSON allows"),
        ('{"kind": "mlp", "latent_dim": 2, "sparsity_weight": 99999999999999999999}', "sparsity_weight must be"),
    ],
)
def test_a_jsons_numbers_are_bounded_before_they_are_converted(config, says):
    with pytest.raises(CheckpointError, match=says):
        read_checkpoint(checkpoint_json(config))


# --- 36.2 and 36.4: a lesson's text, by link or by file -----------------------------------------------------------


# --- 36.3: a picture zip ------------------------------------------------------------------------------------------


def overlapping_zip(data: bytes, copies: int, name: bytes = b"a.png") -> bytes:
    """One stored entry, named `copies` times in the central directory: each name unpacks the same data."""
    crc = zlib.crc32(data)
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, crc, len(data), len(data), len(name), 0)
    body = local + name + data
    central = struct.pack(
        "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, crc, len(data), len(data), len(name), 0, 0, 0, 0, 0, 0
    )
    directory = (central + name) * copies
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, copies, copies, len(directory), len(body), 0)
    return body + directory + end


def png_of(size: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (size, size), 255).save(buffer, format="PNG")
    return buffer.getvalue()


def test_entries_that_share_their_data_are_refused_before_any_is_read(reads):
    """A 67 kB zip naming one 16-megapixel PNG 1,000 times took 46 s of CPU."""
    data = overlapping_zip(png_of(64), 1000)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # zipfile itself reads it (Python 3.11)
        assert len(archive.infolist()) == 1000
    with pytest.raises(DataError, match="share their packed data"):
        load_image_zip(data)
    assert reads == []


class Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in: it then writes a data descriptor after each entry."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.data += b
        return len(b)


def test_a_zip_a_zip_tool_writes_is_not_taken_for_overlapping():
    """Folders, stored and packed entries, data descriptors, zip64 headers and extra fields all pass the check."""
    stream = Unseekable()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pictures/", b"")
        archive.writestr("pictures/0.png", png_of(40))
        with archive.open("pictures/1.png", "w", force_zip64=True) as handle:  # zip64 extra field
            handle.write(png_of(41))
        stored = zipfile.ZipInfo("pictures/2.png")
        stored.extra = struct.pack("<HH", 0xCAFE, 8) + bytes(8)  # an extra field of a tool of its own
        archive.writestr(stored, png_of(42), compress_type=zipfile.ZIP_STORED)
    data = bytes(stream.data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert any(info.flag_bits & 0x08 for info in archive.infolist())  # data descriptors were written
    assert len(load_image_zip(data, recipe="grey")) == 3
    assert len(load_image_zip(zip_of([(f"{i}.png", png_of(40 + i)) for i in range(5)]), recipe="grey")) == 5


def test_an_entry_whose_header_hides_in_anothers_extra_field_is_caught(reads):
    """Two names, one packed stream: the first entry's local extra field swallows the second's header, so the first
    entry's data begins where the second's does (the review's bypass of a check that assumed 30-byte headers)."""
    payload = bytes(2 * MB)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(payload) + packer.flush()
    crc, size = zlib.crc32(payload), len(payload)

    def local(name: bytes, extra: int) -> bytes:
        return struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(packed), size, len(name), extra) + name

    second_at = 30 + len(packed)
    first = local(b"a.png", 30 + len(packed))
    body = first + bytes(second_at - len(first)) + local(b"b.png", 0) + packed

    def central(name: bytes, offset: int) -> bytes:
        fields = (b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(packed), size, len(name), 0, 0, 0, 0, 0, offset)
        return struct.pack("<4s6H3L5H2L", *fields) + name

    directory = central(b"a.png", 0) + central(b"b.png", second_at)
    data = body + directory + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 2, 2, len(directory), len(body), 0)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # zipfile unpacks both names from the one stream
        assert [len(archive.read(n)) for n in ("a.png", "b.png")] == [size, size]
    reads.clear()
    with pytest.raises(DataError, match="share their packed data"):
        load_image_zip(data)
    with pytest.raises(CheckpointError, match="share their packed data"):
        read_checkpoint([("m.zip", data.replace(b".png", b".bin"))])
    assert reads == []


@pytest.fixture
def decodes(monkeypatch) -> list[tuple[int, int]]:
    sizes: list[tuple[int, int]] = []
    original = ImageFile.ImageFile.load

    def counting(self):
        if self.tile:  # not decoded yet: this call decodes it
            sizes.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting)
    return sizes


def test_pixels_are_charged_from_the_header_before_decoding(decodes):
    """Each picture's pixels come out of the set's budget before it is decoded; one past it is never decoded."""
    limits = PictureLimits(max_total_pixels=3 * 1000 * 1000)
    pictures = [(f"{i}.png", png_of(1000)) for i in range(5)]  # a megapixel each
    prepared = load_image_zip(zip_of(pictures), limits=limits, recipe="grey")
    assert len(prepared) == 3 and len(decodes) == 3
    assert {s.name: s.reason for s in prepared.skipped}["3.png"] == "the pictures hold more than 3 megapixels in all"


def jpeg_of(size: int, *, progressive: bool) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (size, size), 200).save(buffer, format="JPEG", progressive=progressive)
    return buffer.getvalue()


def test_a_progressive_jpeg_is_charged_at_full_size_a_baseline_one_at_the_scale_it_is_decoded_at(decodes):
    """A progressive JPEG's decoder keeps every coefficient of the full picture through all its scans (a 40-megapixel
    one cost 124 ms, ten times a baseline one): charged at full size. A baseline JPEG of 4,096 x 4,096 is decoded at
    1/8 (512 x 512), and charged so; the pixels its decoder walks through count against their own budget."""
    side = 4096
    limits = PictureLimits(max_total_pixels=3 * side * side + 1)
    for progressive, used in ((True, 3), (False, 5)):
        pictures = [(f"{i}.jpg", jpeg_of(side, progressive=progressive)) for i in range(5)]
        assert len(load_image_zip(zip_of(pictures), limits=limits, recipe="grey")) == used
    limits = PictureLimits(max_header_pixels=2 * side * side)
    pictures = [(f"{i}.jpg", jpeg_of(side, progressive=False)) for i in range(5)]
    prepared = load_image_zip(zip_of(pictures), limits=limits, recipe="grey")
    assert len(prepared) == 2
    assert {s.name: s.reason for s in prepared.skipped}["2.jpg"].endswith("34 megapixels in all at full size")


def bad_checksum_zip(count: int, size: int) -> bytes:
    data = bytearray(zip_of([(f"{i}.png", bytes([i % 251]) * size) for i in range(count)]))
    at = 0
    for _ in range(count):  # break each local header's CRC: zipfile finds out only after unpacking the whole entry
        at = data.index(b"PK\x03\x04", at)
        data[at + 14 : at + 18] = b"\xff\xff\xff\xff"
        at += 4
    return bytes(data)


def test_an_entry_that_fails_its_checksum_is_charged_too(reads):
    """Entries of 10 MB whose checksums fail were never charged to the unpacked-bytes budget: 23.6 s of CPU."""
    limits = PictureLimits(max_file_bytes=300_000, max_total_bytes=1_000_000)
    with pytest.raises(DataError, match="No picture could be used"):
        load_image_zip(bad_checksum_zip(12, 250_000), limits=limits)
    assert len(reads) == 4  # 4 x 250 kB is the budget; the other 8 are never unpacked


def test_a_notes_name_is_shortened_with_its_end_kept():
    entries = [("x" * 60_000 + ".txt", b"not a picture"), ("ok.png", png_of(40))]
    prepared = load_image_zip(zip_of(entries), recipe="grey")
    (skipped,) = prepared.skipped
    assert len(skipped.name) == 120 and skipped.name.endswith(".txt")
    with pytest.raises(DataError) as error:
        load_image_zip(zip_of([("y" * 60_000 + ".txt", b"not a picture")]))
    assert len(str(error.value)) < 400


# --- 36.6: the largest model the Train page allows ----------------------------------------------------------------


def test_jacobians_are_taken_within_a_column_budget(monkeypatch):
    """12 digits of a code of 1,024 at once held 2.4 GB and 10.7 s under the lock the Manifold page shares."""

    seen: list[int] = []
    original = geometry.decoder_jacobian

    def recording(model, z):
        seen.append(z.shape[0] * z.shape[1])
        return original(model, z)

    monkeypatch.setattr(geometry, "decoder_jacobian", recording)
    torch.manual_seed(0)
    model = build_model(AEConfig(kind="mlp", latent_dim=512, hidden=(64,))).eval()
    push_directions(model, torch.rand(5, 1, 28, 28))
    assert seen and max(seen) <= JACOBIAN_COLUMNS and sum(seen) == 5 * 512
    assert ratio_digits(16) == RATIO_DIGITS and ratio_digits(1024) == RATIO_LEAST


# --- 36.7: link values, and the process's gate --------------------------------------------------------------------


def test_a_checkpoints_json_shows_its_own_words_not_a_generic_error():
    record = {"weights": "m.safetensors", "sha256": "0", "config": {"kind": "mlp", "latent_dim": 2}}
    text = json.dumps(record).replace('"latent_dim": 2', '"latent_dim": ' + "1" * 4400)
    with pytest.raises(CheckpointError, match="a number of 4,400 characters"):
        read_checkpoint([("m.json", text.encode()), ("m.safetensors", b"x")])
