"""The pieces of ``mathif release``: versions, manifests, the Hub parquet schema, the dry-run
folder, the token (the card is ``test_card.py``)."""

from __future__ import annotations

import io
import json

import pytest

from curation.core import FileHash, Manifest, ParquetFiles, SplitRecord
from curation.core.errors import InputError
from curation.core.parquet import decode_record, hub_parquet_bytes, hub_record, read_split_rows, schema_lines
from curation.release.card import Changelog
from curation.release.hub import check_repo_id, resolve_token
from curation.release.tree import (
    ReleasePaths,
    ReleaseTree,
    VersionRef,
    previous_version,
    write_tree,
)


def row(**changes):
    base = {
        "source": "openai/gsm8k",
        "id": "gsm8k-single-0",
        "question": "What is 6 × 7?",
        "answer": "42",
        "constraint_desc": ["In your entire response, refrain from the use of any commas."],
        "constraint_name": ["punctuation:no_comma"],
        "constraint_args": [None],
        "version": "1.0.0",
        "problem_id": "gsm8k/3",
        "split": "gsm8k",
        "num_constraints": 1,
        "prompt": "What is 6 × 7? Let's think step by step.",
        "metadata": {},
    }
    return base | changes


# versions and manifests -------------------------------------------------------------------


def test_versions_parse_with_or_without_v_and_order_numerically():
    assert VersionRef.parse("v1.0.0") == VersionRef.parse("1.0.0")
    ref = VersionRef.parse("1.10.0")
    assert (ref.version, ref.tag) == ("1.10.0", "v1.10.0")
    assert VersionRef.parse("1.9.3") < ref
    for bad in ("1.0", "v1.0.0.0", "latest", "v1.0.0-rc1"):
        with pytest.raises(InputError, match="expected vX.Y.Z"):
            VersionRef.parse(bad)


def test_previous_version_is_the_highest_recorded_one_below(tmp_path):
    for name, recorded in (("v0.9.0", True), ("v1.9.0", True), ("v1.10.0", False), ("v2.0.0", True)):
        (tmp_path / name).mkdir()
        if recorded:
            (tmp_path / name / "manifest.json").write_text("{}")
    (tmp_path / "notes").mkdir()
    paths = ReleasePaths(release_root=tmp_path)
    assert previous_version(VersionRef.parse("v1.10.1"), paths) == VersionRef.parse("1.9.0")
    assert previous_version(VersionRef.parse("v1.9.0"), paths) == VersionRef.parse("0.9.0")
    assert previous_version(VersionRef.parse("v0.9.0"), paths) is None


def _manifest(
    items: int = 3, writer: str = "pyarrow 1", parquet_sha: str = "p1", files: bool = True
) -> Manifest:
    split = SplitRecord(items, {}, [], [], [])
    return Manifest(
        version="1.0.0",
        recipe_sha256="r",
        raw_lock_sha256="l",
        tool_version="0.2.0",
        items=items,
        files={"a.jsonl": FileHash("j1", items)} if files else {},
        parquet=ParquetFiles(writer, {"a.parquet": FileHash(parquet_sha, items)}),
        splits={"a": split},
    )


def test_manifest_differences_ignore_parquet_only_from_another_writer():
    recorded = _manifest()
    assert _manifest(writer="pyarrow 2", parquet_sha="p2").differences(recorded) == []
    assert _manifest(parquet_sha="p2").differences(recorded) == ["parquet"]
    assert _manifest(items=4, files=False).differences(recorded) == ["files", "items", "parquet", "splits"]


def test_a_manifest_round_trips_and_an_unknown_format_version_is_one_clear_error(tmp_path):
    m = _manifest()
    (tmp_path / "m.json").write_text(m.to_json(), encoding="utf-8")
    assert Manifest.read(tmp_path / "m.json") == m
    assert json.loads(m.to_json())["format_version"] == 1
    doc = json.loads(m.to_json()) | {"format_version": 99}
    (tmp_path / "m.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError, match="format_version 99") as err:
        Manifest.read(tmp_path / "m.json")
    assert str(err.value).startswith(str(tmp_path / "m.json"))
    (tmp_path / "m.json").write_text(json.dumps(json.loads(m.to_json()) | {"items": "3"}), encoding="utf-8")
    with pytest.raises(InputError, match="items must be int"):
        Manifest.read(tmp_path / "m.json")


# the Hub parquet schema ---------------------------------------------------------------------


ROWS = [
    row(),
    row(
        source="zwhe99/simplerl-OlympiadBench",
        id="olympiad-double-0",
        constraint_desc=["a", "b"],
        constraint_name=["keywords:frequency", "startend:quotation"],
        constraint_args=[{"keyword": "root", "frequency": 2, "relation": "less than"}, None],
        num_constraints=2,
        metadata={"subject": "Algebra", "is_multiple_answer": True, "tolerance": None, "level": 5},
    ),
]


def test_published_rows_decode_to_exactly_the_items_and_share_one_schema():
    import pyarrow.parquet as pq

    tables = [pq.read_table(io.BytesIO(hub_parquet_bytes([r]))) for r in ROWS]
    assert tables[0].schema == tables[1].schema  # no metadata at all vs. a rich metadata object
    decoded = [decode_record(t.to_pylist()[0]) for t in tables]
    assert decoded == ROWS
    assert list(decoded[1]) == list(ROWS[1])  # the JSONL field order is kept
    assert tables[1].column("metadata").to_pylist() == [json.dumps(ROWS[1]["metadata"], ensure_ascii=False)]


def test_the_split_field_is_published_as_subset_and_decodes_back():
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(hub_parquet_bytes(ROWS)))
    assert "subset" in table.column_names and "split" not in table.column_names
    assert table.column("subset").to_pylist() == [r["split"] for r in ROWS]
    assert [name for name, _ in schema_lines()] == table.column_names
    for r in ROWS:
        published = hub_record(r)
        assert published["subset"] == r["split"] and "split" not in published
        assert decode_record(published) == r
        before_the_rename = {("split" if k == "subset" else k): v for k, v in published.items()}
        assert decode_record(before_the_rename) == r


