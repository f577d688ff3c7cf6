"""Screenshots of the Train page's own-data parts (issue 25) for the README: a zip of pictures prepared before
training, and a checkpoint brought by its user, at the desktop's and a phone's size.

Run: .venv/bin/python -m labtools.own_data_screenshots   (needs `apt-get install chromium`)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from playwright.sync_api import Page, sync_playwright

from aemodels.checkpoints import ModelData, checkpoint_zip
from aemodels.models import AEConfig, build_model
from labtools.appserver import CHROMIUM_ARGS, ROOT, chromium_path, serve_app
from labtools.samples import picture_zip
from labtools.screenshots import IDLE, VIEWPORTS


def settle(page: Page) -> None:
    for _ in range(3):
        page.wait_for_timeout(400)
        page.wait_for_selector(IDLE, timeout=120_000)


def a_checkpoint() -> bytes:
    """A small MLP AE's zip as the Train page downloads it, said to know a user's pictures (its weights untrained:
    the screenshot shows the upload, not the model)."""
    torch.manual_seed(0)
    model = build_model(AEConfig(kind="mlp", latent_dim=8, hidden=(256,)))
    items = torch.rand(24, 1, 28, 28)
    data = ModelData("pictures", "your pictures (letters.zip)", ("a", "b"), items, torch.arange(24) % 2)
    return checkpoint_zip(model, "mine", {"description": "MLP AE, d=8, trained on a GPU"}, data)


def main(out_dir: Path = ROOT / "docs" / "screenshots") -> None:
    executable = chromium_path()
    if executable is None:
        raise SystemExit("Chromium is not installed: apt-get install chromium")
    out_dir.mkdir(parents=True, exist_ok=True)
    with serve_app() as (url, _, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        for viewport, suffix in (("desktop", ""), ("phone", "-phone")):
            page = browser.new_page(viewport=VIEWPORTS[viewport])  # type: ignore[arg-type]
            page.goto(f"{url}/train?data=pictures")
            settle(page)
            page.locator(".st-key-train_pictures input[type='file']").set_input_files(
                {"name": "my-digits.zip", "mimeType": "application/zip", "buffer": picture_zip()}
            )
            settle(page)
            page.get_by_text("What the model will see").first.wait_for(timeout=60_000)
            if viewport == "phone":  # the preparation and the grid; the desktop shows them below the heading
                page.get_by_text("Preparation of each picture").first.evaluate(
                    "e => e.scrollIntoView({block: 'center'})"
                )
            page.wait_for_timeout(800)
            path = out_dir / f"train-own-data{suffix}.png"
            page.screenshot(path=str(path))
            print("wrote", path)
            page.locator(".st-key-train_checkpoint input[type='file']").set_input_files(
                {"name": "my_autoencoder.zip", "mimeType": "application/zip", "buffer": a_checkpoint()}
            )
            settle(page)
            page.locator('[data-testid="stAlertContentSuccess"]').first.wait_for(timeout=60_000)
            where = "Bring your own model" if viewport == "desktop" else "A checkpoint: the zip"
            page.get_by_text(where).first.evaluate("e => e.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(800)
            path = out_dir / f"train-own-data-checkpoint{suffix}.png"
            page.screenshot(path=str(path))
            print("wrote", path)
            page.close()
        browser.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    main(parser.parse_args().out)
