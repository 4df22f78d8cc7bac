"""The ``mathif`` command line."""

from __future__ import annotations

from typing import Annotated

import typer

from curation.cli import constraints, dataset, evaluation, raw, release, score
from curation.cli.console import console, user_errors
from curation.core import __version__

app = typer.Typer(
    name="mathif",
    help="Build, verify, evaluate and publish MathIF-style benchmarks: maths problems "
    "with constraints a program can check.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback(invoke_without_command=True)
def main(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        console.print(f"mathif {__version__}")
        raise typer.Exit(0)


# The commands, each a function of its module wrapped in the one error rule (group modules
# wrap theirs the same way) ...
for _name, _command in (
    ("build", dataset.build_cmd),
    ("verify", dataset.verify_cmd),
    ("diff", dataset.diff_cmd),
    ("score", score.score_cmd),
    ("eval", evaluation.eval_cmd),
    ("compare", evaluation.compare_cmd),
):
    app.command(_name)(user_errors(_command))

# ... and the command groups, each a Typer of its own module.
app.add_typer(raw.app, name="raw")
app.add_typer(release.app, name="release")
app.add_typer(constraints.app, name="constraints")
