"""``mathif constraints``: list the registered families, show one, start a new one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from curation.cli.console import console, default_note, note, user_errors
from curation.core import InputError, json_text

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
    name: Annotated[str, typer.Argument(help="The family's name: lower-case letters, digits, _.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write into; . is the current folder.")] = Path(
        "."
    ),
) -> None:
    """Start a new family from a template that works: a module and its tests.

    Writes constraint_NAME.py (family custom:NAME, passing the contract as it is)
    and test_constraint_NAME.py into --out; existing files are never overwritten.
    """
    from constraints.family_template import (
        family_id,
        module_filename,
        render_module,
        render_tests,
        tests_filename,
        valid_name,
    )

    if not valid_name(name):
        raise InputError(
            None,
            None,
            f"invalid family name {name!r}: use lower-case letters, digits and _, starting with a letter "
            "(at most 40 characters)",
        )
    if out.exists() and not out.is_dir():
        raise InputError(out, None, "exists and is not a folder")
    module, tests = out / module_filename(name), out / tests_filename(name)
    for path in (module, tests):
        if path.exists():
            raise InputError(path, None, "already exists; not overwriting it")
    out.mkdir(parents=True, exist_ok=True)
    module.write_text(render_module(name), encoding="utf-8")
    tests.write_text(render_tests(name), encoding="utf-8")
    console.print(
        f"wrote {module} (family {family_id(name)}) and {tests}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    console.print(f"run its tests: pytest {tests}", markup=False, highlight=False, soft_wrap=True)
    console.print(
        "register it through the entry point group mathif.constraints in your package's pyproject.toml",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
