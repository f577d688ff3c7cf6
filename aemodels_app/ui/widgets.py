"""The widget a field declares (aemodels_app.page: Slider, WholeNumber, Choice), drawn: the one place a declared
widget becomes a Streamlit call, so the drawn bounds, steps and options are the ones the link's parser checks."""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from aemodels_app.page import Choice, Field, Slider, WholeNumber


def draw(field: Field, where: DeltaGenerator | None = None, **changes: Any) -> Any:
    """Draw the field's widget under its key and return its value. `changes` may narrow the declaration for this
    drawing (a model's own number of units as the slider's top, the options the page has now) by its attributes'
    names; any other keyword goes to Streamlit (on_change, width, ...)."""
    widget = field.widget
    if widget is None:
        raise ValueError(f"the field {field.param!r} declares no widget")
    names = {f.name for f in dataclasses.fields(widget)}
    widget = dataclasses.replace(widget, **{k: v for k, v in changes.items() if k in names})
    extra = {k: v for k, v in changes.items() if k not in names}
    target: Any = st if where is None else where  # the module draws where the page is drawing
    if isinstance(widget, Slider):
        return target.slider(
            widget.label, widget.low, widget.high, step=widget.step, key=field.key, help=widget.help, **extra
        )
    if isinstance(widget, WholeNumber):
        return target.number_input(widget.label, widget.low, widget.high, key=field.key, help=widget.help, **extra)
    if isinstance(widget, Choice):
        options = list(widget.options)
        common = {"key": field.key, "format_func": widget.name, "help": widget.help, **extra}
        if widget.kind == "radio":
            return target.radio(widget.label, options, horizontal=True, **common)
        if widget.kind == "segmented":
            return target.segmented_control(widget.label, options, required=True, **common)
        if widget.kind == "select_slider":
            return target.select_slider(widget.label, options, **common)
        return target.selectbox(widget.label, options, **common)
    raise TypeError(f"unknown widget {type(widget).__name__}")
