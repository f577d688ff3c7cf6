"""The router: the page registry handed to st.navigation, the app's digit in the sidebar (shared by every page),
and the view in the URL. `app.py` (and the packaged `aemodels_app/app.py`) call `main()` on every run."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from aemodels_app import state
from aemodels_app.page import SECTIONS
from aemodels_app.pages import registry
from aemodels_app.serving import process_settings, settle_after_first_run, warm_up
from aemodels_app.ui import lesson
from aemodels_app.ui.components import app_css
from aemodels_app.ui.digits import digit_picker
from aemodels_app.ui.figures import preload_charts
from aemodels_app.ui.sidebar import glossary, link_to_view, one_history_entry_per_view

ICON = Path(__file__).resolve().parent / "components" / "icon.png"


def navigation() -> tuple[dict[str, list[StreamlitPage]], dict[str, StreamlitPage]]:
    """The sidebar's sections with their pages' st.Page (the URL path is the page's name), and name -> st.Page."""
    made = {
        p.name: st.Page(p.path, title=p.title, icon=p.icon, url_path=p.name, default=p.default)
        for p in registry().values()
    }
    sections: dict[str, list[StreamlitPage]] = {section: [] for section in SECTIONS}
    for p in registry().values():
        sections[p.section].append(made[p.name])
    return {section: pages for section, pages in sections.items() if pages}, made


def main() -> None:
    process_settings()
    st.set_page_config(page_title="aemodels: autoencoder lab", page_icon=str(ICON), layout="wide")
    st.html(f"<style>{app_css()}</style>")
    sections, made = navigation()
    current = st.navigation(sections)
    page = registry()[next(name for name, candidate in made.items() if candidate is current)]
    state.begin_run(page.name)
    lesson.begin_run(page.name)  # a lesson step's view may be on another page: switches there before any widget
    with st.sidebar:
        st.header("Your digit")
        if not page.uses_digit:
            st.caption("This page does not use the digit; every other page does.")
        digit_picker("main")
    lesson.panel(page.name)  # the lesson's step, above the page
    notes = st.empty()  # filled after the page: a page can add a note about a link value only it can check
    current.run()
    preparing = warm_up()  # once per process, after the first page: fills the pages' caches off this thread
    state.show_notes(page.name, notes)
    state.sync_url(page.name)
    with st.sidebar:
        lesson.sidebar(page.name)
        with st.popover("Link to this view", icon=":material/link:", width="stretch"):
            st.caption("This page with its digit and settings.")
            link_to_view()
        glossary()
        preload_charts()  # the charts' JavaScript, while the browser is idle: the first chart opened is drawn sooner
        one_history_entry_per_view()
        if not preparing.finished:  # what the background warm-up is preparing (the theory pages' data), once
            st.caption(
                f"Preparing the theory pages in the background ({preparing.done} of {len(preparing.tasks)}): "
                f"{preparing.current}…"
            )
    settle_after_first_run(page.name)
