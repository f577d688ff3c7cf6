"""What a hostile file or link costs the server: peak memory and CPU seconds for each, and for three sent at once.

  .venv/bin/python bench/hostile.py [--case NAME ...] [--timeout 120]

Each case runs in a fresh Python process that has imported the app (as a server has), with the hostile input built
beforehand and read from a file: the process's resident memory just before, its peak (VmHWM, reset just before) after,
and the CPU
seconds of all its threads while the input went through the same function its page calls (read_checkpoint for the
Train page's "Bring your own model", load_image_files for "Your pictures", lessons.load for a `?lesson=` link, the
Train page's measurement for its largest model), under the same process-wide gate the page takes where the code has
one (aemodels_app.caches.UPLOADS). "×3" cases run three at once on three threads, as three sessions would. A case
that passes --timeout is stopped and reported as such. Run from another checkout's directory with
PYTHONPATH=<that checkout> to measure its code (how the "before" column of docs/performance.md was taken).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

MB = 2**20


# --- Hostile inputs (built in the parent, a few kB to a few MB each) -----------------------------------------------


def _zip(entries: Iterable[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def _png(size: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (size, size), 255).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _overlapping(data: bytes, copies: int, *, bad_crc: bool = False) -> bytes:
    """One packed entry named `copies` times in the central directory."""
    crc = (zlib.crc32(data) ^ 0xFFFFFFFF) if bad_crc else zlib.crc32(data)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(data) + packer.flush()
    names = [b"p.png"] * copies  # one name: zipfile checks that the local header's name is the directory's
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(packed), len(data), len(names[0]), 0)
    body = local + names[0] + packed
    directory = b"".join(
        struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(packed), len(data), len(n), 0, 0, 0, 0, 0, 0
        )
        + n
        for n in names
    )
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, copies, copies, len(directory), len(body), 0)
    return body + directory + end


def _bad_crc_zip(count: int, size: int) -> bytes:
    data = bytearray(_zip((f"{i}.png", bytes([i % 251]) * size) for i in range(count)))  # one entry at a time
    for signature, offset in ((b"PK\x03\x04", 14), (b"PK\x01\x02", 16)):  # each local header and directory entry
        at = 0
        for _ in range(count):
            at = data.index(signature, at)
            data[at + offset : at + offset + 4] = b"\xff\xff\xff\xff"
            at += 4
    return bytes(data)


def _lesson_link(text: str) -> bytes:
    import base64

    packed = base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).decode().rstrip("=")
    return ("z." + packed).encode()


def build(case: str) -> bytes:
    if case.startswith("checkpoint 16 entries of 48 MB"):
        return _zip((f"w{i:02}.safetensors", bytes(48 * MB)) for i in range(16))
    if case.startswith("checkpoint: a valid model of 12 million zeros"):
        import torch

        from aemodels.checkpoints import checkpoint_zip
        from aemodels.models import AEConfig, build_model

        model = build_model(AEConfig(kind="mlp", latent_dim=16, hidden=(2560, 1536)))
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.zero_()  # packs to almost nothing: the largest checkpoint an upload of 10 MB can carry
        with zipfile.ZipFile(io.BytesIO(checkpoint_zip(model, "zeros", {}))) as stored:  # stored: pack it
            return _zip((name, stored.read(name)) for name in stored.namelist())
    if case == "checkpoint JSON with a 5,000-digit integer":
        record = '{"weights": "m.safetensors", "sha256": "0", "config": {"kind": "mlp", "latent_dim": ' + "7" * 5000
        return _zip([("m.json", (record + "}}").encode()), ("m.safetensors", b"x")])
    if case.startswith("lesson link, a dotted key of 16,000 parts"):
        return _lesson_link('title = "x"\n' + "a" + ".a" * 15_990 + " = 1\n")
    if case == "lesson link, a 5,000-digit integer":
        return _lesson_link('title = "x"\n[[steps]]\ntext = "a"\nn = ' + "9" * 5000 + "\n")
    if case == "pictures: 1,000 entries naming one 16-megapixel PNG":
        return _overlapping(_png(4000), 1000)
    if case == "pictures: 1,000 entries naming one 10 MB entry, bad checksum":
        return _overlapping(bytes(10 * MB), 1000, bad_crc=True)
    if case == "pictures: 900 entries of 10 MB, bad checksums":
        return _bad_crc_zip(900, 10 * MB)
    if case == "pictures: 150 distinct 16-megapixel PNGs":
        png = _png(4000)
        return _zip([(f"{i}.png", png + bytes([i])) for i in range(150)])  # a trailing byte: distinct files
    if case.startswith("pictures: 600 flat 40-megapixel JPEGs"):
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("L", (7000, 5700), 200).save(buffer, format="JPEG", progressive="progressive" in case)
        return _zip((f"{i}.jpg", buffer.getvalue() + bytes([i % 251])) for i in range(600))
    if case == "pictures: 2,000 photos of 512 x 512 (the most a set uses)":
        from PIL import Image

        picture = Image.linear_gradient("L").resize((512, 512))  # a smooth one: ~4 kB as JPEG, 2,000 fit in 10 MB
        picture.paste(0, (200, 150, 300, 400))  # some ink for the digit recipe
        buffer = io.BytesIO()
        picture.save(buffer, format="JPEG", quality=50)
        return _zip((f"{i}.jpg", buffer.getvalue() + bytes([i % 251])) for i in range(2000))
    if case == "train page: one measurement of a conv model with d = 1,024":
        return b""
    raise SystemExit(f"unknown case {case!r}")


CASES = [
    "checkpoint 16 entries of 48 MB",
    "checkpoint 16 entries of 48 MB ×3",
    "checkpoint: a valid model of 12 million zeros",
    "checkpoint: a valid model of 12 million zeros ×3",
    "checkpoint JSON with a 5,000-digit integer",
    "lesson link, a dotted key of 16,000 parts",
    "lesson link, a dotted key of 16,000 parts ×3",
    "lesson link, a 5,000-digit integer",
    "pictures: 1,000 entries naming one 16-megapixel PNG",
    "pictures: 1,000 entries naming one 10 MB entry, bad checksum",
    "pictures: 900 entries of 10 MB, bad checksums",
    "pictures: 150 distinct 16-megapixel PNGs",
    "pictures: 600 flat 40-megapixel JPEGs, progressive",
    "pictures: 600 flat 40-megapixel JPEGs, baseline",
    "pictures: 2,000 photos of 512 x 512 (the most a set uses)",
    "train page: one measurement of a conv model with d = 1,024",
]


# --- One case, in a child process ----------------------------------------------------------------------------------


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    """Start the peak resident size (VmHWM) afresh from now (Linux: clear_refs 5)."""
    Path("/proc/self/clear_refs").write_text("5")


def _gate() -> Callable[[], contextlib.AbstractContextManager]:
    try:
        from aemodels_app.caches import UPLOADS  # the app's gate, where this code has one
    except ImportError:
        return contextlib.nullcontext
    return UPLOADS.slot


def _work(case: str, data: bytes) -> Callable[[], str]:
    """The call the page makes with this input; it returns what the user is told (first words)."""
    gate = _gate()
    if case.startswith("checkpoint"):
        from aemodels.checkpoints import read_checkpoint

        def checkpoint() -> str:
            with gate():
                read_checkpoint([("hostile.zip", data)])
            return "read"

        return checkpoint
    if case.startswith("lesson"):
        from aemodels_app import lessons

        return lambda: str(lessons.load(data.decode()).title)
    if case.startswith("pictures"):
        from aemodels.pictures import load_image_files

        def pictures() -> str:
            with gate():
                return f"{len(load_image_files([('hostile.zip', data)], recipe='grey'))} pictures"

        return pictures
    if case.startswith("train page"):
        import torch

        from aemodels import load_digits
        from aemodels.models import build_model
        from aemodels.playground import TrainData, TrainSpec, measure

        x, y = load_digits()
        train = TrainData(x[:1000], y[:1000], x[1000:], y[1000:], "the shipped sample")
        torch.manual_seed(0)
        model = build_model(TrainSpec(architecture="conv", latent_dim=1024).config()).eval()
        return lambda: f"ratio {measure(model, train).normal_tangent_ratio:.2f}"
    raise SystemExit(f"unknown case {case!r}")


def run_case(case: str, path: str) -> dict[str, object]:
    import gc

    import torch

    import aemodels_app.caches  # noqa: F401  (what a server has imported before any user arrives)

    torch.set_num_threads(1)  # as the app's serving settings do
    data = Path(path).read_bytes()
    work = _work(case, data)
    copies = 3 if case.endswith("×3") else 1
    outcomes: list[str] = []

    def one() -> None:
        try:
            outcomes.append(work())
        except Exception as err:  # what the user is told, in its first words
            outcomes.append(f"{type(err).__name__}: {str(err)[:90]}")

    gc.collect()
    _reset_peak()
    before = _status_mb("VmRSS")
    cpu, wall = time.process_time(), time.perf_counter()
    threads = [threading.Thread(target=one) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = _status_mb("VmHWM")
    return {"peak_mb": round(peak - before), "cpu_s": round(cpu, 2), "wall_s": round(wall, 2), "told": outcomes}


@contextlib.contextmanager
def _input(case: str) -> Iterator[str]:
    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as handle:
        handle.write(build(case.removesuffix(" ×3")))
    try:
        yield handle.name
    finally:
        os.unlink(handle.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=CASES, help="run only these (default: all)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a case may take before it is stopped")
    parser.add_argument("--child", nargs=2, metavar=("CASE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_case(*args.child)))
        return
    print(f"{'case':<64} {'input':>9} {'peak MB':>8} {'CPU s':>7} {'wall s':>7}  told")
    for case in args.case or CASES:
        with _input(case) as path:
            size = Path(path).stat().st_size
            try:
                done = subprocess.run(
                    [sys.executable, __file__, "--child", case, path],
                    capture_output=True,
                    text=True,
                    timeout=args.timeout,
                    check=True,
                )
                result = json.loads(done.stdout.strip().splitlines()[-1])
            except subprocess.TimeoutExpired:
                print(
                    f"{case:<64} {size / 1000:>7.0f}kB {'':>8} {'>' + format(args.timeout, '.0f'):>7} {'':>7}  stopped"
                )
                continue
            except subprocess.CalledProcessError as err:
                print(f"{case:<64} failed: {err.stderr.strip().splitlines()[-1:]}")
                continue
        told = "; ".join(dict.fromkeys(result["told"]))
        print(
            f"{case:<64} {size / 1000:>7.0f}kB {result['peak_mb']:>8} {result['cpu_s']:>7} {result['wall_s']:>7}  "
            f"{told[:110]}"
        )


if __name__ == "__main__":
    main()
