"""aemodels.anomaly: the anomaly report and its histograms and score range, ROC/AUC, reconstruction errors and
noise images."""

import math

import numpy as np
import pytest
import torch

from aemodels.anomaly import (
    anomaly_report,
    auc,
    log_histograms,
    noise_images,
    reconstruction_error,
    roc_curve,
    score_range,
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


def test_score_range_spans_the_smallest_positive_and_the_largest_score():
    assert score_range({"a": np.array([0.0, 0.02, 0.5]), "b": np.array([3.0, 0.001])}) == (0.001, 3.0)
    with pytest.raises(ValueError, match="no scores"):
        score_range({"a": np.array([])})


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


def test_reconstruction_error_and_noise_images(model_of):
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
