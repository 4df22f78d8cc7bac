"""The Markdown report of an eval run and the table of ``mathif compare`` (pure text)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from curation.evaluation.report.plots import COMPARE_PLOT, PLOTS


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.2f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|",
    ]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render_report(summary: Mapping[str, Any], plots: Sequence[str]) -> str:
    run = summary.get("run", {})
    s = run.get("sampling", {})
    lines = [f"# MathIF evaluation: {_md(str(run.get('model', '?')))}", ""]
    lines += [
        f"Dataset `{run.get('dataset', '?')}` ({summary['items']} items, {summary['samples']} samples), "
        f"backend `{run.get('backend', '?')}`; temperature {s.get('temperature')}, top-p {s.get('top_p')}, "
        f"max {s.get('max_tokens')} new tokens, {s.get('samples')} sample(s) per prompt, seed {s.get('seed')}; "
        f"answer split `{run.get('think_mode', 'mathif')}`, checks "
        f"{'with quirk fixes' if run.get('fix_quirks') else 'as MathIF'}.",
        "",
        "## Scores",
        "",
    ]
    plain = summary.get("correctness_without_constraints")
    rows = [["HAcc (all constraints followed)", pct(summary["hacc"])]]
    rows.append(["SAcc (share of constraints followed)", pct(summary["sacc"])])
    rows.append(["correctness, constraints in the prompt", pct(summary["correctness"])])
    if plain is not None:
        rows.append(["correctness, no constraints in the prompt", pct(plain)])
        rows.append(
            [
                "what the constraints cost in correctness (points)",
                f"{100 * (plain - summary['correctness']):+.2f}",
            ]
        )
    lines += _table(["score", "%"], rows) + [""]

    def group_table(title: str, groups: Mapping[str, Any], label: str) -> None:
        nonlocal lines
        with_plain = plain is not None
        header = [label, "items", "HAcc %", "SAcc %", "correct %"] + (
            ["correct w/o constraints %"] if with_plain else []
        )
        body = []
        for name, g in groups.items():
            row = [_md(name), str(g["items"]), pct(g["hacc"]), pct(g["sacc"]), pct(g["correctness"])]
            if with_plain:
                row.append(pct(g.get("correctness_without_constraints")))
            body.append(row)
        lines += [f"## {title}", ""] + _table(header, body) + [""]

    group_table("Per source", summary["by_source"], "source")
    group_table("Per number of constraints", summary["by_num_constraints"], "constraints")
    cons = summary["by_constraint"]
    lines += [
        "## Per constraint type",
        "",
        "HAcc and SAcc of the items that have the constraint; "
        "*followed*: how often the constraint itself holds.",
        "",
    ]
    lines += _table(
        ["constraint", "n", "followed %", "HAcc %", "SAcc %"],
        [[_md(c), str(v["n"]), pct(v["follow"]), pct(v["hacc"]), pct(v["sacc"])] for c, v in cons.items()],
    ) + [""]
    bins = summary.get("by_length") or []
    if bins:
        unit = summary.get("length_unit", "tokens")
        lines += [
            "## Instruction following against response length",
            "",
            f"Samples of the run with constraints, sorted by length ({unit}) into groups of equal size.",
            "",
        ]
        lines += _table(
            [f"length ({unit})", "samples", "HAcc %", "SAcc %", "correct %"],
            [
                [
                    f"{b['min']}–{b['max']}",
                    str(b["samples"]),
                    pct(b["hacc"]),
                    pct(b["sacc"]),
                    pct(b["correctness"]),
                ]
                for b in bins
            ],
        ) + [""]
    if "reasoning_scope" in summary:
        r = summary["reasoning_scope"]
        b = summary.get("both_scope")
        lines += [
            "## Constraints checked on the reasoning trace",
            "",
            "The same checks applied to the reasoning (the text before `</think>`) instead of the answer; "
            "*both*: a constraint counts only when the answer and the reasoning follow it.",
            "",
        ]
        rows = [
            ["answer (MathIF)", pct(summary["hacc"]), pct(summary["sacc"])],
            ["reasoning", pct(r["hacc"]), pct(r["sacc"])],
        ]
        if b:
            rows.append(["both", pct(b["hacc"]), pct(b["sacc"])])
        lines += _table(["scope", "HAcc %", "SAcc %"], rows) + [""]
        header = ["constraint", "answer followed %", "reasoning followed %"] + (["both %"] if b else [])
        body = []
        for c, v in cons.items():
            row = [_md(c), pct(v["follow"]), pct(r["by_constraint"].get(c, {}).get("follow"))]
            if b:
                row.append(pct(b["by_constraint"].get(c, {}).get("follow")))
            body.append(row)
        lines += _table(header, body) + [""]
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


def compare_rows(summaries: Sequence[tuple[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    rows = []
    for name, s in summaries:
        run = s.get("run", {})
        rows.append(
            {
                "name": name,
                "model": run.get("model", "?"),
                "items": s["items"],
                "hacc": s["hacc"],
                "sacc": s["sacc"],
                "correctness": s["correctness"],
                "correctness_without_constraints": s.get("correctness_without_constraints"),
            }
        )
    return sorted(rows, key=lambda r: (-r["hacc"], -r["correctness"], r["name"]))


def render_compare(rows: Sequence[Mapping[str, Any]], with_plot: bool) -> str:
    lines = ["# MathIF runs side by side", "", "Sorted by HAcc, as MathIF's leaderboard.", ""]
    lines += _table(
        ["run", "model", "items", "HAcc %", "SAcc %", "correct %", "correct w/o constraints %"],
        [
            [
                _md(r["name"]),
                _md(str(r["model"])),
                str(r["items"]),
                pct(r["hacc"]),
                pct(r["sacc"]),
                pct(r["correctness"]),
                pct(r["correctness_without_constraints"]),
            ]
            for r in rows
        ],
    )
    if with_plot:
        lines += ["", f"![Correctness against HAcc]({COMPARE_PLOT})"]
    return "\n".join(lines) + "\n"
