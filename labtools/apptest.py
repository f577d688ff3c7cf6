"""Opening the whole app (router, sidebar digit, URL state) on one page through Streamlit's AppTest: for the
AppTest tests and the server-side benchmarks."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from aemodels_app import pages
from labtools.appserver import ROOT


def open_app(page: str, *, timeout: float = 120, query: dict[str, str] | None = None) -> AppTest:
    """Run app.py opened on the page PAGE (aemodels_app/pages/PAGE.py), as a browser opening /PAGE?QUERY would."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.query_params.update(query or {})
    at.switch_page(pages.get(page).path)
    return at.run()
