"""Each behaviour of Streamlit the app relies on beyond its public API (aemodels_app.streamlit_private), checked
against the installed Streamlit: after an upgrade, what fails here is what moved (CONTRIBUTING, "Upgrading
Streamlit")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import streamlit
from streamlit.testing.v1 import AppTest

from aemodels_app import streamlit_private


def test_the_pinned_streamlit_is_the_one_installed():
    assert streamlit.__version__ == "1.67.0"  # requirements.txt and pyproject pin it; upgrade here with the rest


def recorder() -> None:
    """A tiny app: records what streamlit_private says in a full run and in a fragment's own run."""
    import streamlit as st

    from aemodels_app import streamlit_private as private

    st.session_state["sent"] = sorted(private.widgets_the_browser_sent())  # at the top, as state.begin_run asks
    st.number_input("n", 0, 9, key="n")
    st.session_state["main"] = str(private.main_script_path())
    st.session_state["full_run_is_fragment"] = private.is_fragment_run()

    @st.fragment
    def part() -> None:
        st.session_state["fragment"] = private.is_fragment_run()

    part()


def test_the_script_run_context_gives_the_main_script_and_the_widgets_sent():
    at = AppTest.from_function(recorder).run()
    assert at.session_state["sent"] == [] and Path(at.session_state["main"]).is_file()  # the script AppTest wrote
    at.number_input(key="n").set_value(3).run()
    assert "n" in at.session_state["sent"]  # the browser sent the box's value with this run
    assert at.session_state["full_run_is_fragment"] is False and at.session_state["fragment"] is False
    # A fragment's own run: AppTest reruns the whole script on a fragment's button, so a browser test checks it
    # (tests/browser/test_state_browser.py: the link follows a fragment's settings, written by its own run).


def test_a_link_past_the_query_limits_is_read_not_at_all():
    """state.dropped_note and components/history.js count on this: past the limit, Streamlit reads nothing."""

    def app() -> None:
        import streamlit as st

        st.session_state["read"] = len(st.query_params)

    limit = streamlit_private.QUERY_MAX_FIELDS
    at = AppTest.from_function(app)
    at.query_params.update({f"p{i}": "1" for i in range(limit)})
    assert at.run().session_state["read"] == limit
    at = AppTest.from_function(app)
    at.query_params.update({f"p{i}": "1" for i in range(limit + 1)})
    assert at.run().session_state["read"] == 0
    assert streamlit_private.QUERY_MAX_LENGTH == 512 * 1024


def test_the_plotly_chunk_is_in_streamlits_build():
    name = streamlit_private.plotly_chunk()
    assert name.startswith("PlotlyChart.") and (streamlit_private.STATIC_JS / name).is_file()
    assert any(streamlit_private.STATIC_JS.parent.parent.glob("index.html"))


def test_streamlit_runs_from_python():
    code = (
        "import sys; from aemodels_app.streamlit_private import run_cli; sys.argv = ['streamlit', 'version']; run_cli()"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "1.67.0" in done.stdout, done.stderr[-500:]
