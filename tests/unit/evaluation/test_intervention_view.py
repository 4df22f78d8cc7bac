"""What ``mathif eval --intervention`` shows: the reasoning length and what the intervention
did in ``summary.json`` and ``report.md``, and ``mathif compare``'s view of the scores against
the reasoning length (its table, its unit, its plot), without a model."""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.evaluation import run_compare
from curation.evaluation.data import EvalItem, fingerprint, load_dataset
from curation.evaluation.intervention import describe_intervention
from curation.evaluation.report.markdown import inline, render_compare, render_report
from curation.evaluation.report.plots import (
    COMPARE_LENGTH_PLOT,
    by_reasoning_length,
    compare_length_figure,
    reasoning_unit,
    write_compare_length_plot,
)
from curation.evaluation.run import write_results
from curation.evaluation.score import InMemory, Intervened, SampleLength
from curation.evaluation.store import Generation
from curation.evaluation.summary import (
    THINKING_TOKENS,
    EvalSummary,
    InterventionEffects,
    ReasoningLength,
    RunDescription,
)
from tests.support.eval_support import reference_slice

PNG = b"\x89PNG\r\n\x1a\n"
BUDGET_FORCE = {
    "kind": "budget-force",
    "extensions": 2,
    "extension_text": "Wait",
    "think_budget": 4000,
    "final_text": "\n\nFinal Answer:",
    "think_end": "</think>",
}


def sample(chars: int, iv: Intervened | None = None, hard: bool = True) -> SampleLength:
    return SampleLength(100, hard, 1.0 if hard else 0.0, True, False, chars, iv)


# the records -------------------------------------------------------------------------------------


def test_a_plain_run_has_its_reasoning_characters_and_no_tokens_or_effects():
    lengths = [sample(10), sample(20), sample(0)]
    assert ReasoningLength.of(lengths) == ReasoningLength(characters=10.0, tokens=None, samples=3)
    assert InterventionEffects.of(lengths) is None
    assert ReasoningLength.of([]) is None


def test_an_intervention_run_has_thinking_tokens_and_what_it_did():
    lengths = [
        sample(100, Intervened(300, 2, 0, False)),
        sample(50, Intervened(200, 1, 0, True)),
        sample(30, Intervened(100, 0, 1, False)),
        sample(20, Intervened(0, 0, 2, True)),
    ]
    r = ReasoningLength.of(lengths)
    assert r == ReasoningLength(characters=50.0, tokens=150.0, samples=4)
    assert r.mean(THINKING_TOKENS) == 150.0 and r.mean("characters") == 50.0
    fx = InterventionEffects.of(lengths)
    assert fx == InterventionEffects(mean_extensions=0.75, reminded=0.5, budget_closed=0.5, samples=4)


def test_tokens_need_every_sample_and_effects_count_the_shaped_ones():
    lengths = [sample(10, Intervened(40, 1, 0, True)), sample(30)]
    assert ReasoningLength.of(lengths) == ReasoningLength(20.0, None, 2)  # one sample has no count
    assert InterventionEffects.of(lengths) == InterventionEffects(1.0, 0.0, 1.0, 1)


def test_the_records_round_trip_and_refuse_a_wrong_type():
    r, fx = ReasoningLength(3120.5, 812.4, 7), InterventionEffects(0.93, 0.0, 0.042, 7)
    assert r.to_dict() == {"tokens": 812.4, "characters": 3120.5, "samples": 7}
    assert set(fx.to_dict()) == {"mean_extensions", "reminded", "budget_closed", "samples"}
    assert ReasoningLength.from_dict(r.to_dict()) == r
    assert InterventionEffects.from_dict(fx.to_dict()) == fx
    assert ReasoningLength.from_dict({"tokens": None, "characters": 5, "samples": 1}).tokens is None
    with pytest.raises(TypeError, match="characters"):
        ReasoningLength.from_dict({"tokens": None, "characters": "5", "samples": 1})
    with pytest.raises(TypeError, match="reminded"):
        InterventionEffects.from_dict(fx.to_dict() | {"reminded": True})


# summary.json and report.md of whole runs --------------------------------------------------------

ANSWER = "so \\boxed{5}"


def plain_generation(e: EvalItem, thinking: int) -> Generation:
    return Generation(e.key, "constraints", 0, "<think>" + "x" * thinking + "</think>" + ANSWER, "stop", 50)


def forced_generation(e: EvalItem, before: int, after: int, tokens: int) -> Generation:
    """Budget forcing once: the model's thinking, "Wait" (injected), more thinking, the close."""
    pieces = [
        ("model", "<think>" + "a" * before),
        ("extension", "Wait"),
        ("model", "b" * after),
        ("close", "</think>"),
        ("model", ANSWER),
    ]
    return Generation(
        e.key,
        "constraints",
        0,
        "".join(t for _, t in pieces),
        "stop",
        tokens + 5,
        spans=tuple((k, len(t)) for k, t in pieces),
        thinking_tokens=tokens,
    )


