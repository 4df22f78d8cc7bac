"""``mathif score`` streams and scores in worker processes: the same bytes whatever the
number of workers or the order of the generation lines, nothing of the texts held between
the two passes, nothing left behind when it fails."""

from __future__ import annotations

import json
import os
import random
import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.core import InputError, WorkerFailure, default_jobs
from curation.evaluation import score_generations
from curation.evaluation.data import load_dataset
from curation.evaluation.outside import index_generations
from curation.evaluation.workers import can_fork, chunks
from tests.support.eval_support import reference_slice
from tests.support.paths import REFERENCE

OUTPUTS = ("items.jsonl", "samples.jsonl", "summary.json", "report.md")
runner = CliRunner()


def _responses(rng: random.Random, gold: str) -> str:
    kind = rng.randrange(5)
    think = "<think>" + " ".join(rng.choice(("Let me see,", "so 6 * 7 = 42.", "WAIT.")) for _ in range(40))
    if kind == 0:
        return think  # cut off: no answer
    if kind == 1:
        return ""
    answer = gold if kind in (2, 3) else "17"
    return f"{think}</think>\nthe answer, in short, is \\boxed{{{answer}}}"


def write_generations(path: Path, data: Path, samples: int, plain: bool, seed: int = 0) -> list[str]:
    """Keyed generations for every item (and the run without constraints), shuffled."""
    rng = random.Random(seed)
    lines = []
    for e in load_dataset(data):
        for run in ("constraints", "plain") if plain else ("constraints",):
            for s in range(samples):
                row = {"key": e.key, "run": run, "sample": s, "output": _responses(rng, e.item.answer)}
                lines.append(json.dumps(row, ensure_ascii=False))
    rng.shuffle(lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    return reference_slice(tmp_path_factory.mktemp("data"), per_file=6)


def _files(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


@pytest.mark.skipif(not can_fork(), reason="workers fork")
def test_the_same_bytes_whatever_the_number_of_workers(tmp_path, dataset):
    gens = tmp_path / "gen.jsonl"
    write_generations(gens, dataset, samples=3, plain=True)
    results = {}
    for jobs in (1, 2, 5):
        out = tmp_path / f"out{jobs}"
        score_generations(dataset, gens, out, trace_scope="both", jobs=jobs)
        results[jobs] = _files(out)
        assert not [p.name for p in out.iterdir() if p.name.startswith(".")], "part files left behind"
    assert results[1] == results[2] == results[5]
    rows = [json.loads(x) for x in results[1]["samples.jsonl"].splitlines()]
    assert len(rows) == 12 * 3 * 2  # 12 items, 3 samples, 2 runs
    # item order, then the run with constraints, then sample order
    keys = [e.key for e in load_dataset(dataset)]
    assert [r["key"] for r in rows[::6]] == keys
    assert [(r["run"], r["sample"]) for r in rows[:6]] == [
        ("constraints", 0),
        ("constraints", 1),
        ("constraints", 2),
        ("plain", 0),
        ("plain", 1),
        ("plain", 2),
    ]


def test_line_order_of_the_generations_does_not_matter(tmp_path, dataset):
    lines = write_generations(tmp_path / "a.jsonl", dataset, samples=2, plain=False, seed=1)
    (tmp_path / "b.jsonl").write_text("\n".join(sorted(lines)) + "\n", encoding="utf-8")
    score_generations(dataset, tmp_path / "a.jsonl", tmp_path / "a", model="m", jobs=1)
    score_generations(dataset, tmp_path / "b.jsonl", tmp_path / "b", model="m", jobs=2)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_the_index_keeps_places_not_texts(tmp_path, dataset):
    lines = write_generations(tmp_path / "gen.jsonl", dataset, samples=2, plain=False)
    items = load_dataset(dataset)
    index = index_generations(tmp_path / "gen.jsonl", items, single_file=False)
    refs = [ref for samples in index.refs.values() for ref in samples]
    assert len(refs) == len(lines)
    assert all(len(ref) == 4 and all(type(x) is int for x in ref) for ref in refs)
    # and reads each sample back from its place
    e = items[3]
    want = sorted((json.loads(x) for x in lines if json.loads(x)["key"] == e.key), key=lambda r: r["sample"])
    assert [g.output for g in index.of(e.key, "constraints")] == [r["output"] for r in want]


def test_a_file_changed_while_scoring_is_one_error(tmp_path, dataset):
    write_generations(tmp_path / "gen.jsonl", dataset, samples=1, plain=False)
    items = load_dataset(dataset)
    index = index_generations(tmp_path / "gen.jsonl", items, single_file=False)
    (tmp_path / "gen.jsonl").write_text("{}\n", encoding="utf-8")
    with pytest.raises(InputError, match="changed while it was being scored"):
        for e in items:
            index.of(e.key, "constraints")


def _fail_at(monkeypatch, tmp_path, dataset, at: int, fail) -> None:
    """Generations for every item, and workers whose ``score_one`` calls ``fail()`` at item ``at``."""
    import curation.evaluation.workers as workers

    write_generations(tmp_path / "gen.jsonl", dataset, samples=1, plain=False)
    real = workers.score_one

    def failing(index, *args):
        if index == at:
            fail()
        return real(index, *args)

    monkeypatch.setattr(workers, "score_one", failing)


def _raise(err: BaseException):
    def fail():
        raise err

    return fail


@pytest.mark.skipif(not can_fork(), reason="workers fork")
def test_a_failing_worker_leaves_no_partial_files(tmp_path, dataset, monkeypatch):
    _fail_at(monkeypatch, tmp_path, dataset, 7, _raise(RuntimeError("boom")))
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="boom"):
        score_generations(dataset, tmp_path / "gen.jsonl", out, jobs=2)
    assert list(out.iterdir()) == []  # no items.jsonl or samples.jsonl half written, no parts


@pytest.mark.skipif(not can_fork(), reason="workers fork")
def test_a_killed_worker_is_one_error_not_a_hang(tmp_path, dataset, monkeypatch):
    # as the kernel's out-of-memory killer would
    _fail_at(monkeypatch, tmp_path, dataset, 7, lambda: os.kill(os.getpid(), signal.SIGKILL))
    # a handler in the parent that ignores SIGTERM (a server's, a test runner's) is inherited
    # by forked workers: ending them must not depend on it
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        out = tmp_path / "out"
        with pytest.raises(WorkerFailure, match="killed by signal 9 .out of memory"):
            score_generations(dataset, tmp_path / "gen.jsonl", out, jobs=2)
        assert list(out.iterdir()) == []
    finally:
        signal.signal(signal.SIGTERM, previous)
    result = runner.invoke(
        app,
        [
            "score",
            "--data",
            str(dataset),
            "--generations",
            str(tmp_path / "gen.jsonl"),
            "--out",
            str(out),
            "-j",
            "2",
        ],
    )
    assert result.exit_code == 1 and "a scoring worker" in result.output and "Traceback" not in result.output


@pytest.mark.skipif(not can_fork(), reason="workers fork")
def test_bad_input_found_in_a_worker_is_the_same_one_line(tmp_path, dataset, monkeypatch):
    bad = InputError(tmp_path / "gen.jsonl", 12, "changed while it was being scored")
    _fail_at(monkeypatch, tmp_path, dataset, 3, _raise(bad))
    with pytest.raises(InputError) as caught:
        score_generations(dataset, tmp_path / "gen.jsonl", tmp_path / "out", jobs=2)
    assert (caught.value.path, caught.value.line) == (str(tmp_path / "gen.jsonl"), 12)
    assert str(caught.value).endswith("gen.jsonl:12: changed while it was being scored")


@pytest.mark.parametrize("n", [0, 1, 5, 17, 100])
@pytest.mark.parametrize("jobs", [1, 2, 16])
def test_chunks_cover_every_item_once_in_order(n, jobs):
    cut = chunks(n, jobs)
    assert [i for start, stop in cut for i in range(start, stop)] == list(range(n))
    assert all(stop > start for start, stop in cut)


def test_cli_jobs_option(tmp_path, dataset):
    write_generations(tmp_path / "gen.jsonl", dataset, samples=1, plain=False)
    args = ["score", "--data", str(dataset), "--generations", str(tmp_path / "gen.jsonl")]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "a"), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "b"), "--jobs", "-1"])
    assert result.exit_code == 2
    help_text = runner.invoke(app, ["score", "--help"], terminal_width=200).output
    assert "--jobs" in help_text and f"here {default_jobs()}" in help_text and "default: 0" in help_text


