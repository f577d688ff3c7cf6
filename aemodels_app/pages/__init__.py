"""The page registry: every module of this package that declares `PAGE` (aemodels_app.page.Page) is a page.

Adding a page is adding a file here (and its test); the router, the URL machinery, the tests, the screenshots and
the benchmarks all read this registry."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from aemodels_app.page import SECTIONS, Page


@cache
def registry() -> dict[str, Page]:
    """name -> Page, in the sidebar's order (by section, then by each page's `order`)."""
    found: list[Page] = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        declared = getattr(module, "PAGE", None)
        if isinstance(declared, Page):
            found.append(declared)
    found.sort(key=lambda p: (SECTIONS.index(p.section), p.order))
    return {p.name: p for p in found}


def names() -> list[str]:
    return list(registry())


def get(name: str) -> Page:
    """The page called `name`; KeyError for none."""
    return registry()[name]
