"""``mathif score`` and the summary table that ``mathif eval`` prints too."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from curation.cli.console import console, note, progress_bar
from curation.core import InputError, default_jobs
from curation.scoring import GroupScores, Interval

if TYPE_CHECKING:
    from curation.evaluation import EvalSummary

MAX_JOBS = 256


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.2f}"


def _ci(ci: Interval | None) -> str:
    return "" if ci is None else f"{100 * ci.low:.1f}–{100 * ci.high:.1f}"


def print_summary(title: str, s: EvalSummary) -> None:
    """The terminal tables of ``mathif score`` and ``mathif eval``: every rate with its 95%
    interval and its n (small cells marked), then the summary's warnings."""
    from curation.core import source_label, split_label
    from curation.scoring import INTERVALS_NOTE, SMALL

    table = Table(title=title, caption=f"{INTERVALS_NOTE}; † fewer than {SMALL} items")
    for col in ("group", "items", "HAcc %", "95% CI", "SAcc %", "95% CI", "correct %", "95% CI"):
        table.add_column(col, justify="left" if col == "group" else "right")

    def row(name: str, g: GroupScores) -> None:
        n = f"{g.items}{'†' if g.small else ''}"
        table.add_row(
            name,
            n,
            _pct(g.hacc),
            _ci(g.hacc_ci),
            _pct(g.sacc),
            _ci(g.sacc_ci),
            _pct(g.correctness),
            _ci(g.correctness_ci),
        )

    row("all", s.overall)
    if s.correctness_without_constraints is not None:
        o = s.overall
        table.add_row(
            "all, no constraints in the prompt",
            "",
            "",
            "",
            "",
            "",
            _pct(o.correctness_without_constraints),
            _ci(o.correctness_without_constraints_ci),
        )
    for name, g in s.by_source.items():
        row(f"source {source_label(name)}", g)
    if len(s.by_split) > 1:
        for name, g in s.by_split.items():
            row(f"split {split_label(name)}", g)
    for name, g in s.by_num_constraints.items():
        row(f"{name} constraint(s)", g)
    console.print(table)
    ctable = Table(title="instruction following per constraint type")
    for col in ("constraint", "n", "followed %", "95% CI"):
        ctable.add_column(col, justify="left" if col == "constraint" else "right")
    for cid, c in s.by_constraint.items():
        ctable.add_row(cid, f"{c.n}{'†' if c.n < SMALL else ''}", _pct(c.follow), _ci(c.follow_ci))
    console.print(ctable)
    if s.multi is not None:
        m = s.multi
        ks = ", ".join(f"pass@{k} {_pct(v)}" for k, v in m.pass_at.items())
        console.print(f"{m.k} samples per prompt: correctness {ks}; majority vote {_pct(m.majority)} %")
    e = s.endings
    if e is not None and e.overall.samples:
        cut = e.overall.truncated_share
        console.print(
            f"samples truncated at the token limit: {'unknown' if cut is None else f'{100 * cut:.1f} %'}; "
            f"with </think>: {100 * e.overall.delimited_share:.1f} %",
            markup=False,
        )
    for warning in s.warnings:
        note(f"warning: {warning}")


DATA_HELP = (
    "The items, in any form: a build folder, a published tree or Hub snapshot, a Hub dataset "
    "ORG/NAME@REVISION, one JSONL or parquet split file, or MathIF's files."
)


def score_cmd(
    data: Annotated[str, typer.Option("--data", help=DATA_HELP, show_default=False)],
    generations: Annotated[
        Path,
        typer.Option(
            "--generations",
            help="JSONL: each line keyed by the item key of mathif eval ({'key': 'gsm8k_single.jsonl:3', "
            "'output': ...}, optional 'run', 'sample', 'finish_reason', 'completion_tokens'), or, for a "
            "dataset of one file, aligned line by line with it; 'output' (or 'response') is a string "
            "or a list of samples.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Folder for items.jsonl, samples.jsonl, summary.json, report.md and plots/.",
            show_default=False,
        ),
    ],
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
            help="Use the documented fixes of checker quirks (MathIF's: literal keywords, real "
            "markdown bullets, undetectable language not followed; the borrowed IFEvalG/IFBench "
            "families: mathif's readings, see the README). \\[default: off: each source's verdicts]",
        ),
    ] = False,
    correctness: Annotated[
        bool, typer.Option("--correctness/--no-correctness", help="Grade answers with math-verify.")
    ] = True,
    trace_scope: Annotated[
        str,
        typer.Option(
            "--trace-scope",
            help="Also check the constraints on the reasoning trace: 'reasoning', or 'both' "
            "(answer and reasoning); 'answer' checks each constraint where its item says.",
        ),
    ] = "answer",
    model: Annotated[
        str,
        typer.Option(
            "--model", help="The model's name for the report. \\[default: the generations file's name]"
        ),
    ] = "",
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            help="Worker processes that score (0: one per core this process may use, here "
            f"{default_jobs()}). The files written are the same whatever the number.",
            min=0,
            max=MAX_JOBS,
        ),
    ] = 0,
    plots: Annotated[
        bool,
        typer.Option(
            "--plots/--no-plots",
            help="Draw plots/*.png for the report (matplotlib: about a second, whatever the size).",
        ),
    ] = True,
) -> None:
    """Score generations made elsewhere: hard accuracy, soft accuracy and answer correctness.

    Hard accuracy: all constraints met; soft accuracy: share of constraints met;
    correctness: the answer graded with math-verify against the gold answer.  OUT
    gets what mathif eval writes: items.jsonl, samples.jsonl (one line per sample:
    response, answer, extracted answer, gold, verdicts), summary.json, report.md, plots/.
    The generations file is read twice (checked whole first, then item by item) and never
    held in memory; --jobs worker processes score, and the files are the same whatever
    their number.
    """
    from curation.evaluation import TRACE_SCOPES, score_generations
    from curation.scoring import THINK_MODES

    if think_mode not in THINK_MODES:
        raise InputError(
            None, None, f"--think-mode must be one of {', '.join(THINK_MODES)}, got {think_mode!r}"
        )
    if trace_scope not in TRACE_SCOPES:
        raise InputError(
            None, None, f"--trace-scope must be one of {', '.join(TRACE_SCOPES)}, got {trace_scope!r}"
        )
    with progress_bar("scoring") as progress:
        summary = score_generations(
            data,
            generations,
            out,
            think_mode,
            fix_quirks,
            correctness,
            trace_scope,
            model,
            progress,
            jobs or default_jobs(),
            plots,
            note,
        )
    print_summary(f"mathif score: {summary.run.dataset}", summary)
    console.print(
        f"wrote {out / 'summary.json'}, {out / 'items.jsonl'}, {out / 'samples.jsonl'}"
        + (f", {out / 'report.md'} and {out / 'plots'}/" if plots else f" and {out / 'report.md'}"),
        markup=False,
        highlight=False,
    )
