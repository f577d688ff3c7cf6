"""Small, pure helpers for the app's charts (no plotting library here): one palette for the ten digit classes,
tick marks a reader can trust on logarithmic axes, and the data of the app's own canvas scatter."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable
from typing import Any

import numpy as np

# One colour per digit class, the same on every chart (Plotly's and matplotlib's qualitative "tab10").
CLASS_COLOURS: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


def tick_label(value: float) -> str:
    """A tick label that states the value itself: 0.5, 0.02, 3, 100,000 or 1e-05, never a bare mantissa."""
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:g}"


def log_ticks(values: Iterable[float], *, max_ticks: int = 8) -> tuple[list[float], list[str]]:
    """Tick positions and labels for a log axis spanning the positive `values`: 1-2-5 steps per decade (fewer
    over many decades, more over less than one), each labelled with its full value. Plotly's own log ticks label
    the minor steps with a bare digit ("5" for 0.5), which reads as a different number."""
    positive = [float(v) for v in values if v is not None and math.isfinite(float(v)) and float(v) > 0]
    if not positive:
        raise ValueError("a log axis needs at least one positive value")
    low, high = min(positive), max(positive)
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    for mantissas in ((1.0,), (1.0, 2.0, 5.0), (1.0, 2.0, 3.0, 5.0, 7.0), tuple(float(m) for m in range(1, 10))):
        ticks = [
            m * 10.0**k
            for k in range(first, last + 1)
            for m in mantissas
            if low / 1.0001 <= m * 10.0**k <= high * 1.0001
        ]
        if len(ticks) >= 3 or mantissas[-1] == 9.0:
            break
    if len(ticks) > max_ticks:  # many decades: keep every n-th decade's 1
        decades = [10.0**k for k in range(first, last + 1) if low / 1.0001 <= 10.0**k <= high * 1.0001]
        step = math.ceil(len(decades) / max_ticks)
        ticks = decades[::step]
    if len(ticks) < 2:  # a range inside one step: add its ends, to two significant digits
        ticks = sorted({*ticks, float(f"{low:.2g}"), float(f"{high:.2g}")})
    ticks = [float(f"{t:.12g}") for t in ticks]
    return ticks, [tick_label(t) for t in ticks]


def log_axis(values: Iterable[float], **extra: Any) -> dict[str, Any]:
    """A Plotly axis specification (a plain dict) for a log axis with `log_ticks`; `extra` adds keys (title…)."""
    ticks, labels = log_ticks(values)
    return {"type": "log", "tickvals": ticks, "ticktext": labels, **extra}


def thin_curve(x: Any, y: Any, *, tolerance: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """The points of the polyline (x, y) a chart needs: Douglas-Peucker (scikit-image) drops every point that lies
    within `tolerance` (in the data's units) of the thinned line, so the drawn curve moves by at most that much.
    An ROC curve over thousands of thresholds is mostly straight runs and steps of 1/n: a thousandth of an axis
    from 0 to 1 is under half a pixel on a 380-pixel chart, and its 4,000 points become 15 to 120."""
    xs, ys = np.asarray(x, dtype=np.float64).ravel(), np.asarray(y, dtype=np.float64).ravel()
    if len(xs) != len(ys) or len(xs) == 0:
        raise ValueError(f"a curve needs as many y as x values, and some: {len(xs)}, {len(ys)}")
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        raise ValueError("a curve's points must be finite numbers")
    if not tolerance >= 0:
        raise ValueError(f"the tolerance must be 0 or more, got {tolerance}")
    if len(xs) < 3:
        return xs, ys
    from skimage.measure import approximate_polygon  # imported here, when first needed: it imports scipy, which is slow

    kept = approximate_polygon(np.column_stack([xs, ys]), tolerance)
    return kept[:, 0], kept[:, 1]


def finite_points(xy: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    """The points (and their labels) with both coordinates finite: a training that diverges can give some codes
    that are not numbers, and a map draws the others."""
    points, classes = np.asarray(xy, dtype=np.float64).reshape(-1, 2), np.asarray(labels)
    keep = np.isfinite(points).all(axis=1)
    return points[keep], classes[keep]


def scatter_spec(
    xy: Any,
    labels: Any,
    *,
    title: str,
    axis_titles: tuple[str, str] | list[str],
    circles: tuple[float, ...] = (),
    plane: bool = False,
    clickable: bool = True,
    height: int = 460,
    version: str | None = None,
) -> dict[str, Any]:
    """What components/scatter.js draws: points xy (n, 2) coloured by their labels (n,), in JSON-ready lists, with
    the box it shows first. `circles` (radii about the origin, e.g. a VAE prior's 1σ and 2σ) are drawn with equal
    axis scales so that they stay circles, and the box then holds the largest of them. `plane`: every spot of the
    box can be clicked (a 2-d latent space, where any spot can be decoded), so the box has a wider margin of empty
    plane around the points. `clickable`: a click on a dot chooses that sample digit (False for points that are not
    the sample's, such as a training's held-out digits). `version` changes with the points unless given: the
    browser keeps its zoom and hidden classes for as long as it stays the same (a given version keeps them while
    the points move, as in a live training's map)."""
    points = [[float(x), float(y)] for x, y in xy]
    classes = [int(label) for label in labels]
    if len(points) != len(classes) or not points:
        raise ValueError(f"a scatter needs as many labels as points, and some points: {len(points)}, {len(classes)}")
    if not all(math.isfinite(v) for point in points for v in point):
        raise ValueError("a scatter's points must be finite numbers")
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    reach = max(circles, default=0.0)
    low = [min(min(xs), -reach), min(min(ys), -reach)]
    high = [max(max(xs), reach), max(max(ys), reach)]
    margin = 0.15 if plane else 0.05
    pad = [margin * ((high[k] - low[k]) or 1.0) for k in range(2)]
    rounded = lambda values: [round(v, 4) for v in values]  # noqa: E731 - 0.1 mm on a chart: plenty, and a third of the bytes
    digest = hash((tuple(rounded(xs)), tuple(rounded(ys)), tuple(classes), circles, plane))
    return {
        "version": version or f"{len(points)}-{digest & 0xFFFFFFFF:08x}",
        "title": title,
        "x_title": axis_titles[0],
        "y_title": axis_titles[1],
        "x": rounded(xs),
        "y": rounded(ys),
        "labels": classes,
        "colours": list(CLASS_COLOURS),
        "bounds": [low[0] - pad[0], high[0] + pad[0], low[1] - pad[1], high[1] + pad[1]],
        "circles": list(circles),
        "equal": bool(circles),
        "plane": plane,
        "clickable": clickable,
        "height": height,
    }


TITLE_CHARACTERS = 42  # about what a phone's width (390 px) shows of a chart title in Plotly's 17 px font


def title_lines(text: str, width: int = TITLE_CHARACTERS) -> list[str]:
    """A chart title broken at spaces into lines of at most `width` characters (a longer word keeps a line of its
    own): Plotly draws a title on one line however narrow the chart, so a long one ran off a phone's screen."""
    if width < 1:
        raise ValueError(f"a line needs room for at least one character, got {width}")
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [text]
