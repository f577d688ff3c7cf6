"""The load benchmark works against today's app: two sessions for half a minute, every kind of step done, no
error. Its figures are the benchmark's business (bench/load.py, README); this keeps its page steps from rotting."""

import json
import subprocess
import sys

from conftest import ROOT


def test_load_benchmark_runs_clean(browser_type_launch_args, tmp_path):  # the fixture fails or skips without Chromium
    report = tmp_path / "load.json"
    result = subprocess.run(
        [
            sys.executable,
            "bench/load.py",
            "--sessions",
            "2",
            "--minutes",
            "0.5",
            "--ramp",
            "1",
            "--linger",
            "0",
            "--json",
            str(report),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    figures = json.loads(report.read_text())
    assert figures["errors"] == [], figures["errors"]
    assert {"first page", "digit", "slider", "upload"} <= set(figures["latency_s"]), result.stdout
    assert all(mb > 0 for _, mb in figures["rss_mb"])
