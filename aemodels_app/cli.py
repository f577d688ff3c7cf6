"""`aemodels-lab`: serve the app installed with the package, with the server's settings (serving.CONFIG).

Streamlit's usual flags pass through and win over ours: `aemodels-lab --server.port 8502 --server.address 0.0.0.0`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from aemodels_app.serving import CONFIG, ENVIRONMENT

APP = Path(__file__).resolve().parent / "app.py"


def flag(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def command(args: list[str]) -> list[str]:
    """`streamlit run` of the packaged app with the server's settings, then the user's flags (the last one wins)."""
    given = {arg.split("=", 1)[0].removeprefix("--") for arg in args if arg.startswith("--")}
    ours = [f"--{name}={flag(value)}" for name, value in CONFIG.items() if name not in given]
    return ["streamlit", "run", str(APP), *ours, *args]


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if any(name not in os.environ for name in ENVIRONMENT):  # read by glibc and OpenMP at start-up: start afresh
        os.environ.update({k: v for k, v in ENVIRONMENT.items() if k not in os.environ})
        os.execv(sys.executable, [sys.executable, "-m", "aemodels_app.cli", *args])
    from aemodels_app.streamlit_private import run_cli

    print(f"aemodels: serving {APP} (Ctrl+C stops the server).", flush=True)
    sys.argv = command(args)
    sys.exit(run_cli())


if __name__ == "__main__":
    main()
