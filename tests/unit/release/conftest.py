"""Every test of the release stage leaves no secret registered: a value a test registers (a
made-up token) must not mask text in the tests that run after it."""

from __future__ import annotations

import pytest

from curation.core import forget_secrets


@pytest.fixture(autouse=True)
def _no_secrets_left():
    yield
    forget_secrets()
