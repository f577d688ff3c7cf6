import threading

import numpy as np
import pytest
import torch

from aemodels import AEConfig, build_model, corrupt, lerp, load_digits, load_pretrained, principal_angles, slerp
from aemodels.geometry import (
    LatentProfile,
    decoder_jacobian,
    decorrelated_basis,
    latent_profile,
    noise_collapse_curve,
    normal_icdf_grid,
    pca,
    project_codes,
    push_directions,
    push_summary,
    spot_report,
    tangent_basis,
    tangent_normal_split,
    uniform_codes,
)


def test_principal_angles_match_a_constructed_case():
    # span{e1, e2} against span{e1, cos(t) e2 + sin(t) e3}: angles 0 and t.
    t = np.deg2rad(30)
    a = torch.zeros(5, 2, dtype=torch.float64)
    a[0, 0] = a[1, 1] = 1
    b = torch.zeros(5, 2, dtype=torch.float64)
    b[0, 0] = 1
    b[1, 1] = np.cos(t)
    b[2, 1] = np.sin(t)
    assert np.allclose(principal_angles(a, b).numpy(), [0.0, 30.0], atol=1e-6)


def test_principal_angles_match_numpy_svd():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(30, 4)), rng.normal(size=(30, 3))
    qa, _ = np.linalg.qr(a)
    qb, _ = np.linalg.qr(b)
    expected = np.sort(np.degrees(np.arccos(np.clip(np.linalg.svd(qa.T @ qb, compute_uv=False), -1, 1))))
    assert np.allclose(principal_angles(torch.tensor(a), torch.tensor(b)).numpy(), expected, atol=1e-8)


def test_linear_ae_finds_the_svd_subspace():
    rng = np.random.default_rng(0)
    basis, _ = np.linalg.qr(rng.normal(size=(784, 3)))
    scales = np.array([3.0, 2.0, 1.0])
    data = (rng.normal(size=(2000, 3)) * scales) @ basis.T * 0.1 + 0.3 + rng.normal(size=(2000, 784)) * 0.002
    x = torch.tensor(data, dtype=torch.float32).view(-1, 1, 28, 28)
    model = build_model(AEConfig(kind="linear", latent_dim=3, recon_loss="mse"))
    model.set_mean(x.mean(0))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(400):
        batch = x[torch.randint(0, len(x), (200,))]
        loss = model.loss(batch, model(batch))["total"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    _, _, vt = np.linalg.svd(data - data.mean(0), full_matrices=False)
    angles = principal_angles(model.A.detach().T, torch.tensor(vt[:3].T))
    assert angles.max() < 2.0, angles
    assert torch.allclose(
        pca(torch.tensor(data, dtype=torch.float32), 3)[0], torch.tensor(data.mean(0), dtype=torch.float32), atol=1e-5
    )


def test_lerp_and_slerp_endpoints_and_norms():
    z0, z1 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0])
    for path in (lerp(z0, z1, 5), slerp(z0, z1, 5)):
        assert path.shape == (5, 2)
        assert torch.allclose(path[0], z0, atol=1e-6) and torch.allclose(path[-1], z1, atol=1e-6)
    mid = slerp(z0, z1, 3)[1]
    assert torch.isclose(mid.norm(), torch.tensor(1.5), atol=1e-5)  # norm interpolated linearly
    assert torch.isclose(mid[0], mid[1] / 1.0, atol=1e-5)  # on the 45-degree ray


def test_decoder_jacobians_from_several_threads_at_once():
    # Forward-mode AD levels are process-wide; training jobs and page runs take Jacobians from different threads.

    model = build_model(AEConfig(kind="mlp", latent_dim=4, hidden=(32,))).eval()
    z = torch.randn(3, 4)
    expected = decoder_jacobian(model, z)
    failures, results = [], []

    def work() -> None:
        try:
            for _ in range(20):
                results.append(torch.allclose(decoder_jacobian(model, z), expected))
        except RuntimeError as err:
            failures.append(str(err))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == [] and all(results) and len(results) == 80


def test_push_summary_of_the_linear_ae_is_an_exact_projection():
    model = load_pretrained("linear16")
    digits, _ = load_digits()
    summary = push_summary(model, digits[:20], eps=1.0)
    assert summary.normal_kept < 1e-4 and summary.tangent_kept == pytest.approx(1.0, abs=1e-3)
    assert summary.digits == 20 and summary.ratio < 1e-4
    with pytest.raises(ValueError, match="at least one digit"):
        push_summary(model, digits[:0])


def test_latent_profile_clip_holds_codes_in_range():
    profile = LatentProfile(order=[0, 1], low=[-1.0, 0.0], high=[1.0, 2.0], informativeness=[1, 0], unit="u")
    assert profile.clip([5.0, -3.0]) == [1.0, 0.0]
    with pytest.raises(ValueError, match="has 2 numbers"):
        profile.clip([0.0])


def test_spot_report_tells_a_hole_from_a_crowd():
    codes = torch.tensor([[float(i), 0.0] for i in range(10)])  # codes 1 apart on a line
    inside = spot_report(codes, torch.tensor([4.5, 0.0]))
    assert inside.spacing == 1.0 and inside.nearest == 0.5 and not inside.is_hole
    far = spot_report(codes, torch.tensor([4.0, 8.0]))
    assert far.nearest == 8.0 and far.is_hole
    with pytest.raises(ValueError):
        spot_report(codes, torch.tensor([1.0, 2.0, 3.0]))


