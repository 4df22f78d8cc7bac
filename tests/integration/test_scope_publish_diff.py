"""Scopes survive publishing and count as a change in diff."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq

from curation.core.parquet import decode_record, hub_parquet_bytes, read_split_rows
from curation.dataset.diff import diff_versions


def _row(scope=None):
    row = {
        "source": "toy",
        "id": "toy-single-0",
        "question": "What is 6 times 7?",
        "answer": "42",
        "constraint_desc": ["In your entire response, refrain from the use of any commas."],
        "constraint_name": ["punctuation:no_comma"],
        "constraint_args": [None],
        "version": "9.9.9",
        "problem_id": "toy/0",
        "split": "toy",
        "num_constraints": 1,
        "prompt": "What is 6 times 7?",
        "metadata": {},
    }
    if scope:
        row["constraint_scope"] = [scope]
    return row


def test_scoped_and_unscoped_rows_round_trip_in_one_schema():
    rows = [_row(), _row("both")]
    table = pq.read_table(io.BytesIO(hub_parquet_bytes(rows))).to_pylist()
    assert [decode_record(r) for r in table] == rows
    assert "constraint_scope" not in decode_record(table[0])


def test_read_split_rows_checks_the_scope_length(tmp_path):
    bad = _row("answer") | {"constraint_scope": ["answer", "both"]}
    f = tmp_path / "toy_single.jsonl"
    f.write_text(json.dumps(bad) + "\n")
    try:
        read_split_rows(f)
    except Exception as exc:  # InputError naming file and line
        assert "toy_single.jsonl:1" in str(exc) and "constraint_scope" in str(exc)
    else:
        raise AssertionError("a scope list of the wrong length must be refused")


def test_diff_counts_a_scope_change(tmp_path):
    for name, scope in (("old", "answer"), ("new", "reasoning")):
        d = tmp_path / name
        d.mkdir()
        (d / "toy_single.jsonl").write_text(json.dumps(_row(scope)) + "\n")
    assert diff_versions(tmp_path / "old", tmp_path / "new")["summary"]["changed"] == 1
    (tmp_path / "new" / "toy_single.jsonl").write_text(json.dumps(_row()) + "\n")
    assert diff_versions(tmp_path / "old", tmp_path / "new")["summary"]["changed"] == 0  # absent = answer
