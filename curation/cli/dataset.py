"""``mathif build``, ``mathif verify`` and ``mathif diff``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from curation.cli.console import console, progress_bar
from curation.core import check_output_folder, json_text, write_json


def build_cmd(
    recipe: Annotated[Path, typer.Argument(help="A recipe, e.g. release/v1.0.0/recipe.toml.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: build/<version>/).")
    ] = None,
    record: Annotated[
        bool,
        typer.Option(
            "--record",
            help="Also write the manifest next to the recipe (release/<version>/manifest.json), "
            "the committed record of this version.",
        ),
    ] = False,
    parquet: Annotated[
        bool, typer.Option("--parquet/--no-parquet", help="Also write parquet splits.")
    ] = True,
) -> None:
    """Build a dataset version from a recipe and the pulled raw sources.

    Samples problems (seeded, stratified, gradable only, near duplicates apart),
    composes 1 to 3 constraints per item with conflicts filtered out, proves each
    item satisfiable with a joint witness, and writes one JSONL (and parquet) file
    per split and tier plus manifest.json.  Same recipe + same raw lock = same bytes.
    """
    from curation.dataset import build, load_recipe
    from curation.raw import load_problems, lock_sha256, source_labels

    rec = load_recipe(recipe)
    target = out or Path("build") / rec.version
    check_output_folder(target)  # before the build, not after it
    problems = load_problems(rec.sources, asked_by=rec.path)
    with progress_bar(f"building {rec.version}") as progress:
        result = build(
            rec, target, problems, lock_sha256(), source_labels(), progress=progress, parquet=parquet
        )
    m = result.manifest
    table = Table(title=f"mathif {m.version} -> {target}")
    for col in ("split", "items", "redraws", "not discriminative"):
        table.add_column(col, justify="left" if col == "split" else "right")
    for s in result.splits:
        table.add_row(s.name, str(len(s.rows)), str(s.draws - len(s.rows)), str(len(s.not_discriminative)))
    console.print(table)
    console.print(f"{m.items} items, every one proven satisfiable; manifest {target / 'manifest.json'}")
    if record:
        dest = Path(recipe).parent / "manifest.json"
        m.write(dest)
        console.print(f"recorded {dest}")


def verify_cmd(
    files: Annotated[list[Path], typer.Argument(help="Dataset JSONL files (ours or MathIF's format).")],
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a JSON list, one object per item.")
    ] = None,
) -> None:
    """Check that every item of dataset files is well formed and checkable.

    Schema, constraint ids and arguments, descriptions, conflicts, satisfiability
    (a joint witness or a proof of impossibility) and gradable gold answers, for
    the tool's files and MathIF's.  Exit code 1 if any item fails.
    """
    from curation.core import dataset_files
    from curation.dataset import verify_file

    paths = [p for f in files for p in dataset_files(f)]
    verdicts = [v for p in paths for v in verify_file(p)]
    failing = [v for v in verdicts if not v.ok]
    unsat = [v for v in verdicts if not v.satisfiable]
    ungradable = [v for v in verdicts if v.gradable is False]
    table = Table(title="mathif verify")
    for col in ("file", "items", "ok", "failing", "unsatisfiable", "gold not gradable"):
        table.add_column(col, justify="left" if col == "file" else "right")
    per_file = Counter(v.file for v in verdicts)
    for f in per_file:
        vs = [v for v in verdicts if v.file == f]
        table.add_row(
            f,
            str(len(vs)),
            str(sum(v.ok for v in vs)),
            str(sum(not v.ok for v in vs)),
            str(sum(not v.satisfiable for v in vs)),
            str(sum(v.gradable is False for v in vs)),
        )
    console.print(table)
    for v in failing:
        console.print(f"{v.file}:{v.line} ({v.id}): " + "; ".join(v.problems), markup=False, highlight=False)
    console.print(
        f"{len(verdicts)} items: {len(verdicts) - len(failing)} ok, {len(failing)} failing, "
        f"{len(unsat)} unsatisfiable, {len(ungradable)} with a gold answer that is not machine-gradable"
    )
    if report:
        write_json(report, [v.to_report() for v in verdicts], indent=1)
    if failing:
        raise typer.Exit(1)


def diff_cmd(
    old: Annotated[Path, typer.Argument(help="Folder of the older built version.")],
    new: Annotated[Path, typer.Argument(help="Folder of the newer built version.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the full diff as JSON.")] = False,
) -> None:
    """Items added, removed and changed between two built versions."""
    from curation.dataset import diff_versions

    d = diff_versions(old, new)
    if as_json:
        typer.echo(json_text(d), nl=False)
        return
    table = Table(title=f"mathif diff {old} -> {new}")
    for col in ("split", "old", "new", "added", "removed", "changed"):
        table.add_column(col, justify="left" if col == "split" else "right")
    for name, s in d["splits"].items():
        table.add_row(name, *(str(s[k]) for k in ("old", "new", "added", "removed", "changed")))
    console.print(table)
    s = d["summary"]
    console.print(
        f"{s['added']} added, {s['removed']} removed, {s['changed']} changed, {s['unchanged']} unchanged"
    )
