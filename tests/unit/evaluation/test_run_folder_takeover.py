"""A run folder whose run.json records other settings but holds no generation is taken over
by the next run (its run.json rewritten, with a note); one that holds a generation is still
refused and left byte for byte as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.core.errors import InputError
from curation.evaluation import store
from curation.evaluation.store import Generation, RunFolder, holds_generations, taken_over_note
from tests.support.eval_support import FakeOpenAI, openai_eval_args, reference_slice, run_record
from tests.unit.evaluation.test_hostile_folder import snapshot

runner = CliRunner()


def first_run(root: Path, **settings) -> None:
    """A run that wrote its run.json and then made nothing (refused by the server, say)."""
    with RunFolder(root, run_record(**settings)):
        pass


@pytest.mark.parametrize(
    "generations",
    [None, b"", b"\n\n  \n", b'{"key": "a.jsonl:1", "run": "constr'],
    ids=["no file", "empty", "blank lines", "a torn line only"],
)
def test_a_folder_without_generations_is_taken_over_and_its_run_json_rewritten(tmp_path, generations):
    root = tmp_path / "run"
    first_run(root, max_tokens=16384)
    if generations is not None:
        (root / "generations.jsonl").write_bytes(generations)
    else:
        (root / "generations.jsonl").unlink()
    with RunFolder(root, run_record(max_tokens=4096)) as folder:
        assert folder.taken_over == [("max_tokens", 16384, 4096)]
        folder.append(Generation("a.jsonl:1", "constraints", 0, "made"))
    written = json.loads((root / "run.json").read_text(encoding="utf-8"))
    assert written["generation"]["max_tokens"] == 4096
    lines = (root / "generations.jsonl").read_bytes().splitlines()
    assert [json.loads(line)["output"] for line in lines if line.strip()] == ["made"]
    with RunFolder(root, run_record(max_tokens=4096)) as folder:  # now it is that run's folder
        assert folder.taken_over == [] and len(folder.done) == 1


@pytest.mark.parametrize(
    "generations",
    [
        b'{"key": "a.jsonl:1", "run": "constraints", "sample": 0, "output": "kept"}\n',
        b"\n" + b'{"key": "a.jsonl:1", "run": "constraints", "sample": 0, "output": "kept"}\n',
        b"{damaged}\n",  # a line that claims to be one: not ours to throw away
    ],
    ids=["a generation", "after a blank line", "a damaged line"],
)
def test_a_folder_with_a_generation_is_still_refused_and_left_as_it_was(tmp_path, generations):
    root = tmp_path / "run"
    first_run(root, max_tokens=16384)
    (root / "generations.jsonl").write_bytes(generations)
    before = snapshot(root)
    with pytest.raises(InputError, match="this folder holds generations made with max_tokens = 16384"):
        RunFolder(root, run_record(max_tokens=4096))
    assert snapshot(root) == before


@pytest.mark.parametrize(
    "data, holds",
    [
        (b"", False),
        (b"   \n\t\n", False),
        (b"abc", False),  # torn: no newline ends it
        (b"abc\n", True),
        (b"        \n        \nx\n", True),
        (b"          x", False),
        (b"x" * 50 + b"\n", True),  # a line longer than a read
        (b" " * 50 + b"\n" + b" " * 50, False),
    ],
)
def test_the_first_generation_line_is_found_across_reads(tmp_path, monkeypatch, data, holds):
    monkeypatch.setattr(store, "_SCAN", 4)  # every line crosses the boundary of a read
    path = tmp_path / "generations.jsonl"
    path.write_bytes(data)
    assert holds_generations(path) is holds
    assert not holds_generations(tmp_path / "missing.jsonl")


def test_the_note_shows_what_changed_and_cuts_long_values():
    note = taken_over_note(
        Path("r/run.json"),
        [("dataset_sha256", "a" * 64, "b" * 64), ("max_tokens", 16384, 4096)],
    )
    assert note == (
        "r/run.json: no generation was saved under its settings; this run takes the folder over "
        '(dataset_sha256 "aaaaaaaaaaaaaaaaaaaaaa… -> "bbbbbbbbbbbbbbbbbbbbbb…, max_tokens 16384 -> 4096) '
        "and rewrites it"
    )


def test_the_command_notes_the_takeover_and_refuses_once_a_sample_is_saved(tmp_path):
    data = reference_slice(tmp_path / "d", per_file=1)
    out = tmp_path / "run"
    first_run(out, model="served", max_tokens=16384)  # what a run refused at once leaves
    with FakeOpenAI() as server:
        taken = runner.invoke(
            app, openai_eval_args(data, out, server.base_url, "--max-tokens", "64", "--no-constraint-run")
        )
        again = runner.invoke(
            app, openai_eval_args(data, out, server.base_url, "--max-tokens", "32", "--no-constraint-run")
        )
    assert taken.exit_code == 0, taken.output
    assert (
        f"{out / 'run.json'}: no generation was saved under its settings; this run takes the folder over ("
        in (taken.stderr)
    )
    assert "max_tokens 16384 -> 64" in taken.stderr
    assert again.exit_code == 2 and "made with max_tokens = 64, this run asks for 32" in again.stderr