@pytest.fixture(scope="module")
def items(tmp_path_factory) -> list[EvalItem]:
    return load_dataset(reference_slice(tmp_path_factory.mktemp("d"), per_file=2))  # 4 items


def description(items: list[EvalItem], model: str, intervention: dict[str, Any] | None) -> RunDescription:
    return RunDescription(
        model=model,
        backend="openai",
        dataset="slice",
        runs=["constraints"],
        sampling={"temperature": 0.6, "top_p": 0.95, "max_tokens": 8192, "samples": 1, "seed": 0},
        think_mode="mathif",
        fix_quirks=False,
        trace_scope="answer",
        items_sha256=fingerprint(items),
        intervention=intervention,
    )


def write_run(out: Path, items: list[EvalItem], gens: list[Generation], intervention=None) -> EvalSummary:
    done = {(g.key, g.run, g.sample): g for g in gens}
    run = description(items, "org/model-8B", intervention)
    return write_results(out, items, ["constraints"], InMemory(done, 1), run, plots=False)


@pytest.fixture(scope="module")
def runs(items, tmp_path_factory) -> dict[str, Path]:
    """A plain run (reasoning of 10, 20, 30 and 40 characters), a budget-forced one (the
    model's reasoning 100 characters more, 200 to 500 thinking tokens), a third, longer one."""
    base = tmp_path_factory.mktemp("runs")
    write_run(base / "plain", items, [plain_generation(e, 10 * (i + 1)) for i, e in enumerate(items)])
    forced = [forced_generation(e, 60, 40 + 10 * (i + 1), 100 * (i + 2)) for i, e in enumerate(items)]
    write_run(base / "forced", items, forced, BUDGET_FORCE)
    longer = [forced_generation(e, 500, 500, 1000) for e in items]
    write_run(base / "longer", items, longer, BUDGET_FORCE | {"extensions": 4})
    return {name: base / name for name in ("plain", "forced", "longer")}


def test_summary_records_the_reasoning_length_of_every_run(runs):
    plain = json.loads((runs["plain"] / "summary.json").read_text(encoding="utf-8"))
    assert plain["reasoning_length"] == {"tokens": None, "characters": 25.0, "samples": 4}
    assert "intervention_effects" not in plain and "intervention" not in plain["run"]
    forced = json.loads((runs["forced"] / "summary.json").read_text(encoding="utf-8"))
    # the injected "Wait" is not reasoning: 60 + 50..80 characters of the model's own
    assert forced["reasoning_length"] == {"tokens": 350.0, "characters": 125.0, "samples": 4}
    assert forced["intervention_effects"] == {
        "mean_extensions": 1.0,
        "reminded": 0.0,
        "budget_closed": 0.0,
        "samples": 4,
    }
    assert forced["run"]["intervention"] == BUDGET_FORCE
    s = EvalSummary.read(runs["forced"] / "summary.json")
    assert s.reasoning_length == ReasoningLength(125.0, 350.0, 4)
    assert s.intervention_effects == InterventionEffects(1.0, 0.0, 0.0, 4)
    assert EvalSummary.from_dict(s.to_dict()) == s


def test_an_old_summary_without_them_still_reads_and_reports(runs, tmp_path):
    doc = json.loads((runs["forced"] / "summary.json").read_text(encoding="utf-8"))
    for key in ("reasoning_length", "intervention_effects"):
        del doc[key]
    del doc["run"]["intervention"]
    (tmp_path / "summary.json").write_text(json.dumps(doc), encoding="utf-8")
    old = EvalSummary.read(tmp_path / "summary.json")
    assert old.reasoning_length is None and old.intervention_effects is None and old.run.intervention is None
    report = render_report(old, [])
    assert "Intervention on the reasoning (`--intervention`): none" in report
    assert "## Reasoning length" not in report


def test_the_report_names_the_intervention_and_its_effects(runs):
    report = (runs["forced"] / "report.md").read_text(encoding="utf-8")
    assert (
        f"Intervention on the reasoning (`--intervention`): {inline(describe_intervention(BUDGET_FORCE))}."
        in report
    )
    # in a code span: the marker </think> stays visible in rendered Markdown
    assert "): `budget-force: the end of thinking suppressed 2 time(s)" in report
    assert "end of thinking '</think>'`." in report
    assert "## Reasoning length and the intervention" in report
    assert "| reasoning length (characters) | 125 | 4 |" in report
    assert "| reasoning length (thinking tokens) | 350 | 4 |" in report
    assert '| end of thinking suppressed ("Wait" appended), times per sample | 1.00 | 4 |' in report
    assert "| samples whose thinking reached the budget and was closed % | 0.00 | 4 |" in report
    assert "reminded of their constraints" not in report  # what remind does, not budget-force
    plain = (runs["plain"] / "report.md").read_text(encoding="utf-8")
    assert "Intervention on the reasoning (`--intervention`): none (one request per sample)." in plain
    assert "| reasoning length (characters) | 25.0 | 4 |" in plain
    assert "thinking tokens) |" not in plain and "times per sample" not in plain


