"""The live-drag latent sliders: a st.components.v2 component that runs the model's decoder in the browser
(app_pages/live_decoder.js) and reports the code to Python when a slider is released."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from aemodels.export import ExportError, export_decoder
from app_pages._widgets import YOURS, cached_model

HERE = Path(__file__).resolve().parent
STATIC = HERE.parent / "static" / "decoders"  # served at app/static/decoders/ (server.enableStaticServing)

CSS = """
.live { display: flex; gap: 1.5rem; align-items: flex-start; flex-wrap: wrap; font-family: var(--st-font); }
.figure { display: flex; flex-direction: column; align-items: center; gap: 0.3rem; }
.digit { width: 224px; height: 224px; image-rendering: pixelated; border-radius: 4px; background: black; }
.status { font-size: 0.8rem; opacity: 0.7; max-width: 224px; text-align: center; }
.sliders { flex: 1; min-width: 16rem; display: flex; flex-direction: column; gap: 0.15rem; }
.row { display: grid; grid-template-columns: 2.5rem 1fr 3rem; align-items: center; gap: 0.5rem; }
.row.extra { display: none; }
.live.all .row.extra { display: grid; }
.name, .value { font-size: 0.85rem; font-variant-numeric: tabular-nums; }
input[type=range] { width: 100%; accent-color: var(--st-primary-color); }
.more { margin-top: 0.4rem; align-self: flex-start; background: none; border: 1px solid var(--st-border-color);
        border-radius: var(--st-base-radius); padding: 0.2rem 0.6rem; cursor: pointer; color: inherit; }
"""

_component = st.components.v2.component("aemodels_live_decoder", js=(HERE / "live_decoder.js").read_text(), css=CSS)


@st.cache_resource(show_spinner="Preparing the in-browser decoder…")
def decoder_url(name: str) -> str | None:
    """Export the model's decoder once per process to static/decoders/ and return its URL stem (relative to the
    app's root), or None when it cannot be served (unsupported layers, a read-only install, or a user's own
    trained model, which would leave a file per training behind)."""
    if name.startswith(YOURS):
        return None
    try:
        manifest, buffer = export_decoder(cached_model(name))
        stem = f"{name}-{manifest['sha256'][:16]}"
        STATIC.mkdir(parents=True, exist_ok=True)
        if not (STATIC / f"{stem}.bin").exists():
            (STATIC / f"{stem}.bin.part").write_bytes(buffer)
            (STATIC / f"{stem}.bin.part").replace(STATIC / f"{stem}.bin")
        (STATIC / f"{stem}.json").write_text(json.dumps(manifest))
    except (ExportError, OSError):
        return None
    return f"app/static/decoders/{stem}"


def live_sliders(
    name: str,
    *,
    z: list[float],
    low: list[float],
    high: list[float],
    order: list[int],
    shown: int,
    help_texts: list[str],
    version: int,
    caption: str,
    key: str,
) -> list[float] | None:
    """Mount the live sliders starting at z. Returns the code last released by the user for this version,
    None if nothing was released yet, or raises nothing: if the decoder cannot be served it returns None and
    the caller shows server-side sliders (decoder_url(name) is None)."""
    url = decoder_url(name)
    data = {
        "name": name,
        "url": url,
        "z": z,
        "low": low,
        "high": high,
        "order": order,
        "shown": shown,
        "help": help_texts,
        "version": version,
        "caption": caption,
    }
    result = _component(key=key, data=data, on_z_change=lambda: None, height="content")
    state = result.get("z") if hasattr(result, "get") else getattr(result, "z", None)
    if isinstance(state, dict) and state.get("version") == version and len(state.get("values", [])) == len(z):
        return [float(v) for v in state["values"]]
    return None
