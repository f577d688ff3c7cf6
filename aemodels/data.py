"""MNIST from its canonical IDX files (LeCun, Cortes & Burges), checked against the published md5 sums; Fashion-MNIST
(Xiao et al. 2017) from Debian's package or downloaded and checked the same way. (Your own pictures as a training set
are aemodels.pictures.)

The data directory comes from an argument, else the AEMODELS_DATA environment variable, else ./data/mnist.
Files may be stored plain or gzip-compressed; the md5 is always that of the uncompressed bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import torch


def _shipped_weights() -> Path:
    """pretrained/: inside the installed package (the wheel maps it to aemodels/pretrained), else beside the
    package in a checkout (an editable install)."""
    here = Path(__file__).resolve().parent
    packaged = here / "pretrained"
    return packaged if packaged.is_dir() else here.parent / "pretrained"


PRETRAINED_DIR = Path(os.environ.get("AEMODELS_PRETRAINED", _shipped_weights()))
DIGITS_FILE = "mnist_test_2000.npz"

# Uncompressed md5 of each file, as published with the dataset.
MNIST_FILES = {
    ("train", "images"): ("train-images-idx3-ubyte", "6bbc9ace898e44ae57da46a324031adb"),
    ("train", "labels"): ("train-labels-idx1-ubyte", "a25bea736e30d166cdddb491f175f624"),
    ("test", "images"): ("t10k-images-idx3-ubyte", "2646ac647ad5339dbf082846283269ea"),
    ("test", "labels"): ("t10k-labels-idx1-ubyte", "27ae3e4e09519cfbb04c329615203637"),
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
IDX_MAGIC = {2049: 1, 2051: 3}  # labels: 1 dimension, images: 3 dimensions


class DataError(Exception):
    """A data file is missing, corrupt or malformed; the message says which and what to do."""


def data_dir(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get("AEMODELS_DATA") or "data/mnist")


def parse_idx(raw: bytes, *, source: str = "IDX data") -> np.ndarray:
    """Parse IDX bytes (big-endian int32 magic and dims, then uint8 data) into an array."""
    if len(raw) < 8:
        raise DataError(f"{source} is too short to be an IDX file ({len(raw)} bytes).")
    magic = int.from_bytes(raw[0:4], "big")
    if magic not in IDX_MAGIC:
        raise DataError(f"{source} is not an MNIST IDX file (magic number {magic}, expected 2049 or 2051).")
    ndim = IDX_MAGIC[magic]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{source} is truncated inside its header.")
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    expected = int(np.prod(dims))
    if len(raw) - header != expected:
        raise DataError(
            f"{source} is truncated or padded: its header promises {expected} bytes of data for shape "
            f"{tuple(dims)} but it holds {len(raw) - header}."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _read_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise DataError(f"{path} is a damaged gzip file ({err}); delete it and download it again.") from err
    return raw


def _find(directory: Path, stem: str) -> Path | None:
    for candidate in (directory / stem, directory / f"{stem}.gz"):
        if candidate.exists():
            return candidate
    return None


def read_mnist_file(directory: Path, split: str, part: str) -> np.ndarray:
    stem, md5 = MNIST_FILES[(split, part)]
    path = _find(directory, stem)
    if path is None:
        raise DataError(
            f"MNIST file {stem}(.gz) is missing from {directory}. Run `python -m aemodels.data --download` "
            f"or point AEMODELS_DATA (or --data-dir) at a folder that holds the four MNIST IDX files."
        )
    raw = _read_bytes(path)
    actual = hashlib.md5(raw).hexdigest()
    if actual != md5:
        raise DataError(
            f"{path} has the wrong checksum (md5 {actual}, expected {md5}): it is corrupt or not the "
            f"original MNIST file. Delete it and download it again."
        )
    return parse_idx(raw, source=str(path))


def download_mnist(
    directory: str | os.PathLike | None = None,
    *,
    mirrors: tuple[str, ...] = MIRRORS,
    retries: int = 3,
    timeout: float = 30.0,
    backoff: float = 1.0,
) -> Path:
    """Fetch any missing MNIST file from the mirrors (each tried `retries` times), verify it, store it .gz."""
    directory = data_dir(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for stem, md5 in MNIST_FILES.values():
        if _find(directory, stem) is not None:
            continue
        problems = []
        for mirror in mirrors:
            for attempt in range(retries):
                try:
                    with urllib.request.urlopen(mirror + stem + ".gz", timeout=timeout) as response:
                        blob = response.read()
                    raw = gzip.decompress(blob)
                except (urllib.error.URLError, OSError, EOFError, TimeoutError) as err:
                    problems.append(f"{mirror}: {err}")
                    time.sleep(backoff * attempt)
                    continue
                if hashlib.md5(raw).hexdigest() != md5:
                    problems.append(f"{mirror}: checksum mismatch")
                    break  # a mirror serving a bad file will not serve a good one on retry
                tmp = directory / f"{stem}.gz.part"
                tmp.write_bytes(blob)
                tmp.replace(directory / f"{stem}.gz")
                break
            else:
                continue
            if _find(directory, stem) is not None:
                break
        if _find(directory, stem) is None:
            raise DataError(
                f"Could not download {stem} from any MNIST mirror. Tried:\n  "
                + "\n  ".join(problems)
                + f"\nCopy the four MNIST IDX files into {directory} by hand, or check the network."
            )
    return directory


def load_mnist(
    split: str = "train", *, directory: str | os.PathLike | None = None, download: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """(images (N, 1, 28, 28) float in [0, 1], labels (N,) int64) of the train or test split."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    directory = data_dir(directory)
    if download:
        download_mnist(directory)
    images = read_mnist_file(directory, split, "images")
    labels = read_mnist_file(directory, split, "labels")
    if len(images) != len(labels):
        raise DataError(f"{split} images and labels disagree in count ({len(images)} vs {len(labels)}).")
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)  # (N, 28, 28) -> (N, 1, 28, 28)
    return x, torch.from_numpy(labels.astype(np.int64))


