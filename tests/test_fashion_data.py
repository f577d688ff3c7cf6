"""Fashion-MNIST as a training set: `python -m aemodels.data --download fashion` keeps a file only when its md5 is the
published one, and load_fashion_mnist finds the download where Debian's package is absent."""

import gzip
import hashlib
import struct

import numpy as np
import pytest
from test_data import Server

from aemodels import data
from aemodels.data import DataError, download_fashion_mnist, load_fashion_mnist


def idx(array: np.ndarray) -> bytes:
    magic = 2051 if array.ndim == 3 else 2049
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", n) for n in array.shape) + array.tobytes()


@pytest.fixture
def fake_fashion(monkeypatch):
    """Small gzip files served as Fashion-MNIST, FASHION_FILES pointing at their (gzip) md5 sums."""
    rng = np.random.default_rng(0)
    blobs, files = {}, {}
    for (split, part), (stem, _) in data.FASHION_FILES.items():
        n = 10 if split == "train" else 4
        array = rng.integers(0, 256, (n, 28, 28)) if part == "images" else rng.integers(0, 10, n)
        blob = gzip.compress(idx(array.astype(np.uint8)), mtime=0)
        blobs[stem] = blob
        files[(split, part)] = (stem, hashlib.md5(blob).hexdigest())
    monkeypatch.setattr(data, "FASHION_FILES", files)
    return blobs


def test_published_checksums_are_those_of_the_gzip_files():
    """As zalandoresearch/fashion-mnist's README lists them (and torchvision's FashionMNIST.resources)."""
    assert dict(data.FASHION_FILES.values()) == {
        "train-images-idx3-ubyte": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte": "bb300cfdad3c16e7a12a480ee83cd310",
    }


def test_download_checks_each_file_and_the_loader_finds_it(tmp_path, monkeypatch, fake_fashion):
    good = {f"/good/{stem}.gz": blob for stem, blob in fake_fashion.items()}
    bad = {f"/bad/{stem}.gz": gzip.compress(b"not fashion") for stem in fake_fashion}
    server = Server(good | bad)
    try:
        folder = download_fashion_mnist(
            tmp_path / "fashion",
            mirrors=(f"{server.url}/none/", f"{server.url}/bad/", f"{server.url}/good/"),
            retries=1,
            backoff=0,
        )
    finally:
        server.close()
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{stem}.gz" for stem in fake_fashion)
    monkeypatch.setattr(data, "FASHION_DIR", tmp_path / "absent")  # no Debian package here
    monkeypatch.setattr(data, "FASHION_DOWNLOAD_DIR", folder)
    assert data.fashion_dir() == folder
    x, y = load_fashion_mnist("train")
    assert x.shape == (10, 1, 28, 28) and y.shape == (10,)


def test_a_download_with_the_wrong_checksum_is_not_kept(tmp_path, fake_fashion):
    bad = {f"/bad/{stem}.gz": blob + b"\0" for stem, blob in fake_fashion.items()}
    server = Server(bad)
    try:
        with pytest.raises(DataError, match="checksum mismatch"):
            download_fashion_mnist(tmp_path, mirrors=(f"{server.url}/bad/",), retries=1, backoff=0)
    finally:
        server.close()
    assert not list(tmp_path.iterdir())


def test_absent_fashion_says_exactly_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "FASHION_DIR", tmp_path / "a")
    monkeypatch.setattr(data, "FASHION_DOWNLOAD_DIR", tmp_path / "b")
    with pytest.raises(DataError) as info:
        load_fashion_mnist("train")
    message = str(info.value)
    assert "sudo apt-get install dataset-fashion-mnist" in message
    assert "python -m aemodels.data --download fashion" in message


def test_the_command_line_downloads_fashion(tmp_path, monkeypatch, fake_fashion, capsys):
    server = Server({f"/m/{stem}.gz": blob for stem, blob in fake_fashion.items()})
    monkeypatch.setattr(data, "FASHION_MIRRORS", (f"{server.url}/m/",))
    try:
        data.main(["--download", "fashion", "--data-dir", str(tmp_path)])
    finally:
        server.close()
    out = capsys.readouterr().out
    assert "Fashion-MNIST train: 10 items" in out and "Fashion-MNIST test: 4 items" in out
