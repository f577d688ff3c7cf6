"""The typed results the pages show, computed by the library and checked against hand-made cases: the anomaly
report, histograms, sparsity statistics, the VAE's posterior draws and KL profile, the push summary, the zoo's
roles and labels, the one reparameterisation and ELBO, and input validation by exceptions."""

import json
import math

import numpy as np
import pytest
import torch

from aemodels import AEConfig, CheckpointError, build_model, corrupt, load_digits, load_pretrained
from aemodels.anomaly import anomaly_report, log_histograms, score_range
from aemodels.geometry import LatentProfile, push_directions, push_summary, spot_report
from aemodels.images import code_strip
from aemodels.losses import elbo_terms, importance_weighted_log_likelihood, negative_elbo, reparameterize, sparsity_kl
from aemodels.models import VAE
from aemodels.posterior import kl_profile, posterior_draws, posterior_spread
from aemodels.sparsity import sparsity_stats
from aemodels.zoo import FORMAT_VERSION, ROLES, ZOO, list_pretrained, model_label, models_for, save_checkpoint
from aemodels_app.ui.charts import (
    CLASS_COLOURS,
    finite_points,
    log_axis,
    log_ticks,
    scatter_spec,
    thin_curve,
    title_lines,
)


def test_anomaly_report_threshold_flags_and_auc_on_a_hand_case():
    digits = np.arange(1, 101, dtype=float)  # 1 … 100
    report = anomaly_report(
        {"digits": digits, "far": np.full(10, 1000.0), "mixed": np.array([50.0, 200.0])},
        normal="digits",
        false_alarm=0.05,
    )
    assert report.threshold == pytest.approx(np.quantile(digits, 0.95))  # 95.05
    assert (digits > report.threshold).mean() == pytest.approx(0.05)  # 5 % of digits flagged
    assert report.auc["far"] == 1.0 and report.flag_rate["far"] == 1.0
    assert report.auc["mixed"] == pytest.approx((0.495 + 1.0) / 2)  # 50 beats 49 digits and ties one; 200 beats all
    assert report.flag_rate["mixed"] == 0.5
    fpr, tpr = report.roc["far"]
    assert fpr[0] == 0 and tpr[-1] == 1
    assert report.percentile(50.5) == 50.0 and report.flagged(96.0) and not report.flagged(95.0)
    assert set(report.auc) == {"far", "mixed"}  # the normal set is not compared with itself


@pytest.mark.parametrize(
    "scores,normal,false_alarm,message",
    [
        ({"a": [1.0]}, "b", 0.05, "not among"),
        ({"a": [1.0], "b": [2.0]}, "a", 0.0, "strictly between"),
        ({"a": [], "b": [2.0]}, "a", 0.05, "non-empty"),
        ({"a": [math.nan], "b": [2.0]}, "a", 0.05, "finite"),
    ],
)
def test_anomaly_report_refuses_bad_input(scores, normal, false_alarm, message):
    with pytest.raises(ValueError, match=message):
        anomaly_report(scores, normal=normal, false_alarm=false_alarm)


def test_log_histograms_share_log_bins_and_sum_to_one():
    sets = {"small": np.array([1e-3, 2e-3, 2e-3]), "large": np.array([0.1, 0.5])}
    hists = log_histograms(sets, bins=10)
    centres = hists["small"].centres
    assert np.allclose(centres, hists["large"].centres) and len(centres) == 10
    ratios = centres[1:] / centres[:-1]
    assert np.allclose(ratios, ratios[0])  # equal steps on a log axis
    assert hists["small"].fractions.sum() == pytest.approx(1.0) and hists["large"].fractions.sum() == pytest.approx(1)
    with pytest.raises(ValueError, match="at least one score"):
        log_histograms({"none": np.array([])})


