"""Results a researcher can trust: intervals in summary.json and the report, several samples
per prompt (pass@k, majority vote), truncation and the reasoning delimiter made visible with
their warnings, and ``mathif compare``'s fingerprint, refusal and paired test."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.core.errors import InputError
from curation.evaluation import EvalSummary, make_config, run_compare, run_eval
from curation.evaluation.backends import BackendReport, GenRequest
from curation.evaluation.store import Generation
from curation.evaluation.summary import TRUNCATION_WARNING
from curation.scoring import paired_difference, pass_at_k
from curation.scoring.stats import wilson
from tests.support.eval_support import reference_slice

runner = CliRunner()

Text = Callable[[GenRequest, int], tuple[str, str]]  # (request, sample) -> (output, finish reason)


class Backend:
    def __init__(self, text: Text):
        self.text = text

    def generate(self, requests, sampling, emit) -> BackendReport:
        for r in requests:
            for s in r.samples:
                output, reason = self.text(r, s)
                emit(Generation(r.key, r.run, s, output, reason, 10 + len(output) // 4))
        return BackendReport()

    def close(self) -> None:
        pass


def evaluate(tmp_path: Path, name: str, text: Text, data: Path | None = None, **flags) -> EvalSummary:
    data = data or reference_slice(tmp_path / "d", per_file=6)
    cfg = make_config({"dataset": data, "model": name, "out": tmp_path / name, "backend": "openai"} | flags)
    return run_eval(cfg, backend_factory=lambda _c: Backend(text)).summary


def boxed(answer: str, think: bool = True) -> str:
    return ("<think>work</think>" if think else "") + f"so \\boxed{{{answer}}}"


GOLDS: dict[str, str] = {}


def gold(key: str) -> str:
    if not GOLDS:
        from curation.evaluation import load_dataset
        from tests.support.paths import REFERENCE

        GOLDS.update({e.key: e.item.answer for e in load_dataset(REFERENCE)})
    return GOLDS[key]


# intervals -------------------------------------------------------------------------------------


def test_summary_and_report_carry_intervals_with_n(tmp_path):
    # right on the first 4 items of each file, wrong on the other 2: correctness 8 of 12
    def text(r, s):
        line = int(r.key.rsplit(":", 1)[1])
        return boxed(gold(r.key) if line <= 4 else "-12345"), "stop"

    s = evaluate(tmp_path, "m", text)
    doc = json.loads((tmp_path / "m" / "summary.json").read_text(encoding="utf-8"))
    assert doc["correctness"] == pytest.approx(8 / 12)
    low, high = wilson(8, 12)
    assert doc["ci"]["correctness"] == {
        "low": pytest.approx(low),
        "high": pytest.approx(high),
        "method": "wilson",
    }
    assert doc["graded"] == 12 and "Wilson" in doc["intervals"]
    for group in doc["by_source"].values():  # every group has its interval and n
        assert group["items"] == 6 and set(group["ci"]) >= {"hacc", "sacc", "correctness"}
    assert set(doc["by_split"]) == {"gsm8k_single", "math500_double"}
    report = (tmp_path / "m" / "report.md").read_text(encoding="utf-8")
    assert (
        f"| correctness, constraints in the prompt | 66.67 | [{100 * low:.1f}, {100 * high:.1f}] | 12 |"
        in report
    )
    assert "| GSM8K single | 6† |" in report  # split names as MathIF's, small cells marked
    assert "| GSM8K | 6† |" in report and "† fewer than 30 items" in report
    assert not re.search(r"\bnan\b", report)
    assert s.overall.correctness_ci.method == "wilson"


def test_a_summary_without_intervals_still_reads_and_reports(tmp_path):
    evaluate(tmp_path, "m", lambda r, s: (boxed("1"), "stop"))
    path = tmp_path / "m" / "summary.json"
    doc = json.loads(path.read_text(encoding="utf-8"))

    def strip(value):
        if isinstance(value, dict):
            return {
                k: strip(v) for k, v in value.items() if k not in ("ci", "follow_ci", "endings", "by_split")
            }
        return value

    path.write_text(json.dumps(strip(doc)), encoding="utf-8")
    old = EvalSummary.read(path)
    assert old.overall.hacc_ci is None and old.endings is None and old.by_split == {}
    from curation.evaluation.report.markdown import render_report

    assert not re.search(r"\bnan\b", render_report(old, []))


# several samples per prompt ----------------------------------------------------------------------


def test_pass_at_k_and_majority_vote_from_several_samples(tmp_path):
    # item line L: samples 0..3 right when sample < L % 5 (0 to 4 right); the wrong ones agree
    def text(r, s):
        line = int(r.key.rsplit(":", 1)[1])
        return boxed(gold(r.key) if s < line % 5 else "-777"), "stop"

    s = evaluate(tmp_path, "m", text, samples=4, constraint_run=False)
    items = [json.loads(x) for x in (tmp_path / "m" / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    counts = [sum(1 for x in row["samples"] if x["correct"]) for row in items]
    assert sorted(set(counts)) == [0, 1, 2, 3, 4]
    m = s.multi
    assert m is not None and m.k == 4 and list(m.pass_at) == ["1", "2", "4"]
    for k in (1, 2, 4):
        expected = sum(1 - math.comb(4 - c, k) / math.comb(4, k) for c in counts) / len(counts)
        assert m.pass_at[str(k)] == pytest.approx(expected)
        assert m.pass_at[str(k)] == pytest.approx(sum(pass_at_k(4, c, k) for c in counts) / len(counts))
    assert m.pass_at["1"] == pytest.approx(s.correctness)  # pass@1 is avg@k
    # the majority answer is the gold when 3 or 4 samples give it; a 2-2 tie goes to sample 0 (gold)
    majority = [c >= 2 for c in counts]
    assert [row["majority_correct"] for row in items] == majority
    assert m.majority == pytest.approx(sum(majority) / len(majority))
    report = (tmp_path / "m" / "report.md").read_text(encoding="utf-8")
    assert "## Several samples per prompt (4)" in report and "maj@4" in report


def test_one_sample_per_prompt_has_no_multi_sample_block(tmp_path):
    s = evaluate(tmp_path, "m", lambda r, s: (boxed("1"), "stop"))
    assert s.multi is None
    assert "multi_sample" not in json.loads((tmp_path / "m" / "summary.json").read_text(encoding="utf-8"))


# truncation and the reasoning delimiter ------------------------------------------------------------


def test_truncation_and_delimiter_shares_and_the_truncation_warning(tmp_path):
    # lines 1-2 of each file stop at the token limit (4 of 12 samples), without </think>
    def text(r, s):
        line = int(r.key.rsplit(":", 1)[1])
        return ("<think>on and on", "length") if line <= 2 else (boxed("3"), "stop")

    s = evaluate(tmp_path, "m", text, constraint_run=False, max_tokens=64)
    e = s.endings
    assert (e.overall.samples, e.overall.truncated, e.overall.delimited) == (12, 4, 8)
    assert e.by_split["gsm8k_single"].truncated == 2 and e.plain is None
    assert 4 / 12 > TRUNCATION_WARNING and len(s.warnings) == 1
    assert s.warnings[0].startswith("4 of 12 samples (33.3%) stopped at the token limit (64 new tokens)")
    report = (tmp_path / "m" / "report.md").read_text(encoding="utf-8")
    assert "> **Warning:** 4 of 12 samples" in report
    assert "| all, constraints in the prompt | 12 | 33.3 | 66.7 |" in report
    assert sum(b.truncated for b in s.by_length) == 4  # the length bins mark them too
    doc = json.loads((tmp_path / "m" / "summary.json").read_text(encoding="utf-8"))
    assert doc["run"]["no_delimiter"] == "the whole text is the answer, as in MathIF"


def test_few_truncated_samples_give_no_warning_and_unknown_finish_reasons_say_so(tmp_path):
    def text(r, s):
        return (boxed("3"), "length" if r.key == "gsm8k_single.jsonl:1" else "stop")

    s = evaluate(tmp_path, "m", text, constraint_run=False)
    assert s.endings.overall.truncated == 1 and s.warnings == ()  # 1 of 12 is under a tenth
    s = evaluate(tmp_path, "n", lambda r, s: (boxed("3"), None), constraint_run=False)
    assert s.endings.overall.truncated is None and s.endings.overall.truncated_share is None
    assert "| all, constraints in the prompt | 12 | unknown |" in (tmp_path / "n" / "report.md").read_text(
        encoding="utf-8"
    )


def test_a_reasoning_scope_without_any_delimiter_is_called_meaningless(tmp_path):
    s = evaluate(tmp_path, "m", lambda r, s: (boxed("3", think=False), "stop"), trace_scope="both")
    assert s.endings.overall.delimited == 0
    assert any("no sample contains the reasoning delimiter </think>" in w for w in s.warnings)
    s = evaluate(tmp_path, "n", lambda r, s: (boxed("3"), "stop"), trace_scope="both")
    assert s.warnings == ()
    s = evaluate(tmp_path, "o", lambda r, s: (boxed("3", think=False), "stop"))  # answer scope: no view
    assert s.warnings == ()


def test_strict_think_mode_records_its_policy(tmp_path):
    evaluate(tmp_path, "m", lambda r, s: (boxed("3", think=False), "stop"), think_mode="strict")
    doc = json.loads((tmp_path / "m" / "summary.json").read_text(encoding="utf-8"))
    assert doc["run"]["no_delimiter"].startswith("the answer is empty")
    assert "(a sample without `</think>`: the answer is empty" in (tmp_path / "m" / "report.md").read_text(
        encoding="utf-8"
    )


# compare ---------------------------------------------------------------------------------------------


def _two_runs(tmp_path: Path) -> tuple[Path, Path]:
    data = reference_slice(tmp_path / "d", per_file=6)
    evaluate(tmp_path, "good", lambda r, s: (boxed(gold(r.key)), "stop"), data)
    evaluate(
        tmp_path,
        "half",
        lambda r, s: (boxed(gold(r.key) if int(r.key.rsplit(":", 1)[1]) % 2 else "-1"), "stop"),
        data,
    )
    return tmp_path / "good", tmp_path / "half"


def test_compare_pairs_runs_on_the_same_items(tmp_path):
    good, half = _two_runs(tmp_path)
    rows = run_compare([good, half], tmp_path / "cmp")
    by = {r["name"]: r for r in rows}
    assert by["good"]["reference"] and by["good"]["paired"] is None
    paired = by["half"]["paired"]
    assert paired["reference"] == "good"

    def verdicts(folder: Path, field: str) -> list[float]:
        lines = (folder / "items.jsonl").read_text(encoding="utf-8").splitlines()
        return [float(json.loads(x)[field]) for x in lines]

    expected = paired_difference(verdicts(half, "correct"), verdicts(good, "correct"))
    assert paired["correctness"] == expected.to_dict()
    assert paired["correctness"]["difference"] == pytest.approx(-0.5)
    assert paired["correctness"]["high"] < 0 and paired["correctness"]["p_value"] < 0.05
    assert (
        by["good"]["evaluated"] != by["half"]["evaluated"] or by["good"]["sampling"] == by["half"]["sampling"]
    )
    assert by["good"]["items_sha256"] == by["half"]["items_sha256"] is not None
    md = (tmp_path / "cmp" / "compare.md").read_text(encoding="utf-8")
    assert "## Paired with good" in md and "| half | 12 |" in md and "-50.00 [" in md
    assert not re.search(r"\bnan\b", md) and "| good (reference) | good | 12† |" in md


def test_compare_refuses_runs_over_different_items_unless_asked(tmp_path):
    good, _half = _two_runs(tmp_path)
    fewer = reference_slice(tmp_path / "d3", per_file=3)
    evaluate(tmp_path, "few", lambda r, s: (boxed("1"), "stop"), fewer)
    with pytest.raises(InputError, match="was evaluated on other items \\(12 items .* vs 6 items"):
        run_compare([good, tmp_path / "few"], None)
    result = runner.invoke(app, ["compare", str(good), str(tmp_path / "few")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "--allow-different-items" in result.output
    rows = run_compare([good, tmp_path / "few"], tmp_path / "cmp", allow_different_items=True)
    assert all(r["paired"] is None for r in rows)
    md = (tmp_path / "cmp" / "compare.md").read_text(encoding="utf-8")
    assert "not evaluated on the same items" in md and "## Paired" not in md


def test_compare_refuses_a_run_without_an_item_fingerprint(tmp_path):
    good, half = _two_runs(tmp_path)
    path = half / "summary.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    del doc["run"]["items_sha256"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError, match="half records no fingerprint of its items"):
        run_compare([good, half], None)


def test_compare_checks_the_items_file_it_pairs(tmp_path):
    good, half = _two_runs(tmp_path)
    path = half / "items.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[2])
    row["hard"] = 7
    lines[2] = json.dumps(row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"items\.jsonl:3: field 'hard' must be a number from 0 to 1"):
        run_compare([good, half], None)
