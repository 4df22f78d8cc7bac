"""The typed records' common contract: format_version, round trips, one clear error."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from curation.core import InputError, JsonRecord, typed


@dataclass(frozen=True)
class Point(JsonRecord):
    KIND = "test point"

    x: int
    label: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"x": self.x, "label": self.label}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Point:
        return cls(typed(doc["x"], int, "x"), typed(doc["label"], (str, type(None)), "label"))


def test_round_trip_puts_the_format_version_first(tmp_path):
    p = Point(3, "é")
    p.write(tmp_path / "p.json")
    text = (tmp_path / "p.json").read_text(encoding="utf-8")
    assert list(json.loads(text)) == ["format_version", "x", "label"] and "é" in text
    assert Point.read(tmp_path / "p.json") == p
    assert Point.from_json('{"x": 1, "label": null}') == Point(1, None)  # written before versions: 1


@pytest.mark.parametrize(
    "text, problem",
    [
        ('{"format_version": 2, "x": 1, "label": null}', "test point of format_version 2"),
        ('{"format_version": "1", "x": 1, "label": null}', "format_version '1'"),
        ("[1, 2]", "not a test point (expected a JSON object)"),
        ('{"x": true, "label": null}', "x must be int, got bool"),
        ('{"x": 1}', "not a test point (KeyError"),
        ('{"x": 1, "label": 5}', "label must be str or null, got int"),
        ('{"x": 1,', "malformed JSON"),
        ("[" * 100_000 + "]" * 100_000, "malformed JSON"),
    ],
)
def test_a_bad_document_is_one_input_error_naming_the_file(tmp_path, text, problem):
    path = tmp_path / "p.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        Point.read(path)
    assert problem in str(err.value) and str(err.value).startswith(str(path))


def test_a_missing_file_a_folder_and_bad_utf8_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        Point.read(tmp_path / "nope.json")
    with pytest.raises(InputError, match="is a folder, expected a test point"):
        Point.read(tmp_path)
    (tmp_path / "bad.json").write_bytes(b'{"x": "\xff"}')
    with pytest.raises(InputError, match="not UTF-8"):
        Point.read(tmp_path / "bad.json")
