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

    The table, per split: items; redraws, the draws of a constraint set rejected
    before each item's accepted one, summed (two constraints conflict, a family checked
    only on the answer got another scope, the arguments do not fit the question, or no
    response meeting them all could be built); not discriminative, the items with a
    constraint that no response the tool built breaks while meeting the item's other
    constraints (e.g. "at least 1 sentence"), so it may test nothing.  Those items are
    kept, and manifest.json lists them with the constraints (not_discriminative).
    """
    from curation.cli.recipe import read_recipe
    from curation.core import InputError, home_dir, is_package_data, resolve_recipe
    from curation.dataset import build
    from curation.raw import load_problems, lock_sha256, source_labels

    recipe = resolve_recipe(recipe)
    rec = read_recipe(recipe)
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
    """Items added, removed, moved and changed between two versions; their family and scope mix.

    Items are matched by split (gsm8k_single) and problem; a problem standing twice in a
    split is matched occurrence by occurrence.  An item is changed when its constraints
    (ids, arguments, scopes) or its gold answer differ.  A problem that left one tier of a
    recipe split and came into another (gsm8k_single -> gsm8k_double) is moved, not
    removed and added; its constraints nearly always change with the tier.  The recipe
    split and tier come from the rows' split and num_constraints, else from the file
    name's _single/_double/_triple.  Per split, a move counts as moved out of the split it
    left and moved in to the one it came to (new = old - removed - moved out + added +
    moved in); the summary counts it once.  The mix counts constraints per family id and
    per scope (answer unless the item says otherwise) in each version: the tables show
    the families whose count changed (biggest change first; - = not in that version) and
    the scopes.  --json has every item and every count.
    """
    from rich.markup import escape

    from curation.cli.console import printable
    from curation.dataset import diff_versions

    d = diff_versions(old, new)
    if as_json:
        typer.echo(json_text(d), nl=False)
        return
    table = Table(title=escape(printable(f"mathif diff {old} -> {new}")))
    keys = ("old", "new", "added", "removed", "moved_in", "moved_out", "changed")
    table.add_column("split", justify="left", no_wrap=True)
    for k in keys:
        table.add_column(k.replace("_", " "), justify="right")
    for name, row in d["splits"].items():
        table.add_row(escape(printable(name)), *(str(row[k]) for k in keys))
    console.print(table)
    s = d["summary"]
    moved = d["moved"]
    also = (
        f" ({sum(m['constraints_changed'] for m in moved)} with other constraints, "
        f"{sum(m['answer_changed'] for m in moved)} with another answer)"
        if moved
        else ""
    )
    console.print(
        f"{s['added']} added, {s['removed']} removed, {s['moved']} moved to another tier{also}, "
        f"{s['changed']} changed, {s['unchanged']} unchanged ({s['old_items']} items before, "
        f"{s['new_items']} now)",
        highlight=False,
        soft_wrap=True,
    )
    _print_mix(d["families"], d["scopes"])


def _print_mix(families: dict, scopes: dict) -> None:
    """The family and scope mix of ``mathif diff``: one line, the families whose count
    changed, the scopes with their shares."""
    from rich.markup import escape

    from curation.cli.console import printable

    fam_old, fam_new = families["old"], families["new"]
    total_old, total_new = sum(scopes["old"].values()), sum(scopes["new"].values())
    console.print(
        f"\nconstraints: {total_old} -> {total_new}; families: {len(fam_old)} -> {len(fam_new)} "
        f"({len(families['added'])} new, {len(families['removed'])} gone, "
        f"{sum(1 for c in families['changed'] if c['family'] in fam_old and c['family'] in fam_new)} "
        "with another count)",
        highlight=False,
        soft_wrap=True,
    )
    if families["changed"]:
        table = Table(title="families whose count changed")
        for col in ("family", "old", "new", "change"):
            table.add_column(col, justify="left" if col == "family" else "right", no_wrap=True)
        for c in families["changed"]:
            table.add_row(
                escape(printable(c["family"])),
                str(fam_old[c["family"]]) if c["family"] in fam_old else "-",
                str(fam_new[c["family"]]) if c["family"] in fam_new else "-",
                f"{c['delta']:+d}",
            )
        console.print(table)

    def share(n: int, total: int) -> str:
        return f"{n} ({n / total:.0%})" if total else str(n)

    table = Table(title="scopes")
    for col in ("scope", "old", "new", "change"):
        table.add_column(col, justify="left" if col == "scope" else "right")
    names = list(scopes["old"]) + [n for n in scopes["new"] if n not in scopes["old"]]
    for name in names:
        a, b = scopes["old"].get(name, 0), scopes["new"].get(name, 0)
        table.add_row(escape(printable(name)), share(a, total_old), share(b, total_new), f"{b - a:+d}")
    console.print(table)
