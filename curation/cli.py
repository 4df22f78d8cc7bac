"""The ``mathif`` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from . import __version__
from .cli_common import console, err_console, user_errors  # noqa: F401 - shared by command modules
from .cli_raw import raw_app
from .errors import InputError

app = typer.Typer(
    name="mathif",
    help="Build, verify, evaluate and publish MathIF-style benchmarks: maths problems "
    "with constraints a program can check.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(raw_app, name="raw")


@app.callback(invoke_without_command=True)
def main(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        console.print(f"mathif {__version__}")
        raise typer.Exit(0)


def _pct(x: float) -> str:
    return f"{100 * x:.2f}"


def print_summary(summary: dict[str, Any], title: str) -> None:
    table = Table(title=title)
    for col in ("group", "items", "HAcc %", "SAcc %", "correct %"):
        table.add_column(col, justify="left" if col == "group" else "right")

    def row(name: str, block: dict[str, Any]) -> None:
        table.add_row(
            name, str(block["items"]), _pct(block["hacc"]), _pct(block["sacc"]), _pct(block["correctness"])
        )

    row("all", summary)
    for name, block in summary["by_source"].items():
        row(f"source {name}", block)
    for name, block in summary["by_num_constraints"].items():
        row(f"{name} constraint(s)", block)
    console.print(table)
    ctable = Table(title="instruction following per constraint type")
    ctable.add_column("constraint")
    ctable.add_column("n", justify="right")
    ctable.add_column("followed %", justify="right")
    for cid, block in summary["by_constraint"].items():
        ctable.add_row(cid, str(block["n"]), _pct(block["follow"]))
    console.print(ctable)


@app.command()
@user_errors
def score(
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
    from .response import THINK_MODES
    from .score_run import run_score

    if think_mode not in THINK_MODES:
        raise InputError(
            None, None, f"--think-mode must be one of {', '.join(THINK_MODES)}, got {think_mode!r}"
        )
    summary = run_score(data, generations, out, think_mode, fix_quirks, correctness, progress=console)
    print_summary(summary, f"mathif score: {data}")
    console.print(f"wrote {out / 'items.jsonl'} and {out / 'summary.json'}")


def _register_dataset_commands() -> None:
    from .cli_dataset import build_cmd, diff_cmd, verify_cmd

    app.command("build")(user_errors(build_cmd))
    app.command("verify")(user_errors(verify_cmd))
    app.command("diff")(user_errors(diff_cmd))


_register_dataset_commands()


def _register_release_commands() -> None:
    from .cli_release import release_app

    app.add_typer(release_app, name="release")


_register_release_commands()


def _register_eval_commands() -> None:
    from .cli_eval import compare_cmd, eval_cmd

    app.command("eval")(user_errors(eval_cmd))
    app.command("compare")(user_errors(compare_cmd))


_register_eval_commands()


def _register_constraints_commands() -> None:
    from .cli_constraints import register

    register(app, user_errors)  # mathif constraints list / show / new


_register_constraints_commands()