def test_push_directions_are_reused_across_push_sizes():
    model = build_model(AEConfig(kind="vae_mlp", latent_dim=3, hidden=(16,))).eval()
    x = torch.rand(6, 1, 28, 28)
    directions = push_directions(model, x, seed=2, chunk=4)  # two chunks: the same draws as one
    assert torch.allclose(directions.tangent, push_directions(model, x, seed=2, chunk=100).tangent, atol=1e-5)
    flat_t, flat_n = directions.tangent.flatten(1), directions.normal.flatten(1)
    assert torch.allclose(flat_t.norm(dim=1), torch.ones(6)) and (flat_t * flat_n).sum(1).abs().max() < 1e-4
    for eps in (0.5, 2.0):
        reused = push_summary(model, x, eps=eps, directions=directions)
        fresh = push_summary(model, x, eps=eps, seed=2)
        assert reused.ratio == pytest.approx(fresh.ratio, rel=1e-4) and reused.eps == eps


@pytest.mark.parametrize("kind", ["mlp", "conv", "vae_mlp", "vae_conv", "linear"])
def test_decoder_jacobian_matches_central_differences(kind, model_of):
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

    return principal_angles(a, b)


def test_linear_ae_keeps_tangent_pushes_and_removes_normal_ones(model_of):
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


def test_tangent_normal_split_is_seeded_and_finite_on_an_untrained_model(model_of):
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


def test_decorrelated_basis_unmixes_a_rotated_pca_basis():

    rng = np.random.default_rng(3)
    basis, _ = np.linalg.qr(rng.normal(size=(50, 4)))  # principal directions, columns
    data = (rng.normal(size=(3000, 4)) * np.array([4.0, 3.0, 2.0, 1.0])) @ basis.T
    mix, _ = np.linalg.qr(rng.normal(size=(4, 4)))  # what a linear AE learns: a rotation of them
    rows = torch.tensor(mix @ basis.T, dtype=torch.float32)
    codes = torch.tensor(data, dtype=torch.float32) @ rows.T
    reference = torch.tensor(basis, dtype=torch.float32)
    recovered = decorrelated_basis(rows, codes, reference=reference)
    assert torch.allclose(recovered, reference.T, atol=0.05)


def test_latent_profile_orders_vae_dimensions_by_kl():
    model = build_model(AEConfig(kind="vae_mlp", latent_dim=3, hidden=(16,))).eval()
    with torch.no_grad():  # make dimension 2 carry information and the others none
        model.encoder[-1].weight.zero_()
        model.encoder[-1].bias.zero_()
        model.encoder[-1].weight[2].fill_(0.05)
    prof = latent_profile(model, torch.rand(50, 1, 28, 28))
    assert prof.order[0] == 2 and prof.low == [-3.0] * 3 and prof.high == [3.0] * 3
    assert prof.informativeness[2] > 0 and prof.informativeness[0] < 1e-9


def test_latent_profile_ae_range_covers_the_codes():
    model = build_model(AEConfig(kind="mlp", latent_dim=2, hidden=(16,))).eval()
    x = torch.rand(200, 1, 28, 28)
    prof = latent_profile(model, x)
    z = model.encode(x).detach()
    inside = ((z >= torch.tensor(prof.low)) & (z <= torch.tensor(prof.high))).float().mean()
    assert inside > 0.98 and prof.unit == "code units"


def test_noise_collapse_curve_shapes_and_zero_at_zero_noise():
    model = build_model(AEConfig(kind="mlp", latent_dim=2, hidden=(16,))).eval()
    x = torch.rand(1, 1, 28, 28)
    curve = noise_collapse_curve(model, x, [0.0, 0.2, 0.5])
    assert curve["input_change"][0] == 0 and curve["code_change"][0] == 0
    assert curve["input_change"][1] < curve["input_change"][2]
    assert all(len(v) == 3 for v in curve.values())


def test_noise_collapse_curve_matches_one_level_at_a_time():
    model = build_model(AEConfig(kind="conv", latent_dim=4)).eval()
    x, levels = torch.rand(1, 1, 28, 28), [0.0, 0.1, 0.3, 0.7]
    with torch.no_grad():
        curve = noise_collapse_curve(model, x, levels, seed=3)
        z, out = model.encode(x), model.decode(model.encode(x))
        for i, level in enumerate(levels):
            noisy = corrupt(x, "gaussian", level, seed=3)
            z_noisy = model.encode(noisy)
            assert curve["input_change"][i] == pytest.approx(((noisy - x).norm() / x.norm()).item(), rel=1e-5, abs=1e-6)
            assert curve["code_change"][i] == pytest.approx(
                ((z_noisy - z).norm() / z.norm()).item(), rel=1e-4, abs=1e-5
            )
            assert curve["output_change"][i] == pytest.approx(
                ((model.decode(z_noisy) - out).norm() / x.norm()).item(), rel=1e-4, abs=1e-5
            )


def test_normal_icdf_grid_is_symmetric_and_ordered():
    grid = normal_icdf_grid(5)
    assert grid.shape == (25, 2)
    assert torch.allclose(grid[:5, 0], -grid[:5, 0].flip(0), atol=1e-6)  # first row: z1 symmetric
    assert (grid[:5, 1] > 0).all() and (grid[-5:, 1] < 0).all()  # top row has the largest z2
    assert torch.isclose(grid[0, 0], torch.distributions.Normal(0, 1).icdf(torch.tensor(0.05)))


def test_uniform_codes_stay_in_the_box_and_are_seeded():
    a = uniform_codes([-1.0, 2.0], [1.0, 3.0], 100, seed=1)
    assert a.shape == (100, 2) and (a[:, 0].abs() <= 1).all() and ((a[:, 1] >= 2) & (a[:, 1] <= 3)).all()
    assert torch.equal(a, uniform_codes([-1.0, 2.0], [1.0, 3.0], 100, seed=1))
