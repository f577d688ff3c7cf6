"""Two replicas behind nginx on loopback (deploy/nginx.conf.template): sessions are served through it, each
browser sticks to one replica, and when a replica stops, new sessions are still served by the other."""

import os
import shutil

import pytest
from playwright.sync_api import Browser, Page, expect

from labtools.browser import digit_index_box, errors_on, settle
from labtools.replicas import replicas_behind_nginx
from labtools.testing import skip_or_fail

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # several server processes, for half a minute or more


@pytest.fixture(scope="module")
def nginx_installed():
    if shutil.which("nginx") or os.path.exists("/usr/sbin/nginx"):
        return
    skip_or_fail("nginx is not installed, so the replica test cannot run: apt-get install nginx")


def open_session(browser: Browser, url: str, digit: int = 5) -> tuple[Page, set[str]]:
    """A new browser (own cookies) opens the app through nginx and changes the digit; returns its page and the
    replicas that served its media files (where its session lives)."""
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    replicas: set[str] = set()
    # $upstream_addr lists every replica nginx tried ("dead, alive" after a failover): the last one answered.
    page.on(
        "response",
        lambda r: (
            replicas.add(r.headers.get("x-aemodels-replica", "?").split(",")[-1].strip())
            if "/media/" in r.url or "/_stcore/" in r.url
            else None
        ),
    )
    page.goto(url)
    settle(page)
    box = digit_index_box(page)
    box.fill(str(digit))
    box.press("Enter")
    settle(page)
    assert page.locator('[data-testid="stImageCaption"]').filter(has_text=f"test digit #{digit} ").count() > 0
    assert f"digit={digit}" in page.url  # the view is in the URL
    assert errors_on(page) == []
    return page, replicas


def test_sessions_survive_losing_a_replica(nginx_installed, browser: Browser, tmp_path):
    with replicas_behind_nginx(2, workdir=tmp_path) as (url, processes):
        sessions = [open_session(browser, url, digit) for digit in (5, 6, 7)]
        for _, replicas in sessions:
            assert len(replicas) == 1, f"one session's requests reached several replicas: {replicas}"
        used = {next(iter(r)) for _, r in sessions}
        victim_port = int(next(iter(used)).rsplit(":", 1)[1])
        stranded = [page for page, replicas in sessions if replicas == {f"127.0.0.1:{victim_port}"}]
        processes[victim_port].terminate()
        processes[victim_port].wait(timeout=15)
        survivor = f"127.0.0.1:{next(p for p in processes if p != victim_port)}"
        for _ in range(3):
            page, replicas = open_session(browser, url)
            assert replicas == {survivor}
            page.context.close()
        # A browser whose replica died reloads: the survivor starts a new session and the URL restores its view.
        assert stranded
        for page in stranded:
            digit = int(page.url.split("digit=")[1].split("&")[0])
            response = page.reload()
            settle(page)
            assert response is not None
            assert response.headers.get("x-aemodels-replica", "").split(",")[-1].strip() == survivor
            restored = page.locator('[data-testid="stImageCaption"]').filter(has_text=f"test digit #{digit} ")
            expect(restored.first).to_be_visible()
            assert errors_on(page) == []
        for page, _ in sessions:
            page.context.close()
        log = (tmp_path / "access.log").read_text()
        assert log.count("GET ") > 0


def test_the_first_change_after_a_failover_is_kept(nginx_installed, browser: Browser, tmp_path):
    """Issue 27.4b: when a browser's replica dies, it reconnects to the other, where its session is new; the new
    session's first run is the user's next change, and it restored the URL's digit over the one just typed (42 -> 43
    + Enter left the box and the URL at 42, every time). The browser's widgets now keep their values on that run."""
    with replicas_behind_nginx(2, workdir=tmp_path) as (url, processes):
        page, replicas = open_session(browser, url, 42)
        victim = int(next(iter(replicas)).rsplit(":", 1)[1])
        processes[victim].terminate()
        processes[victim].wait(timeout=15)
        box = digit_index_box(page)
        box.fill("43")
        box.press("Enter")
        settle(page)
        shown = page.locator('[data-testid="stImageCaption"]').filter(has_text="test digit #43 ")
        expect(shown.first).to_be_visible(timeout=60_000)
        page.wait_for_function("new URLSearchParams(location.search).get('digit') === '43'", timeout=30_000)
        assert box.input_value() == "43"
        box.fill("44")  # and the session on the survivor goes on as any other
        box.press("Enter")
        settle(page)
        page.wait_for_function("new URLSearchParams(location.search).get('digit') === '44'", timeout=30_000)
        assert errors_on(page) == []
        page.context.close()
