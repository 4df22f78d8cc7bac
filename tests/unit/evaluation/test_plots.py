"""The plots of ``mathif eval`` and ``mathif compare``: every file written as a PNG, for a full
summary and for an old one (no intervals, splits, endings, plain run or reasoning scope);
titles name the model and the dataset, groups their n, small groups marked, zero bars seen,
and the comparison never prints "nan" and names each run once."""

from __future__ import annotations

import dataclasses
import math
import re
import warnings
from typing import Any

import pytest

from curation.evaluation.report.plots import (
    BUILDERS,
    COMPARE_PLOT,
    PLOTS,
    SMALL_MARK,
    compare_figure,
    figures,
    write_compare_plot,
    write_plots,
)
from curation.evaluation.summary import (
    ConstraintScores,
    Ending,
    Endings,
    EvalSummary,
    HardSoft,
    LengthBin,
    MultiSample,
    PlainScores,
    RunDescription,
    ScopeScores,
)
from curation.scoring import FollowRate, GroupScores, Interval
from tests.support.paths import ROOT

PNG = b"\x89PNG\r\n\x1a\n"
MODEL = "org/some-model-7B"
DATASET = "/data/mathif/releases/v2.0.0"
SOURCES = ("HuggingFaceH4/gsm8k", "HuggingFaceH4/MATH-500", "zwhe99/simplerl-minerva-math", "aime")
CONSTRAINTS = ("punctuation:no_comma", "change_case:english_capital", "keywords:frequency")


def ci(low: float, high: float) -> Interval:
    return Interval(low, high, "wilson")


def group(items: int, hacc: float, with_ci: bool = True) -> GroupScores:
    cis = dict(hacc_ci=ci(max(0, hacc - 0.05), hacc + 0.05), correctness_ci=ci(0.3, 0.5)) if with_ci else {}
    return GroupScores(items, hacc, min(1.0, hacc + 0.2), 0.4, 0.45, items, sacc_ci=None, **cis)


def run_description(**changes: Any) -> RunDescription:
    run = RunDescription(
        model=MODEL,
        backend="openai",
        dataset=DATASET,
        runs=["constraints", "plain"],
        sampling={"samples": 4},
        think_mode="mathif",
        fix_quirks=False,
        trace_scope="both",
    )
    return dataclasses.replace(run, **changes)


def full_summary() -> EvalSummary:
    """Every view there is: intervals, a small source (AIME, 12 items), a constraint followed
    0% of the time, splits, endings, several samples, the plain run and both trace scopes."""
    by_source = {s: group(12 if s == "aime" else 60, 0.0 if s == "aime" else 0.2) for s in SOURCES}
    rates = {
        c: FollowRate(40, f, ci(max(0, f - 0.1), f + 0.1))
        for c, f in zip(CONSTRAINTS, (0.9, 0.0, 0.5), strict=True)
    }
    scope = ScopeScores(
        0.1, 0.3, rates, {s: HardSoft(0.1, 0.3) for s in SOURCES}, {"1": HardSoft(0.1, 0.3)}, ci(0.05, 0.15)
    )
    end = Ending(100, 21, 40)
    return EvalSummary(
        overall=group(192, 0.15),
        samples=768,
        plain=PlainScores(0.45, 0.1, 0.3, rates),
        by_constraint={c: ConstraintScores(r.n, r.follow, group(40, 0.2), r.ci) for c, r in rates.items()},
        by_source=by_source,
        by_num_constraints={"1": group(64, 0.3), "2": group(64, 0.1), "3": group(64, 0.0)},
        by_scope={"answer": FollowRate(300, 0.4)},
        length_unit="tokens",
        by_length=[LengthBin(10 * i, 10 * i + 9, 10 * i + 4.5, 128, 0.1, 0.3, 0.4, 12 * i) for i in range(6)],
        reasoning_scope=scope,
        both_scope=scope,
        run=run_description(),
        by_split={
            "gsm8k_single": group(30, 0.3),
            "gsm8k_double": group(30, 0.1),
            "aime_single": group(12, 0.0),
        },
        endings=Endings(end, end, {s: end for s in SOURCES}, {}, {}),
        multi=MultiSample(
            4, {"1": 0.4, "2": 0.55, "4": 0.7}, {"1": 0.15, "2": 0.2, "4": 0.25}, 0.5, ci(0.4, 0.6)
        ),
    )


