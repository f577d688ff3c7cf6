"""The live-drag latent sliders: a st.components.v2 component that runs the model's decoder in the browser
(components/live_decoder.js) and reports the code to Python when a slider is released."""

from __future__ import annotations

import json
import os
from pathlib import Path

import streamlit as st

from aemodels.export import ExportError, export_decoder
from aemodels_app.streamlit_private import main_script_path
from aemodels_app.ui import components
from aemodels_app.ui.models import YOURS, cached_model

STATIC: Path | None = None  # where the decoders are written; None: static/decoders/ beside the main script


def static_folder() -> Path:
    """static/decoders/ beside the app's main script, which Streamlit serves at app/static/ (enableStaticServing)."""
    if STATIC is not None:
        return STATIC
    main = main_script_path() or Path.cwd() / "app.py"
    return main.resolve().parent / "static" / "decoders"


def write_whole(path: Path, data: bytes) -> None:
    """Write a file that is never seen half-written, also by another server process (replicas on one machine, or
    parallel tests, share the folder): a temporary file of this process's own, then one rename."""
    part = path.with_name(f"{path.name}.{os.getpid()}.part")
    part.write_bytes(data)
    part.replace(path)


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
        folder = static_folder()
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / f"{stem}.bin").exists():
            write_whole(folder / f"{stem}.bin", buffer)
        write_whole(folder / f"{stem}.json", json.dumps(manifest).encode())
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
    result = components.live_decoder(key=key, data=data, on_z_change=lambda: None, height="content")
    state = result.get("z") if hasattr(result, "get") else getattr(result, "z", None)
    if isinstance(state, dict) and state.get("version") == version and len(state.get("values", [])) == len(z):
        return [float(v) for v in state["values"]]
    return None
