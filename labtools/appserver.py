"""Start `streamlit run app.py` on a free loopback port and stop it again: for the browser tests, the
benchmarks and the screenshot script. Also where the browser is found (Debian's Chromium, never a download)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("AEMODELS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    """Debian's Chromium if installed (apt-get install chromium), else None."""
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen, log: Path | None, timeout: float = 90) -> float:
    """Seconds until GET /_stcore/health answers "ok"; raises with the server's log if it dies or never does."""
    began = time.perf_counter()
    while time.perf_counter() - began < timeout:
        if server.poll() is not None:
            tail = log.read_text()[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"{server.args!r} exited with code {server.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200 and response.read().strip() == b"ok":
                    return time.perf_counter() - began
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"streamlit did not become healthy at {url} within {timeout:.0f} s")


@contextlib.contextmanager
def serve_app(
    *,
    log: Path | None = None,
    port: int | None = None,
    extra_args: list[str] | None = None,
    env: dict[str, str] | None = None,
    root: Path = ROOT,
    script: str = "app.py",
) -> Iterator[tuple[str, subprocess.Popen[bytes], float]]:
    """Yield (url, server process, seconds to healthy) of a running app; always stops it. `root` is the checkout
    whose `script` runs (another one, such as an older commit's worktree, for a before/after measurement; the
    benchmarks' floor app, bench/floor_app.py, for what Streamlit itself costs)."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    with contextlib.ExitStack() as files:
        if log:
            log.parent.mkdir(parents=True, exist_ok=True)  # test-artifacts/ is not in a fresh checkout
        out = files.enter_context(open(log, "w")) if log else subprocess.DEVNULL
        yield from _serve(url, port, out, log, extra_args, env, root, script)


def _serve(
    url: str,
    port: int,
    out: IO[str] | int,
    log: Path | None,
    extra_args: list[str] | None,
    env: dict[str, str] | None,
    root: Path,
    script: str,
) -> Iterator[tuple[str, subprocess.Popen[bytes], float]]:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            script,
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            *(extra_args or []),
        ],
        cwd=root,
        stdout=out,
        stderr=subprocess.STDOUT,
        env=os.environ | {"PYTHONUNBUFFERED": "1", "MALLOC_ARENA_MAX": "2"} | (env or {}),
    )
    try:
        seconds = wait_healthy(url, server, log)
        yield url, server, seconds
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
