"""The fast JSON paths give the ``json`` module's exact results: orjson reads a line only
where its value is json's, and rows are written with json's exact characters."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from curation.core import dumps_line, dumps_line_bytes, jsonl_line

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def _text_only(value: object) -> bool:
    """No lone surrogate anywhere (such rows cannot be written as UTF-8 by either path)."""
    return all(s.encode("utf-8", "surrogatepass") == s.encode("utf-8", "ignore") for s in _strings(value))


def _strings(value: object):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), _values, max_size=6))
def test_rows_are_written_as_json_writes_them(row):
    if not _text_only(row):
        return
    assert dumps_line_bytes(row) == dumps_line(row).encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), _values, max_size=6))
def test_lines_are_read_as_json_reads_them(row):
    raw = json.dumps(row, ensure_ascii=bool(len(row) % 2)).encode("utf-8", "surrogatepass")
    line = jsonl_line(1, raw + b"\n", surrogates="replace")
    assert line is not None
    if _text_only(row):
        assert line.error is None and line.value == row
        assert [type(v) for v in line.value.values()] == [type(v) for v in row.values()]


def test_what_orjson_reads_differently_goes_the_json_way():
    big = b'{"n": 123456789012345678901234567890}'  # orjson: a float; json: the integer
    assert jsonl_line(1, big).value == {"n": 123456789012345678901234567890}
    assert jsonl_line(1, b'{"x": NaN}').error == "malformed JSON (NaN is not a JSON number)"
    assert jsonl_line(1, b'{"s": "\\ud800"}', surrogates="replace").value == {"s": "\ufffd"}
    assert "lone surrogate" in jsonl_line(1, b'{"s": "\\ud800"}').error
    assert jsonl_line(1, b"\xef\xbb\xbf{}").error.startswith("malformed JSON")
    assert jsonl_line(1, b'{"a": 1, "a": 2}').value == {"a": 2}
    assert "not UTF-8" in jsonl_line(1, b'{"a": "\xff"}').error