def test_no_plots_draws_none_and_removes_an_earlier_runs(tmp_path, dataset):
    write_generations(tmp_path / "gen.jsonl", dataset, samples=1, plain=False)
    out = tmp_path / "out"
    score_generations(dataset, tmp_path / "gen.jsonl", out, model="m", jobs=1)
    with_plots = _files(out)
    assert sorted(p.name for p in (out / "plots").iterdir())
    assert "plots/" in with_plots["report.md"].decode()
    score_generations(dataset, tmp_path / "gen.jsonl", out, model="m", jobs=1, plots=False)
    assert list((out / "plots").iterdir()) == []
    without = _files(out)
    assert "plots/" not in without["report.md"].decode()
    assert {k: v for k, v in without.items() if k != "report.md"} == {
        k: v for k, v in with_plots.items() if k != "report.md"
    }


def test_ungradable_golds_are_left_out_and_counted(tmp_path):
    from curation.scoring import is_gradable

    rows = [json.loads(x) for x in (REFERENCE / "minerva_single.jsonl").read_text().splitlines() if x]
    bad = [r for r in rows if not is_gradable(r["answer"])]
    good = [r for r in rows if is_gradable(r["answer"])][:3]
    assert bad, "MathIF's Minerva golds include ones that cannot be graded"
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in [*good, bad[0]]), encoding="utf-8")
    gens = tmp_path / "g.jsonl"
    answers = [f"<think>t</think>\\boxed{{{r['answer']}}}" for r in [*good, bad[0]]]
    gens.write_text("".join(json.dumps({"output": a}) + "\n" for a in answers), encoding="utf-8")
    summary = score_generations(data, gens, tmp_path / "out", jobs=1)
    items = [json.loads(x) for x in (tmp_path / "out" / "items.jsonl").read_text().splitlines()]
    assert [r["correct"] for r in items] == [True, True, True, None]
    samples = [json.loads(x) for x in (tmp_path / "out" / "samples.jsonl").read_text().splitlines()]
    assert samples[-1]["grading"] == "not-gradable" and samples[-1]["correct"] is None
    assert summary.ungraded == 1 and summary.correctness == 1.0  # 3 of 3 gradable, not 3 of 4
    assert (
        "1 item(s) have a gold answer that cannot be graded" in (tmp_path / "out" / "report.md").read_text()
    )


def test_grade_timeouts_are_counted(tmp_path, dataset, monkeypatch):
    import curation.scoring.score as score_module
    from curation.scoring import GradeResult

    write_generations(tmp_path / "gen.jsonl", dataset, samples=1, plain=False)
    monkeypatch.setattr(
        score_module, "grade_result", lambda a, g: GradeResult(False, None, "timeout", "boxed")
    )
    summary = score_generations(dataset, tmp_path / "gen.jsonl", tmp_path / "out", jobs=1)
    assert summary.grade_timeouts == 12 and summary.correctness == 0.0
    assert "took longer to grade than the time limit" in (tmp_path / "out" / "report.md").read_text()
