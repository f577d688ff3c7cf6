"""The theory pages through AppTest: each renders with no error and its main interaction changes what is shown.
(Clicking a scatter point needs a real browser; see the browser tests. Here the click's effect is driven
through the session state the click handler writes.)"""

import base64
import json

import numpy as np
import plotly.graph_objects as go
import pytest
from apptest_helpers import captions, digit_maps, image_by_caption, no_errors
from apptest_helpers import run as run_page
from streamlit.testing.v1 import AppTest

from aemodels_app import state
from aemodels_app.pages import anomaly, explorer, inside_vae, manifold, registry, sparse
from aemodels_app.ui.charts import TITLE_CHARACTERS
from aemodels_app.ui.figures import Click, scatter_click, styled

THEORY_PAGES = [p.name for p in registry().values() if p.section == "Theory"]


def run(page: str) -> AppTest:
    at = run_page(page, timeout=180)
    no_errors(at)
    return at


def chart_layouts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec)["layout"] for chart in at.get("plotly_chart")]


def chart_titles(at: AppTest) -> list[str]:
    """The charts' titles as read: their lines joined by spaces."""
    return [layout.get("title", {}).get("text", "").replace("<br>", " ") for layout in chart_layouts(at)]


def trace_values(values: list | dict) -> np.ndarray:
    """A trace's numbers as Plotly sends them: a list, or NumPy's bytes in base64 ({"dtype", "bdata"})."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    return np.asarray(values)


def chart_data(at: AppTest, y_title: str) -> list:
    """The data of the chart whose y axis is titled y_title."""
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec["layout"].get("yaxis", {}).get("title", {}).get("text") == y_title:
            return spec["data"]
    raise AssertionError(f"no chart with y axis {y_title!r}")


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


@pytest.mark.parametrize("page", THEORY_PAGES)
def test_theory_page_default_render(page):
    at = run(page)
    assert at.title[0].value
    assert at.get("plotly_chart") or at.get("image") or digit_maps(at)
    assert not at.warning, [w.value for w in at.warning]  # every part has what it needs in a full checkout


def test_explorer_shows_ae_and_vae_side_by_side_and_the_clicked_digit():
    at = run("explorer")
    maps = digit_maps(at)
    titles = ["ae2: codes of the 2,000 sample digits", "vae2: codes of the 2,000 sample digits"]
    assert [m["title"] for m in maps] == titles
    assert [len(m["x"]) for m in maps] == [2000, 2000] and maps[0]["plane"] and maps[1]["circles"] == [1.0, 2.0]
    assert all(m["marked"] is None for m in maps)
    assert any("Click a dot" in info.value for info in at.info)
    at.session_state[explorer.SELECTED] = 5  # what a click on digit #5's dot records (explorer.take_click)
    at.run()
    no_errors(at)
    assert "Test digit #5 (a 1)" in captions(at)
    assert {"ae2 reconstruction", "vae2 reconstruction"} <= set(captions(at))
    assert [m["marked"] for m in digit_maps(at)] == [5, 5]  # the same digit marked in both maps
    at.session_state[explorer.SPOT] = ("ae2", -50.0, 10.0)
    at.run()
    no_errors(at)
    assert [m["spot"] for m in digit_maps(at)] == [[-50.0, 10.0], None]  # a spot is marked on its own plane only
    assert any("The decoder of ae2 at z = (-50.00, 10.00)" in h.value for h in at.header)
    at.selectbox(key=explorer.LEFT).set_value("vae16").run()
    no_errors(at)
    left = digit_maps(at)[0]
    assert left["x_title"].startswith("PC1 of the 16-d codes") and not left["plane"]


def test_the_maps_clicks_are_read_plainly():

    assert scatter_click({"index": 17, "at": 1}) == Click(index=17)
    assert scatter_click({"point": [0.5, -1]}) == Click(point=(0.5, -1.0))
    for broken in (None, {}, {"index": True}, {"index": -1}, {"index": "3"}, {"point": [1]}, {"point": ["a", 1]}):
        assert scatter_click(broken) is None


def test_legends_run_in_a_row_above_the_plot_unless_a_chart_places_its_own():
    """At the right, where Plotly puts a legend, it took half a phone's width from the plot."""

    legend = styled(go.Figure()).layout.legend
    assert (legend.orientation, legend.yanchor, legend.y) == ("h", "bottom", 1.02)
    placed = styled(go.Figure(layout={"legend": {"orientation": "h", "y": -0.25}})).layout.legend
    assert (placed.orientation, placed.y) == ("h", -0.25)
    at = run("pca")
    assert all(layout["legend"]["orientation"] == "h" for layout in chart_layouts(at))


def test_a_long_chart_title_is_broken_into_lines_a_phone_shows_whole():
    """Plotly draws a title on one line: "Principal angles between the two 16-d subspaces: mean …" ran off a
    phone's screen."""

    long = "Principal angles between the two 16-d subspaces: mean 0.13°, largest 0.34°"
    layout = styled(go.Figure(layout={"title": long, "margin": {"t": 40}})).layout
    lines = layout.title.text.split("<br>")
    assert " ".join(lines) == long and len(lines) == 2 and all(len(line) <= TITLE_CHARACTERS for line in lines)
    assert layout.margin.t >= 60  # room for the second line above the plot
    assert styled(go.Figure(layout={"title": "Short", "margin": {"t": 40}})).layout.margin.t == 40
    for page in ("manifold", "pca", "inside_vae", "anomaly", "sparse", "denoise"):
        for layout in chart_layouts(run(page)):
            text = layout.get("title", {}).get("text", "")
            assert all(len(line) <= TITLE_CHARACTERS for line in text.split("<br>")), (page, text)


