"""``mathif eval`` and ``mathif compare`` without a model: settings, datasets, the run folder,
planning, resuming, scoring, reports and the CLI's errors (a scripted in-process backend)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from constraints import make_instance
from curation.cli import app
from curation.core.errors import InputError
from curation.core.items import item_from_dict
from curation.core.prompts import DEFAULT_TEMPLATE, render_prompt
from curation.evaluation.backends import BackendReport, Failure, GenRequest, chat_messages, prompt_seed
from curation.evaluation.config import ChatOptions, Sampling, make_config
from curation.evaluation.data import load_dataset, prompts_of
from curation.evaluation.records import RunRecord
from curation.evaluation.report.plots import PLOTS
from curation.evaluation.run import EvalIncomplete, plan_requests, run_eval
from curation.evaluation.score import SampleLength, score_eval
from curation.evaluation.store import Generation, RunFolder
from curation.evaluation.summary import EvalSummary, LengthBin, RunDescription, length_bins, summary_of
from tests.support.eval_support import reference_slice, run_record

runner = CliRunner()
COT = "Let's think step by step and output the final answer within \\boxed{}."


def item_row(
    constraints: list[tuple[str, Any]], question: str = "What is 2+3?", answer: str = "5", **extra: Any
) -> dict:
    insts = [make_instance(cid, args) for cid, args in constraints]
    return {
        "source": extra.pop("source", "src"),
        "id": extra.pop("id", "x-0"),
        "question": question,
        "answer": answer,
        "constraint_desc": [i.describe() for i in insts],
        "constraint_name": [i.id for i in insts],
        "constraint_args": [i.args_json() for i in insts],
        **extra,
    }


def write_rows(path: Path, rows: Sequence[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8"
    )
    return path


class ScriptedBackend:
    """Answers every sample with ``text(request, sample)``; can fail or stop part-way."""

    def __init__(
        self,
        text: Callable[[GenRequest, int], str] = lambda r, s: f"<think>t</think>answer {s} \\boxed{{5}}",
        fail: Callable[[GenRequest], bool] = lambda r: False,
        interrupt_after: int | None = None,
    ):
        self.text, self.fail, self.interrupt_after = text, fail, interrupt_after
        self.requests: list[GenRequest] = []
        self.emitted: list[tuple[str, str, int]] = []
        self.closed = False

    def generate(self, requests: Sequence[GenRequest], sampling: Sampling, emit) -> BackendReport:
        report = BackendReport()
        for r in requests:
            self.requests.append(r)
            if self.fail(r):
                report.failures.append(Failure(r, "scripted failure"))
                continue
            for s in r.samples:
                if self.interrupt_after is not None and len(self.emitted) >= self.interrupt_after:
                    raise KeyboardInterrupt
                emit(Generation(r.key, r.run, s, self.text(r, s), "stop", 3 + s))
                self.emitted.append((r.key, r.run, s))
        return report

    def close(self) -> None:
        self.closed = True


def config(tmp_path: Path, dataset: Path, **flags: Any):
    base = {"dataset": dataset, "model": "m", "out": tmp_path / "run", "backend": "openai"}
    return make_config(base | flags)


def never(_config):
    raise AssertionError("no backend should be needed: nothing is missing")


# settings ---------------------------------------------------------------------------------


def test_defaults_are_mathifs_sampling(tmp_path):
    c = config(tmp_path, tmp_path)
    assert (c.sampling.temperature, c.sampling.top_p, c.sampling.max_tokens) == (1.0, 0.95, 16384)
    assert c.runs == ("constraints", "plain") and c.trace_scope == "answer" and not c.vllm.trust_remote_code


def test_run_file_sets_everything_and_flags_win(tmp_path):
    run = tmp_path / "run.toml"
    run.write_text(
        'model = "from-file"\nout = "o"\ndataset = "d"\ntemperature = 0.6\nsamples = 4\n'
        'base-url = ["http://a:1/v1", "http://b:2/v1"]\nconstraint_run = false\ntensor-parallel-size = 2\n',
        encoding="utf-8",
    )
    c = make_config({"temperature": 0.2, "model": None}, run)
    assert c.model == "from-file" and c.sampling.temperature == 0.2 and c.sampling.samples == 4
    assert c.openai.base_urls == ("http://a:1/v1", "http://b:2/v1") and c.runs == ("constraints",)
    assert c.vllm.tensor_parallel_size == 2


def test_chat_options_from_a_run_file_or_flags(tmp_path):
    assert config(tmp_path, tmp_path).chat == ChatOptions(None, None)  # MathIF: the prompt alone
    run = tmp_path / "run.toml"
    run.write_text(
        'system-prompt = "You are careful."\n[chat_template_kwargs]\nenable_thinking = true\n',
        encoding="utf-8",
    )
    c = make_config({"dataset": tmp_path, "model": "m", "out": tmp_path}, run)
    assert c.chat == ChatOptions("You are careful.", {"enable_thinking": True})
    c = make_config(
        {"dataset": tmp_path, "model": "m", "out": tmp_path, "chat_template_kwargs": '{"thinking": false}'},
        run,
    )
    assert c.chat.chat_template_kwargs == {"thinking": False}  # the flag wins, parsed as JSON
    assert chat_messages("P", c.chat) == [
        {"role": "system", "content": "You are careful."},
        {"role": "user", "content": "P"},
    ]
    assert chat_messages("P", ChatOptions()) == [{"role": "user", "content": "P"}]
    empty = make_config({"dataset": tmp_path, "model": "m", "out": tmp_path, "chat_template_kwargs": "{}"})
    assert empty.chat == ChatOptions()  # no arguments: the same settings as none given


@pytest.mark.parametrize(
    "text, problem",
    [
        ('modle = "x"', "modle: unknown key"),
        ('api_key = "sk-123"', "environment only"),
        ('samples = "two"', "samples: expected an integer"),
        ("temperature = [", "malformed TOML"),
        ('chat_template_kwargs = "yes"', "chat_template_kwargs: expected a JSON object"),
        ("chat_template_kwargs = {when = 1979-05-27}", "plain JSON values"),
    ],
)
def test_bad_run_files_name_the_file_and_key(tmp_path, text, problem):
    run = tmp_path / "run.toml"
    run.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        make_config({"dataset": tmp_path, "model": "m", "out": tmp_path}, run)
    assert str(run) in str(err.value) and problem in str(err.value)


@pytest.mark.parametrize(
    "flags, problem",
    [
        ({"backend": "tgi"}, "--backend"),
        ({"top_p": 0.0}, "--top-p"),
        ({"samples": 0}, "--samples"),
        ({"trace_scope": "all"}, "--trace-scope"),
        ({"base_url": ["127.0.0.1:8000"]}, "--base-url"),
        ({"model": None}, "--model is required"),
        (
            {"chat_template_kwargs": "{enable_thinking: true}"},
            "--chat-template-kwargs: expected a JSON object",
        ),
        ({"chat_template_kwargs": "[1, 2]"}, "--chat-template-kwargs: expected a JSON object"),
    ],
)
def test_bad_flags_are_refused(tmp_path, flags, problem):
    with pytest.raises(InputError, match=problem):
        config(tmp_path, tmp_path, **flags)


# datasets and prompts ---------------------------------------------------------------------


def test_mathif_files_get_mathifs_prompt_and_unique_keys(tmp_path):
    row = item_row([("punctuation:no_comma", None), ("change_case:english_lowercase", None)])
    path = write_rows(tmp_path / "d" / "a.jsonl", [row, row])  # MathIF's ids repeat
    items = load_dataset(tmp_path / "d")
    assert [e.key for e in items] == ["a.jsonl:1", "a.jsonl:2"]
    descs = " ".join(d.strip() for d in row["constraint_desc"])
    assert items[0].prompt == f"What is 2+3? {COT} {descs}"
    assert items[0].plain_prompt == f"What is 2+3? {COT}"
    assert items[0].prompt_for("plain") == items[0].plain_prompt
    assert path.exists()


def test_built_rows_keep_their_prompt_and_drop_the_constraints_for_the_plain_run(tmp_path):
    row = item_row([("punctuation:no_comma", None)])
    ours = render_prompt(DEFAULT_TEMPLATE, row["question"], row["constraint_desc"])
    custom = f"Solve: {row['question']} Rules: {row['constraint_desc'][0]} Answer in a box."
    items = [item_from_dict(row | {"prompt": p}, "f.jsonl", 1) for p in (ours, custom)]
    assert prompts_of(items[0]) == (ours, f"What is 2+3? {COT}")
    assert prompts_of(items[1]) == (custom, "Solve: What is 2+3? Rules: Answer in a box.")
    broken = item_from_dict(row | {"prompt": "no descriptions here"}, "f.jsonl", 7)
    with pytest.raises(InputError, match=r"f\.jsonl:7: .*constraint descriptions"):
        prompts_of(broken)


def test_limit_takes_the_first_items_of_each_file(tmp_path):
    data = reference_slice(tmp_path / "d", per_file=5)
    items = load_dataset(data, limit=2)
    assert [e.key for e in items] == [
        "gsm8k_single.jsonl:1",
        "gsm8k_single.jsonl:2",
        "math500_double.jsonl:1",
        "math500_double.jsonl:2",
    ]


def test_the_published_release_loads_with_unique_keys():
    from tests.support.paths import REFERENCE

    items = load_dataset(REFERENCE)
    assert len(items) == 420 and len({e.key for e in items}) == 420
    assert all(e.prompt.startswith(e.item.question.strip()) and e.plain_prompt in e.prompt for e in items)


# the run folder -----------------------------------------------------------------------------


def test_generations_survive_reopening_and_a_torn_last_line_is_dropped(tmp_path):
    with RunFolder(tmp_path / "r", run_record()) as f:
        f.append(Generation("a.jsonl:1", "constraints", 0, "one"))
        f.append(Generation("a.jsonl:1", "constraints", 0, "duplicate ignored"))
        f.append(Generation("a.jsonl:1", "plain", 0, "two", "length", 9))
    path = tmp_path / "r" / "generations.jsonl"
    assert len(path.read_text(encoding="utf-8").splitlines()) == 2
    with path.open("ab") as fh:  # what a kill during a write leaves
        fh.write(b'{"key": "a.jsonl:2", "run": "constr')
    with RunFolder(tmp_path / "r", run_record()) as f:
        assert f.dropped_tail
        assert set(f.done) == {("a.jsonl:1", "constraints", 0), ("a.jsonl:1", "plain", 0)}
        assert f.done[("a.jsonl:1", "plain", 0)].completion_tokens == 9
        f.append(Generation("a.jsonl:2", "constraints", 0, "three"))
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [r["output"] for r in rows] == ["one", "two", "three"]


def test_a_damaged_line_inside_the_file_is_an_error_with_its_line(tmp_path):
    record = run_record()
    record.write(tmp_path / "r" / "run.json")
    record.write(tmp_path / "s" / "run.json")
    write_rows(
        tmp_path / "r" / "generations.jsonl",
        [
            {"key": "k", "run": "constraints", "sample": 0, "output": "x"},
            "{oops",
            {"key": "k", "run": "plain", "sample": 0, "output": "y"},
        ],
    )
    with pytest.raises(InputError, match=r"generations\.jsonl:2: malformed JSON"):
        RunFolder(tmp_path / "r", record)
    write_rows(
        tmp_path / "s" / "generations.jsonl", [{"key": "k", "run": "other", "sample": 0, "output": "x"}]
    )
    with pytest.raises(InputError, match=r"generations\.jsonl:1: field 'run'"):
        RunFolder(tmp_path / "s", record)


def test_two_runs_cannot_write_into_one_folder(tmp_path):
    with RunFolder(tmp_path / "r", run_record()):
        with pytest.raises(InputError, match="another mathif eval"):
            RunFolder(tmp_path / "r", run_record())
    with RunFolder(tmp_path / "r", run_record()):  # released on close
        pass


# planning ------------------------------------------------------------------------------------


def test_missing_samples_are_planned_with_the_seeds_they_would_have_had(tmp_path):
    data = reference_slice(tmp_path / "d", per_file=2)
    items = load_dataset(data)
    sampling = Sampling(samples=3, seed=7)
    key = items[0].key
    done = {(key, "constraints", 1): None} | {
        (e.key, r, s): None for e in items[1:] for r in ("constraints", "plain") for s in range(3)
    }
    plan = list(plan_requests(items, ("constraints", "plain"), sampling, done))
    base_c, base_p = prompt_seed(7, key, "constraints"), prompt_seed(7, key, "plain")
    assert [(r.run, r.samples, r.seed) for r in plan] == [
        ("constraints", (0,), base_c),
        ("constraints", (2,), base_c + 2),
        ("plain", (0, 1, 2), base_p),
    ]
    assert plan[2].prompt == items[0].plain_prompt and plan[0].prompt == items[0].prompt
    assert prompt_seed(7, key, "constraints") != prompt_seed(8, key, "constraints")
    assert not list(plan_requests(items[1:], ("constraints", "plain"), sampling, done))


# generate, resume, refuse ----------------------------------------------------------------------


def test_a_run_generates_scores_and_writes_everything(tmp_path):
    data = reference_slice(tmp_path / "d", per_file=3)
    c = config(tmp_path, data, samples=2)
    backend = ScriptedBackend()
    outcome = run_eval(c, backend_factory=lambda _c: backend)
    assert backend.closed and outcome.generated == 6 * 2 * 2 and outcome.reused == 0
    assert all(r.n == 2 for r in backend.requests) and len(backend.requests) == 12
    out = tmp_path / "run"
    assert len((out / "generations.jsonl").read_text(encoding="utf-8").splitlines()) == 24
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for key in ("hacc", "sacc", "correctness", "correctness_without_constraints"):
        assert 0.0 <= summary[key] <= 1.0
    assert summary["items"] == 6 and summary["samples"] == 12 and summary["run"]["model"] == "m"
    rows = [json.loads(line) for line in (out / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["key"] for r in rows][:2] == ["gsm8k_single.jsonl:1", "gsm8k_single.jsonl:2"]
    assert all(len(r["samples"]) == 2 and "plain" in r for r in rows)
    report = (out / "report.md").read_text(encoding="utf-8")
    links = [line.split("](")[1].rstrip(")") for line in report.splitlines() if line.startswith("![")]
    drawn = {f"plots/{name}" for key, name in PLOTS.items() if key != "scope"}  # answer scope only
    assert set(links) == drawn and all((out / link).stat().st_size > 5000 for link in links)
    assert all((out / link).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for link in links)
    # the same command again generates nothing and rescoring gives the same summary
    again = run_eval(c, backend_factory=never)
    assert again.generated == 0 and again.reused == 24
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == summary


def test_an_interrupted_run_resumes_with_only_what_is_missing(tmp_path):
    data = reference_slice(tmp_path / "d", per_file=3)
    c = config(tmp_path, data)
    first = ScriptedBackend(interrupt_after=5)
    with pytest.raises(KeyboardInterrupt):
        run_eval(c, backend_factory=lambda _c: first)
    assert first.closed
    path = tmp_path / "run" / "generations.jsonl"
    kept = path.read_text(encoding="utf-8")
    assert len(kept.splitlines()) == 5
    second = ScriptedBackend()
    outcome = run_eval(c, backend_factory=lambda _c: second)
    asked = {(r.key, r.run, s) for r in second.requests for s in r.samples}
    assert outcome.generated == 7 and len(asked) == 7
    assert not asked & set(first.emitted)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(kept) and len(text.splitlines()) == 12
    ids = [(r["key"], r["run"], r["sample"]) for r in map(json.loads, text.splitlines())]
    assert len(set(ids)) == 12


def test_failed_samples_leave_the_run_incomplete_and_are_retried_next_time(tmp_path):
    data = reference_slice(tmp_path / "d", per_file=2)
    c = config(tmp_path, data, constraint_run=False)
    flaky = ScriptedBackend(fail=lambda r: r.key == "gsm8k_single.jsonl:2")
    with pytest.raises(
        EvalIncomplete,
        match=r"1 of 4 samples could not be generated .*gsm8k_single\.jsonl:2.*scripted failure",
    ):
        run_eval(c, backend_factory=lambda _c: flaky)
    assert not (tmp_path / "run" / "summary.json").exists()
    healthy = ScriptedBackend()
    run_eval(c, backend_factory=lambda _c: healthy)
    assert [(r.key, r.samples) for r in healthy.requests] == [("gsm8k_single.jsonl:2", (0,))]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"temperature": 0.7}, "temperature"),
        ({"top_p": 0.9}, "top_p"),
        ({"max_tokens": 100}, "max_tokens"),
        ({"samples": 2}, "samples"),
        ({"seed": 1}, "seed"),
        ({"model": "other"}, "model"),
        ({"limit": 1}, "dataset_sha256"),
        ({"system_prompt": "Be brief."}, "system_prompt"),
        ({"chat_template_kwargs": '{"enable_thinking": false}'}, "chat_template_kwargs"),
    ],
)
def test_settings_that_change_generations_are_refused(tmp_path, change, field):
    data = reference_slice(tmp_path / "d", per_file=2)
    run_eval(config(tmp_path, data), backend_factory=lambda _c: ScriptedBackend())
    before = (tmp_path / "run" / "generations.jsonl").read_bytes()
    with pytest.raises(InputError) as err:
        run_eval(config(tmp_path, data, **change), backend_factory=never)
    assert f"made with {field} = " in str(err.value) and "run.json" in str(err.value)
    assert (tmp_path / "run" / "generations.jsonl").read_bytes() == before


def test_settings_that_do_not_change_generations_may_change(tmp_path):
    data = reference_slice(tmp_path / "d", per_file=2)
    run_eval(config(tmp_path, data), backend_factory=lambda _c: ScriptedBackend())
    other = config(
        tmp_path,
        data,
        concurrency=3,
        timeout=5.0,
        base_url=["http://127.0.0.1:9/v1"],
        trace_scope="both",
        think_mode="last",
    )
    outcome = run_eval(other, backend_factory=never)
    assert outcome.summary.both_scope is not None and outcome.generated == 0


# scoring -------------------------------------------------------------------------------------------


def test_scores_with_and_without_constraints_and_on_the_reasoning_trace(tmp_path):
    row = item_row([("change_case:english_lowercase", None), ("punctuation:no_comma", None)])
    data = write_rows(tmp_path / "d" / "a.jsonl", [row, row | {"source": "other"}])
    outputs = {
        ("constraints", "a.jsonl:1"): "<think>SHOUTING, WITH COMMAS</think>so the answer is \\boxed{5}",
        (
            "constraints",
            "a.jsonl:2",
        ): "<think>we add two and three and we get the number five as the final result</think>THE ANSWER, \\boxed{4}",
        ("plain", "a.jsonl:1"): "<think>x</think>\\boxed{5}",
        ("plain", "a.jsonl:2"): "<think>x</think>\\boxed{5}",
    }
    backend = ScriptedBackend(text=lambda r, s: outputs[(r.run, r.key)])
    s = run_eval(config(tmp_path, data, trace_scope="both"), backend_factory=lambda _c: backend).summary
    assert (s.hacc, s.sacc, s.correctness) == (0.5, 0.5, 0.5)
    assert s.correctness_without_constraints == 1.0
    assert s.by_source["src"].hacc == 1.0 and s.by_source["other"].hacc == 0.0
    assert s.by_source["other"].correctness_without_constraints == 1.0
    assert s.by_constraint["punctuation:no_comma"].follow == 0.5
    # reasoning of item 1 shouts with commas, of item 2 follows both
    assert s.reasoning_scope and (s.reasoning_scope.hacc, s.reasoning_scope.sacc) == (0.5, 0.5)
    assert s.both_scope and s.both_scope.hacc == 0.0 and s.both_scope.sacc == 0.0
    assert EvalSummary.read(tmp_path / "run" / "summary.json") == s
    report = (tmp_path / "run" / "report.md").read_text(encoding="utf-8")
    assert "| correctness, no constraints in the prompt | 100.00 |" in report
    assert "| what the constraints cost in correctness (points) | +50.00 |" in report
    assert "## Constraints checked on the reasoning trace" in report


def test_length_bins_show_following_falling_with_length():
    lengths = [SampleLength(n, n < 50, 1.0 if n < 50 else 0.5, True) for n in range(100)]
    bins = length_bins(lengths, bins=4)
    assert [b.samples for b in bins] == [25, 25, 25, 25]
    assert [b.hacc for b in bins] == [1.0, 1.0, 0.0, 0.0]
    assert bins[0].min == 0 and bins[-1].max == 99
    assert length_bins(lengths[:2], bins=6) == length_bins(lengths[:2], bins=2)
    capped = [SampleLength(n, True, 1.0, False) for n in (3, 5, 9)] + [
        SampleLength(96, False, 0.0, False)
    ] * 9
    bins = length_bins(capped, bins=4)  # ties at the token limit are not split over several bins
    assert [(b.min, b.max, b.samples) for b in bins] == [(3, 9, 3), (96, 96, 9)]
    assert all(LengthBin.from_dict(b.to_dict()) == b for b in bins)
    assert length_bins([], bins=4) == []


def test_lengths_are_tokens_when_every_sample_has_a_count(tmp_path):
    data = reference_slice(tmp_path / "d", per_file=1)
    items = load_dataset(data)
    done = {(e.key, "constraints", 0): Generation(e.key, "constraints", 0, "abc", "stop", 11) for e in items}
    scores = score_eval(items, ("constraints",), done, 1)
    assert scores.length_unit == "tokens" and {x.length for x in scores.lengths} == {11}
    done[(items[0].key, "constraints", 0)] = Generation(items[0].key, "constraints", 0, "abcd")
    scores = score_eval(items, ("constraints",), done, 1)
    assert scores.length_unit == "characters" and sorted(x.length for x in scores.lengths) == [3, 4]
    run = RunDescription("m", "vllm", "d", ["constraints"], {}, "mathif", False, "answer")
    summary = summary_of(scores, run)
    assert summary.correctness_without_constraints is None
    assert summary.to_dict()["correctness_without_constraints"] is None


# compare -----------------------------------------------------------------------------------------


def test_compare_puts_runs_side_by_side(tmp_path):
    data = reference_slice(tmp_path / "d", per_file=2)
    good = ScriptedBackend(text=lambda r, s: "<think>x</think>\\boxed{5}")
    run_eval(
        make_config({"dataset": data, "model": "good", "out": tmp_path / "a"}),
        backend_factory=lambda _c: good,
    )
    run_eval(
        make_config({"dataset": data, "model": "bad", "out": tmp_path / "b"}),
        backend_factory=lambda _c: ScriptedBackend(text=lambda r, s: ""),
    )
    result = runner.invoke(
        app, ["compare", str(tmp_path / "b"), str(tmp_path / "a"), "--out", str(tmp_path / "cmp")]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads((tmp_path / "cmp" / "compare.json").read_text(encoding="utf-8"))
    assert [r["model"] for r in rows] == ["good", "bad"]  # sorted by HAcc
    assert rows[1]["hacc"] == 0.0 and rows[1]["correctness"] == 0.0
    assert (tmp_path / "cmp" / "compare.png").read_bytes()[:4] == b"\x89PNG"
    assert "| a | good |" in (tmp_path / "cmp" / "compare.md").read_text(encoding="utf-8")


# the CLI's errors: one line, exit 2, no traceback ----------------------------------------------------


def mathif(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).parent / "mathif"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path):
    data = write_rows(tmp_path / "d" / "a.jsonl", [item_row([("punctuation:no_comma", None)]), "{not json"])
    cases = [
        (
            ["eval", str(data), "--model", "m", "--out", str(tmp_path / "o"), "--backend", "openai"],
            "a.jsonl:2: malformed JSON",
        ),
        (["eval", str(data), "--out", str(tmp_path / "o")], "--model is required"),
        (["eval", str(data), "--model", "m", "--out", str(tmp_path / "o"), "--backend", "tgi"], "--backend"),
        (["eval", str(tmp_path / "nope"), "--model", "m", "--out", str(tmp_path / "o")], "no such file"),
        (["compare", str(tmp_path / "d")], "summary.json: no such file"),
    ]
    for args, problem in cases:
        proc = mathif(*args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and problem in lines[0] and "Traceback" not in proc.stderr, (args, proc.stderr)


# the vllm backend's hand-over to the engine (the real engine runs in test_eval_vllm.py) -------


class FakeEngine:
    """Just enough of ``vllm.LLM`` for ``run_requests``: records what it is handed."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.llm_engine = self
        self._pending: list[str] = []

    def enqueue_chat(self, messages, params, use_tqdm, chat_template_kwargs):
        self.calls.append({"messages": messages, "kwargs": chat_template_kwargs, "n": params[0].n})
        rid = str(len(self.calls) - 1)
        self._pending.append(rid)
        return [f"{rid}-0a1b2c3d"]

    def has_unfinished_requests(self) -> bool:
        return bool(self._pending)

    def step(self):
        from types import SimpleNamespace

        rid = self._pending.pop(0)
        n = self.calls[int(rid)]["n"]
        outputs = [
            SimpleNamespace(index=i, text=f"out {rid}.{i}", finish_reason="stop", token_ids=[1, 2])
            for i in range(n)
        ]
        return [SimpleNamespace(request_id=rid, finished=True, outputs=outputs)]


