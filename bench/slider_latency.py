"""Server-side time of one latent-slider interaction, p50/p95 (a benchmark: prints figures, asserts nothing).

Two measurements:
1. the fragment's work: decode one code and encode the picture the browser receives (PNG), per model;
2. a whole page rerun driven by Streamlit's AppTest (the slider moved, the script rerun, the tree rebuilt):
   an upper bound, since in the browser a slider reruns only its fragment.
Run: .venv/bin/python bench/slider_latency.py [--repeats N]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

import torch

from aemodels import list_pretrained, load_pretrained
from aemodels.images import to_image
from aemodels_app.pages import latent


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def fragment_work(name: str, repeats: int) -> list[float]:
    model = load_pretrained(name)
    g = torch.Generator().manual_seed(0)
    times = []
    for _ in range(repeats):
        z = torch.randn(1, model.latent_dim, generator=g)
        began = time.perf_counter()
        with torch.inference_mode():
            image = model.decode(z)
        buffer = io.BytesIO()
        to_image(image, scale=8).save(buffer, format="PNG")
        times.append((time.perf_counter() - began) * 1000)
    return times


def page_rerun(repeats: int) -> list[float]:
    from labtools.apptest import open_app

    at = open_app("latent")
    at.toggle(key=latent.LIVE).set_value(False).run()  # the server's sliders
    key = latent.slider_key("vae16", 0)
    slider = at.slider(key=key)
    times = []
    for i in range(repeats):
        value = slider.min + (slider.max - slider.min) * ((i * 7) % 20) / 20
        began = time.perf_counter()
        at.slider(key=key).set_value(value).run()
        times.append((time.perf_counter() - began) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=200, help="interactions per model for the fragment's work")
    parser.add_argument("--page-repeats", type=int, default=30, help="whole-page reruns through AppTest")
    args = parser.parse_args()
    print(f"torch threads: {torch.get_num_threads()}")
    print("| what | p50 ms | p95 ms |\n| --- | --- | --- |")
    for name in ("vae16", "ae16", "vae2", "ae2"):
        if name in list_pretrained():
            times = fragment_work(name, args.repeats)[5:]  # the first calls warm up the allocator
            p50, p95 = percentiles(times)
            print(f"| fragment: decode + PNG, {name} | {p50:.2f} | {p95:.2f} |")
    p50, p95 = percentiles(page_rerun(args.page_repeats)[2:])
    print(f"| whole latent page rerun (AppTest), vae16 | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
