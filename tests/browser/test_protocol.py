"""The protocol load driver (labtools/protocol.py, bench/protocol_load.py) works against today's pages: two users for
10 s, every kind of step done and checked (the digit's caption, the slider's picture, the prepared upload), no
error. Its figures are the benchmark's business; this keeps its step script in sync with the pages."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import run_bench

from labtools.protocol import Client, StepError, first_page
from labtools.protocol import step as protocol_step

pytestmark = pytest.mark.browser  # drives Chromium against a served app


@pytest.mark.slow
def test_two_protocol_users_for_10_seconds_make_no_errors(tmp_path):
    options = ["--users", "2", "--seconds", "10", "--ramp", "1", "--every", "1", "--linger", "0"]
    (row,), _ = run_bench("bench/protocol_load.py", *options, report=tmp_path / "protocol.json", timeout=300)
    assert row["errors"] == []
    assert set(row["p95_by_step_s"]) == {"digit", "slider", "switch", "upload", "back"}, row
    assert row["steps"] >= 10


def test_the_driver_reports_what_a_page_lacks(app_url):
    """The driver fails loudly, so the test above can fail: a widget or page that is not there is an error."""

    async def go() -> None:
        client = Client(app_url)
        try:
            await first_page(client)
            with pytest.raises(StepError, match="no widget 'digit_upload'"):
                await client.upload("digit_upload", "x.jpg", b"x", "image/jpeg")  # not drawn: Test digit is chosen
            with pytest.raises(StepError, match="no page"):
                await client.switch("no-such-page")
            with pytest.raises(StepError, match="no server slider"):  # the slider step needs the latent page
                await client.switch("denoise")
                await protocol_step(client, "slider", 0)
        finally:
            await client.close()

    # Its own thread: the browser tests before it leave Playwright's event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, go()).result(timeout=120)