def test_vllm_requests_carry_the_chat_options_to_the_engine():
    pytest.importorskip("vllm")
    from curation.evaluation.backends.vllm_backend import run_requests

    reqs = [
        GenRequest("f.jsonl:1", "constraints", "P1", (0, 1), 7),
        GenRequest("f.jsonl:2", "plain", "P2", (0,), 9),
    ]
    engine, got = FakeEngine(), []
    chat = ChatOptions("You are careful.", {"enable_thinking": True})
    report = run_requests(engine, reqs, Sampling(samples=2), got.append, chat)
    assert not report.failures
    assert [c["messages"] for c in engine.calls] == [
        [[{"role": "system", "content": "You are careful."}, {"role": "user", "content": "P1"}]],
        [[{"role": "system", "content": "You are careful."}, {"role": "user", "content": "P2"}]],
    ]
    assert [c["kwargs"] for c in engine.calls] == [{"enable_thinking": True}] * 2
    assert [(g.key, g.sample, g.output) for g in got] == [
        ("f.jsonl:1", 0, "out 0.0"),
        ("f.jsonl:1", 1, "out 0.1"),
        ("f.jsonl:2", 0, "out 1.0"),
    ]
    plain = FakeEngine()
    run_requests(plain, reqs[:1], Sampling(samples=2), lambda g: None)
    assert (
        plain.calls[0]["messages"] == [[{"role": "user", "content": "P1"}]]
        and plain.calls[0]["kwargs"] is None
    )


