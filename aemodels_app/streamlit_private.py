"""Everything the app relies on in Streamlit beyond its public API, behind one door. Pinned at streamlit==1.67.0;
`tests/app/test_streamlit_private.py` checks each behaviour relied on, so an upgrade shows at once what moved (and
CONTRIBUTING's "Upgrading Streamlit" lists what else to look at: the JavaScript that leans on Streamlit's page, the
page-as-__main__ convention and the protocol driver of the benchmarks).

Python, here:
- the script-run context: the app's main script (where the in-browser decoders are written beside it), the widget
  states the browser sent with a run (a failover's first run keeps them), whether a run is a fragment's own;
- the query string's limits, past which Streamlit reads none of a link (`state.dropped_note`);
- the file name of Streamlit's Plotly chart module in its build (hashed per release), which the app preloads;
- `streamlit run` started from Python (the console script `aemodels-lab`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.state.common import user_key_from_element_id
from streamlit.runtime.state.query_params import (
    CLIENT_STATE_QUERY_STRING_MAX_FIELDS,
    CLIENT_STATE_QUERY_STRING_MAX_LENGTH,
)

QUERY_MAX_FIELDS: int = CLIENT_STATE_QUERY_STRING_MAX_FIELDS  # a link of more parameters is read not at all
QUERY_MAX_LENGTH: int = CLIENT_STATE_QUERY_STRING_MAX_LENGTH  # ... nor one of more characters
STATIC_JS = Path(st.__file__).parent / "static" / "static" / "js"  # Streamlit's frontend build


def main_script_path() -> Path | None:
    """The app's main script (app.py) in a script run; None outside one."""
    ctx = get_script_run_ctx()
    return Path(ctx.main_script_path) if ctx is not None else None


def widgets_the_browser_sent() -> set[str]:
    """The user keys of the widgets whose values the browser sent with this run (none outside a run)."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return set()
    keys = (user_key_from_element_id(w.id) for w in ctx.session_state.get_widget_states())
    return {key for key in keys if key}


def is_fragment_run() -> bool:
    """Whether this run is a fragment's own (st.fragment), which does not reach the router."""
    ctx = get_script_run_ctx()
    return ctx is not None and bool(ctx.fragment_ids_this_run)


@cache
def plotly_chunk() -> str:
    """The file name of Streamlit's Plotly chart module in its build (hashed per release), or "" if none is found."""
    found = sorted(STATIC_JS.glob("PlotlyChart.*.js"))
    return found[0].name if found else ""


def run_cli() -> int:
    """`streamlit` as its command line runs (sys.argv as it), from Python: streamlit.web.cli."""
    from streamlit.web import cli

    return int(cli.main() or 0)