OLD_SUMMARY = {  # as written before intervals, splits, endings and several samples existed
    "hacc": 0.0,
    "sacc": 0.0,
    "correctness": 0.0,
    "correctness_without_constraints": None,
    "items": 4,
    "samples": 4,
    "by_constraint": {"punctuation:no_comma": {"n": 2, "follow": 0.0, "items": 2, "hacc": 0.0, "sacc": 0.0, "correctness": 0.0}},
    "by_source": {s: {"items": 2, "hacc": 0.0, "sacc": 0.0, "correctness": 0.0} for s in SOURCES[:2]},
    "by_num_constraints": {"1": {"items": 4, "hacc": 0.0, "sacc": 0.0, "correctness": 0.0}},
    "length_unit": "characters",
    "by_length": [{"min": 5, "max": 9, "mean": 7.0, "samples": 4, "hacc": 0.0, "sacc": 0.0, "correctness": 0.0}],
    "run": {
        "model": MODEL,
        "backend": "openai",
        "dataset": DATASET,
        "runs": ["constraints"],
        "sampling": {},
        "think_mode": "mathif",
        "fix_quirks": False,
        "trace_scope": "answer",
    },
}  # fmt: skip


def texts(fig: Any) -> list[str]:
    """Every piece of text the figure shows (titles, ticks, labels, legend, notes)."""
    from matplotlib.text import Text

    fig.draw_without_rendering()
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


@pytest.fixture(scope="module")
def full_figures() -> dict[str, Any]:
    return dict(figures(full_summary()))