def load_digits() -> tuple[torch.Tensor, torch.Tensor]:
    """The shipped sample: the first 2,000 MNIST test digits, (2000, 1, 28, 28) in [0, 1] and labels."""
    path = PRETRAINED_DIR / DIGITS_FILE
    if not path.exists():
        raise DataError(f"The shipped digit sample {path} is missing; restore it from the repository.")
    with np.load(path, allow_pickle=False) as archive:
        images, labels = archive["images"], archive["labels"]
    return torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


def write_digit_sample(n: int = 2000, *, directory: str | os.PathLike | None = None) -> Path:
    images = read_mnist_file(data_dir(directory), "test", "images")[:n]
    labels = read_mnist_file(data_dir(directory), "test", "labels")[:n]
    PRETRAINED_DIR.mkdir(parents=True, exist_ok=True)
    path = PRETRAINED_DIR / DIGITS_FILE
    np.savez_compressed(path, images=images, labels=labels)
    return path


FASHION_DIR = Path(os.environ.get("AEMODELS_FASHION", "/usr/share/datasets/fashion-mnist"))
FASHION_DOWNLOAD_DIR = Path("data/fashion-mnist")  # where `python -m aemodels.data --download fashion` puts it
# md5 of each gzip file as published in zalandoresearch/fashion-mnist's README (and torchvision's FashionMNIST); a
# download is checked against it before it is kept. (Debian's package recompresses the files: its .gz differ, the
# IDX bytes inside do not.)
FASHION_FILES = {
    ("train", "images"): ("train-images-idx3-ubyte", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    ("train", "labels"): ("train-labels-idx1-ubyte", "25c81989df183df01b3e8a0aad5dffbe"),
    ("test", "images"): ("t10k-images-idx3-ubyte", "bef4ecab320f06d8554ea6380940ec79"),
    ("test", "labels"): ("t10k-labels-idx1-ubyte", "bb300cfdad3c16e7a12a480ee83cd310"),
}
FASHION_MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)
FASHION_INSTALL = (
    "On Debian or Ubuntu: `sudo apt-get install dataset-fashion-mnist`; anywhere else: `python -m aemodels.data "
    "--download fashion` (into data/fashion-mnist, checked against the published md5 sums), or point "
    "AEMODELS_FASHION at a folder with its four IDX files."
)
FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


def fashion_dir() -> Path:
    """Where Fashion-MNIST is read from: AEMODELS_FASHION (or Debian's folder) where it holds the files, else the
    folder `--download fashion` fills."""
    for directory in (FASHION_DIR, FASHION_DOWNLOAD_DIR):
        if all(_find(directory, stem) for stem, _ in FASHION_FILES.values()):
            return directory
    return FASHION_DIR