def test_sparsity_stats_on_a_hand_case():
    h = np.zeros((4, 3))
    h[:, 0] = [0.05, 0.05, 0.05, 0.05]  # unit 0 exactly at rho
    h[:, 1] = [0.9, 0.0, 0.0, 0.0]  # unit 1: mean 0.225, one strong firing
    stats = sparsity_stats(h, target=0.05)
    assert stats.unit_means == pytest.approx([0.05, 0.225, 0.0])
    assert stats.units_near_target == 1
    assert stats.mean_activation == pytest.approx(h.mean())
    assert stats.relative_to_target == pytest.approx((h.mean() - 0.05) / 0.05)
    assert stats.share_strong == pytest.approx(1 / 12)
    assert stats.order.tolist() == [1, 0, 2]
    with pytest.raises(ValueError, match="strictly between"):
        sparsity_stats(h, target=1.5)
    with pytest.raises(ValueError, match="non-empty"):
        sparsity_stats(np.zeros(3), target=0.05)


def small_vae() -> VAE:
    model = build_model(AEConfig(kind="vae_mlp", latent_dim=3, hidden=(16,))).eval()
    assert isinstance(model, VAE)
    return model


def test_posterior_draws_use_the_reparameterisation():
    model = small_vae()
    x = torch.rand(1, 1, 28, 28)
    draws = posterior_draws(model, x, 5, seed=3)
    with torch.no_grad():
        mu, logvar = model.posterior(x)
    assert torch.allclose(draws.mu, mu[0]) and torch.allclose(draws.sigma, (0.5 * logvar[0]).exp())
    with torch.no_grad():
        assert torch.allclose(draws.draws, model.decode(mu + (0.5 * logvar).exp() * draws.eps))
        assert torch.allclose(draws.at_mean, model.decode(mu))
    assert torch.equal(posterior_draws(model, x, 5, seed=3).eps, draws.eps)  # seeded
    assert not torch.equal(posterior_draws(model, x, 5, seed=4).eps, draws.eps)
    with pytest.raises(ValueError, match="one digit"):
        posterior_draws(model, torch.rand(2, 1, 28, 28), 5)
    mu_alone, sigma_alone = posterior_spread(model, x)
    assert torch.equal(mu_alone, draws.mu) and torch.equal(sigma_alone, draws.sigma)
    with pytest.raises(ValueError, match="one digit"):
        posterior_spread(model, torch.rand(2, 1, 28, 28))


def test_kl_profile_finds_the_only_active_latent():
    model = small_vae()
    with torch.no_grad():  # latent 1 carries information; the others are at the prior
        model.encoder[-1].weight.zero_()
        model.encoder[-1].bias.zero_()
        model.encoder[-1].weight[1].fill_(0.05)
    profile = kl_profile(model, torch.rand(20, 1, 28, 28), threshold=0.01)
    assert profile.active == [1] and profile.order[0] == 1
    assert profile.total == pytest.approx(profile.per_dim[1], abs=1e-6)


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


def test_one_elbo_for_training_evaluation_and_the_app():
    model = small_vae()
    x = torch.bernoulli(torch.rand(4, 1, 28, 28))
    torch.manual_seed(1)
    with torch.no_grad():
        out = model(x)
    terms = negative_elbo(out["logits"], x, out["mu"], out["logvar"])
    loss = model.loss(x, out)
    assert loss["recon"].item() == pytest.approx(terms["recon"].mean().item())
    assert loss["kl"].item() == pytest.approx(terms["kl"].mean().item())
    assert torch.allclose(terms["kl"], terms["kl_per_dim"].sum(1))
    torch.manual_seed(1)
    again = elbo_terms(model, x)  # the same draw of eps from the same generator state
    assert torch.allclose(again["neg_elbo"], terms["neg_elbo"], atol=1e-5)
    mu, logvar = torch.zeros(3), torch.log(torch.full((3,), 4.0))
    assert torch.allclose(reparameterize(mu, logvar, torch.ones(3)), torch.full((3,), 2.0))


