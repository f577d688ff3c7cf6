import pytest
import torch

from aemodels import corrupt
from aemodels.corrupt import median_filter


@pytest.mark.parametrize("kind, level", [("gaussian", 0.5), ("salt_and_pepper", 0.3), ("occlusion", 10)])
def test_seeded_and_clipped(kind, level):
    x = torch.rand(4, 1, 28, 28)
    a, b = corrupt(x, kind, level, seed=3), corrupt(x, kind, level, seed=3)
    assert torch.equal(a, b)
    assert not torch.equal(a, corrupt(x, kind, level, seed=4))
    assert a.min() >= 0 and a.max() <= 1 and a.shape == x.shape
    assert torch.equal(corrupt(x, kind, 0, seed=3), x) if kind != "gaussian" else torch.allclose(corrupt(x, kind, 0), x)


def test_salt_and_pepper_fraction():
    x = torch.full((10, 1, 28, 28), 0.5)
    noisy = corrupt(x, "salt_and_pepper", 0.2, seed=0)
    changed = (noisy != 0.5).float().mean().item()
    assert 0.18 < changed < 0.22
    assert 0.4 < (noisy == 1).float().sum().item() / (noisy != 0.5).float().sum().item() < 0.6


def test_occlusion_block_size():
    x = torch.ones(3, 1, 28, 28)
    out = corrupt(x, "occlusion", 7, seed=0)
    assert ((out == 0).flatten(1).sum(1) == 49).all()


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown corruption"):
        corrupt(torch.zeros(1, 1, 28, 28), "blur", 1.0)


def test_median_filter_removes_isolated_specks_and_keeps_flat_regions():
    x = torch.zeros(1, 1, 28, 28)
    x[0, 0, 10, 10] = 1.0
    x[0, 0, 20:25, 20:25] = 1.0
    out = median_filter(x)
    assert out[0, 0, 10, 10] == 0 and out[0, 0, 22, 22] == 1 and out.shape == x.shape
