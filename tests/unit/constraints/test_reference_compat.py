"""The published MathIF release is the compatibility target."""

from __future__ import annotations

import json
from collections import Counter

from constraints import make_instance
from constraints.registry import MATHIF_IDS
from curation.core.items import read_items
from tests.support.paths import REFERENCE


def test_release_has_420_items_over_15_types(reference):
    assert len(reference) == 420
    types = Counter(n for _, _, obj in reference for n in obj["constraint_name"])
    assert set(types) == set(MATHIF_IDS)
    assert Counter(len(obj["constraint_name"]) for _, _, obj in reference) == {1: 140, 2: 140, 3: 140}


def test_describe_reproduces_every_stored_description(reference):
    mismatches = []
    for name, line, obj in reference:
        for cid, args, desc in zip(
            obj["constraint_name"], obj["constraint_args"], obj["constraint_desc"], strict=True
        ):
            got = make_instance(cid, args).describe()
            if got != desc:
                mismatches.append((name, line, cid, got, desc))
    assert mismatches == []


def test_stored_arguments_are_valid_and_round_trip(reference):
    for _, _, obj in reference:
        for cid, args in zip(obj["constraint_name"], obj["constraint_args"], strict=True):
            inst = make_instance(cid, args)
            stored = inst.args_json()
            assert stored == (args or None)
            assert json.loads(json.dumps(stored)) == stored


def test_release_files_read_as_items():
    files = sorted(REFERENCE.glob("*.jsonl"))
    items = [it for f in files for it in read_items(f)]
    assert len(items) == 420
    again = [it.to_mathif() for it in items]
    raw = [
        json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    assert again == raw