def test_caller_input_is_validated_with_exceptions_not_asserts():
    model = small_vae()
    with pytest.raises(ValueError, match="at least 1"):
        importance_weighted_log_likelihood(model, torch.zeros(1, 1, 28, 28), k=0)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        sparsity_kl(0.0, torch.rand(3))
    with pytest.raises(ValueError, match="0 or more"):
        model.sample(-1)
    with pytest.raises(ValueError, match="non-negative"):
        corrupt(torch.zeros(1, 1, 28, 28), "gaussian", -0.1)
    with pytest.raises(ValueError, match="recon_loss='mse'"):
        build_model(AEConfig(kind="linear", latent_dim=2, recon_loss="bce"))
    with pytest.raises(ValueError, match="recon_loss='bce'"):
        build_model(AEConfig(kind="vae_mlp", latent_dim=2, recon_loss="mse"))


def test_decode_unclipped_is_on_every_model():
    z = torch.randn(2, 2)
    mlp = build_model(AEConfig(kind="mlp", latent_dim=2, hidden=(8,))).eval()
    assert torch.equal(mlp.decode_unclipped(z), mlp.decode(z))  # a sigmoid output is smooth already
    linear = build_model(AEConfig(kind="linear", latent_dim=2, recon_loss="mse"))
    big = torch.full((1, 2), 100.0)
    assert linear.decode_unclipped(big).abs().max() > 1 >= linear.decode(big).max()


def test_every_role_is_served_and_roles_follow_the_zoo():
    for role in ROLES:
        assert models_for(role), role  # every page has a model in the shipped zoo
    assert models_for("pca") == ["linear16"]
    assert models_for("sampling") == [n for n in ZOO if "sampling" in ZOO[n].roles]
    for name, recipe in ZOO.items():
        if recipe.compare_ae is not None:
            assert recipe.compare_ae in ZOO and not ZOO[recipe.compare_ae].config.kind.startswith("vae"), name
    with pytest.raises(ValueError, match="unknown role"):
        models_for("nonsense")  # type: ignore[arg-type]


def test_a_model_is_labelled_from_its_json_without_reading_its_weights(tmp_path):
    model = build_model(AEConfig(kind="mlp", latent_dim=2, hidden=(8,)))
    save_checkpoint(model, "tiny", directory=tmp_path, meta={"description": "A tiny AE: for this test"})
    (tmp_path / "tiny.safetensors").write_bytes(b"not weights at all")
    assert model_label("tiny", tmp_path) == "tiny — A tiny AE"
    assert model_label("absent", tmp_path) == "absent (unavailable)"
    assert list_pretrained(tmp_path) == ["tiny"]


def test_checkpoints_carry_a_format_version_and_older_ones_still_load(tmp_path):
    model = build_model(AEConfig(kind="mlp", latent_dim=2, hidden=(8,)))
    path = save_checkpoint(model, "tiny", directory=tmp_path)
    record = json.loads(path.read_text())
    assert record["format_version"] == FORMAT_VERSION
    del record["format_version"]  # as written before versions existed
    path.write_text(json.dumps(record))
    load_pretrained("tiny", directory=tmp_path)
    record["format_version"] = FORMAT_VERSION + 1
    path.write_text(json.dumps(record))
    with pytest.raises(CheckpointError, match="format version 2"):
        load_pretrained("tiny", directory=tmp_path)


