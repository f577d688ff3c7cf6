"""Library functions the pages call: slider layout, noise collapse, grids, pictures, the median filter."""

import pytest
import torch

from aemodels import AEConfig, build_model, corrupt
from aemodels.corrupt import median_filter
from aemodels.geometry import latent_profile, noise_collapse_curve, normal_icdf_grid, uniform_codes
from aemodels.images import error_map, make_grid, to_image


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


def test_median_filter_removes_isolated_specks_and_keeps_flat_regions():
    x = torch.zeros(1, 1, 28, 28)
    x[0, 0, 10, 10] = 1.0
    x[0, 0, 20:25, 20:25] = 1.0
    out = median_filter(x)
    assert out[0, 0, 10, 10] == 0 and out[0, 0, 22, 22] == 1 and out.shape == x.shape


def test_pictures():
    x = torch.rand(10, 1, 28, 28)
    assert to_image(x[0], scale=4).size == (112, 112)
    grid = make_grid(x, ncol=4, scale=1, pad=2)
    assert grid.size == (4 * 30 + 2, 3 * 30 + 2)
    heat = error_map(torch.zeros(1, 1, 28, 28), torch.ones(1, 1, 28, 28), scale=1)
    assert heat.getpixel((0, 0)) == (255, 255, 0)