def test_every_plot_is_written_as_a_png(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no matplotlib warning (layout, empty data, ...)
        written = write_plots(full_summary(), tmp_path)
    assert [p.name for p in written] == list(PLOTS.values())
    for path in written:
        assert path.read_bytes().startswith(PNG) and path.stat().st_size > 5000


def test_an_old_summary_draws_what_it_has_and_removes_the_rest(tmp_path):
    summary = EvalSummary.from_dict(OLD_SUMMARY)
    (tmp_path / PLOTS["pass_at_k"]).write_bytes(PNG)  # an earlier run's
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        written = write_plots(summary, tmp_path)
    names = {p.name for p in written}
    assert names == {PLOTS[k] for k in ("constraint", "source", "num_constraints", "length")}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    for path in written:
        assert path.read_bytes().startswith(PNG)
    for key, fig in figures(summary):
        shown = texts(fig)
        assert not any("nan" in t.lower() for t in shown), key
        assert not any("95% interval" in t for t in shown), key  # none recorded, none drawn


def test_titles_name_the_model_and_the_dataset(full_figures):
    assert set(full_figures) == set(PLOTS)
    for key, fig in full_figures.items():
        title = fig.get_suptitle() + " " + " ".join(ax.get_title() for ax in fig.axes)
        assert MODEL in title and DATASET in title, key


def test_a_long_dataset_path_is_shortened_to_its_last_parts():
    long = "/home/someone/experiments/2024-10-01/checkpoints/run-17/data/mathif/release-v2.0.0"
    s = dataclasses.replace(full_summary(), run=run_description(dataset=long))
    _, fig = next(figures(s))
    shown = fig.axes[0].get_title().split(" — ")[1]
    assert shown.startswith("…/") and shown.endswith("/mathif/release-v2.0.0") and len(shown) <= 40


def test_groups_say_their_n_and_small_ones_are_marked(full_figures):
    ticks = [t.get_text() for t in full_figures["source"].axes[0].get_xticklabels()]
    assert ticks[:2] == ["all\n(n=192)", "GSM8K\n(n=60)"]
    assert f"AIME{SMALL_MARK}\n(n=12)" in ticks
    notes = texts(full_figures["source"])
    assert any("fewer than 30 items" in t for t in notes)
    split_ticks = [t.get_text() for t in full_figures["split"].axes[0].get_xticklabels()]
    assert split_ticks == ["single\n(n=30)", "double\n(n=30)", f"single{SMALL_MARK}\n(n=12)"]
    assert {"GSM8K", "AIME"} <= set(texts(full_figures["split"]))
    constraint_ticks = [t.get_text() for t in full_figures["constraint"].axes[0].get_yticklabels()]
    assert constraint_ticks[0] == "punctuation:no_comma (n=40)"  # most followed first


def test_small_groups_are_hatched(full_figures):
    from matplotlib.patches import Rectangle

    bars = [p for p in full_figures["source"].axes[0].patches if isinstance(p, Rectangle)]
    hatched = [p for p in bars if p.get_hatch()]
    assert len(hatched) == 3  # AIME's HAcc, SAcc and correctness


def test_a_zero_bar_is_seen_and_labelled(full_figures):
    ax = full_figures["source"].axes[0]
    stubs = [ln for ln in ax.get_lines() if list(ln.get_ydata()) == [0, 0] and ln.get_linewidth() >= 2]
    assert len(stubs) == 1  # AIME's HAcc
    labels = [t.get_text() for t in ax.texts]
    assert "0" in labels
    ax = full_figures["constraint"].axes[0]  # horizontal: a stub across the axis
    assert any(list(ln.get_xdata()) == [0, 0] for ln in ax.get_lines())


def test_bars_have_value_labels_and_error_bars(full_figures):
    ax = full_figures["num_constraints"].axes[0]
    labels = [t.get_text() for t in ax.texts]
    assert labels.count("40.0") == 3  # correctness of each tier
    assert "30.0" in labels and "10.0" in labels
    assert ax.containers  # error bars of HAcc and correctness
    assert any("95% interval" in t for t in texts(full_figures["num_constraints"]))


def test_the_length_plot_marks_the_truncated_share_and_the_unit(full_figures):
    fig = full_figures["length"]
    shown = texts(fig)
    assert any("(tokens)" in t for t in shown)
    assert "0% truncated" in shown and "47% truncated" in shown  # 60 of 128 in the last bin
    assert "0–9\nn=128" in shown


def test_pass_at_k_marks_the_majority_vote(full_figures):
    shown = texts(full_figures["pass_at_k"])
    assert "majority vote correctness (maj@4)" in shown and "50.0" in shown and "70.0" in shown


def test_unrecorded_truncation_reads_n_a_not_zero():
    end = Ending(10, None, 3)
    s = dataclasses.replace(full_summary(), endings=Endings(end, None, {"aime": end}, {}, {}))
    fig = BUILDERS["endings"](s)
    assert "n/a" in [t.get_text() for t in fig.axes[0].texts]


def rows(n: int) -> list[dict[str, Any]]:
    return [
        {
            "name": f"run-{i}",
            "model": "m" if i % 2 else f"model-{i}",
            "items": 100,
            "hacc": 0.1 + 0.03 * i,
            "sacc": 0.3,
            "correctness": 0.5 - 0.02 * i,
            "correctness_without_constraints": None,
            "hacc_ci": [0.05 + 0.03 * i, 0.15 + 0.03 * i],
            "correctness_ci": None if i % 3 else [0.4 - 0.02 * i, 0.6 - 0.02 * i],
        }
        for i in range(n)
    ]


@pytest.mark.parametrize("n", [1, 12])
def test_the_compare_plot_names_each_run_once(n):
    fig = compare_figure(rows(n))
    shown = texts(fig)
    for i in range(n):
        assert sum(bool(re.match(rf"run-{i}\b(?!-)", t)) for t in shown) == 1, i
    assert len(fig.axes[0].containers) == n  # one point with its error bars per run
    x0, x1 = fig.axes[0].get_xlim()
    assert 0 <= x0 < x1 <= 100


def test_the_compare_plot_skips_missing_values_and_never_prints_nan(tmp_path):
    data = rows(4)
    data[0]["hacc"] = math.nan
    data[1]["correctness"] = None
    data[2]["hacc_ci"] = [math.nan, 0.3]
    data[3]["correctness_ci"] = [0.1, math.inf]
    fig = compare_figure(data)
    shown = texts(fig)
    assert not any("nan" in t.lower() or "inf" in t.lower() for t in shown)
    assert any(t.startswith("run-0") and "not drawn, no HAcc" in t for t in shown)
    assert any(t.startswith("run-1") and "not drawn, no correctness" in t for t in shown)
    assert len(fig.axes[0].containers) == 2
    path = write_compare_plot(data, tmp_path / "out" / COMPARE_PLOT)
    assert path.read_bytes().startswith(PNG)


def test_the_compare_plot_says_when_its_axes_are_zoomed():
    assert any("zoomed" in t for t in texts(compare_figure(rows(2))))
    spread = rows(2)
    spread[0] |= {"hacc": 0.02, "correctness": 0.01, "hacc_ci": None, "correctness_ci": None}
    spread[1] |= {"hacc": 0.97, "correctness": 0.99, "hacc_ci": None, "correctness_ci": None}
    fig = compare_figure(spread)
    assert fig.axes[0].get_xlim() == (0.0, 100.0) and fig.axes[0].get_ylim() == (0.0, 100.0)
    assert not any("zoomed" in t for t in texts(fig))


def test_plots_import_no_matplotlib_until_they_draw():
    import subprocess
    import sys

    code = "import sys, curation.evaluation.report.plots; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "False"
