"""The app in a real browser: every page renders with no error element, and the chart module is loaded while a
page without charts is idle. Each page's browser-only interactions have files of their own (test_latent_browser,
test_explorer_browser, test_digit_input_browser, ...)."""

import pytest
from playwright.sync_api import Page, expect

from labtools.browser import errors_on, open_page
from labtools.screenshots import PAGES

pytestmark = pytest.mark.browser  # drives Chromium against a served app


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_without_error(page: Page, app_url, screenshots, name):
    open_page(page, app_url, PAGES[name])
    expect(page.locator("h1").first).to_be_visible()
    assert errors_on(page) == []
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


def test_the_chart_module_loads_while_a_page_without_charts_is_idle(page: Page, app_url):
    """components/preload.js: on the Start page (no chart), the browser fetches and runs Streamlit's Plotly module
    once idle, so the first chart page does not wait for it; then opening a chart page fetches it no more."""
    open_page(page, app_url, "")
    assert page.locator(".js-plotly-plot").count() == 0
    page.wait_for_function("() => window.__aemodelsPreloaded && window.__aemodelsPreloaded.startsWith('PlotlyChart.')")
    page.wait_for_function(
        "() => performance.getEntriesByType('resource').some(e => e.name.includes('/static/js/PlotlyChart.'))",
        timeout=15_000,
    )
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Anomaly detection").first.click()
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=60_000)
    fetched = page.evaluate(
        "() => performance.getEntriesByType('resource').filter(e => e.name.includes('/static/js/PlotlyChart.')).length"
    )
    assert fetched == 1
