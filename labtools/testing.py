"""What the tests share that is not a fixture: how a test reacts to a missing system part."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def skip_or_fail(message: str) -> NoReturn:
    """A system part a test needs is missing (Chromium, nginx, Fashion-MNIST, MNIST): under CI (which installs them
    all) that is a failure; elsewhere the test is skipped with `message`, which says how to install it."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
