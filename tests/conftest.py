from __future__ import annotations

import json
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REFERENCE = SHARED / "reference" / "mathif-v1"
RAW = SHARED / "raw"


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
