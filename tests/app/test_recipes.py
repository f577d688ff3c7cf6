"""CONTRIBUTING's recipes work as written (issue 34.7): a toy third sampler registered as "How to add a sampler"
says, and a toy page added as "How to add a page" says, each rendered by the whole app; `python -m
aemodels.evaluate NAME` takes the name "How to add a model" gives it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from apptest_helpers import captions, no_errors, run

from aemodels import evaluate, samplers
from aemodels.models import Autoencoder
from aemodels_app import pages


class OriginSampler:
    """A toy sampler: every code at the origin."""

    name = "origin"
    label = "the origin of the code space"
    title = "z = 0"
    tempered = False

    def supports(self, model: Autoencoder) -> bool:
        return not model.conditional

    def codes(self, model, fitted, n, *, temperature, generator) -> torch.Tensor:
        return torch.zeros(n, model.latent_dim)


def test_a_third_sampler_registered_as_the_recipe_says_is_drawn_on_the_sampling_page(monkeypatch):
    monkeypatch.setitem(samplers.SAMPLERS, "origin", OriginSampler())
    at = run("sample")
    no_errors(at)
    drawn = [c for c in captions(at) if c.endswith(": z = 0")]
    assert drawn == ["ae16: z = 0", "vae16: z = 0"], drawn  # the compared AE and the VAE, one column each
    assert any("Not measured for ae16 (origin)." in c.value for c in at.caption)


TOY_PAGE = """
import streamlit as st

from aemodels_app.page import Slider, page, setting
from aemodels_app.ui.widgets import draw

COUNT = "toy_count"
COUNT_FIELD = setting(COUNT, "count", 3, Slider("Count", 1, 9))
PAGE = page(
    __name__,
    __file__,
    title="Toy page",
    icon=":material/toys:",
    section="Play",
    order=99,
    uses_digit=False,
    fields=(COUNT_FIELD,),
)


def render() -> None:
    st.title("Toy page")
    draw(COUNT_FIELD)
    st.markdown(f"The toy counts to {st.session_state[COUNT]}.")


if __name__ == "__main__":
    render()
"""


@pytest.fixture
def toy_page(tmp_path, monkeypatch):
    """aemodels_app/pages/toy.py, written to a folder of its own that the page package also reads."""
    (tmp_path / "toy.py").write_text(TOY_PAGE)
    monkeypatch.setattr(pages, "__path__", [*pages.__path__, str(tmp_path)])
    pages.registry.cache_clear()
    yield "toy"
    pages.registry.cache_clear()
    sys.modules.pop("aemodels_app.pages.toy", None)


def test_a_page_added_as_the_recipe_says_is_in_the_registry_the_sidebar_and_its_link(toy_page):
    assert pages.get("toy").section == "Play" and pages.names().index("toy") < pages.names().index("explorer")
    at = run(toy_page, query={"count": "5"})
    no_errors(at)
    assert at.title[0].value == "Toy page" and "The toy counts to 5." in [m.value for m in at.markdown]
    at.slider(key="toy_count").set_value(7).run()
    assert at.query_params == {"count": "7"}  # the URL machinery writes its field


def test_evaluate_takes_the_names_the_recipe_gives_it():
    assert evaluate.parse_args(["ae2", "vae16"]).models == ["ae2", "vae16"]
    assert evaluate.parse_args(["--models", "ae2"]).models == ["ae2"]
    assert evaluate.parse_args([]).models is None
    with pytest.raises(SystemExit):
        evaluate.parse_args(["no-such-model"])


def test_the_recipes_name_what_the_tests_use():
    text = (Path(__file__).resolve().parents[2] / "CONTRIBUTING.md").read_text()
    assert "samplers_of" in text and "python -m aemodels.evaluate NAME" in text and "test_recipes.py" in text
