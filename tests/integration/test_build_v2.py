"""Integration: v2.0.0 from the mirrored raw sources, against its recorded manifest and v1.0.0."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from constraints.base import SCOPES
from constraints.registry import ALL_IDS
from curation.dataset.build import build
from curation.dataset.diff import diff_versions
from curation.dataset.recipe import load_recipe
from curation.dataset.verify import verify_file
from curation.raw.cache import load_problems, lock_sha256, source_labels
from curation.raw.pull import RawPaths, pull
from tests.support.paths import RAW, ROOT

pytestmark = pytest.mark.slow
RELEASE = ROOT / "release"


@pytest.fixture(scope="module")
def raw_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    paths = RawPaths.under(home)
    outcome = pull(mirror=RAW, paths=paths)  # every source: the raw lock's hash is in the manifest
    assert not outcome.errors
    return paths


def _build(version: str, raw_home: RawPaths, out: Path):
    rec = load_recipe(RELEASE / f"v{version}" / "recipe.toml")
    problems = load_problems(rec.sources, raw_home)
    return build(rec, out, problems, lock_sha256(raw_home), source_labels(raw_home), parquet=False)


@pytest.fixture(scope="module")
def built(raw_home, tmp_path_factory):
    return _build("2.0.0", raw_home, tmp_path_factory.mktemp("v2"))


def test_v2_matches_the_recorded_manifest(built):
    recorded = json.loads((RELEASE / "v2.0.0" / "manifest.json").read_text(encoding="utf-8"))
    mine = json.loads(built.manifest.to_json())
    recorded.pop("parquet"), mine.pop("parquet")  # parquet bytes follow the writer (not written here)
    assert mine == recorded


def test_v2_is_bigger_uses_every_family_and_every_item_verifies(built):
    m = built.manifest.to_dict()
    assert m["items"] == 660 > 420
    names, scopes = Counter(), Counter()
    tiers = Counter()
    for f in sorted(built.out.glob("*.jsonl")):
        verdicts = verify_file(f)
        assert verdicts and all(v.ok and v.satisfiable for v in verdicts), [
            v.problems for v in verdicts if not v.ok
        ]
        for line in f.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            tiers[row["num_constraints"]] += 1
            names.update(row["constraint_name"])
            scopes.update(row["constraint_scope"])
            assert len(row["constraint_scope"]) == len(row["constraint_name"]) == row["num_constraints"]
    assert tiers == {1: 220, 2: 220, 3: 220}
    assert set(names) == set(ALL_IDS)  # families = "all"
    assert set(scopes) == set(SCOPES) and scopes["answer"] > scopes["both"] + scopes["reasoning"]
    aime = [p for t in ("single", "double", "triple") for p in m["splits"][f"aime_{t}"]["problem_ids"]]
    assert len(set(aime)) == 60


def test_diff_against_v1_works(built, raw_home, tmp_path):
    v1 = _build("1.0.0", raw_home, tmp_path / "v1")
    d = diff_versions(v1.out, built.out)
    assert d["summary"]["added"] > 0 and d["summary"]["removed"] > 0
    assert d["splits"]["gsm8k_single"]["old"] == 30 and d["splits"]["gsm8k_single"]["new"] == 50
