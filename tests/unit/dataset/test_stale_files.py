"""A rebuild with fewer splits removes the old build's split files; foreign files are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from curation.core import InputError, Manifest
from curation.dataset import build, load_recipe
from tests.support.toy import RECIPE, toy_problems


def _recipe(tmp_path: Path, name: str, splits: str):
    text = RECIPE if splits == "both" else RECIPE.split('[[splits]]\nname = "beta"')[0]
    path = tmp_path / name
    path.write_text(text)
    return load_recipe(path)


def test_rebuild_with_fewer_splits_removes_the_old_split_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    both = _recipe(tmp_path, "both.toml", "both")
    build(both, out, toy_problems(), "lock")
    first = {p.name for p in out.iterdir()}
    one = _recipe(tmp_path, "one.toml", "one")
    result = build(one, out, toy_problems(), "lock")
    left = {p.name for p in out.iterdir()}
    assert left == {"manifest.json", *result.manifest.all_files()}
    assert left < first  # the dropped split's .jsonl and .parquet are gone
    assert Manifest.read(out / "manifest.json").items == result.manifest.items


def test_a_file_no_manifest_lists_is_refused_before_any_work(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.jsonl").write_text("{}\n")
    with pytest.raises(InputError, match="mine.jsonl.*no manifest.json"):
        build(_recipe(tmp_path, "one.toml", "one"), out, toy_problems(), "lock")
    assert sorted(p.name for p in out.iterdir()) == ["mine.jsonl"]
