"""Integration: v1.0.0 from the mirrored raw sources, as `make dataset` builds it."""

from __future__ import annotations

import json

import pytest

from curation.dataset.build import build
from curation.dataset.recipe import load_recipe
from curation.dataset.verify import verify_file
from curation.raw.cache import load_problems, lock_sha256, source_labels
from curation.raw.pull import RawPaths, pull
from tests.support.paths import RAW, ROOT

pytestmark = pytest.mark.slow
RECIPE = ROOT / "release" / "v1.0.0" / "recipe.toml"


@pytest.fixture(scope="module")
def raw_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    paths = RawPaths.under(home)
    outcome = pull(mirror=RAW, paths=paths)
    assert not outcome.errors
    return paths


@pytest.fixture(scope="module")
def built(raw_home, tmp_path_factory):
    rec = load_recipe(RECIPE)
    out = tmp_path_factory.mktemp("v1")
    return build(
        rec, out, load_problems(rec.sources, raw_home), lock_sha256(raw_home), source_labels(raw_home)
    )


def test_v1_matches_the_recorded_manifest(built):
    recorded = json.loads((ROOT / "release" / "v1.0.0" / "manifest.json").read_text(encoding="utf-8"))
    mine = json.loads(built.manifest.to_json())
    if recorded["parquet"]["writer"] != mine["parquet"]["writer"]:  # parquet bytes follow the writer
        recorded.pop("parquet"), mine.pop("parquet")
    assert mine == recorded


def test_v1_has_mathifs_shape_and_every_item_verifies(built):
    m = built.manifest.to_dict()
    assert m["items"] == 420
    tiers = {1: 0, 2: 0, 3: 0}
    for f in sorted(built.out.glob("*.jsonl")):
        verdicts = verify_file(f)
        assert all(v.ok and v.satisfiable for v in verdicts)
        rows = [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines()]
        for r in rows:
            tiers[r["num_constraints"]] += 1
            assert len(r["constraint_name"]) == r["num_constraints"]
    assert tiers == {1: 140, 2: 140, 3: 140}
    aime = m["splits"]["aime_single"]["problem_ids"] + m["splits"]["aime_double"]["problem_ids"]
    aime += m["splits"]["aime_triple"]["problem_ids"]
    assert len(set(aime)) == 60  # all of AIME 2024 and 2025, each once


def test_v1_rebuild_is_byte_identical(built, raw_home, tmp_path):
    rec = load_recipe(RECIPE)
    again = build(
        rec, tmp_path, load_problems(rec.sources, raw_home), lock_sha256(raw_home), source_labels(raw_home)
    )
    for name in built.manifest.files:
        assert (built.out / name).read_bytes() == (again.out / name).read_bytes(), name
