"""The maths behind the theory pages: decoder Jacobians and the tangent/normal experiment, code projections,
ROC/AUC, the ELBO split, Fashion-MNIST loading, weight tiles and the capacity curve."""

import gzip
import json
import struct

import numpy as np
import pytest
import torch

from aemodels import AEConfig, DataError, build_model
from aemodels.anomaly import auc, noise_images, reconstruction_error, roc_curve
from aemodels.data import load_fashion_mnist
from aemodels.geometry import decoder_jacobian, project_codes, tangent_basis, tangent_normal_split
from aemodels.images import filter_grid
from aemodels.losses import bce_with_logits, elbo_terms, gaussian_kl


def model_of(kind: str, d: int = 4, **extra):
    torch.manual_seed(0)
    config = AEConfig(kind=kind, latent_dim=d, recon_loss="mse" if kind == "linear" else "bce", **extra)
    model = build_model(config).eval()
    if kind == "linear":
        model.set_mean(torch.rand(784) * 0.2)
    return model


@pytest.mark.parametrize("kind", ["mlp", "conv", "vae_mlp", "vae_conv", "linear"])
def test_decoder_jacobian_matches_central_differences(kind):
    model = model_of(kind)
    z = torch.randn(2, 4, dtype=torch.float32)
    jacobian = decoder_jacobian(model, z)
    assert jacobian.shape == (2, 784, 4)
    decode = getattr(model, "decode_unclipped", model.decode)
    h = 1e-6  # small enough that no ReLU kink is crossed; float64 keeps the difference accurate
    model.double()
    with torch.no_grad():
        for j in range(4):
            step = torch.zeros(4, dtype=torch.float64)
            step[j] = h
            zd = z.double()
            fd = (decode(zd + step) - decode(zd - step)).view(2, 784) / (2 * h)
            assert torch.allclose(jacobian[:, :, j].double(), fd, atol=1e-6, rtol=1e-4), (kind, j)


def test_tangent_basis_is_orthonormal_and_drops_dead_directions():
    rng = np.random.default_rng(1)
    j = torch.tensor(rng.normal(size=(784, 5)), dtype=torch.float32)
    j[:, 4] = 1e-6 * j[:, 0]  # a switched-off latent barely moves the image
    basis, singular = tangent_basis(j)
    assert basis.shape == (784, 4) and singular.shape == (5,)
    assert torch.allclose(basis.T @ basis, torch.eye(4), atol=1e-5)
    assert principal_angles_deg(basis, j[:, :4]).max() < 1e-2


def principal_angles_deg(a, b):
    from aemodels import principal_angles

    return principal_angles(a, b)


def test_linear_ae_keeps_tangent_pushes_and_removes_normal_ones():
    # A tied linear AE with orthonormal rows reconstructs by orthogonal projection: kept 1 along, 0 across.
    model = model_of("linear", d=6)
    q, _ = torch.linalg.qr(torch.randn(784, 6))
    with torch.no_grad():
        model.A.copy_(q.T)
    x = torch.rand(5, 1, 28, 28)
    result = tangent_normal_split(model, x, eps=0.7, seed=3)
    assert torch.allclose(result.tangent_kept, torch.ones(5), atol=1e-4)
    assert result.normal_kept.max() < 1e-4 and result.ratio.max() < 1e-4
    assert torch.allclose(result.tangent.flatten(1).norm(dim=1), torch.ones(5), atol=1e-5)
    # the normal direction is orthogonal to the tangent plane (the rows of A)
    assert (result.normal.flatten(1) @ q).abs().max() < 1e-5


def test_tangent_normal_split_is_seeded_and_finite_on_an_untrained_model():
    model = model_of("mlp", d=4)
    x = torch.rand(3, 1, 28, 28)
    a, b = tangent_normal_split(model, x, seed=1), tangent_normal_split(model, x, seed=1)
    assert torch.equal(a.ratio, b.ratio)
    assert torch.isfinite(a.ratio).all() and (a.tangent_kept > 0).all()


def test_project_codes_matches_numpy_pca():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(500, 6)) * np.array([5.0, 3.0, 1.0, 0.5, 0.2, 0.1])
    coords, explained = project_codes(torch.tensor(z, dtype=torch.float32))
    centred = z - z.mean(0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    expected = centred @ vt[:2].T
    for i in range(2):  # principal directions are defined up to sign
        sign = np.sign(expected[:, i] @ coords[:, i].numpy())
        assert np.allclose(coords[:, i].numpy(), sign * expected[:, i], atol=1e-3)
    assert np.allclose(explained, (s[:2] ** 2) / (s**2).sum(), atol=1e-4)
    two_d = torch.randn(10, 2)
    same, none = project_codes(two_d)
    assert torch.equal(same, two_d) and none is None


def test_auc_hand_checked_cases():
    # Pairs (anomalous > normal): 0.35 beats 0.1 not 0.4, 0.8 beats both -> 3 of 4.
    assert auc([0.1, 0.4], [0.35, 0.8]) == pytest.approx(0.75)
    # A tie counts one half: 2 vs 2 -> (1 + 0.5 + 1 + 1) / 4.
    assert auc([1, 2], [2, 3]) == pytest.approx(0.875)
    assert auc([1, 2, 3], [4, 5]) == 1.0 and auc([4, 5], [1, 2, 3]) == 0.0
    assert auc([1, 1], [1, 1, 1]) == 0.5


def test_roc_curve_hand_checked_and_its_area_is_the_auc():
    fpr, tpr, thresholds = roc_curve([0.1, 0.4], [0.35, 0.8])
    assert fpr.tolist() == [0, 0, 0.5, 0.5, 1] and tpr.tolist() == [0, 0.5, 0.5, 1, 1]
    assert thresholds[1:].tolist() == [0.8, 0.4, 0.35, 0.1]
    rng = np.random.default_rng(0)
    normal, anomalous = rng.normal(size=300), rng.normal(0.8, 1.0, size=200).round(1)  # rounding makes ties
    fpr, tpr, _ = roc_curve(normal, anomalous)
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0) and fpr[-1] == tpr[-1] == 1
    area = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))  # trapezoids handle ties as one half
    assert area == pytest.approx(auc(normal, anomalous), abs=1e-12)


