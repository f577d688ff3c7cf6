import os
import sys
from pathlib import Path

import pytest
import torch

from labtools.testing import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The canonical MNIST files: $AEMODELS_DATA, else ../shared/data/mnist, else data/mnist (`make data`)."""
    path = Path(os.environ.get("AEMODELS_DATA") or (SHARED_MNIST if SHARED_MNIST.exists() else ROOT / "data" / "mnist"))
    if not (path / "train-images-idx3-ubyte.gz").exists() and not (path / "train-images-idx3-ubyte").exists():
        skip_or_fail(
            f"MNIST is not at {path}: `make data` (or `python -m aemodels.data --download`, with AEMODELS_DATA "
            "pointing at that folder) downloads it and checks its md5 sums; CI must provide it (AEMODELS_DATA)"
        )
    return path


@pytest.fixture(scope="module")
def fashion_installed() -> None:
    """Fashion-MNIST comes from Debian's dataset-fashion-mnist (CI installs it); elsewhere its absence skips."""
    from aemodels import DataError
    from aemodels.data import load_fashion_mnist

    try:
        load_fashion_mnist("test", limit=1)
    except DataError as err:
        skip_or_fail(str(err))


def _model_of(kind: str, d: int = 4, **extra):
    from aemodels import AEConfig, build_model

    generator = torch.Generator().manual_seed(0)
    config = AEConfig(kind=kind, latent_dim=d, recon_loss="mse" if kind == "linear" else "bce", **extra)
    model = build_model(config, generator=generator).eval()
    if kind == "linear":
        model.set_mean(torch.rand(784, generator=generator) * 0.2)
    return model


@pytest.fixture
def model_of():
    """`model_of(kind, d=4, **extra)`: a seeded, untrained model of that kind in eval mode (a linear one with a
    random mean), for the geometry, anomaly and loss tests."""
    return _model_of


def _small_vae():
    from aemodels import AEConfig, build_model
    from aemodels.models import VAE

    model = build_model(
        AEConfig(kind="vae_mlp", latent_dim=3, hidden=(16,)), generator=torch.Generator().manual_seed(0)
    )
    model = model.eval()
    assert isinstance(model, VAE)
    return model


@pytest.fixture
def small_vae():
    """`small_vae()`: an untrained MLP VAE with 3 latents, for the posterior, loss and validation tests."""
    return _small_vae


@pytest.fixture(scope="module", autouse=True)
def _no_training_outlives_its_module():
    """A module that drove the Train page (AppTest runs it in this process) leaves the page's pool, cached for the
    process, training in its threads. Under xdist the next test file runs in the same process, and those threads
    would step through a monkeypatched Trainer.step and draw from torch's global generator meanwhile; so every
    open pool is closed when a module ends, and the app's cache dropped if one was."""
    yield
    jobs = sys.modules.get("aemodels_app.jobs")
    if jobs is not None and jobs.close_every_pool():
        import streamlit as st

        st.cache_resource.clear()
