"""Each setting is declared once (issue 34.1): a field's widget declaration (aemodels_app.page: Slider, WholeNumber,
Choice) gives the drawn widget (ui.widgets.draw), the link's parser and its writer; the trainer's own limits come from
one table the Train page draws its sliders from. Before, the copies written by hand disagreed."""

from __future__ import annotations

import ast
import importlib
import math
from pathlib import Path

import pytest

from aemodels.playground import LIMITS, TrainSpec
from aemodels_app import caches, state
from aemodels_app.page import Choice, Invalid, Slider, WholeNumber, setting
from aemodels_app.pages import registry
from aemodels_app.pages import train as train_page

WIDGET_CALLS = {"slider", "number_input", "radio", "segmented_control", "select_slider", "selectbox"}


def declared() -> list:
    return [f for f in state.all_fields() if f.widget is not None]


def test_most_settings_declare_their_widget():
    assert len(declared()) >= 25


@pytest.mark.parametrize("field", declared(), ids=lambda f: f.param + "@" + f.key)
def test_a_declared_field_reads_back_what_its_widget_can_hold_and_nothing_else(field):
    widget, default = field.widget, field.default()
    assert field.parse(field.dump(default), {}) == default
    if isinstance(widget, Slider):
        assert widget.on_grid(default) and widget.low <= default <= widget.high
        for value in (widget.low, widget.high):
            assert field.parse(field.dump(value), {}) == value
        off = widget.low + widget.step / 2
        with pytest.raises(Invalid):
            field.parse(field.dump(off), {})
        with pytest.raises(Invalid):
            field.parse(field.dump(widget.high + widget.step), {})
    elif isinstance(widget, WholeNumber):
        assert field.parse(str(widget.high), {}) == widget.high
        with pytest.raises(Invalid):
            field.parse(str(widget.high + 1), {})
    else:
        assert isinstance(widget, Choice)
        for option in widget.options:
            assert field.parse(field.dump(option), {}) == option
        with pytest.raises(Invalid):
            field.parse("not-an-option", {})


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_the_train_pages_sliders_are_the_trainers_own_limits(name):
    """σ was 0.05–1.0 on the page and 0.01–1.0 in TrainSpec; ρ 0.01–0.3 vs 0.001–0.5; λ 0–10 vs 0–100; β 0–4 vs
    0–100."""
    limit = LIMITS[name]
    fields = {"noise_std": "sigma", "sparsity_target": "rho", "sparsity_weight": "lambda", "beta": "beta"}
    (field,) = [f for f in train_page.PAGE.fields if f.param == fields[name]]
    assert (field.widget.low, field.widget.high, field.widget.step) == (limit.low, limit.high, limit.step)
    below = limit.low - limit.step if limit.low > 0 else -limit.step
    assert TrainSpec(**{name: limit.low}).problems() == [] and TrainSpec(**{name: limit.high}).problems() == []
    assert TrainSpec(**{name: below}).problems() and TrainSpec(**{name: limit.high + limit.step}).problems()


def test_the_anomaly_pages_item_is_bounded_by_its_own_set():
    anomaly = importlib.import_module("aemodels_app.pages.anomaly")
    assert anomaly.ITEM_FIELD.widget.high == caches.COUNT - 1  # the Fashion-MNIST items, not the digits' sample


def widget_calls_by_key(path: Path) -> list[tuple[str, str]]:
    """(widget, key constant) of every direct Streamlit widget call in a page that passes key=NAME."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WIDGET_CALLS:
            for keyword in node.keywords:
                if keyword.arg == "key" and isinstance(keyword.value, ast.Name):
                    found.append((node.func.attr, keyword.value.id))
    return found


def test_no_page_draws_a_declared_setting_by_hand():
    """A field that declares its widget is drawn by ui.widgets.draw, never by a second, hand-written call."""
    with_widget = {f.key for f in declared()}
    drawn_by_hand = []
    for name, page in registry().items():
        module = importlib.import_module(f"aemodels_app.pages.{name}")
        for widget, constant in widget_calls_by_key(Path(page.path)):
            if getattr(module, constant, None) in with_widget:
                drawn_by_hand.append(f"{name}: st.{widget}(key={constant})")
    assert drawn_by_hand == []


def test_a_slider_refuses_a_default_off_its_steps():

    with pytest.raises(ValueError):
        setting("k", "units", 100, Slider("Units shown", 16, 400, 16))  # the Sparse page's old default
    assert math.isclose(Slider("t", 0.1, 1.5, 0.05).parse("0.35", {}), 0.35)