def test_an_error_names_its_file_and_line_and_a_flag_error_stands_alone():
    assert str(InputError("data.jsonl", 3, "malformed JSON")) == "data.jsonl:3: malformed JSON"
    assert str(InputError("run.toml", None, "no such run file")) == "run.toml: no such run file"
    assert str(InputError(None, None, "--top-p: must be in (0, 1]")) == "--top-p: must be in (0, 1]"


@pytest.mark.parametrize(
    "edit, problem",
    [
        (lambda doc: doc | {"format_version": 7}, "run file of mathif eval of format_version 7"),
        (lambda doc: {"generation": doc["generation"]}, "not a run file of mathif eval (KeyError: 'info')"),
        (lambda doc: doc | {"generation": {**doc["generation"], "seed": "0"}}, "seed must be int"),
    ],
)
def test_a_run_file_of_another_format_or_shape_is_refused_and_nothing_changes(tmp_path, edit, problem):
    data = reference_slice(tmp_path / "d", per_file=1)
    run_eval(config(tmp_path, data), backend_factory=lambda _c: ScriptedBackend())
    run_json = tmp_path / "run" / "run.json"
    recorded = RunRecord.read(run_json)
    assert json.loads(run_json.read_text())["format_version"] == 1
    run_json.write_text(json.dumps(edit(json.loads(recorded.to_json()))), encoding="utf-8")
    before = {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir() if p.is_file()}
    with pytest.raises(InputError) as err:
        run_eval(config(tmp_path, data), backend_factory=never)
    assert problem in str(err.value) and str(err.value).startswith(str(run_json))
    assert {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir() if p.is_file()} == before
