"""The one copy of each I/O helper: atomic writes, JSON text, hashes, Markdown tables."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest

from curation.core import (
    InputError,
    json_text,
    markdown_escape,
    markdown_table,
    read_json,
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
