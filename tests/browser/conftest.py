"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium, never a downloaded browser) against
`streamlit run app.py` started on a free loopback port for the session (one per test process)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from labtools.appserver import CHROMIUM_ARGS, ROOT, chromium_path, serve_app
from labtools.testing import skip_or_fail

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if path is None:
        message = (
            "Chromium is not installed, so the browser tests cannot run. Install Debian's package: "
            "`apt-get install chromium` (the tests never download a browser)."
        )
        skip_or_fail(message)
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


@pytest.fixture(scope="session")
def app_url():
    ARTIFACTS.mkdir(exist_ok=True)
    # One server per test process: under pytest-xdist each worker names its own log.
    log = ARTIFACTS / f"streamlit-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log"
    with serve_app(log=log) as (url, _, _):
        yield url


@pytest.fixture(scope="session")
def screenshots() -> Path:
    path = ARTIFACTS / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_bench(script: str, *options: str, report: Path, timeout: float) -> tuple[object, str]:
    """Run a benchmark of bench/ with `options` and `--json report`; (its JSON figures, its printed output). A run
    that fails is a failed test, with the end of its output."""
    result = subprocess.run(
        [sys.executable, script, *options, "--json", str(report)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(report.read_text()), result.stdout