# mathif compare --------------------------------------------------------------------------------------


def test_compare_rows_name_the_intervention_and_the_reasoning_length(runs, tmp_path):
    rows = run_compare([runs["plain"], runs["forced"], runs["longer"]], tmp_path / "cmp")
    by = {r["name"]: r for r in rows}
    assert by["plain"]["intervention"] == "none" and by["plain"]["intervention_effects"] is None
    assert by["forced"]["intervention"] == "budget-force"
    assert by["forced"]["intervention_settings"] == BUDGET_FORCE
    assert by["forced"]["reasoning_length"] == {"tokens": 350.0, "characters": 125.0, "samples": 4}
    assert by["longer"]["intervention_effects"]["mean_extensions"] == 1.0
    # the paired comparison with the reference still runs (same items), and the
    # intervention tells the runs' fingerprints apart though their sampling is the same
    assert by["forced"]["paired"]["reference"] == "plain"
    assert len({r["evaluated"] for r in rows}) == 3
    before = json.dumps([by["plain"]["items_sha256"], by["plain"]["sampling"]], sort_keys=True)
    assert (
        by["plain"]["evaluated"] == hashlib.sha256(before.encode()).hexdigest()[:8]
    )  # as before interventions
    assert json.loads((tmp_path / "cmp" / "compare.json").read_text(encoding="utf-8")) == rows


def test_compare_md_orders_the_runs_by_reasoning_length_in_characters_when_one_has_no_tokens(runs, tmp_path):
    rows = run_compare([runs["longer"], runs["forced"], runs["plain"]], tmp_path / "cmp")
    assert reasoning_unit(rows) == "characters"  # the plain run counts no thinking tokens
    assert {r["name"]: (r["reasoning_unit"], r["reasoning_mean"]) for r in rows} == {
        "plain": ("characters", 25.0),
        "forced": ("characters", 125.0),
        "longer": ("characters", 1000.0),
    }
    md = (tmp_path / "cmp" / "compare.md").read_text(encoding="utf-8")
    view = md.split("## Reasoning length and scores", 1)[1]
    assert (
        "| run | intervention | reasoning (characters) | HAcc % | SAcc % | correct % | intervention did |"
        in view
    )
    names = [line.split(" | ")[0].lstrip("| ") for line in view.splitlines() if line.startswith("| ")][1:]
    assert names == ["plain", "forced", "longer"]  # 25, 125 and 1,000 characters
    assert "| plain | none | 25.0 |" in view and "| longer | budget-force | 1,000 |" in view
    assert "1.00 extensions a sample; 0.00% closed at the budget" in view
    assert f"![HAcc, SAcc and correctness against reasoning length]({COMPARE_LENGTH_PLOT})" in view
    assert "| longer (reference) | org/model-8B |" in md and "| budget-force |" in md.split("## Paired")[0]
    png = tmp_path / "cmp" / COMPARE_LENGTH_PLOT
    assert png.read_bytes().startswith(PNG) and png.stat().st_size > 5000


def test_compare_uses_thinking_tokens_when_every_run_has_them(runs, tmp_path):
    rows = run_compare([runs["longer"], runs["forced"]], tmp_path / "cmp")
    assert reasoning_unit(rows) == THINKING_TOKENS
    assert {r["name"]: (r["reasoning_unit"], r["reasoning_mean"]) for r in rows} == {
        "longer": (THINKING_TOKENS, 1000.0),
        "forced": (THINKING_TOKENS, 350.0),
    }
    md = (tmp_path / "cmp" / "compare.md").read_text(encoding="utf-8")
    assert "| run | intervention | reasoning (thinking tokens) |" in md
    assert "| forced | budget-force | 350 |" in md and "| longer | budget-force | 1,000 |" in md
    fig = compare_length_figure(rows)
    assert [ax.get_xlabel() for ax in fig.axes[:3]] == ["mean reasoning length (thinking tokens)"] * 3


def test_the_terminal_table_names_each_runs_intervention(runs, tmp_path):
    result = CliRunner().invoke(
        app, ["compare", str(runs["plain"]), str(runs["forced"]), "--out", str(tmp_path / "cmp")]
    )
    assert result.exit_code == 0, result.output
    flat = re.sub(r"[\s│┃]+", " ", result.output)  # a cell wrapped over lines, read as one
    assert "budget-force, 125 chars" in flat and "none, 25.0 chars" in flat
    assert "intervention, mean reasoning" in flat
    assert COMPARE_LENGTH_PLOT in flat.replace(" ", "")


