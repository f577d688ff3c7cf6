"""aemodels_app.ui.charts: log ticks and axes, the class palette, scatter specs, finite points, thinned curves and
title lines."""

import json
import math

import numpy as np
import pytest

from aemodels.anomaly import anomaly_report
from aemodels_app.ui.charts import (
    CLASS_COLOURS,
    finite_points,
    log_axis,
    log_ticks,
    scatter_spec,
    thin_curve,
    title_lines,
)


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


# About charts.thin_curve; anomaly_report only makes a realistic ROC curve to thin.
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


def test_title_lines_break_at_spaces_within_the_width():
    text = "Singular values of ∂D/∂z: 16 of 16 directions tangent (≥ 1% of the largest)"
    lines = title_lines(text, 42)
    assert " ".join(lines) == text and all(len(line) <= 42 for line in lines) and len(lines) == 2
    assert title_lines("short", 42) == ["short"]
    assert title_lines("a-very-long-word-that-does-not-fit tail", 10) == ["a-very-long-word-that-does-not-fit", "tail"]
    assert title_lines("", 42) == [""]
    with pytest.raises(ValueError, match="at least one character"):
        title_lines("x", 0)
