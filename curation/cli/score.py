"""``mathif score`` and the summary table that ``mathif eval`` prints too."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Protocol

import typer
from rich.table import Table

from curation.cli.console import console, progress_bar
from curation.core import InputError
from curation.scoring import GroupScores


def _pct(x: float) -> str:
    return f"{100 * x:.2f}"


class _Rate(Protocol):
    @property
    def n(self) -> int: ...

    @property
    def follow(self) -> float: ...


def print_summary(
    title: str,
    overall: GroupScores,
    by_source: Mapping[str, GroupScores],
    by_num_constraints: Mapping[str, GroupScores],
    by_constraint: Mapping[str, _Rate],
) -> None:
    """The terminal tables of ``mathif score`` and ``mathif eval``."""
    table = Table(title=title)
    for col in ("group", "items", "HAcc %", "SAcc %", "correct %"):
        table.add_column(col, justify="left" if col == "group" else "right")

    def row(name: str, block: GroupScores) -> None:
        table.add_row(name, str(block.items), _pct(block.hacc), _pct(block.sacc), _pct(block.correctness))

    row("all", overall)
    for name, block in by_source.items():
        row(f"source {name}", block)
    for name, block in by_num_constraints.items():
        row(f"{name} constraint(s)", block)
    console.print(table)
    ctable = Table(title="instruction following per constraint type")
    ctable.add_column("constraint")
    ctable.add_column("n", justify="right")
    ctable.add_column("followed %", justify="right")
    for cid, rate in by_constraint.items():
        ctable.add_row(cid, str(rate.n), _pct(rate.follow))
    console.print(ctable)


def score_cmd(
    data: Annotated[Path, typer.Option("--data", help="Items: MathIF's JSONL format or the tool's own.")],
    generations: Annotated[
        Path,
        typer.Option(
            "--generations",
            help="JSONL aligned line by line with --data; each line has 'output' "
            "(a string or a list of samples) or 'response'.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for items.jsonl and summary.json.")],
    think_mode: Annotated[
        str,
        typer.Option(
            "--think-mode",
            help="How the answer is split from the reasoning: 'mathif' (MathIF's harness: "
            "text after the first </think>, inside <answer> tags if present), 'last' (after "
            "the last </think>), 'strict' (no </think> means an empty answer).",
        ),
    ] = "mathif",
    fix_quirks: Annotated[
        bool,
        typer.Option(
            "--fix-quirks",
            help="Use the documented fixes of MathIF checker quirks (literal keywords, real "
            "markdown bullets, undetectable language not followed). Default: MathIF's verdicts.",
        ),
    ] = False,
    correctness: Annotated[
        bool, typer.Option("--correctness/--no-correctness", help="Grade answers with math-verify.")
    ] = True,
) -> None:
    """Score generations: hard accuracy, soft accuracy and answer correctness.

    Hard accuracy: all constraints met; soft accuracy: share of constraints met;
    correctness: the answer graded with math-verify against the gold answer.
    """
    from curation.scoring import THINK_MODES, run_score

    if think_mode not in THINK_MODES:
        raise InputError(
            None, None, f"--think-mode must be one of {', '.join(THINK_MODES)}, got {think_mode!r}"
        )
    with progress_bar("scoring") as progress:
        summary = run_score(data, generations, out, think_mode, fix_quirks, correctness, progress=progress)
    b = summary.scores
    print_summary(f"mathif score: {data}", b.overall, b.by_source, b.by_num_constraints, b.by_constraint)
    console.print(f"wrote {out / 'items.jsonl'} and {out / 'summary.json'}")
