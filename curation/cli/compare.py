"""``mathif compare``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from curation.cli.console import console, default_note, note


def _cell(row: dict[str, Any], key: str) -> str:
    value, ci = row.get(key), row.get(f"{key}_ci")
    if value is None:
        return "–"
    return f"{100 * value:.2f}" + (f"\n{100 * ci[0]:.1f}–{100 * ci[1]:.1f}" if ci else "")


def _reasoning(row: dict[str, Any]) -> str:
    """A run's mean reasoning length in the comparison's unit: ``812 tokens``, ``25.0 chars``."""
    mean = row.get("reasoning_mean")
    if mean is None:
        return "reasoning not recorded"
    unit = "tokens" if row.get("reasoning_unit") == "thinking tokens" else "chars"
    return (f"{mean:,.1f}" if mean < 100 else f"{mean:,.0f}") + f" {unit}"


def compare_cmd(
    runs: Annotated[
        list[Path],
        typer.Argument(
            help="Run folders of mathif eval or mathif score; the first is the reference.", show_default=False
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write compare.md, compare.json, compare.png (correctness against HAcc) and "
            "compare_length.png (HAcc, SAcc and correctness against reasoning length) here."
            + default_note("none, print only"),
        ),
    ] = None,
    allow_different_items: Annotated[
        bool,
        typer.Option(
            "--allow-different-items",
            help="Show runs evaluated on different items side by side (no paired comparison); "
            "refused otherwise." + default_note("off"),
        ),
    ] = False,
) -> None:
    """Several eval runs side by side: HAcc, SAcc and correctness with their 95% intervals,
    as MathIF's leaderboard, each run's intervention on the reasoning and its mean reasoning
    length, and each run against the first one, item by item (paired difference, its
    interval and a sign-flip test)."""
    from curation.evaluation import checked_alike, paired_text, run_compare

    rows = run_compare(runs, out, allow_different_items)
    warning = checked_alike(rows)
    table = Table(title="mathif compare (each rate over its 95% interval)", show_lines=True)
    table.add_column("run, model, evaluated,\nintervention, mean reasoning", overflow="fold", min_width=12)
    for col in ("items", "HAcc %", "SAcc %", "correct %", "no constr. %"):
        table.add_column(col, justify="right", no_wrap=True)
    if warning:
        table.add_column("checks", overflow="fold", min_width=10)
    for r in rows:
        checks = f"semantics {r['checker_semantics']}" + (", --fix-quirks" if r["fix_quirks"] else "")
        table.add_row(
            r["name"] + (" (reference)" if r.get("reference") else "") + f"\n{r['model']}\n{r['evaluated']}"
            f"\n{r.get('intervention', 'none')}, {_reasoning(r)}",
            str(r["items"]),
            _cell(r, "hacc"),
            _cell(r, "sacc"),
            _cell(r, "correctness"),
            _cell(r, "correctness_without_constraints"),
            *((checks,) if warning else ()),
        )
    console.print(table)
    pairs = [r for r in rows if r.get("paired")]
    if pairs:
        ref = pairs[0]["paired"]["reference"]
        ptable = Table(title=f"paired with {ref}, item by item (points; 95% interval; sign-flip test)")
        ptable.add_column("run", overflow="fold", min_width=12)
        for col in ("Δ HAcc", "HAcc test", "Δ correct", "correct test"):
            ptable.add_column(col, justify="right", no_wrap=True)
        for r in pairs:
            d = r["paired"]
            cells = [*paired_text(d.get("hacc")), *paired_text(d.get("correctness"))]
            cells[0], cells[2] = (c.replace(" [", "\n[", 1) for c in (cells[0], cells[2]))
            ptable.add_row(r["name"], *cells)
        console.print(ptable)
    if warning:
        note(warning)
    if out is not None:
        written = [out / name for name in ("compare.md", "compare.json", "compare.png", "compare_length.png")]
        written = [p for p in written if p.is_file()]
        console.print(f"wrote {', '.join(map(str, written[:-1]))} and {written[-1]}", markup=False)
