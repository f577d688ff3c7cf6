import gzip
import hashlib
import http.server
import struct
import threading

import numpy as np
import pytest

from aemodels import data
from aemodels.data import DataError, download_mnist, load_fashion_mnist, load_mnist, parse_idx


def idx_bytes(array: np.ndarray) -> bytes:
    magic = 2051 if array.ndim == 3 else 2049
    header = magic.to_bytes(4, "big") + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def test_parse_idx_images_and_labels():
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    assert np.array_equal(parse_idx(idx_bytes(images)), images)
    labels = np.array([7, 1, 9], dtype=np.uint8)
    assert np.array_equal(parse_idx(idx_bytes(labels)), labels)


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"", "too short"),
        (b"\x00\x00\x08\x04\x00\x00\x00\x01", "not an MNIST IDX file"),
        ((2051).to_bytes(4, "big") + b"\x00\x00\x00\x02", "truncated inside its header"),
        (idx_bytes(np.zeros((2, 3, 4)))[:-5], "truncated or padded"),
        (idx_bytes(np.zeros((2, 3, 4))) + b"extra", "truncated or padded"),
    ],
)
def test_parse_idx_rejects_malformed(raw, message):
    with pytest.raises(DataError, match=message):
        parse_idx(raw, source="x")


@pytest.fixture
def fake_mnist(monkeypatch):
    """Small generated IDX files, with MNIST_FILES pointing at their checksums."""
    rng = np.random.default_rng(0)
    blobs, files = {}, {}
    for (split, part), (stem, _) in data.MNIST_FILES.items():
        n = 12 if split == "train" else 6
        array = rng.integers(0, 256, size=(n, 28, 28)) if part == "images" else rng.integers(0, 10, size=n)
        raw = idx_bytes(array)
        blobs[stem] = raw
        files[(split, part)] = (stem, hashlib.md5(raw).hexdigest())
    monkeypatch.setattr(data, "MNIST_FILES", files)
    return blobs


def write_all(directory, blobs, compress=True):
    for stem, raw in blobs.items():
        if compress:
            (directory / f"{stem}.gz").write_bytes(gzip.compress(raw))
        else:
            (directory / stem).write_bytes(raw)


def test_load_from_plain_and_gzip(tmp_path, fake_mnist):
    write_all(tmp_path, fake_mnist, compress=False)
    x, y = load_mnist("train", directory=tmp_path)
    assert x.shape == (12, 1, 28, 28) and y.shape == (12,) and x.min() >= 0 and x.max() <= 1


def test_missing_file_says_how_to_fix(tmp_path, fake_mnist):
    with pytest.raises(DataError, match=r"missing from .*AEMODELS_DATA"):
        load_mnist("test", directory=tmp_path)


def test_wrong_checksum_is_named(tmp_path, fake_mnist):
    write_all(tmp_path, fake_mnist)
    stem = "t10k-labels-idx1-ubyte"
    (tmp_path / f"{stem}.gz").write_bytes(gzip.compress(fake_mnist[stem][:-1] + bytes([fake_mnist[stem][-1] ^ 1])))
    with pytest.raises(DataError, match=f"{stem}.gz has the wrong checksum"):
        load_mnist("test", directory=tmp_path)


def test_damaged_gzip_is_named(tmp_path, fake_mnist):
    write_all(tmp_path, fake_mnist)
    stem = "t10k-images-idx3-ubyte"
    (tmp_path / f"{stem}.gz").write_bytes(gzip.compress(fake_mnist[stem])[:40])
    with pytest.raises(DataError, match="damaged gzip"):
        load_mnist("test", directory=tmp_path)


class Server:
    """Serve a dict of path -> bytes on 127.0.0.1; unknown paths are 404."""

    def __init__(self, files):
        files_ = files

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = files_.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_download_from_local_mirrors(tmp_path, fake_mnist):
    good = {f"/good/{stem}.gz": gzip.compress(raw) for stem, raw in fake_mnist.items()}
    corrupt = {f"/bad/{stem}.gz": gzip.compress(raw[:-1] + b"\x00") for stem, raw in fake_mnist.items()}
    server = Server(good | corrupt)
    try:
        # The first mirror serves nothing, the second corrupt files, the third good ones.
        mirrors = (f"{server.url}/none/", f"{server.url}/bad/", f"{server.url}/good/")
        download_mnist(tmp_path, mirrors=mirrors, retries=2, backoff=0)
    finally:
        server.close()
    x, y = load_mnist("test", directory=tmp_path)
    assert len(x) == len(y) == 6
    assert not list(tmp_path.glob("*.part"))


def test_download_failure_lists_every_mirror(tmp_path, fake_mnist):
    corrupt = {f"/bad/{stem}.gz": gzip.compress(raw + b"\x00") for stem, raw in fake_mnist.items()}
    server = Server(corrupt)
    try:
        with pytest.raises(DataError) as info:
            download_mnist(tmp_path, mirrors=(f"{server.url}/none/", f"{server.url}/bad/"), retries=2, backoff=0)
    finally:
        server.close()
    message = str(info.value)
    assert "Could not download" in message and "404" in message and "checksum mismatch" in message
    assert not list(tmp_path.iterdir()), "nothing half-downloaded is left behind"


def test_shipped_digit_sample():
    x, y = data.load_digits()
    assert x.shape == (2000, 1, 28, 28) and y.shape == (2000,)
    assert set(y.tolist()) == set(range(10)) and x.min() >= 0 and x.max() <= 1


def test_shipped_sample_is_the_first_test_digits(mnist_dir):
    x, y = data.load_digits()
    x_test, y_test = load_mnist("test", directory=mnist_dir)
    assert np.array_equal(x.numpy(), x_test[:2000].numpy()) and np.array_equal(y.numpy(), y_test[:2000].numpy())


def write_idx(path, array, magic):
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", n) for n in array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


def test_fashion_mnist_loads_from_idx_files_and_explains_absence(tmp_path):
    rng = np.random.default_rng(0)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, size=(12, 28, 28)), 2051)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", rng.integers(0, 10, size=12), 2049)
    x, y = load_fashion_mnist("test", directory=tmp_path, limit=5)
    assert x.shape == (5, 1, 28, 28) and y.shape == (5,) and x.min() >= 0 and x.max() <= 1
    with pytest.raises(DataError, match="apt-get install dataset-fashion-mnist"):
        load_fashion_mnist("train", directory=tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", rng.integers(0, 10, size=11), 2049)
    with pytest.raises(DataError, match="disagree in count"):
        load_fashion_mnist("test", directory=tmp_path)