def test_a_scoped_row_decodes_with_its_scope_where_the_build_put_it():
    import pyarrow.parquet as pq

    base = row(constraint_desc=["a", "b"], constraint_name=["punctuation:no_comma"] * 2)
    base |= {"constraint_args": [None, None], "num_constraints": 2}
    at = list(base).index("constraint_args") + 1
    scoped = dict(
        [*list(base.items())[:at], ("constraint_scope", ["reasoning", "both"]), *list(base.items())[at:]]
    )
    table = pq.read_table(io.BytesIO(hub_parquet_bytes([base, scoped])))
    assert table.column("constraint_scope").to_pylist() == [None, ["reasoning", "both"]]
    decoded = [decode_record(r) for r in table.to_pylist()]
    assert decoded == [base, scoped]
    assert [list(d) for d in decoded] == [list(base), list(scoped)]


def test_published_parquet_bytes_depend_only_on_the_rows():
    assert hub_parquet_bytes(ROWS) == hub_parquet_bytes([dict(r) for r in ROWS])
    assert hub_parquet_bytes(ROWS) != hub_parquet_bytes(ROWS[::-1])


@pytest.mark.parametrize(
    "bad, problem",
    [
        (row(prompt=None), "field 'prompt' has the wrong type"),
        ({k: v for k, v in row().items() if k != "metadata"}, "lacks field(s) metadata"),
        (row(extra=1), "unexpected field(s) extra"),
        (row(constraint_args=[None, None]), "differ in length"),
        (row(num_constraints=True), "field 'num_constraints' has the wrong type"),
    ],
)
def test_bad_built_rows_are_named_by_file_and_line(tmp_path, bad, problem):
    path = tmp_path / "gsm8k_single.jsonl"
    path.write_text(json.dumps(row()) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_split_rows(path)
    assert str(err.value).startswith(f"{path}:2: ") and problem in str(err.value)


# the dry-run folder ----------------------------------------------------------------------------


def tree(files):
    return ReleaseTree(VersionRef.parse("1.0.0"), files, (), 0, Changelog(None, {}, {}))


def test_write_tree_replaces_an_earlier_tree_but_never_foreign_files(tmp_path):
    dest = tmp_path / "dry"
    write_tree(tree({"README.md": b"one", "data/a/test-00000-of-00001.parquet": b"1"}), dest)
    write_tree(tree({"README.md": b"two", "data/b/test-00000-of-00001.parquet": b"2"}), dest)
    files = {p.relative_to(dest).as_posix(): p.read_bytes() for p in dest.rglob("*") if p.is_file()}
    assert files == {"README.md": b"two", "data/b/test-00000-of-00001.parquet": b"2"}
    assert not (dest / "data" / "a").exists()
    (dest / "data" / "b" / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty"):
        write_tree(tree({"README.md": b"three"}), dest)
    assert (dest / "README.md").read_bytes() == b"two"


# token and repository id --------------------------------------------------------------------------


def test_token_from_hf_token_then_the_login_else_one_error():
    assert resolve_token({"HF_TOKEN": "from-env"}, stored=lambda: "stored") == "from-env"
    assert resolve_token({}, stored=lambda: "stored") == "stored"
    with pytest.raises(InputError, match="no Hugging Face token"):
        resolve_token({"HF_TOKEN": ""}, stored=lambda: None)


@pytest.mark.parametrize("repo", ["me/mathif", "Org-1/data.set_v2"])
def test_repo_ids_accepted(repo):
    assert check_repo_id(repo) == repo


@pytest.mark.parametrize("repo", ["mathif", "a/b/c", "me/", "/x", "me/x..y", "me/-x", "me/x.git"])
def test_repo_ids_refused(repo):
    with pytest.raises(InputError, match="ORG/NAME"):
        check_repo_id(repo)


def test_an_empty_split_keeps_the_schema():
    import pyarrow.parquet as pq

    empty = pq.read_table(io.BytesIO(hub_parquet_bytes([])))
    assert empty.num_rows == 0
    assert empty.schema == pq.read_table(io.BytesIO(hub_parquet_bytes(ROWS))).schema
