"""``make real-model``'s converter without converting: where the package cannot be had it says
so in one line and what to do, and a model folder is taken as made only when its stamp
says it was made whole, from the installed GGUF file, by this version of the converter."""

from __future__ import annotations

import importlib.util
import json

import pytest

from tests.support import real_model
from tests.support.real_model import GGUF, PACKAGE, PACKAGE_PIN, RealModelError


@pytest.fixture
def no_package(monkeypatch):
    real_find = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        return None if name == PACKAGE else real_find(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_a_missing_package_is_one_line_that_says_how_to_get_it(no_package, tmp_path, capsys):
    with pytest.raises(RealModelError, match="make real-model"):
        real_model.gguf_path()
    assert real_model.main([str(tmp_path / "model")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and PACKAGE_PIN in err and "Traceback" not in err
    assert not (tmp_path / "model").exists()


def test_check_of_a_folder_never_made_says_to_make_it(no_package, tmp_path, capsys):
    assert real_model.main([str(tmp_path / "model"), "--check"]) == 1
    assert "run make real-model" in capsys.readouterr().err


def _stamped(folder, source, **changes):
    folder.mkdir()
    stamp = real_model._wanted_stamp(source) | changes
    (folder / real_model.STAMP).write_text(json.dumps(stamp), encoding="utf-8")
    return folder


def test_a_folder_is_current_only_with_the_stamp_of_this_file_and_this_converter(tmp_path):
    source = tmp_path / GGUF
    source.write_bytes(b"GGUF one")
    made = _stamped(tmp_path / "made", source)
    assert real_model.is_current(made, source)
    # another file, another converter version, a half-written folder: made again
    assert not real_model.is_current(_stamped(tmp_path / "other", source, gguf_sha256="0" * 64), source)
    assert not real_model.is_current(_stamped(tmp_path / "old", source, format=real_model.FORMAT - 1), source)
    (tmp_path / "partial").mkdir()
    assert not real_model.is_current(tmp_path / "partial", source)
    source.write_bytes(b"GGUF two")
    assert not real_model.is_current(made, source)


def test_without_the_package_a_folder_made_elsewhere_is_taken_as_it_is(no_package, tmp_path):
    source = tmp_path / GGUF
    source.write_bytes(b"GGUF one")
    made = _stamped(tmp_path / "made", source)
    assert real_model.is_current(made)
    assert not real_model.is_current(_stamped(tmp_path / "old", source, format=real_model.FORMAT + 1))
