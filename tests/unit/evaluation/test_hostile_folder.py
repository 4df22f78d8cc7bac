"""``--out`` on a folder the run does not own: refused with one line, left byte for byte as it
was (no lock file, no repair of a last line), before any request is made."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.core.errors import InputError
from curation.evaluation.config import make_config
from curation.evaluation.run import run_eval
from curation.evaluation.store import Generation, RunFolder
from tests.support.eval_support import FakeOpenAI, reference_slice, run_record

runner = CliRunner()
TORN = b'{"key": "a.jsonl:1", "run": "constraints", "sample": 0, "output": "kept"}\n{"key": "a.jsonl:2", "ru'


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every entry under ``root``: a file's bytes, None for a folder; and the modes."""
    out: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), root)] = None
        for f in filenames:
            p = Path(dirpath, f)
            out[os.path.relpath(p, root)] = p.read_bytes()
    return out


def foreign_generations(root: Path) -> None:
    root.mkdir(exist_ok=True)
    (root / "generations.jsonl").write_bytes(TORN)  # no final newline, no run.json


def foreign_files(root: Path) -> None:
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "notes.txt").write_text("my thesis, chapter 3", encoding="utf-8")
    (root / ".hidden").write_bytes(b"\x00\x01")
    (root / "sub" / "deeper" / "data.jsonl").write_text('{"a": 1}', encoding="utf-8")


def someone_elses_run(root: Path) -> None:
    with RunFolder(root, run_record(model="another-model")) as folder:
        folder.append(Generation("a.jsonl:1", "constraints", 0, "theirs"))
    with (root / "generations.jsonl").open("ab") as fh:
        fh.write(b'{"key": "a.jsonl:2", "ru')  # torn: it is theirs to repair, not ours


def a_broken_run_json(root: Path) -> None:
    foreign_generations(root)
    (root / "run.json").write_text('{"format_version": 1, "generation": ', encoding="utf-8")


def a_run_json_of_another_tool(root: Path) -> None:
    foreign_generations(root)
    (root / "run.json").write_text(json.dumps({"steps": 3, "loss": 0.1}), encoding="utf-8")


def a_run_json_folder(root: Path) -> None:
    (root / "run.json").mkdir(parents=True)


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "generations without run.json": (foreign_generations, "not a run folder of mathif eval"),
    "other files": (foreign_files, "holds .hidden, notes.txt, sub but no run.json"),
    "another run's run.json": (someone_elses_run, "this folder holds generations made with"),
    "a broken run.json": (a_broken_run_json, "malformed JSON"),
    "a run.json of another tool": (a_run_json_of_another_tool, "not a run file of mathif eval"),
    "run.json a folder": (a_run_json_folder, "run.json: is not a file"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_folder_that_is_not_this_runs_is_refused_and_left_byte_identical(tmp_path, case):
    make, problem = CASES[case]
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    make(out)
    before = snapshot(out)
    data = reference_slice(tmp_path / "d", per_file=1)
    with FakeOpenAI() as server:
        result = runner.invoke(
            app,
            [
                "eval",
                str(data),
                "--model",
                "served",
                "--backend",
                "openai",
                "--out",
                str(out),
                "--base-url",
                server.base_url,
            ],
        )
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and problem in lines[0] and "Traceback" not in result.output, result.output
    assert not server.requests
    assert snapshot(out) == before  # not even a lock file


def test_a_file_given_as_the_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    out.write_bytes(TORN)
    with pytest.raises(InputError, match="exists and is not a folder"):
        RunFolder(out, run_record())
    assert out.read_bytes() == TORN


@pytest.mark.parametrize("leftover", [[], [".lock"]])
def test_an_empty_folder_or_one_a_killed_run_left_with_only_its_lock_is_this_runs(tmp_path, leftover):
    out = tmp_path / "out"
    out.mkdir()
    for name in leftover:
        (out / name).write_bytes(b"")
    with RunFolder(out, run_record()) as folder:
        folder.append(Generation("a.jsonl:1", "constraints", 0, "mine"))
    assert (out / "run.json").is_file() and len((out / "generations.jsonl").read_bytes().splitlines()) == 1


def test_in_its_own_folder_a_run_checks_every_line_before_repairing_the_last(tmp_path):
    out = tmp_path / "out"
    with RunFolder(out, run_record()) as folder:
        folder.append(Generation("a.jsonl:1", "constraints", 0, "mine"))
    path = out / "generations.jsonl"
    with path.open("ab") as fh:
        fh.write(b"{damaged}\n" + b'{"key": "a.jsonl:3", "ru')
    before = snapshot(out)
    with pytest.raises(InputError, match=r"generations\.jsonl:2: malformed JSON"):
        RunFolder(out, run_record())
    assert snapshot(out) == before  # the torn tail is still there: nothing was repaired
    path.write_bytes(path.read_bytes().replace(b"{damaged}\n", b""))
    with RunFolder(out, run_record()) as folder:
        assert folder.dropped_tail and set(folder.done) == {("a.jsonl:1", "constraints", 0)}
    assert path.read_bytes().endswith(b"\n")


def test_a_run_with_other_settings_leaves_the_folder_as_it_was_before_any_repair(tmp_path):
    data = reference_slice(tmp_path / "d", per_file=1)
    config = make_config({"dataset": data, "model": "m", "out": tmp_path / "run", "backend": "openai"})

    class Backend:
        def generate(self, requests, sampling, emit):
            from curation.evaluation.backends import BackendReport

            for r in requests:
                for s in r.samples:
                    emit(Generation(r.key, r.run, s, "x \\boxed{1}", "stop", 1))
            return BackendReport()

        def close(self) -> None:
            pass

    run_eval(config, backend_factory=lambda _c: Backend())
    with (tmp_path / "run" / "generations.jsonl").open("ab") as fh:
        fh.write(b'{"key": "torn')
    before = snapshot(tmp_path / "run")
    other = make_config(
        {"dataset": data, "model": "m", "out": tmp_path / "run", "backend": "openai", "temperature": 0.3}
    )
    with pytest.raises(InputError, match="made with temperature = 1.0"):
        run_eval(other, backend_factory=lambda _c: Backend())
    assert snapshot(tmp_path / "run") == before