def download_fashion_mnist(
    directory: str | os.PathLike | None = None,
    *,
    mirrors: tuple[str, ...] | None = None,
    retries: int = 3,
    timeout: float = 60.0,
    backoff: float = 1.0,
) -> Path:
    """Fetch any missing Fashion-MNIST file (Xiao et al. 2017) from the mirrors, each tried `retries` times, keep it
    only when the md5 of the gzip file is the published one; (the folder). mirrors: FASHION_MIRRORS by default."""
    mirrors = mirrors or FASHION_MIRRORS
    directory = Path(directory) if directory is not None else FASHION_DOWNLOAD_DIR
    directory.mkdir(parents=True, exist_ok=True)
    for stem, md5 in FASHION_FILES.values():
        if _find(directory, stem) is not None:
            continue
        problems = []
        for mirror in mirrors:
            blob = None
            for attempt in range(retries):
                try:
                    with urllib.request.urlopen(mirror + stem + ".gz", timeout=timeout) as response:
                        blob = response.read()
                    break
                except (urllib.error.URLError, OSError, TimeoutError) as err:
                    problems.append(f"{mirror}: {err}")
                    time.sleep(backoff * attempt)
            if blob is None:
                continue
            if hashlib.md5(blob).hexdigest() != md5:
                problems.append(f"{mirror}: checksum mismatch")
                continue  # a mirror serving a bad file will not serve a good one on retry
            tmp = directory / f"{stem}.gz.part"
            tmp.write_bytes(blob)
            tmp.replace(directory / f"{stem}.gz")
            break
        if _find(directory, stem) is None:
            raise DataError(
                f"Could not download {stem}.gz from any Fashion-MNIST mirror. Tried:\n  "
                + "\n  ".join(problems)
                + f"\nCopy the four Fashion-MNIST files into {directory} by hand, or check the network."
            )
    return directory


def load_fashion_mnist(
    split: str = "test", *, directory: str | os.PathLike | None = None, limit: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Fashion-MNIST (Xiao et al. 2017): clothes in MNIST's IDX format, the app's "not a digit" set and a second
    training set. From Debian's dataset-fashion-mnist package (/usr/share/datasets/fashion-mnist), AEMODELS_FASHION,
    or data/fashion-mnist (`python -m aemodels.data --download fashion`). (N, 1, 28, 28) in [0, 1] and labels;
    raises DataError with the install commands when it is absent."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    directory = Path(directory) if directory is not None else fashion_dir()
    arrays = []
    for part, magic_dims in (("images", 3), ("labels", 1)):
        stem = FASHION_FILES[(split, part)][0]
        path = _find(directory, stem)
        if path is None:
            raise DataError(f"Fashion-MNIST is not installed ({directory} has no {stem}). {FASHION_INSTALL}")
        array = parse_idx(_read_bytes(path), source=str(path))
        if array.ndim != magic_dims or (magic_dims == 3 and array.shape[1:] != (28, 28)):
            raise DataError(f"{path} is not a Fashion-MNIST {part} file (shape {array.shape}).")
        arrays.append(array[:limit])
    images, labels = arrays
    if len(images) != len(labels):
        raise DataError(f"Fashion-MNIST {split} images and labels disagree in count ({len(images)} vs {len(labels)}).")
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    return x, torch.from_numpy(labels.astype(np.int64))


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(
        description="Fetch and check MNIST (or Fashion-MNIST).", formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument(
        "--data-dir",
        default=None,
        help="folder of the IDX files (default: $AEMODELS_DATA or data/mnist; for fashion, data/fashion-mnist)",
    )
    parser.add_argument(
        "--download",
        nargs="?",
        const="mnist",
        default=None,
        choices=("mnist", "fashion"),
        help="download missing files from the public mirrors, checking their md5 sums (mnist, or fashion)",
    )
    parser.add_argument("--write-sample", action="store_true", help=f"write pretrained/{DIGITS_FILE} from the test set")
    args = parser.parse_args(argv)
    try:
        if args.download == "fashion":
            folder = download_fashion_mnist(args.data_dir)
            for split in ("train", "test"):
                x, _ = load_fashion_mnist(split, directory=folder)
                print(f"Fashion-MNIST {split}: {len(x)} items in {folder}, checksums match")
            return
        if args.download:
            download_mnist(args.data_dir)
        for split in ("train", "test"):
            x, _ = load_mnist(split, directory=args.data_dir)
            print(f"{split}: {len(x)} digits, checksums match")
        if args.write_sample:
            print("wrote", write_digit_sample(directory=args.data_dir))
    except DataError as err:
        raise SystemExit(f"error: {err}") from None


if __name__ == "__main__":
    main()
