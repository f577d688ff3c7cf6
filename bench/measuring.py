"""What the benchmarks measure about processes: resident memory, CPU seconds, and percentiles of timings."""

from __future__ import annotations

import os
import time
from pathlib import Path


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(match) -> dict[int, float]:
    """User + system CPU seconds of every live process match(pid, command line) accepts, by pid."""
    seconds, tick = {}, os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if match(entry.name, command):
            seconds[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    return seconds


def process_cpu(*pids: int) -> float:
    """User + system CPU seconds so far of the given processes, summed (all their threads, ended ones included)."""
    wanted = set(pids)
    return sum(cpu_seconds(lambda p, _: int(p) in wanted).values())


def name_values(items: list[str]) -> dict[str, str]:
    """["NAME=VALUE", ...] (a repeated --env option) as a dict."""
    return dict(item.split("=", 1) for item in items)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def idle(pids: list[int], quiet: float = 0.05, limit: float = 120) -> None:
    """Wait until the servers use under `quiet` CPU seconds per second (the app's warm-up thread has finished)."""
    began = time.perf_counter()
    before = process_cpu(*pids)
    while time.perf_counter() - began < limit:
        time.sleep(1)
        now = process_cpu(*pids)
        if now - before < quiet:
            return
        before = now
