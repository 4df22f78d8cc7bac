"""The Markdown report of an eval run and the table of ``mathif compare`` (pure text)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from curation.core import markdown_escape as escape
from curation.core import markdown_table as table
from curation.evaluation.report.plots import COMPARE_PLOT, PLOTS
from curation.evaluation.summary import EvalSummary, RunDescription
from curation.scoring import FollowRate, GroupScores


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.2f}"


def _rate(rates: Mapping[str, FollowRate], key: str) -> float | None:
    rate = rates.get(key)
    return rate.follow if rate else None


def checks(run: RunDescription) -> str:
    """How the constraints were checked: the checkers' semantics and the quirks setting."""
    quirks = "the documented quirk fixes (`--fix-quirks`)" if run.fix_quirks else "no `--fix-quirks`"
    return f"checker semantics {run.checker_semantics}, {quirks}"


def render_report(summary: EvalSummary, plots: Sequence[str]) -> str:
    run = summary.run
    s = run.sampling
    lines = [f"# MathIF evaluation: {escape(run.model)}", ""]
    if s:
        how = (
            f"backend `{run.backend}`; temperature {s.get('temperature')}, top-p {s.get('top_p')}, "
            f"max {s.get('max_tokens')} new tokens, {s.get('samples')} sample(s) per prompt, "
            f"seed {s.get('seed')}"
        )
    else:  # mathif score: generations made elsewhere
        how = f"{escape(run.backend)} (their sampling settings are not known to mathif)"
    lines += [
        f"Dataset {escape(run.dataset)} ({summary.items} items, {summary.samples} samples), {how}; "
        f"answer split `{run.think_mode}`; constraints checked under {checks(run)}"
        f"{'' if run.correctness_graded else '; correctness not graded (--no-correctness)'}.",
        *(
            [
                "",
                f"{summary.ungraded} item(s) have a gold answer that cannot be graded by machine: "
                "they are left out of every correctness figure (`correct` is null in items.jsonl).",
            ]
            if summary.ungraded
            else []
        ),
        *(
            [
                "",
                f"{summary.grade_timeouts} sample(s) took longer to grade than the time limit allows "
                "and count as not correct (`grading` is `timeout` in samples.jsonl).",
            ]
            if summary.grade_timeouts
            else []
        ),
        "",
        "## Scores",
        "",
    ]
    plain = summary.correctness_without_constraints
    rows = [["HAcc (all constraints followed)", pct(summary.hacc)]]
    rows.append(["SAcc (share of constraints followed)", pct(summary.sacc)])
    rows.append(["correctness, constraints in the prompt", pct(summary.correctness)])
    if plain is not None:
        rows.append(["correctness, no constraints in the prompt", pct(plain)])
        rows.append(
            [
                "what the constraints cost in correctness (points)",
                f"{100 * (plain - summary.correctness):+.2f}",
            ]
        )
    lines += [table(["score", "%"], rows, numeric=True), ""]

    def group_table(title: str, groups: Mapping[str, GroupScores], label: str) -> None:
        nonlocal lines
        with_plain = plain is not None
        header = [label, "items", "HAcc %", "SAcc %", "correct %"] + (
            ["correct w/o constraints %"] if with_plain else []
        )
        body = []
        for name, g in groups.items():
            row = [escape(name), str(g.items), pct(g.hacc), pct(g.sacc), pct(g.correctness)]
            if with_plain:
                row.append(pct(g.correctness_without_constraints))
            body.append(row)
        lines += [f"## {title}", "", table(header, body, numeric=True), ""]

    group_table("Per source", summary.by_source, "source")
    group_table("Per number of constraints", summary.by_num_constraints, "constraints")
    cons = summary.by_constraint
    lines += [
        "## Per constraint type",
        "",
        "HAcc and SAcc of the items that have the constraint; "
        "*followed*: how often the constraint itself holds.",
        "",
    ]
    lines += [
        table(
            ["constraint", "n", "followed %", "HAcc %", "SAcc %"],
            [
                [escape(c), str(v.n), pct(v.follow), pct(v.scores.hacc), pct(v.scores.sacc)]
                for c, v in cons.items()
            ],
            numeric=True,
        ),
        "",
    ]
    bins = summary.by_length
    if bins:
        unit = summary.length_unit
        lines += [
            "## Instruction following against response length",
            "",
            f"Samples of the run with constraints, sorted by length ({unit}) into groups of equal size.",
            "",
        ]
        lines += [
            table(
                [f"length ({unit})", "samples", "HAcc %", "SAcc %", "correct %"],
                [
                    [f"{b.min}–{b.max}", str(b.samples), pct(b.hacc), pct(b.sacc), pct(b.correctness)]
                    for b in bins
                ],
                numeric=True,
            ),
            "",
        ]
    r = summary.reasoning_scope
    if r is not None:
        b = summary.both_scope
        lines += [
            "## Constraints checked on the reasoning trace",
            "",
            "The same checks applied to the reasoning (the text before `</think>`) instead of the answer; "
            "*both*: a constraint counts only when the answer and the reasoning follow it.",
            "",
        ]
        rows = [
            ["answer (MathIF)", pct(summary.hacc), pct(summary.sacc)],
            ["reasoning", pct(r.hacc), pct(r.sacc)],
        ]
        if b:
            rows.append(["both", pct(b.hacc), pct(b.sacc)])
        lines += [table(["scope", "HAcc %", "SAcc %"], rows, numeric=True), ""]
        header = ["constraint", "answer followed %", "reasoning followed %"] + (["both %"] if b else [])
        body = []
        for c, v in cons.items():
            row = [escape(c), pct(v.follow), pct(_rate(r.by_constraint, c))]
            if b:
                row.append(pct(_rate(b.by_constraint, c)))
            body.append(row)
        lines += [table(header, body, numeric=True), ""]
    if plots:
        lines += ["## Plots", ""]
        titles = {
            PLOTS["constraint"]: "Per constraint type",
            PLOTS["source"]: "Per source",
            PLOTS["num_constraints"]: "Per number of constraints",
            PLOTS["with_without"]: "Correctness with and without constraints",
            PLOTS["length"]: "Instruction following against response length",
            PLOTS["scope"]: "Answer against reasoning trace",
        }
        for p in plots:
            name = p.rsplit("/", 1)[-1]
            lines += [f"![{titles.get(name, name)}]({p})", ""]
    return "\n".join(lines).rstrip() + "\n"


