"""What every test shares: the published release as a fixture, and hermetic plugins.

An installed third-party plugin must not change what a test sees: ``MATHIF_PLUGINS`` is set
to none for this process and every ``mathif`` process a test starts (tests of the plugin
mechanism name the demo plugin explicitly).
"""

from __future__ import annotations

import json
import os

import pytest

from constraints.registry import PLUGINS_ENV, default_registry
from tests.support.paths import REFERENCE

os.environ[PLUGINS_ENV] = ""
default_registry.cache_clear()


def reference_items() -> list[tuple[str, int, dict]]:
    """(file name, line number, object) for every item of the published release."""
    out = []
    for path in sorted(REFERENCE.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                out.append((path.name, number, json.loads(line)))
    return out


@pytest.fixture(scope="session")
def reference() -> list[tuple[str, int, dict]]:
    if not REFERENCE.is_dir():
        pytest.fail(f"the published release is expected at {REFERENCE}")
    return reference_items()


@pytest.fixture(autouse=True)
def _hermetic_plugins(monkeypatch):
    """Each test starts with no plugin allowed and a fresh default registry."""
    monkeypatch.setenv(PLUGINS_ENV, "")
    default_registry.cache_clear()
    yield
    default_registry.cache_clear()
