"""``mathif constraints``: list the registered families, show one, start a new one."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from curation.cli.console import console, default_note, note, user_errors
from curation.core import InputError, json_text

if TYPE_CHECKING:
    from constraints.family_template import NewFile

app = typer.Typer(
    help="The constraint families: list them, show one, or start a new one from a template.",
    no_args_is_help=True,
)


@app.command("list")
@user_errors
def list_cmd(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON list instead of a table." + default_note("off"))
    ] = False,
) -> None:
    """Every registered family: id, category, an example description, source of the idea.

    Origin is "mathif" (MathIF's 15), "extended" (shipped beyond MathIF) or "plugin"
    (added by an installed package through the mathif.constraints entry point group).
    """
    from constraints import default_registry
    from constraints.catalog import summary

    registry = default_registry()
    for broken in registry.broken:  # one line each on stderr; the working families are listed
        note(f"warning: {broken}; its families are not listed")
    rows = [summary(f) for f in registry]
    if as_json:
        typer.echo(json_text([r.to_json() for r in rows]), nl=False)
        return
    console.print(f"{len(rows)} constraint families", markup=False, highlight=False)
    for r in rows:
        for line in (
            f"{r.id}  ({r.category}, {r.origin})",
            f"  example: {r.example}",
            f"  source:  {r.source}",
        ):
            console.print(line, markup=False, highlight=False, soft_wrap=True)


@app.command("show")
@user_errors
def show_cmd(
    family_id: Annotated[str, typer.Argument(metavar="ID", help="A family id, e.g. math:single_boxed.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of text." + default_note("off"))
    ] = False,
) -> None:
    """One family: what it checks, its source, arguments, conflicts, examples."""
    from constraints import UnknownConstraintError, default_registry
    from constraints.catalog import details
    from constraints.registry import broken_hint

    registry = default_registry()
    try:
        family = registry.get(family_id)
    except UnknownConstraintError:
        hint = broken_hint(registry.broken)
        raise InputError(
            None,
            None,
            f"unknown constraint id {family_id!r} (see `mathif constraints list`)"
            + (f" ({hint})" if hint else ""),
        ) from None
    d = details(family, registry)
    if as_json:
        typer.echo(json_text(d.to_json()), nl=False)
        return
    lines = [
        f"{d.id}  ({d.category}, {d.origin})",
        f"source: {d.source}",
        *([f"checks: {d.doc}"] if d.doc else []),
        *(["scope: builds check it on the final answer only"] if d.answer_only else []),
        "arguments: " + ("none" if not d.params else ""),
        *(f"  {p}" for p in d.params),
        "never combined with: " + (", ".join(d.conflicts) if d.conflicts else "nothing"),
        "example descriptions:",
        *(f"  {e}" for e in d.examples),
        *([f"example arguments: {json.dumps(d.example_args, ensure_ascii=False)}"] if d.example_args else []),
        *([f"a response that follows it: {d.witness!r}"] if d.witness is not None else []),
        *([f"a response that does not: {d.counterexample!r}"] if d.counterexample is not None else []),
    ]
    for line in lines:
        console.print(line, markup=False, highlight=False, soft_wrap=True)


@app.command("new")
@user_errors
def new_cmd(
    name: Annotated[
        str, typer.Argument(help="The family's name, e.g. check_line: lower-case words joined by single _.")
    ],
    package: Annotated[
        Path | None,
        typer.Option(
            "--package",
            help="Write a pip-installable package into this new (or empty) folder: pyproject.toml with "
            "the entry point, the family, its tests, a README."
            + default_note("none: loose files into --out"),
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Without --package: the folder to write the two loose files into." + default_note("."),
        ),
    ] = None,
    no_args: Annotated[
        bool,
        typer.Option("--no-args", help="A family that takes no arguments." + default_note("off")),
    ] = False,
) -> None:
    """Start a new family custom:NAME from a template that works, to edit into yours.

    --package DIR writes a package to pip install: distribution mathif-NAME
    (_ as -), import package mathif_NAME, entry point NAME of the group
    mathif.constraints; its tests also check that mathif loads the family.
    Without --package: constraint_NAME.py and its tests into --out.
    Nothing is ever overwritten.
    """
    from constraints.family_template import (
        NAME_RULE,
        distribution_name,
        family_id,
        loose_files,
        package_files,
        valid_name,
    )
    from curation.core import __version__

    if not valid_name(name):
        raise InputError(None, None, f"invalid family name {name!r}: {NAME_RULE}")
    files: tuple[NewFile, ...]
    if package is not None:
        if out is not None:
            raise InputError(None, None, "give --package or --out, not both")
        _check_empty_folder(package)
        files = package_files(name, with_args=not no_args, mathif_version=__version__)
        _write(package, files)
        _say(f"wrote the package {distribution_name(name)} into {package} ({_listing(files)})")
        _say(f"its family {family_id(name)} is the template's example until you change it; next steps:")
        for step in _package_steps(name, package):
            _say(step)
        return
    folder = out if out is not None else Path(".")
    if folder.exists() and not folder.is_dir():
        raise InputError(folder, None, "exists and is not a folder")
    files = loose_files(name, with_args=not no_args)
    for f in files:
        if (folder / f.path).exists():
            raise InputError(folder / f.path, None, "already exists; not overwriting it")
    _write(folder, files)
    module, tests = (folder / f.path for f in files)
    _say(f"wrote {module} (family {family_id(name)}, the template's example until you change it) and {tests}")
    _say("next steps:")
    _say(f"  pytest {_shell(tests)}")
    _say(f"  to install it as a plugin, start from a package: mathif constraints new {name} --package DIR")


def _check_empty_folder(folder: Path) -> None:
    if folder.exists():
        if not folder.is_dir():
            raise InputError(folder, None, "exists and is not a folder")
        if any(folder.iterdir()):
            raise InputError(folder, None, "exists and is not empty; give a new or empty folder")


def _write(folder: Path, files: tuple[NewFile, ...]) -> None:
    for f in files:
        path = folder / f.path
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:  # never overwrites
            handle.write(f.text)


def _listing(files: tuple[NewFile, ...]) -> str:
    return ", ".join(str(f.path) for f in files)


def _package_steps(name: str, folder: Path) -> list[str]:
    """Install it, run its tests, see it, use it in a recipe: one line each."""
    from constraints.family_template import family_id

    return [
        f"  pip install -e {_shell(folder)}",
        f"  pytest {_shell(folder / 'tests')}",
        f"  mathif constraints show {family_id(name)}",
        "and in a recipe:",
        f'  families = ["mathif", "{family_id(name)}"]',
    ]


def _shell(path: Path) -> str:
    return shlex.quote(str(path))


def _say(line: str) -> None:
    console.print(line, markup=False, highlight=False, soft_wrap=True)
