"""Run N replicas of the app behind nginx on this machine (the layout of deploy/nginx.conf.template).

  .venv/bin/python -m labtools.replicas --replicas 2 --port 8080     # Ctrl-C stops everything

Each replica is `streamlit run app.py` on its own loopback port with one shared cookie secret; nginx balances
browsers across them with affinity and skips a replica that is down.
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from labtools.appserver import ROOT, free_port, serve_app, wait_healthy

TEMPLATE = ROOT / "deploy" / "nginx.conf.template"


def render(listen: str, ports: list[int], prefix: Path) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in ports)
    return (
        TEMPLATE.read_text()
        .replace("${LISTEN}", listen)
        .replace("${SERVERS}", servers)
        .replace("${PREFIX}", str(prefix))
    )


@contextlib.contextmanager
def replicas_behind_nginx(n: int = 2, *, port: int | None = None, workdir: Path | None = None):
    """Yield (nginx url, {port: replica process}); stops nginx and every replica afterwards."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise RuntimeError("nginx is not installed: apt-get install nginx")
    workdir = Path(workdir or tempfile.mkdtemp(prefix="aemodels-nginx-"))
    workdir.mkdir(parents=True, exist_ok=True)
    # nginx's workers run as an unprivileged user and keep request bodies over 16 kB (any photo upload) in
    # PREFIX/body: they must be able to enter the folder (mkdtemp makes it 0700, so every upload failed with 500).
    workdir.chmod(0o755)
    shared = {"STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    with contextlib.ExitStack() as stack:
        processes = {}
        for _ in range(n):
            p = free_port()
            _, process, _ = stack.enter_context(serve_app(log=workdir / f"replica-{p}.log", port=p, env=shared))
            processes[p] = process
        front = port or free_port()
        conf = workdir / "nginx.conf"
        conf.write_text(render(f"127.0.0.1:{front}", list(processes), workdir))
        nginx_out = stack.enter_context(open(workdir / "nginx.out", "w"))
        proxy = subprocess.Popen(
            [nginx, "-c", str(conf), "-p", str(workdir), "-g", "daemon off;"],
            stdout=nginx_out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_healthy(f"http://127.0.0.1:{front}", proxy, workdir / "nginx.out", timeout=30)
            yield f"http://127.0.0.1:{front}", processes
        finally:
            proxy.terminate()
            proxy.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    with replicas_behind_nginx(args.replicas, port=args.port) as (url, processes):
        print(f"{len(processes)} replicas on ports {sorted(processes)} behind nginx at {url} (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


if __name__ == "__main__":
    main()
