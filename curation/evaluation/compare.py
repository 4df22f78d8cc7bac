"""``mathif compare`` as a function: several eval run folders side by side."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from curation.core import InputError, write_atomic, write_json
from curation.evaluation.report.markdown import compare_rows, render_compare
from curation.evaluation.report.plots import COMPARE_PLOT, write_compare_plot
from curation.evaluation.run import SUMMARY
from curation.evaluation.summary import EvalSummary


def read_summary(folder: Path) -> EvalSummary:
    path = folder / SUMMARY
    if not path.is_file():
        raise InputError(path, None, "no such file; run mathif eval into this folder first")
    return EvalSummary.read(path)


def run_compare(folders: Sequence[Path], out: Path | None) -> list[dict[str, Any]]:
    names = [f.name or str(f) for f in folders]
    if len(set(names)) < len(names):  # same folder names under different parents
        names = [str(f) for f in folders]
    rows = compare_rows([(n, read_summary(f)) for n, f in zip(names, folders, strict=True)])
    if out is not None:
        if out.exists() and not out.is_dir():
            raise InputError(out, None, "exists and is not a folder")
        write_compare_plot(rows, out / COMPARE_PLOT)
        write_json(out / "compare.json", rows)
        write_atomic(out / "compare.md", render_compare(rows, with_plot=True))
    return rows
