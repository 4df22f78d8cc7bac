"""``mathif score`` on outside generations: keyed or aligned, checked line by line, written
as ``mathif eval`` writes a run (items, samples, summary, report, plots)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from curation.core import InputError, open_dataset
from curation.evaluation import score_generations
from tests.support.paths import REFERENCE

FILES = ("gsm8k_single.jsonl", "aime_double.jsonl")


@pytest.fixture
def data(tmp_path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for name in FILES:
        lines = (REFERENCE / name).read_text(encoding="utf-8").splitlines()[:3]
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def keys_and_golds(folder: Path) -> list[tuple[str, str]]:
    return [(f"{f.name}:{i.line}", i.answer) for f, i in open_dataset(folder).items()]


def write(path: Path, rows: list) -> Path:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_keyed_generations_in_any_order_are_scored_and_explained(data, tmp_path):
    items = keys_and_golds(data)
    gens = [
        {"key": k, "output": f"<think>t</think>So \\boxed{{{g if n % 2 else 'x'}}}"}
        for n, (k, g) in enumerate(items)
    ]
    summary = score_generations(data, write(tmp_path / "g.jsonl", gens[::-1]), tmp_path / "out")
    assert summary.items == 6 and summary.plain is None
    assert summary.correctness == pytest.approx(0.5)
    rows = lines(tmp_path / "out" / "items.jsonl")
    assert [r["key"] for r in rows] == [k for k, _ in items]  # dataset order, not the file's
    samples = lines(tmp_path / "out" / "samples.jsonl")
    assert [(s["key"], s["run"], s["sample"]) for s in samples] == [(k, "constraints", 0) for k, _ in items]
    second = samples[1]
    assert second["gold"] == items[1][1] and second["correct"] is True
    assert second["answer"] == f"So \\boxed{{{items[1][1]}}}" and second["reasoning_chars"] == 1
    assert second["extracted_answer"] is not None and samples[0]["correct"] is False
    assert len(second["follow"]) == len(second["constraint_name"]) == len(second["constraint_scope"])
    assert second["hard"] == all(second["follow"])
    for name in ("summary.json", "report.md", "plots"):
        assert (tmp_path / "out" / name).exists()


def test_a_run_folders_generations_with_both_runs_and_samples_score(data, tmp_path):
    gens = [
        {
            "key": k,
            "run": run,
            "sample": s,
            "output": f"\\boxed{{{g}}}",
            "finish_reason": "stop",
            "completion_tokens": 5,
        }
        for k, g in keys_and_golds(data)
        for run in ("constraints", "plain")
        for s in range(2)
    ]
    summary = score_generations(data, write(tmp_path / "g.jsonl", gens), tmp_path / "out")
    assert summary.samples == 12 and summary.plain is not None and summary.length_unit == "tokens"
    assert summary.correctness_without_constraints == 1.0
    samples = lines(tmp_path / "out" / "samples.jsonl")
    assert len(samples) == 24 and {s["finish_reason"] for s in samples} == {"stop"}


def test_aligned_lines_work_for_one_file_only(data, tmp_path):
    one = data / FILES[0]
    golds = [g for _, g in keys_and_golds(one)]
    summary = score_generations(
        one, write(tmp_path / "g.jsonl", [{"output": f"\\boxed{{{g}}}"} for g in golds]), tmp_path / "o"
    )
    assert summary.correctness == 1.0
    with pytest.raises(InputError, match=r"g2.jsonl:1: no 'key' field"):
        score_generations(data, write(tmp_path / "g2.jsonl", [{"output": "x"}]), tmp_path / "o2")


@pytest.mark.parametrize(
    ("rows", "where", "needle"),
    [
        (lambda k: [{"key": "nope.jsonl:1", "output": "x"}], "g.jsonl:1", "no item with key 'nope.jsonl:1'"),
        (
            lambda k: [{"key": k[0], "output": "x"}, {"key": k[0], "output": "y"}],
            "g.jsonl:2",
            "a second generation",
        ),
        (lambda k: [{"key": k[0], "output": "x"}, {"output": "y"}], "g.jsonl:2", "mixes lines"),
        (lambda k: [{"key": k[0], "run": "other", "output": "x"}], "g.jsonl:1", "field 'run'"),
        (lambda k: [{"key": k[0], "sample": 1, "output": ["a", "b"]}], "g.jsonl:1", "field 'sample'"),
        (lambda k: [{"key": k[0], "output": "x", "completion_tokens": -1}], "g.jsonl:1", "completion_tokens"),
        (lambda k: [{"key": k[0], "output": "x"}], "aime_double.jsonl:2", "no generation for this item"),
        (
            lambda k: (
                [{"key": key, "output": "x"} for key in k] + [{"key": k[0], "run": "plain", "output": "x"}]
            ),
            "g.jsonl",
            "run plain is given for 1 of 6 items",
        ),
        (lambda k: ["{oops"], "g.jsonl:1", "malformed JSON"),
        (lambda k: [], "g.jsonl", "holds no generations"),
    ],
)
def test_bad_generations_are_one_located_line_and_nothing_is_written(data, tmp_path, rows, where, needle):
    keys = [k for k, _ in keys_and_golds(data)]
    with pytest.raises(InputError) as err:
        score_generations(data, write(tmp_path / "g.jsonl", rows(keys)), tmp_path / "out")
    assert where in str(err.value) and needle in str(err.value), str(err.value)
    assert not (tmp_path / "out").exists()


def test_the_same_generations_score_the_same_on_a_copy_of_the_folder(data, tmp_path):
    gens = write(
        tmp_path / "g.jsonl", [{"key": k, "output": f"\\boxed{{{g}}}"} for k, g in keys_and_golds(data)]
    )
    copy = tmp_path / "copy"
    shutil.copytree(data, copy)
    a = score_generations(data, gens, tmp_path / "a")
    b = score_generations(copy, gens, tmp_path / "b")
    assert (tmp_path / "a" / "items.jsonl").read_bytes() == (tmp_path / "b" / "items.jsonl").read_bytes()
    assert a.hacc == b.hacc and a.correctness == b.correctness == 1.0
