"""PNG plots of an eval summary and of a comparison (matplotlib, Agg backend, fixed names)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from curation.evaluation.summary import EvalSummary
from curation.scoring import FollowRate

PLOTS = {
    "constraint": "by_constraint.png",
    "source": "by_source.png",
    "num_constraints": "by_num_constraints.png",
    "with_without": "correctness_with_without.png",
    "length": "if_vs_length.png",
    "scope": "answer_vs_reasoning.png",
}
COMPARE_PLOT = "compare.png"


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _bars(
    path: Path,
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    horizontal: bool = False,
) -> None:
    plt = _plt()
    n, k = len(labels), len(series)
    width = 0.8 / max(k, 1)
    size = (8, max(3.0, 0.32 * n * k + 1.5)) if horizontal else (max(6.0, 0.9 * n + 2), 4.5)
    fig, ax = plt.subplots(figsize=size)
    for j, (name, values) in enumerate(series.items()):
        pos = [i + (j - (k - 1) / 2) * width for i in range(n)]
        pct = [100 * v for v in values]
        if horizontal:
            ax.barh(pos, pct, height=width, label=name)
        else:
            ax.bar(pos, pct, width=width, label=name)
    if horizontal:
        ax.set_yticks(range(n), labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("%")
    else:
        ax.set_xticks(range(n), labels, rotation=20 if n > 4 else 0, ha="right" if n > 4 else "center")
        ax.set_ylim(0, 100)
        ax.set_ylabel("%")
    ax.set_title(title)
    ax.grid(axis="x" if horizontal else "y", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _follows(rates: Mapping[str, FollowRate], labels: Sequence[str]) -> list[float]:
    return [rates[c].follow if c in rates else 0.0 for c in labels]


def write_plots(summary: EvalSummary, folder: Path) -> list[Path]:
    """Write the plots of one eval summary into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []

    cons = summary.by_constraint
    p = folder / PLOTS["constraint"]
    _bars(
        p,
        "Per constraint type (items that have it)",
        list(cons),
        {
            "HAcc": [v.scores.hacc for v in cons.values()],
            "SAcc": [v.scores.sacc for v in cons.values()],
            "followed": [v.follow for v in cons.values()],
        },
        horizontal=True,
    )
    written.append(p)

    for name, groups, title in (
        ("source", summary.by_source, "Per source"),
        ("num_constraints", summary.by_num_constraints, "Per number of constraints"),
    ):
        series = {
            "HAcc": [v.hacc for v in groups.values()],
            "SAcc": [v.sacc for v in groups.values()],
            "correct": [v.correctness for v in groups.values()],
        }
        p = folder / PLOTS[name]
        _bars(p, title, list(groups), series)
        written.append(p)

    without = summary.correctness_without_constraints
    if without is not None:
        groups = summary.by_source
        labels = ["all", *groups]
        p = folder / PLOTS["with_without"]
        _bars(
            p,
            "Correctness with and without constraints",
            labels,
            {
                "with constraints": [summary.correctness] + [v.correctness for v in groups.values()],
                "without": [without] + [v.correctness_without_constraints or 0.0 for v in groups.values()],
            },
        )
        written.append(p)

    bins = summary.by_length
    if bins:
        plt = _plt()
        fig, ax = plt.subplots(figsize=(7, 4.5))
        xs = [b.mean for b in bins]
        for key, label, marker in (
            ("hacc", "HAcc", "o"),
            ("sacc", "SAcc", "s"),
            ("correctness", "correct", "^"),
        ):
            ax.plot(xs, [100 * getattr(b, key) for b in bins], marker=marker, label=label)
        ax.set_xlabel(f"response length ({summary.length_unit}, mean of each bin)")
        ax.set_ylabel("%")
        ax.set_ylim(0, 100)
        ax.set_title("Instruction following against response length")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        p = folder / PLOTS["length"]
        fig.savefig(p, dpi=110)
        plt.close(fig)
        written.append(p)

    if summary.reasoning_scope is not None:
        labels = list(cons)
        series = {
            "answer": [cons[c].follow for c in labels],
            "reasoning": _follows(summary.reasoning_scope.by_constraint, labels),
        }
        if summary.both_scope is not None:
            series["both"] = _follows(summary.both_scope.by_constraint, labels)
        p = folder / PLOTS["scope"]
        _bars(p, "Constraint followed: answer vs reasoning trace", labels, series, horizontal=True)
        written.append(p)
    return written


def write_compare_plot(rows: Sequence[Mapping[str, Any]], path: Path) -> Path:
    """Correctness against HAcc, one labelled point per run."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 5))
    for row in rows:
        x, y = 100 * row["hacc"], 100 * row["correctness"]
        ax.scatter([x], [y], s=40)
        ax.annotate(row["name"], (x, y), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set_xlabel("HAcc (%)")
    ax.set_ylabel("correctness (%)")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_title("Correctness against hard accuracy")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
