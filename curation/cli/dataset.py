"""``mathif build``, ``mathif verify`` and ``mathif diff``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from curation.cli.console import console, default_note, progress_bar
from curation.core import check_output_folder, json_text, write_json


def build_cmd(
    recipe: Annotated[
        Path,
        typer.Argument(
            help="A recipe file (e.g. release/v1.0.0/recipe.toml), or a version (v1.0.0 or 1.0.0) "
            "for the shipped release/vX.Y.Z/recipe.toml; an existing file of that name wins."
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Output folder."
            + default_note("build/<version>/ under MATHIF_HOME, which in a source checkout is its root"),
        ),
    ] = None,
    record: Annotated[
        bool,
        typer.Option(
            "--record",
            help="Also write the manifest next to the recipe (release/<version>/manifest.json), "
            "the committed record of this version (refused for the installed package's recipes)."
            + default_note("off"),
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
    from curation.core import InputError, home_dir, is_package_data, resolve_recipe
    from curation.dataset import build, load_recipe
    from curation.raw import load_problems, lock_sha256, source_labels

    recipe = resolve_recipe(recipe)
    rec = load_recipe(recipe)
    target = out or home_dir() / "build" / rec.version
    dest = recipe.parent / "manifest.json"
    if record and is_package_data(dest):  # before the build, not after it
        raise InputError(
            dest,
            None,
            "is read-only data of the installed package; --record writes a release folder of a "
            "source checkout (or build a copy of the recipe)",
        )
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
        m.write(dest)
        console.print(f"recorded {dest}")


def verify_cmd(
    datasets: Annotated[
        list[str],
        typer.Argument(
            help="Datasets in any form: a build folder (its manifest's splits and plugins), a "
            "published tree or Hub snapshot, a Hub dataset ORG/NAME@REVISION, MathIF's folder, "
            "one JSONL or parquet file (ours or MathIF's format).",
            show_default=False,
        ),
    ],
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write a JSON list, one object per item." + default_note("none")),
    ] = None,
) -> None:
    """Check that every item of dataset files is well formed and checkable.

    Schema, constraint ids and arguments, descriptions, conflicts, satisfiability
    (a joint witness or a proof of impossibility) and gradable gold answers, for
    the tool's files and MathIF's.  Each item gets one status, the first that
    applies of: schema_error, unknown_family, unsatisfiable (proven impossible),
    unproven (no witness, no proof), not_gradable; otherwise ok.  Exit code 1 if
    any item is not ok.
    """
    from curation.cli.console import printable
    from curation.core import open_dataset
    from curation.dataset import STATUS_LABELS, STATUSES, verify_dataset

    opened = [open_dataset(d) for d in datasets]  # every one readable before any is checked
    verdicts = [v for d in opened for v in verify_dataset(d)]
    failing = [v for v in verdicts if not v.ok]
    table = Table(title="mathif verify")
    table.add_column("file", justify="left")
    table.add_column("items", justify="right")
    headers = {
        "schema_error": "schema",
        "unknown_family": "unknown",
        "unsatisfiable": "unsat",
        "not_gradable": "ungradable",
    }
    for status in STATUSES:  # the counts of each status
        table.add_column(headers.get(status, status), justify="right")
    per_file = Counter(v.file for v in verdicts)
    for f in per_file:
        counts = Counter(v.status for v in verdicts if v.file == f)
        table.add_row(f, str(per_file[f]), *(str(counts[s]) for s in STATUSES))
    console.print(table)
    for v in failing:
        console.print(
            printable(f"{v.file}:{v.line} ({v.id}): {v.status}: " + "; ".join(v.problems)),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    totals = Counter(v.status for v in verdicts)
    shown = [f"{totals['ok']} ok"] + [f"{totals[s]} {STATUS_LABELS[s]}" for s in STATUSES[1:] if totals[s]]
    console.print(
        f"{len(verdicts)} items: " + ", ".join(shown), markup=False, highlight=False, soft_wrap=True
    )
    if report:
        write_json(report, [v.to_report() for v in verdicts], indent=1)
    if failing:
        raise typer.Exit(1)


def diff_cmd(
    old: Annotated[
        str,
        typer.Argument(
            help="The older version, in any form: a build folder, a published tree, a Hub "
            "dataset ORG/NAME@REVISION, MathIF's folder or one file.",
            show_default=False,
        ),
    ],
    new: Annotated[str, typer.Argument(help="The newer version, in any form.", show_default=False)],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the full diff as JSON." + default_note("off"))
    ] = False,
) -> None:
    """Items added, removed and changed between two versions (matched by split and problem)."""
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
