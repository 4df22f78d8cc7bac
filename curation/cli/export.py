"""``mathif export``: a version (any dataset form) as the files another harness or trainer
reads: an lm-evaluation-harness task folder, a lighteval custom-task file, verl's parquet
rows.  The files are generated from the version, never written by hand per version."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Export a version for other harnesses and trainers: lm-evaluation-harness, lighteval, verl "
    "(inspect_ai needs no export: `inspect eval mathif/mathif -T version=...`).",
    no_args_is_help=True,
)

# One command per target, each in its own section below (lm-eval, lighteval, verl).
