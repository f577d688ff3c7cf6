"""Your own pictures as a training set: a zip of images, loose image files or a folder, each picture prepared as a
28x28 grey image, every entry that cannot or must not be used skipped with a plain note.

A zip is read in memory (zipfile over the bytes) and never extracted: no entry is written anywhere, so no name in
it can reach the file system. Even so an entry whose name is absolute or climbs out of its folder (`../`), a
symbolic link, an encrypted entry and a zip inside the zip are skipped unread, and each entry is unpacked only up to
the per-picture limit, against a budget for the whole set (a zip bomb's entries claim, or turn out to unpack to,
more than that). What the pictures become is a choice the caller sees: `prepare_digit`, MNIST's recipe for ink on
paper, or `prepare_grey`, a plain grey resize for anything else.

Pictures in folders are labelled by folder (at most ten), so a zip of `cats/…` and `dogs/…` is a two-class set.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

import torch
from PIL import Image

from aemodels.data import DataError
from aemodels.preprocess import (
    MAX_DECODED_PIXELS,
    MAX_PIXELS,
    ImageInputError,
    open_image,
    prepare_digit,
    prepare_grey,
)
from aemodels.text import megabytes, plural, shortened, size_and_limit

Preparation = Literal["digit", "grey"]
PREPARATIONS: dict[Preparation, str] = {
    "digit": "the digit recipe: ink on paper (digits, letters, signs) cropped, centred and scaled as MNIST's digits",
    "grey": "a plain grey resize: the whole picture fitted into 28 × 28, nothing cropped (clothes, faces, objects)",
}
MAX_NAME = 120  # characters of a file's name quoted in a note (its end kept)
MAX_CLASSES = 10  # folders become classes up to this many (the Train page's linear probe has ten outputs)
MB = 2**20


@dataclass(frozen=True)
class PictureLimits:
    """What a picture set may hold. Every limit is stated on the Train page; `describe` words them."""

    max_upload_bytes: int = 10 * MB  # one uploaded file (a zip or a picture): the server's upload limit
    max_entries: int = 5_000  # entries in one zip, folders and skipped files included: more and it is refused
    max_pictures: int = 2_000  # pictures used; files beyond this many are skipped
    max_file_bytes: int = 10 * MB  # one picture, unpacked: the digit upload's limit
    max_total_bytes: int = 200 * MB  # every file, unpacked, in all
    max_total_pixels: int = 400_000_000  # pixels decoded in all (a baseline JPEG at the reduced scale it is decoded at)
    max_header_pixels: int = 2_000_000_000  # pixels the decoders walk through in all (a baseline JPEG at full size)
    min_pictures: int = 120  # to train on: 100 training pictures and the rest held out

    def describe(self) -> list[str]:
        return [
            f"each upload (a zip, or a picture) at most {megabytes(self.max_upload_bytes)} MB",
            f"at most {self.max_pictures:,} pictures (a zip of more than {self.max_entries:,} entries is refused)",
            f"each picture at most {megabytes(self.max_file_bytes)} MB unpacked and {MAX_PIXELS // 10**6} megapixels "
            f"(a JPEG; any other format {MAX_DECODED_PIXELS // 10**6}), "
            f"all of them at most {megabytes(self.max_total_bytes)} MB unpacked",
            f"at least {self.min_pictures} usable pictures to train on",
        ]


DEFAULT_LIMITS = PictureLimits()


@dataclass(frozen=True)
class Skipped:
    name: str  # the file's name as given (user text: show it as inert text)
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


@dataclass(frozen=True)
class PreparedSet:
    """Pictures prepared as 28x28 grey images: images (N, 1, 28, 28) float in [0, 1], each one's name, its label
    (the index of its folder in `classes`; 0 for every picture when they are not in 2 to 10 folders), and every
    file that was skipped, with why."""

    images: torch.Tensor
    names: tuple[str, ...]
    labels: torch.Tensor
    classes: tuple[str, ...]
    skipped: tuple[Skipped, ...]
    recipe: Preparation = "digit"
    invert: bool = False

    def __len__(self) -> int:
        return len(self.images)

    def split(self, *, held_out: float = 0.15, least: int = 20, seed: int = 0) -> tuple[PreparedSet, PreparedSet]:
        """(training pictures, held-out pictures): a seeded shuffle, then `held_out` of them (at least `least`, at
        most 1,000) set aside for the measures."""
        n = len(self)
        keep = min(1000, max(least, round(held_out * n)))
        if n - keep < 1:
            raise DataError(f"{n} pictures are too few to hold {keep} out and train on the rest.")
        order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
        return self._subset(order[keep:]), self._subset(order[:keep])

    def _subset(self, index: torch.Tensor) -> PreparedSet:
        return PreparedSet(
            self.images[index],
            tuple(self.names[i] for i in index.tolist()),
            self.labels[index],
            self.classes,
            (),
            self.recipe,
            self.invert,
        )


def prepare_image(image: Image.Image, *, recipe: Preparation = "digit", invert: bool = False) -> torch.Tensor:
    """One opened picture -> (1, 1, 28, 28) in [0, 1] by the recipe, light and dark swapped after when `invert`.
    Raises ImageInputError (the digit recipe finds no ink on a blank picture)."""
    if recipe not in PREPARATIONS:
        raise ValueError(f"recipe must be one of {', '.join(PREPARATIONS)}, not {recipe!r}")
    x = prepare_digit(image) if recipe == "digit" else prepare_grey(image)
    return 1.0 - x if invert else x


def prepare_picture(data: bytes, *, recipe: Preparation = "digit", invert: bool = False) -> torch.Tensor:
    """One picture's bytes (any format and size the digit upload takes) -> (1, 1, 28, 28) in [0, 1] by the recipe.
    Raises ImageInputError, in plain words."""
    return prepare_image(open_image(data), recipe=recipe, invert=invert)


def unsafe_name(name: str) -> str | None:
    """Why a name inside a zip must not be used (it would point outside any folder it were unpacked into), or None."""
    path = name.replace("\\", "/")
    if path.startswith("/") or re.match(r"[A-Za-z]:", path):
        return "its name is an absolute path; skipped unread"
    if ".." in path.split("/"):
        return "its name climbs out of its folder (../); skipped unread"
    return None


def overlapping(infos: Sequence[zipfile.ZipInfo], data: bytes) -> bool:
    """Whether two entries of a zip share bytes: each entry's local header (30 bytes, then its own name and extra
    field, whose lengths it states) and its packed data must end before the next entry's header begins, and each
    header must be where the directory says. A zip tool never writes it otherwise; an "overlapping" zip bomb names
    one piece of data thousands of times, or hides one entry's header inside another's extra field (Fifield, "A
    better zip bomb", 2019). Python's zipfile checks this itself only from 3.12."""
    spans = []
    for info in infos:
        start = info.header_offset
        header = data[start : start + 30]
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            return True  # not a local header where the directory points: refused with the rest
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        spans.append((start, start + 30 + name_length + extra_length + info.compress_size))
    spans.sort()
    return any(start < end for (_, end), (start, _) in itertools.pairwise(spans))


def junk(name: str) -> bool:
    """What zip tools add beside the pictures: macOS resource forks and folder settings, Windows thumbnails."""
    path = PurePosixPath(name.replace("\\", "/"))
    return path.parts[:1] == ("__MACOSX",) or path.name.startswith(".") or path.name.lower() == "thumbs.db"


@dataclass
class _Budget:
    """What has been used of the limits so far, and the notes."""

    limits: PictureLimits
    files: int = 0
    bytes: int = 0
    pixels: int = 0
    header_pixels: int = 0
    over_count: int = 0
    junk: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    def skip(self, name: str, reason: str) -> None:
        self.skipped.append(Skipped(shortened(name, MAX_NAME), reason))

    def admit(self, name: str, size: int) -> bool:
        """Whether a file of `size` bytes (as declared) may be read; a note when not."""
        limits = self.limits
        if self.files >= limits.max_pictures:
            self.over_count += 1
            return False
        if size > limits.max_file_bytes:
            shown, limit = size_and_limit(size, limits.max_file_bytes)
            self.skip(name, f"it unpacks to {shown}; the limit per picture is {limit}")
            return False
        if self.bytes + size > limits.max_total_bytes:
            self.skip(name, f"the files would unpack to more than {megabytes(limits.max_total_bytes)} MB in all")
            return False
        self.bytes += size  # charged before it is read, whether or not it then turns out to be usable
        return True

    def charge_pixels(self, decoded: int, full: int) -> None:
        """Take a picture's pixels, as its header gives them (preprocess.open_image's `before_decoding`), from the
        budgets before it is decoded; ImageInputError (the picture is skipped) when they would pass one."""
        limits = self.limits
        if self.pixels + decoded > limits.max_total_pixels:
            raise ImageInputError(f"the pictures hold more than {limits.max_total_pixels / 1e6:,.0f} megapixels in all")
        if self.header_pixels + full > limits.max_header_pixels:
            raise ImageInputError(
                f"the pictures hold more than {limits.max_header_pixels / 1e6:,.0f} megapixels in all at full size"
            )
        self.pixels += decoded
        self.header_pixels += full


def _zip_entries(data: bytes, source: str, budget: _Budget) -> Iterator[tuple[str, bytes]]:
    """The readable files of a zip, in its order, each unpacked in memory up to the per-picture limit."""
    source = shortened(source, MAX_NAME)
    limits = budget.limits
    if len(data) > limits.max_upload_bytes:
        shown, limit = size_and_limit(len(data), limits.max_upload_bytes)
        raise DataError(f"{source} is {shown}; the limit is {limit}.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as err:
        raise DataError(f"{source} is not a zip file that can be read ({err}).") from None
    if len(infos) > limits.max_entries:
        raise DataError(
            f"{source} holds {len(infos):,} entries; the limit is {limits.max_entries:,} (and {limits.max_pictures:,} "
            "pictures). Make a zip of fewer pictures."
        )
    if overlapping(infos, data):
        raise DataError(
            f"{source} has entries that share their packed data, as a zip bomb's do (one piece of data unpacked "
            "again and again under many names), or a directory that points where no entry begins; it was refused. "
            "Make the zip again with a zip tool."
        )
    with archive:
        for info in infos:
            name = info.filename
            if info.is_dir():
                continue
            if junk(name):
                budget.junk += 1
                continue
            reason = unsafe_name(name)
            if reason is None and stat.S_ISLNK(info.external_attr >> 16):
                reason = "it is a symbolic link, not a picture; skipped unread"
            if reason is None and info.flag_bits & 0x1:
                reason = "it is password-protected"
            if reason is None and name.lower().endswith((".zip", ".jar", ".7z", ".rar", ".tar", ".gz")):
                reason = "an archive inside the zip is not opened"
            if reason is not None:
                budget.skip(name, reason)
                continue
            if not budget.admit(name, info.file_size):
                continue
            try:
                with archive.open(info) as handle:
                    raw = handle.read(limits.max_file_bytes + 1)  # never more, whatever the entry claims
            except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError, ValueError) as err:
                budget.skip(name, f"it is damaged or packed in a way that cannot be read ({err})")
                continue
            if len(raw) > limits.max_file_bytes:
                budget.skip(name, f"it unpacks to more than the {megabytes(limits.max_file_bytes)} MB it may")
                continue
            if raw[:4] == b"PK\x03\x04":
                budget.skip(name, "a zip inside the zip is not opened")
                continue
            yield name, raw


def _files(files: Iterable[tuple[str, bytes]], budget: _Budget) -> Iterator[tuple[str, bytes]]:
    """Uploaded files: a zip is opened (one level), any other file is taken as a picture."""
    for name, raw in files:
        if raw[:4] in (b"PK\x03\x04", b"PK\x05\x06") or name.lower().endswith(".zip"):
            try:
                yield from ((f"{name}/{inner}", data) for inner, data in _zip_entries(raw, name, budget))
            except DataError as err:  # this zip is refused as a whole; the other files may still do
                budget.skip(name, str(err))
            continue
        if len(raw) > budget.limits.max_upload_bytes:
            shown, limit = size_and_limit(len(raw), budget.limits.max_upload_bytes)
            budget.skip(name, f"it is {shown}; the limit is {limit}")
            continue
        if budget.admit(name, len(raw)):
            yield name, raw


def _prepare(
    entries: Iterator[tuple[str, bytes]], budget: _Budget, recipe: Preparation, invert: bool, strip: int
) -> PreparedSet:
    images: list[torch.Tensor] = []
    names: list[str] = []
    for name, raw in entries:
        try:
            image = open_image(raw, max_bytes=budget.limits.max_file_bytes, before_decoding=budget.charge_pixels)
            x = prepare_image(image, recipe=recipe, invert=invert)
        except ImageInputError as err:
            budget.skip(name, str(err))
            continue
        except Exception:  # a decoder fault on a hostile file must not end the whole set
            budget.skip(name, "this picture could not be read")
            continue
        images.append(x)
        names.append(name)
        budget.files += 1
    if budget.over_count:
        budget.skip(
            plural(budget.over_count, "more file"), f"only the first {budget.limits.max_pictures:,} pictures are used"
        )
    if budget.junk:
        budget.skip(plural(budget.junk, "hidden file"), "zip tools' own files (__MACOSX, .DS_Store, …) are left out")
    if not images:
        first = budget.skipped[0] if budget.skipped else None
        said = None if first is None else first.reason if first.reason.startswith(first.name) else str(first)
        detail = f" ({said.rstrip('.')})" if said else ""
        raise DataError(f"No picture could be used{detail}.")
    labels, classes = _folder_labels(names, strip)
    return PreparedSet(
        torch.cat(images), tuple(names), labels, classes, tuple(budget.skipped), recipe=recipe, invert=invert
    )


def _folder_labels(names: Sequence[str], strip: int) -> tuple[torch.Tensor, tuple[str, ...]]:
    """Each picture's folder (below the folders every picture shares) as its class, when there are 2 to 10."""
    folders = [PurePosixPath(n.replace("\\", "/")).parts[strip:-1] for n in names]
    common = 0
    while all(len(f) > common for f in folders) and len({f[common] for f in folders}) == 1:
        common += 1
    own = [f[common] if len(f) > common else "" for f in folders]
    classes = tuple(sorted(set(own)))
    if not 2 <= len(classes) <= MAX_CLASSES:
        return torch.zeros(len(names), dtype=torch.int64), ()
    return torch.tensor([classes.index(c) for c in own], dtype=torch.int64), classes


def load_image_files(
    files: Iterable[tuple[str, bytes]],
    *,
    limits: PictureLimits = DEFAULT_LIMITS,
    recipe: Preparation = "digit",
    invert: bool = False,
) -> PreparedSet:
    """Uploaded files as one picture set: (name, bytes) pairs, each a picture or a zip of pictures (opened in memory,
    one level deep). Raises DataError when nothing can be used or a zip is refused as a whole."""
    if recipe not in PREPARATIONS:
        raise ValueError(f"recipe must be one of {', '.join(PREPARATIONS)}, not {recipe!r}")
    budget = _Budget(limits)
    files = list(files)
    strip = 1 if len(files) == 1 and (files[0][1][:2] == b"PK" or files[0][0].lower().endswith(".zip")) else 0
    return _prepare(_files(files, budget), budget, recipe, invert, strip)


def load_image_zip(
    data: bytes, *, limits: PictureLimits = DEFAULT_LIMITS, recipe: Preparation = "digit", invert: bool = False
) -> PreparedSet:
    """A zip of pictures (its bytes) as a picture set, read in memory and never extracted. Raises DataError when it
    is not a zip, is refused as a whole (too large, too many entries) or holds no usable picture."""
    if recipe not in PREPARATIONS:
        raise ValueError(f"recipe must be one of {', '.join(PREPARATIONS)}, not {recipe!r}")
    if data[:4] not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise DataError("This file is not a zip file.")
    budget = _Budget(limits)
    return _prepare(_zip_entries(data, "The zip", budget), budget, recipe, invert, 0)


def load_image_folder(
    path: str | os.PathLike,
    *,
    limits: PictureLimits = DEFAULT_LIMITS,
    recipe: Preparation = "digit",
    invert: bool = False,
) -> PreparedSet:
    """Every picture under a folder (sub-folders become classes), in name order; symbolic links are not followed."""
    root = Path(path)
    if not root.is_dir():
        raise DataError(f"{root} is not a folder.")
    budget = _Budget(limits)

    def entries() -> Iterator[tuple[str, bytes]]:
        for folder, dirs, files in os.walk(root, followlinks=False):
            dirs.sort()
            for name in sorted(files):
                full = Path(folder) / name
                relative = full.relative_to(root).as_posix()
                if junk(relative):
                    budget.junk += 1
                elif full.is_symlink():
                    budget.skip(relative, "it is a symbolic link; not followed")
                elif budget.admit(relative, full.stat().st_size):
                    yield relative, full.read_bytes()

    return _prepare(entries(), budget, recipe, invert, 0)