def compare_rows(summaries: Sequence[tuple[str, EvalSummary]]) -> list[dict[str, Any]]:
    rows = [
        {
            "name": name,
            "model": s.run.model,
            "items": s.items,
            "hacc": s.hacc,
            "sacc": s.sacc,
            "correctness": s.correctness,
            "correctness_without_constraints": s.correctness_without_constraints,
            "checker_semantics": s.run.checker_semantics,
            "fix_quirks": s.run.fix_quirks,
        }
        for name, s in summaries
    ]
    return sorted(rows, key=lambda r: (-r["hacc"], -r["correctness"], r["name"]))


def checked_alike(rows: Sequence[Mapping[str, Any]]) -> str | None:
    """None when every run was checked alike (same checker semantics, same ``--fix-quirks``),
    else one sentence saying that their constraint scores are not comparable."""
    ways = {(r["checker_semantics"], r["fix_quirks"]) for r in rows}
    if len(ways) <= 1:
        return None
    return (
        "These runs were not all checked alike (see the checks column): their HAcc and SAcc "
        "are not comparable; run mathif score on their generations with the same settings."
    )


def render_compare(rows: Sequence[Mapping[str, Any]], with_plot: bool) -> str:
    lines = ["# MathIF runs side by side", "", "Sorted by HAcc, as MathIF's leaderboard.", ""]
    warning = checked_alike(rows)
    if warning:
        lines += [f"**{warning}**", ""]
    header = ["run", "model", "items", "HAcc %", "SAcc %", "correct %", "correct w/o constraints %", "checks"]
    body = [
        [
            escape(r["name"]),
            escape(str(r["model"])),
            str(r["items"]),
            pct(r["hacc"]),
            pct(r["sacc"]),
            pct(r["correctness"]),
            pct(r["correctness_without_constraints"]),
            f"semantics {r['checker_semantics']}" + (", --fix-quirks" if r["fix_quirks"] else ""),
        ]
        for r in rows
    ]
    lines.append(table(header, body, numeric=True))
    if with_plot:
        lines += ["", f"![Correctness against HAcc]({COMPARE_PLOT})"]
    return "\n".join(lines) + "\n"
