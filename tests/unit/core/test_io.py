"""The one copy of each I/O helper: atomic writes, JSON text, hashes, Markdown tables."""

from __future__ import annotations

import hashlib
import json
import os
import stat

import pytest

from curation.core import (
    InputError,
    json_text,
    jsonl_lines,
    markdown_escape,
    markdown_table,
    read_json,
    read_jsonl,
    sha256_bytes,
    sha256_file,
    sha256_int,
    sha256_text,
    write_atomic,
    write_json,
)


def test_write_atomic_takes_text_and_bytes_and_leaves_no_temporary_file(tmp_path):
    write_atomic(tmp_path / "a" / "t.txt", "é\n")
    write_atomic(tmp_path / "a" / "b.bin", b"\x00\xff")
    assert (tmp_path / "a" / "t.txt").read_bytes() == "é\n".encode()
    assert (tmp_path / "a" / "b.bin").read_bytes() == b"\x00\xff"
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b.bin", "t.txt"]
    mode = stat.S_IMODE(os.stat(tmp_path / "a" / "t.txt").st_mode)
    assert mode == 0o666 & ~_umask()  # not mkstemp's owner-only mode


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_write_atomic_into_a_file_path_is_one_input_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="cannot write here"):
        write_atomic(tmp_path / "file" / "out.json", "{}")


def test_json_text_keeps_unicode_and_order_and_ends_with_a_newline(tmp_path):
    assert json_text({"b": "é", "a": 1}) == '{\n  "b": "é",\n  "a": 1\n}\n'
    assert json_text({"b": 1, "a": 2}, indent=None, sort_keys=True) == '{"a": 2, "b": 1}\n'
    write_json(tmp_path / "x.json", [1, {"k": None}])
    assert read_json(tmp_path / "x.json") == [1, {"k": None}]


def test_read_json_names_the_line_of_malformed_json(tmp_path):
    (tmp_path / "x.json").write_text('{\n  "a": 1,\n  oops\n}\n')
    with pytest.raises(InputError) as err:
        read_json(tmp_path / "x.json")
    assert err.value.line == 3 and "malformed JSON" in str(err.value)


def test_hashes_agree_with_hashlib(tmp_path):
    data = os.urandom(3 << 20)  # more than one read block
    (tmp_path / "f").write_bytes(data)
    expected = hashlib.sha256(data).hexdigest()
    assert sha256_bytes(data) == sha256_file(tmp_path / "f") == expected
    assert sha256_text("é") == hashlib.sha256("é".encode()).hexdigest()
    assert sha256_int("seed", 8) == int.from_bytes(hashlib.sha256(b"seed").digest()[:8], "big")


def test_markdown_table_aligns_numbers_and_escapes_pipes():
    assert markdown_table(["a", "n"], [["x", 1]]) == "| a | n |\n|---|---|\n| x | 1 |"
    assert markdown_table(["a", "n"], [["x", 1]], numeric=True).split("\n")[1] == "|---|---:|"
    assert markdown_escape("a|b") == "a\\|b"


def test_one_jsonl_reader_splits_at_newlines_only(tmp_path):
    rows = [{"t": "a\u2028b\u0085c\x1cd\u2029"}, {"t": "e"}]
    text = json.dumps(rows[0], ensure_ascii=False) + "\r\n\n" + json.dumps(rows[1], ensure_ascii=False)
    (tmp_path / "x.jsonl").write_text(text, encoding="utf-8", newline="")
    assert [(n, o) for n, o in read_jsonl(tmp_path / "x.jsonl")] == [(1, rows[0]), (3, rows[1])]


def test_bad_lines_carry_their_problem_and_the_rest_still_reads(tmp_path):
    (tmp_path / "x.jsonl").write_bytes(
        b'{"a": 1}\n{oops\n\xff\n' + b"[" * 100 + b"]" * 100 + b'\n{"s": "\\ud800"}\n{"b": 2}\n'
    )
    lines = list(jsonl_lines(tmp_path / "x.jsonl"))
    assert [ln.number for ln in lines] == [1, 2, 3, 4, 5, 6]
    assert [ln.value for ln in lines if ln.error is None] == [{"a": 1}, {"b": 2}]
    errors = [ln.error or "" for ln in lines]
    assert "malformed JSON" in errors[1] and "not UTF-8" in errors[2]
    assert "nested more than" in errors[3] and "lone surrogate" in errors[4]
    replaced = list(jsonl_lines(tmp_path / "x.jsonl", surrogates="replace"))[4]
    assert replaced.error is None and replaced.value == {"s": "\ufffd"}
    with pytest.raises(InputError) as err:
        list(read_jsonl(tmp_path / "x.jsonl"))
    assert err.value.line == 2
