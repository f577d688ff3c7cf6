"""The load benchmark works against today's app: two sessions for 18 s, every kind of step done, no
error. Its figures are the benchmark's business (bench/load.py, README); this keeps its page steps from rotting."""

import pytest
from conftest import run_bench

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # several server processes, for half a minute or more


def test_load_benchmark_runs_clean(browser_type_launch_args, tmp_path):  # the fixture fails or skips without Chromium
    options = ["--sessions", "2", "--minutes", "0.3", "--ramp", "1", "--linger", "0"]
    figures, printed = run_bench("bench/load.py", *options, report=tmp_path / "load.json", timeout=600)
    assert figures["errors"] == [], figures["errors"]
    assert {"first page", "digit", "slider", "upload"} <= set(figures["latency_s"]), printed
    assert all(mb > 0 for _, mb in figures["rss_mb"])