def test_roc_refuses_empty_or_non_finite_scores():
    with pytest.raises(ValueError, match="at least one"):
        auc([], [1.0])
    with pytest.raises(ValueError, match="finite"):
        roc_curve([1.0, float("nan")], [2.0])


def test_reconstruction_error_and_noise_images():
    model = model_of("mlp")
    x = torch.rand(7, 1, 28, 28)
    with torch.no_grad():
        expected = (model.reconstruct(x) - x).pow(2).mean((1, 2, 3))
    assert torch.allclose(reconstruction_error(model, x, batch=3), expected)
    with pytest.raises(ValueError, match=r"\(B, 1, 28, 28\)"):  # would broadcast to 7 × 7 errors per pixel
        reconstruction_error(model, x.unsqueeze(1))
    for kind in ("uniform", "blobs"):
        a = noise_images(kind, 4, seed=2)
        assert a.shape == (4, 1, 28, 28) and a.min() >= 0 and a.max() <= 1
        assert torch.equal(a, noise_images(kind, 4, seed=2)) and not torch.equal(a, noise_images(kind, 4, seed=3))
    with pytest.raises(ValueError, match="unknown noise kind"):
        noise_images("plaid", 1)


def test_elbo_terms_split_and_monte_carlo():
    model = model_of("vae_mlp")
    x = torch.bernoulli(torch.rand(3, 1, 28, 28), generator=torch.Generator().manual_seed(0))
    terms = elbo_terms(model, x, samples=400, generator=torch.Generator().manual_seed(1))
    mu, logvar = model.posterior(x)
    assert torch.allclose(terms["kl"], gaussian_kl(mu, logvar).sum(1))
    assert torch.allclose(terms["kl_per_dim"].sum(1), terms["kl"])
    assert torch.allclose(terms["neg_elbo"], terms["recon"] + terms["kl"])
    with torch.no_grad():  # an independent Monte Carlo estimate of the reconstruction term agrees
        generator = torch.Generator().manual_seed(9)
        z = mu + (0.5 * logvar).exp() * torch.randn(400, *mu.shape, generator=generator)
        manual = torch.stack([bce_with_logits(model.decode_logits(zi), x) for zi in z]).mean(0)
    assert torch.allclose(terms["recon"], manual, rtol=0.01)


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


def test_filter_grid_scales_each_tile_around_grey():
    weights = torch.zeros(3, 784)
    weights[1, 0], weights[2, 0] = 5.0, -0.001
    grid = np.asarray(filter_grid(weights, ncol=3, scale=1))
    assert grid.shape == (32, 92)
    tiles = [grid[2:30, 2 + 30 * i : 30 + 30 * i] for i in range(3)]
    assert tiles[0].min() == tiles[0].max() == 128  # zero weights are mid-grey
    assert tiles[1][0, 0] == 255 and tiles[2][0, 0] == 0  # each tile reaches its own extreme


def test_capacity_curve_smoke_and_resume(tmp_path, mnist_dir):
    from aemodels.capacity import compute

    out = tmp_path / "capacity.json"
    kwargs = {
        "linear_epochs": 1,
        "nonlinear_epochs": 1,
        "data_dir": mnist_dir,
        "limit": 300,
        "runs_dir": tmp_path / "runs",
        "out": out,
        "quiet": True,
    }
    first = compute((2, 4), **kwargs)
    assert [row["d"] for row in first["rows"]] == [2, 4]
    for row in first["rows"]:
        assert all(np.isfinite(row[key]) and row[key] > 0 for key in ("pca", "linear_ae", "nonlinear_ae"))
    assert first["rows"][1]["pca"] < first["rows"][0]["pca"]  # nested PCA subspaces: more components, less error
    second = compute((2, 4, 8), **kwargs)  # finished sizes are kept, the new one is added
    assert second["rows"][:2] == first["rows"] and second["rows"][2]["d"] == 8
    assert json.loads(out.read_text()) == second


def test_decorrelated_basis_unmixes_a_rotated_pca_basis():
    from aemodels.geometry import decorrelated_basis

    rng = np.random.default_rng(3)
    basis, _ = np.linalg.qr(rng.normal(size=(50, 4)))  # principal directions, columns
    data = (rng.normal(size=(3000, 4)) * np.array([4.0, 3.0, 2.0, 1.0])) @ basis.T
    mix, _ = np.linalg.qr(rng.normal(size=(4, 4)))  # what a linear AE learns: a rotation of them
    rows = torch.tensor(mix @ basis.T, dtype=torch.float32)
    codes = torch.tensor(data, dtype=torch.float32) @ rows.T
    reference = torch.tensor(basis, dtype=torch.float32)
    recovered = decorrelated_basis(rows, codes, reference=reference)
    assert torch.allclose(recovered, reference.T, atol=0.05)