def test_log_ticks_label_every_tick_with_its_own_value():
    ticks, labels = log_ticks([0.4, 4.7])  # the manifold page's singular values
    assert ticks == [0.5, 1.0, 2.0] and labels == ["0.5", "1", "2"]  # "5" never stands for 0.5
    ticks, labels = log_ticks([2.0, 150_000.0])  # a histogram's counts
    assert "100,000" in labels and all(2 <= t <= 150_000 for t in ticks)
    ticks, labels = log_ticks([1e-9, 1e3])  # twelve decades: one tick per decade or fewer
    assert len(ticks) <= 8 and all(math.log10(t).is_integer() for t in ticks)
    ticks, labels = log_ticks([0.0062, 0.0071])  # less than one step of 1-2-5: finer steps and the ends
    assert ticks == [0.0062, 0.007, 0.0071] and labels == ["0.0062", "0.007", "0.0071"]
    with pytest.raises(ValueError, match="positive"):
        log_ticks([0.0, -1.0])
    axis = log_axis([0.4, 4.7], title="x")
    assert axis["type"] == "log" and axis["ticktext"] and axis["title"] == "x"


def test_one_palette_for_the_ten_classes():
    assert len(CLASS_COLOURS) == 10 and len(set(CLASS_COLOURS)) == 10


def test_spot_report_tells_a_hole_from_a_crowd():
    codes = torch.tensor([[float(i), 0.0] for i in range(10)])  # codes 1 apart on a line
    inside = spot_report(codes, torch.tensor([4.5, 0.0]))
    assert inside.spacing == 1.0 and inside.nearest == 0.5 and not inside.is_hole
    far = spot_report(codes, torch.tensor([4.0, 8.0]))
    assert far.nearest == 8.0 and far.is_hole
    with pytest.raises(ValueError):
        spot_report(codes, torch.tensor([1.0, 2.0, 3.0]))


def test_code_strip_colours_sign_and_size():
    strip = np.asarray(code_strip(torch.tensor([-2.0, 0.0, 1.0]), cell=4))
    assert strip.shape == (4, 12, 3)
    assert tuple(strip[0, 0]) == (0, 0, 255)  # the most negative value: full blue
    assert tuple(strip[0, 4]) == (255, 255, 255)  # zero: white
    assert strip[0, 8, 0] == 255 and strip[0, 8, 2] < 255  # positive: towards red


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


def test_a_model_loaded_inside_inference_mode_can_still_be_differentiated():
    with torch.inference_mode():
        model = load_pretrained("vae2")
    assert not any(p.is_inference() for p in model.parameters())
    summary = push_summary(model, load_digits()[0][:3])  # decoder Jacobians need ordinary weights
    assert summary.digits == 3


def test_scatter_spec_box_circles_and_version():
    xy = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 20.0]])
    spec = scatter_spec(xy, np.array([3, 1, 3]), title="t", axis_titles=("a", "b"))
    assert spec["x"] == [0.0, 10.0, 0.0] and spec["labels"] == [3, 1, 3] and spec["colours"] == list(CLASS_COLOURS)
    assert spec["bounds"] == pytest.approx([-0.5, 10.5, -1.0, 21.0])  # 5 % of each side's span around the points
    assert not spec["equal"] and spec["circles"] == [] and not spec["plane"]
    plane = scatter_spec(xy, [3, 1, 3], title="t", axis_titles=("a", "b"), plane=True)
    assert plane["bounds"] == pytest.approx([-1.5, 11.5, -3.0, 23.0])  # room to click beside the points
    assert plane["version"] != spec["version"]
    prior = scatter_spec(np.array([[0.5, 0.5], [-0.5, 1.0]]), [0, 1], title="t", axis_titles=("a", "b"), circles=(1, 2))
    assert prior["equal"] and prior["bounds"] == pytest.approx([-2.2, 2.2, -2.2, 2.2])  # the 2σ circle fits
    moved = scatter_spec(xy + 1, [3, 1, 3], title="t", axis_titles=("a", "b"))
    assert moved["version"] != spec["version"] and spec["clickable"]
    live = scatter_spec(xy + 1, [3, 1, 3], title="t", axis_titles=("a", "b"), version="job-7", clickable=False)
    assert live["version"] == "job-7" and not live["clickable"]  # a live map keeps one version as its points move
    assert json.loads(json.dumps(spec)) == spec  # what the browser gets is plain JSON


