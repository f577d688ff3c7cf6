"""Your own pictures as a training set (aemodels.pictures): the two preparations, folders as classes, the split, and
every hostile zip skipped or refused with a plain note, never extracted."""

import io
import stat
import struct
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from aemodels import DataError, load_digits, prepare_digit
from aemodels.pictures import (
    PictureLimits,
    load_image_files,
    load_image_folder,
    load_image_zip,
    prepare_picture,
    unsafe_name,
)
from aemodels.preprocess import prepare_grey
from labtools.samples import photo_bytes

SMALL = PictureLimits(max_file_bytes=200_000, max_total_bytes=600_000, max_pictures=6, max_entries=20)


def png(value: int = 200, size: tuple[int, int] = (40, 30), *, mark: bool = True) -> bytes:
    """A grey picture with a dark square in it (something for the digit recipe to find)."""
    array = np.full((size[1], size[0]), value, dtype=np.uint8)
    if mark:
        array[size[1] // 4 : size[1] // 2, size[0] // 4 : size[0] // 2] = 20
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def make_zip(entries: list[tuple[str | zipfile.ZipInfo, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def reasons(prepared) -> dict[str, str]:
    return {s.name: s.reason for s in prepared.skipped}


def test_a_zip_of_digit_photos_becomes_the_digits_they_show():
    x, _ = load_digits()
    data = make_zip([(f"digits/{i}.jpg", photo_bytes(index=i)) for i in range(3)])
    prepared = load_image_zip(data)
    assert prepared.images.shape == (3, 1, 28, 28) and prepared.names == tuple(f"digits/{i}.jpg" for i in range(3))
    for i in range(3):
        assert torch.equal(prepared.images[i : i + 1], prepare_picture(photo_bytes(index=i)))
        assert torch.nn.functional.mse_loss(prepared.images[i], x[i]) < 0.03  # the photo's digit, MNIST-style
    assert prepared.classes == () and prepared.labels.tolist() == [0, 0, 0] and prepared.skipped == ()


def test_the_grey_recipe_fits_the_whole_picture_and_can_invert():
    wide = Image.fromarray(np.tile(np.linspace(0, 255, 80, dtype=np.uint8), (40, 1)))  # 80 x 40, dark to light
    x = prepare_grey(wide)
    assert x.shape == (1, 1, 28, 28)
    assert x[0, 0, 14, 0] < 0.1 and x[0, 0, 14, 27] > 0.9  # left to right as in the picture: nothing cropped
    assert torch.allclose(prepare_grey(wide, invert=True), 1 - x)
    assert x[0, 0, 0, 14] == pytest.approx(x[0, 0, 27, 14])  # the bands above and below: the border's own grey
    light = png(200, mark=False)
    assert torch.allclose(prepare_picture(light, recipe="grey"), torch.full((1, 1, 28, 28), 200 / 255), atol=1e-3)


def test_the_digit_recipe_refuses_a_blank_picture_which_is_skipped_with_its_reason():
    prepared = load_image_zip(make_zip([("a.png", png()), ("blank.png", png(mark=False))]))
    assert prepared.names == ("a.png",)
    assert "looks blank" in reasons(prepared)["blank.png"]
    assert len(load_image_zip(make_zip([("blank.png", png(mark=False))]), recipe="grey")) == 1  # grey keeps it


def test_folders_are_classes_below_the_folder_they_share():
    entries = [(f"set/{c}/{i}.png", png(40 * k + 20)) for k, c in enumerate(("cats", "dogs")) for i in range(2)]
    prepared = load_image_zip(make_zip(entries), recipe="grey")
    assert prepared.classes == ("cats", "dogs") and prepared.labels.tolist() == [0, 0, 1, 1]
    eleven = [(f"{c}/x.png", png()) for c in "abcdefghijk"]
    assert load_image_zip(make_zip(eleven), limits=PictureLimits(max_pictures=20)).classes == ()  # > 10 folders


def test_loose_files_and_zips_together_each_zip_a_class():
    files = [("cats.zip", make_zip([("1.png", png()), ("2.png", png())])), ("dogs.zip", make_zip([("1.png", png())]))]
    prepared = load_image_files(files)
    assert prepared.names == ("cats.zip/1.png", "cats.zip/2.png", "dogs.zip/1.png")
    assert prepared.classes == ("cats.zip", "dogs.zip")
    alone = load_image_files([("a.png", png()), ("notes.txt", b"hello")])
    assert alone.names == ("a.png",) and "not an image" in reasons(alone)["notes.txt"]


def test_split_holds_out_a_seeded_share():
    prepared = load_image_zip(make_zip([(f"{i}.png", png(100 + i)) for i in range(30)]), recipe="grey")
    train, held = prepared.split(held_out=0.2, least=5, seed=1)
    assert (len(train), len(held)) == (24, 6)
    assert sorted(train.names + held.names) == sorted(prepared.names)
    assert prepared.split(held_out=0.2, least=5, seed=1)[1].names == held.names
    with pytest.raises(DataError, match="too few"):
        prepared.split(least=30)


def test_a_folder_is_read_without_following_links(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "1.png").write_bytes(png())
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.png").write_bytes(png())
    (tmp_path / "b" / "link.png").symlink_to(tmp_path / "a" / "1.png")
    (tmp_path / ".DS_Store").write_bytes(b"junk")
    prepared = load_image_folder(tmp_path)
    assert prepared.names == ("a/1.png", "b/2.png") and prepared.classes == ("a", "b")
    assert "symbolic link" in reasons(prepared)["b/link.png"]
    with pytest.raises(DataError, match="not a folder"):
        load_image_folder(tmp_path / "a" / "1.png")


# --- Hostile zips ------------------------------------------------------------------------------------------------


def test_zip_bomb_entries_are_skipped_unread():
    bomb = b"\0" * 5_000_000  # 5 MB of zeros packs into a few kB
    data = make_zip([("ok.png", png()), ("bomb.png", bomb)])
    assert len(data) < 50_000
    prepared = load_image_zip(data, limits=SMALL)
    assert prepared.names == ("ok.png",)
    assert "unpacks to 4.77 MB; the limit per picture is" in reasons(prepared)["bomb.png"]


def test_an_entry_that_lies_about_its_size_is_not_read_past_it():
    """A zip whose headers claim 100 bytes for 3 MB of data: zipfile stops at the claimed size, and the CRC fails."""
    data = bytearray(make_zip([("liar.png", b"\0" * 3_000_000)]))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, central directory
        at = data.index(signature)
        data[at + offset : at + offset + 4] = struct.pack("<I", 100)
    prepared_or_error = None
    with pytest.raises(DataError, match="No picture could be used") as info:
        prepared_or_error = load_image_zip(bytes(data), limits=SMALL)
    assert prepared_or_error is None and "damaged" in str(info.value)


def test_the_unpacked_total_is_bounded():
    noise = [np.random.default_rng(i).integers(0, 256, (400, 400), dtype=np.uint8) for i in range(5)]
    files = []
    for i, array in enumerate(noise):  # noise does not compress: each PNG is ~160 kB, three fit in 600 kB
        buffer = io.BytesIO()
        Image.fromarray(array).save(buffer, format="PNG")
        files.append((f"{i}.png", buffer.getvalue()))
    prepared = load_image_zip(make_zip(files), limits=SMALL, recipe="grey")
    assert len(prepared) == 3
    assert (
        reasons(prepared)["3.png"]
        == reasons(prepared)["4.png"]
        == "the files would unpack to more than 0.572 MB in all"
    )


def test_nested_zips_are_not_opened():
    inner = make_zip([("x.png", png())])
    prepared = load_image_zip(make_zip([("ok.png", png()), ("inner.zip", inner), ("disguised.png", inner)]))
    assert prepared.names == ("ok.png",)
    assert reasons(prepared) == {
        "inner.zip": "an archive inside the zip is not opened",
        "disguised.png": "a zip inside the zip is not opened",
    }


@pytest.mark.parametrize(
    "name, reason",
    [
        ("../evil.png", "climbs out"),
        ("a/../../evil.png", "climbs out"),
        ("..\\evil.png", "climbs out"),
        ("/etc/evil.png", "absolute path"),
        ("C:\\evil.png", "absolute path"),
        ("C:/Windows/evil.png", "absolute path"),
    ],
)
def test_traversal_and_absolute_names_are_skipped_unread(name, reason):
    assert reason in (unsafe_name(name) or "")
    prepared = load_image_zip(make_zip([("ok.png", png()), (name, png())]))
    assert prepared.names == ("ok.png",) and len(prepared.skipped) == 1
    assert reason in prepared.skipped[0].reason and "unread" in prepared.skipped[0].reason


def test_symlink_and_encrypted_entries_are_skipped():
    link = zipfile.ZipInfo("link.png")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    data = bytearray(make_zip([("ok.png", png()), (link, b"/etc/passwd"), ("locked.png", png())]))
    entry = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 1) + 1)
    data[entry + 8] |= 0x1  # the central directory's "encrypted" flag of locked.png (zipfile cannot write one)
    prepared = load_image_zip(bytes(data))
    assert prepared.names == ("ok.png",)
    assert "symbolic link" in reasons(prepared)["link.png"] and "password" in reasons(prepared)["locked.png"]


def test_non_images_inside_are_skipped_with_the_digit_uploads_words():
    prepared = load_image_zip(
        make_zip([("ok.png", png()), ("notes.txt", b"hello"), ("fake.png", b"\x89PNG\r\n\x1a\nbroken")])
    )
    assert prepared.names == ("ok.png",)
    assert "not an image we can read" in reasons(prepared)["notes.txt"]
    assert "damaged" in reasons(prepared)["fake.png"] or "not an image" in reasons(prepared)["fake.png"]


def test_too_many_files_the_first_are_used_and_too_many_entries_is_refused():
    prepared = load_image_zip(make_zip([(f"{i}.png", png()) for i in range(9)]), limits=SMALL)
    assert len(prepared) == 6 and reasons(prepared) == {"3 more files": "only the first 6 pictures are used"}
    with pytest.raises(DataError, match="holds 21 entries; the limit is 20"):
        load_image_zip(make_zip([(f"{i}.png", png()) for i in range(21)]), limits=SMALL)


def test_an_oversized_upload_is_refused_before_it_is_opened():
    limits = PictureLimits(max_upload_bytes=2**20 // 100)  # 0.01 MB
    noise = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (150, 150), dtype=np.uint8)).save(noise, format="PNG")
    big = noise.getvalue()
    with pytest.raises(DataError, match=r"The zip is 0.0\d+ MB; the limit is 0.01 MB"):
        load_image_zip(make_zip([("a.png", big)]), limits=limits)
    prepared = load_image_files([("big.png", big), ("ok.png", png())], limits=limits)
    assert prepared.names == ("ok.png",) and "the limit is 0.01 MB" in reasons(prepared)["big.png"]


def test_an_empty_zip_and_a_zip_of_junk_say_there_is_no_picture():
    with pytest.raises(DataError, match="No picture could be used"):
        load_image_zip(make_zip([]))
    with pytest.raises(DataError, match="No picture could be used"):
        load_image_zip(make_zip([("__MACOSX/._a.png", b"junk"), (".DS_Store", b"junk"), ("folder/", b"")]))


@pytest.mark.parametrize("data", [b"", b"hello", png(), b"PK\x03\x04 not really a zip"])
def test_a_file_that_is_not_a_zip_is_refused(data):
    with pytest.raises(DataError, match="not a zip"):
        load_image_zip(data)


def test_the_recipe_is_checked():
    with pytest.raises(ValueError, match="recipe must be one of digit, grey"):
        load_image_zip(make_zip([("a.png", png())]), recipe="sepia")  # type: ignore[arg-type]
    assert torch.equal(prepare_picture(photo_bytes()), prepare_digit(Image.open(io.BytesIO(photo_bytes()))))
