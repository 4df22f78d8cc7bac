"""The one dataset reader: every form gives the same items with the same keys, and bad
forms are one InputError naming the file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curation.core import InputError, open_dataset
from curation.dataset import build, load_recipe
from tests.support.paths import REFERENCE
from tests.support.toy import RECIPE, toy_problems


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("reader")
    (root / "recipe.toml").write_text(RECIPE)
    build(load_recipe(root / "recipe.toml"), root / "build", toy_problems(), "lock")
    return root / "build"


def rows(spec) -> list[tuple[str, dict]]:
    return [(f"{f.name}:{i.line}", i.to_mathif() | dict(i.extra)) for f, i in open_dataset(spec).items()]


def tree_of(build_dir: Path, dest: Path) -> Path:
    """A published tree (data/<config>/test-00000-of-00001.parquet) from a build's parquet files."""
    for p in sorted(build_dir.glob("*.parquet")):
        (dest / "data" / p.stem).mkdir(parents=True)
        shutil.copy(p, dest / "data" / p.stem / "test-00000-of-00001.parquet")
    (dest / "README.md").write_text("card\n")
    return dest


def test_a_build_folder_reads_the_manifest_splits_in_name_order(built):
    ds = open_dataset(built)
    assert ds.form == "build" and ds.manifest is not None
    assert [f.name for f in ds.files] == sorted(ds.manifest.split_files)
    assert len(ds.items()) == ds.manifest.items
    assert rows(built)[0][0] == f"{ds.files[0].name}:1"


def test_every_form_gives_the_same_items_and_keys(built, tmp_path):
    expected = rows(built)
    assert rows(tree_of(built, tmp_path / "tree")) == expected
    jsonl_folder = tmp_path / "jsonl"
    jsonl_folder.mkdir()
    for p in built.glob("*.jsonl"):
        shutil.copy(p, jsonl_folder / p.name)
    assert open_dataset(jsonl_folder).form == "folder" and rows(jsonl_folder) == expected
    first = sorted(built.glob("*.jsonl"))[0]
    one = [r for r in expected if r[0].startswith(first.name + ":")]
    assert rows(first) == one  # one JSONL file
    assert rows(first.with_suffix(".parquet")) == one  # the build's parquet file of that split
    assert rows(tmp_path / "tree" / "data" / first.stem / "test-00000-of-00001.parquet") == one


def test_a_stale_split_file_in_a_build_folder_is_refused_by_name(built, tmp_path):
    folder = tmp_path / "b"
    shutil.copytree(built, folder)
    shutil.copy(folder / sorted(p.name for p in folder.glob("*.jsonl"))[0], folder / "old_triple.jsonl")
    with pytest.raises(InputError, match=r"old_triple\.jsonl: not a split of this version"):
        open_dataset(folder)
    (folder / "old_triple.jsonl").unlink()
    victim = sorted(folder.glob("*.jsonl"))[0]
    victim.unlink()
    with pytest.raises(InputError, match=rf"{victim.name}: missing"):
        open_dataset(folder)


def test_mathifs_release_folder_reads_every_file():
    ds = open_dataset(REFERENCE)
    assert ds.form == "folder" and len(ds.files) == 15 and len(ds.items()) == 420


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda t: t / "nope" / "x.jsonl", "no such file or folder"),
        (lambda t: t, "holds no dataset"),
        (lambda t: _write(t / "bad.parquet", b"PAR1 not really"), "not a readable parquet file"),
        (
            lambda t: _parquet(t / "bin.parquet", {"question": [b"\x00\x01"]}),
            "bin.parquet:1: holds a bytes value",
        ),
        (lambda t: _parquet(t / "nan.parquet", {"x": [float("nan")]}), "nan.parquet:1: holds NaN"),
    ],
)
def test_bad_forms_are_one_error_naming_the_file(tmp_path, make, needle):
    spec = make(tmp_path)
    with pytest.raises(InputError) as err:
        open_dataset(spec).items()
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _parquet(path: Path, columns: dict) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


def test_a_relative_path_that_does_not_exist_is_not_taken_for_a_hub_id(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        open_dataset("./org/name")