def test_old_runs_without_a_reasoning_length_get_no_length_view(runs, tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    for name in ("items.jsonl", "summary.json"):
        (old / name).write_bytes((runs["plain"] / name).read_bytes())
    doc = json.loads((old / "summary.json").read_text(encoding="utf-8"))
    del doc["reasoning_length"]
    (old / "summary.json").write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "cmp"
    out.mkdir()
    (out / COMPARE_LENGTH_PLOT).write_bytes(PNG)  # an earlier comparison's
    rows = run_compare([old], out)
    assert rows[0]["reasoning_length"] is None and rows[0]["intervention"] == "none"
    md = (out / "compare.md").read_text(encoding="utf-8")
    assert "Reasoning length and scores" not in md and COMPARE_LENGTH_PLOT not in md
    assert not (out / COMPARE_LENGTH_PLOT).exists()
    # beside a run that has one: listed last, shown as not drawn
    rows = run_compare([old, runs["forced"]], out, allow_different_items=True)
    assert [r["name"] for r in by_reasoning_length(rows, reasoning_unit(rows))] == ["forced", "old"]
    assert reasoning_unit(rows) == THINKING_TOKENS  # the run without one does not decide
    md = (out / "compare.md").read_text(encoding="utf-8")
    assert "| old | none | – |" in md


# the plot ------------------------------------------------------------------------------------------------


def row(name: str, kind: str, tokens: float | None, chars: float | None, hacc: float) -> dict[str, Any]:
    return {
        "name": name,
        "model": "org/model-8B",
        "dataset": "slice",
        "intervention": kind,
        "reasoning_length": None
        if chars is None
        else {"tokens": tokens, "characters": chars, "samples": 100},
        "hacc": hacc,
        "hacc_ci": [hacc - 0.05, hacc + 0.05],
        "sacc": hacc + 0.2,
        "sacc_ci": None,
        "correctness": 0.7,
        "correctness_ci": [0.6, 0.8],
    }


def texts(fig: Any) -> list[str]:
    from matplotlib.text import Text

    fig.draw_without_rendering()
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def test_the_length_plot_has_three_panels_one_point_per_run_and_names_each_run_once(tmp_path):
    data = [
        row("plain", "none", None, 3000.0, 0.35),
        row("bf-2", "budget-force", 2000.0, 9000.0, 0.2),
        row("tb-512", "think-budget", 500.0, 1500.0, 0.4),
        row("old", "none", None, None, 0.3),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no matplotlib warning (layout, empty data, ...)
        fig = compare_length_figure(data)
        path = write_compare_length_plot(data, tmp_path / "p" / COMPARE_LENGTH_PLOT)
    assert path is not None and path.read_bytes().startswith(PNG)
    panels = fig.axes[:3]
    assert [ax.get_title().split("\n")[0] for ax in panels] == ["HAcc", "SAcc", "correctness"]
    assert all(len(ax.containers) == 3 for ax in panels)  # the three runs with a length
    shown = texts(fig)
    legend = [t for t in shown if t.split(":")[0] in {"plain", "bf-2", "tb-512", "old"}]
    assert legend == [
        "tb-512: think-budget",
        "plain: none",
        "bf-2: budget-force",
        "old: none (not drawn: no reasoning length recorded)",
    ]  # shortest reasoning first, each once
    assert any("mean reasoning length (characters)" in t for t in shown)
    assert any("thinking tokens are counted under --intervention only" in t for t in shown)
    assert not any("nan" in t.lower() for t in shown)
    x0, x1 = panels[0].get_xlim()
    assert x0 <= 0 < 9000 < x1  # from 0: the runs are far apart
    ticks = [t.get_text() for t in panels[0].get_xticklabels() if x0 <= t.get_position()[0] <= x1]
    assert "0" in ticks and all(t.replace(",", "").isdigit() for t in ticks)  # whole numbers, 1,000s


def test_the_length_plot_is_not_drawn_without_any_reasoning_length(tmp_path):
    path = tmp_path / COMPARE_LENGTH_PLOT
    path.write_bytes(PNG)
    assert write_compare_length_plot([row("old", "none", None, None, 0.3)], path) is None
    assert not path.exists()


def test_render_compare_without_the_plot_links_none():
    md = render_compare(
        [row("a", "none", None, 10.0, 0.3) | {"items": 5, "checker_semantics": "2", "fix_quirks": False}],
        with_plot=False,
    )
    assert "## Reasoning length and scores" in md and "![" not in md
