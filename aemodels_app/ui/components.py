"""The app's JavaScript components (st.components.v2), each made of its files in aemodels_app/components/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

FILES = Path(__file__).resolve().parent.parent / "components"


def _component(name: str, *, css: bool = True) -> Any:
    return st.components.v2.component(
        f"aemodels_{name}",
        js=(FILES / f"{name}.js").read_text(),
        css=(FILES / f"{name}.css").read_text() if css else None,
    )


gallery = _component("gallery")
preload = _component("preload", css=False)
link = _component("link")
scatter = _component("scatter")
upload_guard = _component("upload_guard", css=False)
history = _component("history", css=False)
live_decoder = _component("live_decoder")


def app_css() -> str:
    """The app's own style sheet (components/app.css), for one st.html at the top of every run."""
    return (FILES / "app.css").read_text()


def trigger(key: str, name: str) -> Any:
    """The trigger value `name` a components.v2 component mounted under `key` sent with this run, or None."""
    result = st.session_state.get(key)
    value = getattr(result, name, None)
    if value is None and isinstance(result, dict):
        value = result.get(name)
    return value
