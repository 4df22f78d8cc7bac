"""The ``mathif`` command line."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

try:  # typer >= 0.17 carries its own click
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older typer on the click package
    from click import exceptions as click_errors  # type: ignore[no-redef]

from curation.cli import compare, constraints, dataset, evaluation, export, raw, recipe, release, score
from curation.cli.console import console, error_line, user_errors
from curation.core import __version__


class OneLineErrors(TyperGroup):
    """The root command: a usage error (a missing argument, an unknown option, a value of the
    wrong type) is one line on stderr and exit code 2, like every other error of the tool."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click_errors.NoArgsIsHelpError as err:
            err.show()  # the help text, as asked for by giving nothing
            sys.exit(err.exit_code)
        except click_errors.ClickException as err:
            error_line(usage_line(err))
            sys.exit(err.exit_code)
        except typer.Abort:
            error_line("aborted")
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


def usage_line(err: click_errors.ClickException) -> str:
    """``mathif score: Missing option '--data'. (mathif score --help)``"""
    ctx = getattr(err, "ctx", None)
    message = " ".join(err.format_message().split())
    if ctx is None:
        return message
    return f"{ctx.command_path}: {message} (see {ctx.command_path} --help)"


app = typer.Typer(
    cls=OneLineErrors,
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
    ("compare", compare.compare_cmd),
):
    app.command(_name)(user_errors(_command))

# ... and the command groups, each a Typer of its own module.
app.add_typer(raw.app, name="raw")
app.add_typer(recipe.app, name="recipe")
app.add_typer(release.app, name="release")
app.add_typer(constraints.app, name="constraints")
app.add_typer(export.app, name="export")
