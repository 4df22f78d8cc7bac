"""``mathif compare``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from curation.cli.console import console, note


def compare_cmd(
    runs: Annotated[list[Path], typer.Argument(help="Run folders of mathif eval.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write compare.md, compare.json and compare.png (correctness against HAcc) here."
        ),
    ] = None,
) -> None:
    """Several eval runs side by side: HAcc, SAcc and correctness, as MathIF's leaderboard."""
    from curation.evaluation import checked_alike, run_compare

    rows = run_compare(runs, out)
    table = Table(title="mathif compare")
    numbers = ("items", "HAcc %", "SAcc %", "correct %", "correct w/o constraints %")
    for col in ("run", "model", *numbers, "checks"):
        table.add_column(col, justify="left" if col in ("run", "model", "checks") else "right")
    for r in rows:
        plain = r["correctness_without_constraints"]
        table.add_row(
            r["name"],
            str(r["model"]),
            str(r["items"]),
            f"{100 * r['hacc']:.2f}",
            f"{100 * r['sacc']:.2f}",
            f"{100 * r['correctness']:.2f}",
            "–" if plain is None else f"{100 * plain:.2f}",
            f"semantics {r['checker_semantics']}" + (", --fix-quirks" if r["fix_quirks"] else ""),
        )
    console.print(table)
    warning = checked_alike(rows)
    if warning:
        note(warning)
    if out is not None:
        console.print(f"wrote {out / 'compare.md'}, {out / 'compare.json'} and {out / 'compare.png'}")
