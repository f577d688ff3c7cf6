import numpy as np
import torch

from aemodels import AEConfig, build_model, lerp, principal_angles, slerp
from aemodels.geometry import pca


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
    import threading

    from aemodels.geometry import decoder_jacobian

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
