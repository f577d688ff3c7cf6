"""The package as a user installs it (`pip install .`): the wheel holds the library with its weights and the app,
nothing else; from a fresh venv outside the checkout every listed model loads and reconstructs, and `aemodels-lab`
serves the app.
Also: requirements.txt pins what pyproject.toml pins, and the console script's settings are .streamlit's."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

from aemodels_app.cli import command
from aemodels_app.serving import CONFIG
from labtools.appserver import free_port, wait_healthy
from labtools.protocol import Client, first_page

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def requirement_lines() -> set[str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_requirements_pin_what_pyproject_pins():
    project = PYPROJECT["project"]
    assert requirement_lines() == set(project["dependencies"])


def test_the_console_script_serves_with_the_settings_of_streamlit_config():
    flat = {
        f"{section}.{key}": value
        for section, table in tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text()).items()
        for key, value in table.items()
    }
    assert flat == CONFIG


def test_the_users_flags_win_over_the_servers():
    args = command(["--server.port", "8600", "--server.fileWatcherType=auto"])
    assert args[:2] == ["streamlit", "run"] and args[2].endswith("aemodels_app/app.py")
    assert "--server.fileWatcherType=none" not in args and args[-3:] == [
        "--server.port",
        "8600",
        "--server.fileWatcherType=auto",
    ]
    assert "--server.maxUploadSize=10" in args


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = out.glob("aemodels-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A new venv with the wheel installed (not editable). Its dependencies come from the test's own environment
    through a path entry, which adds its packages but runs none of its .pth files (so not the checkout's editable
    install): the package itself can only come from the wheel."""
    where = tmp_path_factory.mktemp("venv")
    venv.create(where, with_pip=True)
    python = where / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = subprocess.run(
        [sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "dependencies.pth").write_text(ours + "\n")
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], check=True, timeout=300)
    return python


@pytest.mark.slow
def test_the_wheel_holds_the_library_with_its_weights_and_the_app_only(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.startswith("aemodels-")}
    assert tops == {"aemodels", "aemodels_app"}, tops
    assert "aemodels/pretrained/vae16.safetensors" in names and "aemodels/pretrained/vae16.json" in names
    assert "aemodels/pretrained/mnist_test_2000.npz" in names
    assert "aemodels_app/components/live_decoder.js" in names and "aemodels_app/components/app.css" in names
    assert "aemodels_app/app.py" in names
    assert "aemodels_app/lessons/manifold.toml" in names and "aemodels_app/lessons/pca_to_vae.toml" in names
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    assert "aemodels-lab = aemodels_app.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


@pytest.mark.slow
def test_every_listed_model_loads_and_reconstructs_from_the_installed_wheel(installed, tmp_path):
    script = (
        "import aemodels, torch\n"
        "assert 'site-packages' in aemodels.__file__, aemodels.__file__\n"
        "x, y = aemodels.load_digits()\n"
        "names = aemodels.list_pretrained()\n"
        "assert names, 'no models listed'\n"
        "for name in names:\n"
        "    out = aemodels.load_pretrained(name).reconstruct(x[:8])\n"
        "    assert out.shape == (8, 1, 28, 28) and 0 <= out.min() and out.max() <= 1, name\n"
        "print(len(names), len(x))\n"
    )
    result = subprocess.run([installed, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    count, digits = map(int, result.stdout.split())
    assert count >= 8 and digits == 2000


async def open_a_page(url: str) -> None:
    client = Client(url)
    try:
        await first_page(client)  # fails on an exception in the run, or without the page's picture
    finally:
        await client.close()


@pytest.mark.slow
def test_the_console_script_serves_a_healthy_app(installed, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    script = installed.parent / "aemodels-lab"
    with log.open("w") as out:
        server = subprocess.Popen(
            [script, "--server.port", str(port), "--server.address", "127.0.0.1"], cwd=tmp_path, stdout=out, stderr=out
        )
        try:
            wait_healthy(url, server, log, timeout=120)
            asyncio.run(open_a_page(url))  # the router and a page run: the app's own files came with the wheel
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert "site-packages/aemodels_app/app.py" in log.read_text()
