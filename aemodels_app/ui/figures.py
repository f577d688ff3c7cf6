"""Figures: pictures of digits, error maps, the app's chart style and the canvas maps of codes."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import plotly.graph_objects as go
import streamlit as st
import torch
from PIL import Image
from streamlit.delta_generator import DeltaGenerator

from aemodels.images import error_map, error_scale, to_image
from aemodels_app import streamlit_private
from aemodels_app.ui import components
from aemodels_app.ui.charts import TITLE_CHARACTERS, title_lines


def styled(figure: go.Figure) -> go.Figure:
    """The app's chart settings: the tool bar stands upright at the right edge, off the title; a tap within 30 px of a
    point hits it (small dots on a phone); a legend not placed by its chart runs in a row above the plot, not at the
    right beside it; and a title too long for a phone's width is broken into lines (`title_lines`), with the room
    above the plot they need."""
    figure.update_layout(modebar={"orientation": "v"}, hoverdistance=30)
    if figure.layout.legend.orientation is None:
        figure.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0})
    title = figure.layout.title.text
    if title and "<br>" not in title and len(title) > TITLE_CHARACTERS:
        lines = title_lines(title)
        top = figure.layout.margin.t
        room = 24 + 44 * (len(lines) - 1)  # Plotly centres the first line in the top margin; the rest hang below it
        figure.update_layout(title={"text": "<br>".join(lines)}, margin={"t": max(top or 0, room)})
    return figure


def plot(where: Any, figure: go.Figure, *, shared: bool = False, **kwargs: Any) -> Any:
    """st.plotly_chart with the app's chart settings. shared: the figure comes from a process-wide cache (built
    once, styled by its builder) and is only read here, never changed, since other sessions read it too."""
    if not shared:
        styled(figure)
    return where.plotly_chart(figure, config={"displaylogo": False}, **kwargs)


def picture_row(name: str, spec: int | list[float]) -> list[DeltaGenerator]:
    """Columns for pictures that are compared side by side; on a phone they stay side by side (app.css), where
    Streamlit would stack columns."""
    return list(st.container(key=f"pictures-{name}").columns(spec))


def pixels(image: Image.Image, *, caption: str | None = None, zoom: int | None = None, where: Any = None) -> None:
    """A picture made of pixels (digits, weights, codes), sent at its own size as a PNG and enlarged by the browser
    without blurring (app.css): `zoom` times its size, or the width of its column where zoom is None. Streamlit
    would otherwise send the enlarged picture as a JPEG, several times the bytes (bench/image_bytes.py)."""
    width = "stretch" if zoom is None else image.width * zoom
    (where or st).image(image, caption=caption, width=width, output_format="PNG")


def picture(x: torch.Tensor, caption: str, *, scale: int = 5, container: DeltaGenerator | None = None) -> None:
    pixels(to_image(x, scale=1), caption=caption, zoom=scale, where=container)


@st.cache_resource(show_spinner=False, max_entries=8)
def scale_png(width: int) -> bytes:
    """The error maps' colour bar as PNG bytes, made once per width (it never changes)."""
    buffer = io.BytesIO()
    error_scale(width=width, height=8).save(buffer, format="PNG")
    return buffer.getvalue()


def error_picture(
    x: torch.Tensor, x_hat: torch.Tensor, caption: str, *, scale: int = 5, container: DeltaGenerator | None = None
) -> None:
    """The error map |x − x̂| with its colour bar under it, so a colour can be read as a number."""
    where = container or st
    pixels(error_map(x, x_hat, scale=1), caption=caption, zoom=scale, where=where)
    where.image(scale_png(28 * scale), width=28 * scale)
    where.caption("error 0 (black) · 0.5 (red) · 1 (yellow)")


@dataclass(frozen=True)
class Click:
    """What a click on a scatter chose: a test digit (its index) or a spot of the plane (its coordinates)."""

    index: int | None = None
    point: tuple[float, float] | None = None


def scatter_click(value: Any) -> Click | None:
    """The click components/scatter.js sends: {"index": i} for a digit's dot, {"point": [x, y]} for a spot of a 2-d
    plane; None for anything else."""
    if not isinstance(value, dict):
        return None
    index, point = value.get("index"), value.get("point")
    if isinstance(index, int) and not isinstance(index, bool) and index >= 0:
        return Click(index=index)
    if isinstance(point, list) and len(point) == 2 and all(isinstance(v, int | float) for v in point):
        return Click(point=(float(point[0]), float(point[1])))
    return None


def digit_map(
    spec: dict[str, Any],
    *,
    key: str,
    marked: int | None = None,
    spot: tuple[float, float] | None = None,
    on_click: Callable[[Click], None] | None = None,
) -> None:
    """Digits' codes on a canvas of our own (components/scatter.js; aemodels_app.ui.charts.scatter_spec builds `spec`):
    `marked` is the digit's dot to mark, `spot` a spot of the plane; a click calls on_click before the page runs
    again."""
    components.scatter(
        key=key,
        data={**spec, "marked": marked, "spot": list(spot) if spot else None},
        on_clicked_change=partial(_map_clicked, key, on_click) if on_click else None,
        height="content",
    )


def _map_clicked(key: str, on_click: Callable[[Click], None]) -> None:
    click = scatter_click(components.trigger(key, "clicked"))
    if click is not None:
        on_click(click)


def preload_charts() -> None:
    """Let the browser load the chart module while it is idle on whatever page it is (components/preload.js)."""
    components.preload(key="aemodels_preload", data={"chunk": streamlit_private.plotly_chunk()}, height=0)
