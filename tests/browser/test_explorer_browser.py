"""The Latent explorer's maps in a real browser: a click on a dot shows its digit, a click on an empty spot decodes
it, the legend hides a class and the view zooms."""

import pytest
from playwright.sync_api import Page, expect

from labtools.browser import (
    MAPS,
    click_map,
    errors_on,
    image_src,
    map_position,
    open_page,
    settle,
)

pytestmark = pytest.mark.browser  # drives Chromium against a served app


def test_click_a_dot_of_the_map_shows_its_digit(page: Page, app_url, screenshots):
    open_page(page, app_url, "explorer")
    click_map(page, 0, index=40)
    settle(page)
    caption = page.locator('[data-testid="stImageCaption"]').filter(has_text="Test digit #40").first
    expect(caption).to_be_visible(timeout=60_000)
    assert errors_on(page) == []
    assert "selected=40" in page.url
    # The click is marked in both maps, by the maps themselves: neither rebuilds its dots (the page's answer brings
    # the same points; only the mark is drawn again), and both stay the same elements.
    maps = page.locator(MAPS)
    assert maps.count() == 2
    assert [maps.nth(i).get_attribute("data-builds") for i in range(2)] == ["1", "1"]
    assert [maps.nth(i).evaluate("el => el.__scatter.marked") for i in range(2)] == [40, 40]
    page.screenshot(path=str(screenshots / "explorer-clicked.png"), full_page=True)


def test_click_an_empty_spot_of_the_plane_decodes_it(page: Page, app_url, screenshots):
    open_page(page, app_url, "explorer")
    click_map(page, 0, corner=True)
    settle(page)
    heading = page.locator("h2").filter(has_text="The decoder of ae2 at z = (").first
    expect(heading).to_be_visible(timeout=60_000)
    expect(page.get_by_text("this is a hole").first).to_be_visible()
    image_src(page, "D(z) at (")
    assert errors_on(page) == []
    page.screenshot(path=str(screenshots / "explorer-hole.png"), full_page=True)


def test_the_maps_legend_hides_a_class_and_the_view_zooms(page: Page, app_url):
    open_page(page, app_url, "explorer")
    chart = page.locator(MAPS).first
    chart.get_by_role("button", name="1", exact=True).click()
    assert chart.get_by_role("button", name="1", exact=True).get_attribute("aria-pressed") == "false"
    one = chart.evaluate("el => el.__scatter.data.labels.indexOf(1)")  # a 1 among the sample digits
    page.mouse.click(*map_position(page, 0, index=one))  # a hidden dot cannot be clicked (the plane's spot is)
    settle(page)
    assert chart.evaluate("el => el.__scatter.marked") != one and f"selected={one}" not in page.url
    before = chart.evaluate("el => el.__scatter.frame.range")
    chart.get_by_role("button", name="Zoom in").click()
    after = chart.evaluate("el => el.__scatter.frame.range")
    assert after[1] - after[0] < before[1] - before[0]
    chart.get_by_role("button", name="Reset the view").click()
    assert chart.evaluate("el => el.__scatter.frame.range") == before
    assert errors_on(page) == []