@pytest.mark.parametrize(
    ("xy", "labels"), [(np.zeros((3, 2)), [1, 2]), (np.zeros((0, 2)), []), (np.array([[0.0, np.nan]]), [1])]
)
def test_scatter_spec_refuses_mismatched_empty_or_broken_points(xy, labels):
    with pytest.raises(ValueError, match="scatter"):
        scatter_spec(xy, labels, title="t", axis_titles=("a", "b"))


def test_finite_points_drop_codes_that_are_not_numbers():
    xy = np.array([[0.0, 1.0], [np.nan, 2.0], [3.0, np.inf], [4.0, 5.0]])
    points, labels = finite_points(xy, np.array([1, 2, 3, 4]))
    assert points.tolist() == [[0.0, 1.0], [4.0, 5.0]] and labels.tolist() == [1, 4]


def _distance_to_polyline(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Each point's distance to the nearest segment of the polyline."""
    a, b = line[:-1][None], line[1:][None]  # (1, m, 2)
    p = points[:, None]  # (n, 1, 2)
    ab = b - a
    t = np.clip(((p - a) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-300), 0, 1)
    return np.linalg.norm(p - (a + t[..., None] * ab), axis=-1).min(1)


def test_thin_curve_keeps_an_roc_curve_within_its_tolerance_with_far_fewer_points():
    rng = np.random.default_rng(0)
    report = anomaly_report({"digits": rng.normal(0, 1, 3000), "other": rng.normal(1.5, 1, 3000)}, normal="digits")
    fpr, tpr = report.roc["other"]
    for tolerance in (1e-4, 1e-3):
        x, y = thin_curve(fpr, tpr, tolerance=tolerance)
        line = np.column_stack([x, y])
        assert len(x) < len(fpr) / (2 if tolerance < 1e-3 else 20)
        assert (x[0], y[0], x[-1], y[-1]) == (fpr[0], tpr[0], fpr[-1], tpr[-1])
        assert _distance_to_polyline(np.column_stack([fpr, tpr]), line).max() <= tolerance * (1 + 1e-9)
    # A straight run keeps its two ends; tolerance 0 keeps every point.
    x, y = thin_curve(np.linspace(0, 1, 50), np.linspace(0, 2, 50))
    assert x.tolist() == [0.0, 1.0] and y.tolist() == [0.0, 2.0]
    assert len(thin_curve(fpr, tpr, tolerance=0)[0]) == len(fpr)


@pytest.mark.parametrize(
    ("x", "y", "tolerance"),
    [([0, 1, 2], [0, 1], 1e-4), ([], [], 1e-4), ([0, np.nan, 1], [0, 1, 1], 1e-4), ([0, 1, 2], [0, 1, 2], -1)],
)
def test_thin_curve_refuses_mismatched_broken_points_or_a_negative_tolerance(x, y, tolerance):
    with pytest.raises(ValueError, match=r"curve|tolerance"):
        thin_curve(x, y, tolerance=tolerance)


def test_score_range_spans_the_smallest_positive_and_the_largest_score():
    assert score_range({"a": np.array([0.0, 0.02, 0.5]), "b": np.array([3.0, 0.001])}) == (0.001, 3.0)
    with pytest.raises(ValueError, match="no scores"):
        score_range({"a": np.array([])})


def test_title_lines_break_at_spaces_within_the_width():
    text = "Singular values of ∂D/∂z: 16 of 16 directions tangent (≥ 1% of the largest)"
    lines = title_lines(text, 42)
    assert " ".join(lines) == text and all(len(line) <= 42 for line in lines) and len(lines) == 2
    assert title_lines("short", 42) == ["short"]
    assert title_lines("a-very-long-word-that-does-not-fit tail", 10) == ["a-very-long-word-that-does-not-fit", "tail"]
    assert title_lines("", 42) == [""]
    with pytest.raises(ValueError, match="at least one character"):
        title_lines("x", 0)
