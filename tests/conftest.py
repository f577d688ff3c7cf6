import os
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The canonical MNIST files: $AEMODELS_DATA, else ../shared/data/mnist, else data/mnist (`make data`)."""
    path = Path(os.environ.get("AEMODELS_DATA") or (SHARED_MNIST if SHARED_MNIST.exists() else ROOT / "data" / "mnist"))
    if not (path / "train-images-idx3-ubyte.gz").exists() and not (path / "train-images-idx3-ubyte").exists():
        if os.environ.get("CI"):
            pytest.fail(f"MNIST is not at {path}; CI must provide it (set AEMODELS_DATA).")
        pytest.skip(
            f"MNIST is not at {path}: `make data` (or `python -m aemodels.data --download`, with AEMODELS_DATA "
            "pointing at that folder) downloads it and checks its md5 sums"
        )
    return path


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
