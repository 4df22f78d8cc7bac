"""Building a version from a recipe: the pure core on synthetic problems."""

from __future__ import annotations

import json

import pytest

from constraints import default_registry
from constraints.conflicts import instance_conflicts
from constraints.joint import joint_witness
from curation.core.errors import InputError
from curation.core.items import read_items
from curation.dataset.build import build, build_splits
from curation.dataset.recipe import load_recipe
from curation.dataset.verify import verify_file
from tests.support.toy import RECIPE, toy_problems


@pytest.fixture
def recipe(tmp_path):
    p = tmp_path / "recipe.toml"
    p.write_text(RECIPE)
    return load_recipe(p)


def test_items_are_proven_and_conflict_free(recipe):
    reg = default_registry()
    splits = build_splits(recipe, toy_problems())
    assert [s.name for s in splits] == [
        "alpha_single",
        "alpha_double",
        "alpha_triple",
        "beta_single",
        "beta_triple",
    ]
    seen = set()
    for s in splits:
        k = {"single": 1, "double": 2, "triple": 3}[s.name.split("_")[1]]
        for row in s.rows:
            assert len(row["constraint_name"]) == k == row["num_constraints"]
            assert row["problem_id"] not in seen  # no problem twice in a version
            seen.add(row["problem_id"])
            assert row["problem_id"] != "toy_a/bad"
            from curation.core.items import item_from_dict

            item = item_from_dict(row)
            assert not instance_conflicts(item.constraints)
            for a in item.constraint_ids:
                for b in item.constraint_ids:
                    assert a == b or not reg.type_conflict(a, b)
            assert joint_witness(item.constraints) is not None
            assert row["prompt"].startswith(row["question"].strip())
            assert row["prompt"].endswith(" ".join(d.strip() for d in row["constraint_desc"]))
            for name, args in zip(row["constraint_name"], row["constraint_args"], strict=True):
                if name == "length_constraint_checkers:number_words":
                    assert 100 <= args["num_words"] <= 300
                if name == "combination:repeat_prompt":
                    assert args["prompt_to_repeat"] == row["question"]
    assert not ({"toy_a/0", "toy_b/dup"} <= seen)  # near duplicates kept apart


def test_build_twice_gives_identical_bytes(recipe, tmp_path):
    problems = toy_problems()
    a = build(recipe, tmp_path / "a", problems, "0" * 64)
    b = build(recipe, tmp_path / "b", list(reversed(problems)), "0" * 64)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert "alpha_single.parquet" in names and "manifest.json" in names
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert a.manifest == b.manifest
    m = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert m["items"] == 18 + 8
    assert m["files"]["alpha_double.jsonl"]["rows"] == 6
    assert m["parquet"]["files"]["alpha_double.parquet"]["rows"] == 6
    assert sum(m["splits"]["beta_triple"]["constraint_types"].values()) == 12


def test_built_files_verify_clean_and_read_as_items(recipe, tmp_path):
    build(recipe, tmp_path, toy_problems(), "0" * 64)
    for f in sorted(tmp_path.glob("*.jsonl")):
        verdicts = verify_file(f)
        assert verdicts and all(v.ok and v.satisfiable for v in verdicts), [v.problems for v in verdicts]
        assert len(read_items(f)) == len(verdicts)


def test_parquet_matches_jsonl(recipe, tmp_path):
    import pyarrow.parquet as pq

    from curation.core.parquet import decode_record

    build(recipe, tmp_path, toy_problems(), "0" * 64)
    for f in sorted(tmp_path.glob("*.jsonl")):
        rows = [json.loads(line) for line in f.read_text().splitlines()]
        table = pq.read_table(f.with_suffix(".parquet")).to_pylist()
        assert [decode_record(r) for r in table] == rows
    # every split shares one schema, so the version reads as one table
    schemas = {pq.read_schema(p) for p in tmp_path.glob("*.parquet")}
    assert len(schemas) == 1


def test_quota_larger_than_pool_is_a_clear_error(recipe):
    small = [p for p in toy_problems() if p.source != "toy_a" or p.id < "toy_a/2"]
    with pytest.raises(InputError, match="alpha_triple: quota 6 but only 0 eligible"):
        build_splits(recipe, small)


def test_different_seed_gives_a_different_version(recipe, tmp_path):
    p = tmp_path / "other.toml"
    p.write_text(RECIPE.replace("seed = 7", "seed = 8"))
    other = load_recipe(p)
    a = build_splits(recipe, toy_problems())
    b = build_splits(other, toy_problems())
    assert [r["problem_id"] for r in a[0].rows] != [r["problem_id"] for r in b[0].rows]