def test_manifold_model_switch_and_measure_every_model():
    at = run("manifold")
    first = [m.value for m in at.metric]
    at.selectbox(key=manifold.MODEL).set_value("linear16").run()
    no_errors(at)
    values = {m.label: float(m.value) for m in at.metric}
    assert [m.value for m in at.metric] != first
    assert values["Normal push kept"] < 1e-3 < values["Tangent push kept"]  # the linear AE projects orthogonally
    at.slider(key=manifold.EPS).set_value(2.0).run()
    at.button(key=manifold.MEASURE).click().run()
    no_errors(at)
    rows = at.dataframe[0].value
    assert set(rows["model"]) >= {"vae16", "ae16", "dae", "linear16"}
    assert (rows["ratio normal / tangent"] >= 0).all()


def test_pca_page_curve_angles_and_components():
    at = run("pca")
    assert any("Principal angles between the two 16-d subspaces" in t for t in chart_titles(at))
    mean_angle = float(next(t for t in chart_titles(at) if "Principal angles" in t).split("mean ")[1].split("°")[0])
    assert mean_angle < 5
    table = at.dataframe[0].value
    assert list(table["d"]) == sorted(table["d"]) and (table["linear / PCA"] < 1.05).all()
    assert any("first 16 principal components" in c for c in captions(at))


def test_anomaly_fashion_item_is_flagged_and_auc_table_is_shown(fashion_installed):
    at = run("anomaly")
    table = at.dataframe[0].value
    assert "Fashion-MNIST" in set(table["not a digit"])
    assert (table["AUC"] > 0.9).all()
    assert "Looks like a digit." in markdown(at)
    at.button_group(key=anomaly.INPUT).set_value("A Fashion-MNIST item").run()
    no_errors(at)
    at.number_input(key=anomaly.ITEM).set_value(1).run()  # a pullover
    no_errors(at)
    assert "Flagged" in markdown(at) and any("Fashion-MNIST #1" in c for c in captions(at))
    at.selectbox(key=anomaly.MODEL).set_value("vae16").run()
    no_errors(at)
    assert at.dataframe[0].value["AUC"].tolist() != table["AUC"].tolist()


def test_anomaly_roc_is_drawn_from_a_few_points_and_keeps_the_exact_aucs(fashion_installed):
    """The ROC chart is sent with every run: its curves are thinned (thin_curve) from thousands of thresholds to
    what a chart can show, while the AUCs in its legend and the table come from the exact curves."""
    at = run("anomaly")
    table = at.dataframe[0].value
    curves = {trace["name"]: trace for trace in chart_data(at, "true positive rate") if trace["name"] != "chance"}
    assert len(curves) == len(table)
    for label, auc in zip(table["not a digit"], table["AUC"], strict=True):
        (name,) = [name for name in curves if name.startswith(f"{label}: AUC")]
        assert abs(float(name.rsplit(" ", 1)[1]) - auc) < 1e-3
        assert 2 <= len(trace_values(curves[name]["x"])) <= 200


def test_inside_vae_resample_changes_draws_and_model_switch():
    at = run("inside_vae")
    draws = image_by_caption(at, "Decoded from 8 draws")
    at.button(key=inside_vae.RESAMPLE).click().run()
    no_errors(at)
    assert image_by_caption(at, "Decoded from 8 draws") != draws
    assert at.query_params["draw"] == "1"  # the section is a fragment: it writes the URL itself
    assert any("latents active" in t for t in chart_titles(at))
    at.selectbox(key=inside_vae.MODEL).set_value("vae2").run()
    no_errors(at)
    assert any("of 2 latents active" in t for t in chart_titles(at))


def test_sparse_units_slider_and_digit_change():
    at = run("sparse")
    weights = image_by_caption(at, "Input weights of the units")
    at.slider(key=sparse.SHOWN).set_value(400).run()
    no_errors(at)
    assert image_by_caption(at, "Input weights of the units") != weights
    parts = image_by_caption(at, "The decoder weights of the 16 most active")
    code = chart_data(at, "activation")
    at.number_input(key=state.MAIN.index).set_value(3).run()
    no_errors(at)
    assert image_by_caption(at, "The decoder weights of the 16 most active") != parts
    assert chart_data(at, "activation") != code


def log_axes(at: AppTest) -> list[dict]:
    axes = []
    for layout in chart_layouts(at):
        for name in ("xaxis", "yaxis"):
            axis = layout.get(name, {})
            if axis.get("type") == "log":
                axes.append(axis)
    return axes


@pytest.mark.parametrize("page", ["manifold", "pca", "sparse", "anomaly"])
def test_every_log_axis_labels_its_ticks_with_their_values(page):
    at = run(page)
    axes = log_axes(at)
    assert axes, "the page has a log axis"
    for axis in axes:
        values, labels = axis.get("tickvals"), axis.get("ticktext")
        assert values and labels and len(values) == len(labels), axis
        for value, text in zip(values, labels, strict=True):
            assert float(text.replace(",", "")) == pytest.approx(value), (text, value)  # "0.5" for 0.5, never "5"
