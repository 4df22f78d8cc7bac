"""``mathif raw ...``: pull the raw sources, inspect them, match dataset questions to them."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from curation.cli.console import console, default_note, err_console, error_line, user_errors
from curation.core import InputError, Problem, json_text, read_jsonl
from curation.raw import (
    DEFAULT_DUP_THRESHOLD,
    DEFAULT_MATCH_CUTOFF,
    GRADABLE_BAR,
    MIRROR_ENV,
    NearDuplicates,
    PullOutcome,
    RawPaths,
    find_near_duplicates,
    load_problems,
    load_registry,
    match_questions,
    pull,
    select_sources,
)

app = typer.Typer(
    help="Raw sources: pull them (Hub or mirror) into typed problems, show statistics and "
    "near duplicates, match dataset questions to them.",
    no_args_is_help=True,
)

_COMMIT = re.compile(r"[0-9a-f]{40}")
QUESTION_FIELDS = ("question", "problem")


# ---------------------------------------------------------------- pull


def _print_pull(outcome: PullOutcome) -> None:
    table = Table(title="mathif raw pull")
    for col in ("source", "problems", "gradable", "gradable %"):
        table.add_column(col, justify="left" if col == "source" else "right")
    for s in outcome.pulled:
        share = s.gradable / len(s.problems) if s.problems else 1.0
        table.add_row(s.spec.name, str(len(s.problems)), str(s.gradable), f"{100 * share:.2f}")
    console.print(table)
    missing = outcome.non_gradable()
    if missing:
        console.print(f"{len(missing)} problem(s) whose gold answer math-verify cannot parse:")
        for p in missing:
            console.print(f"  {p.id}: {p.answer!r}", markup=False, highlight=False, soft_wrap=True)
    if outcome.problems:
        share = outcome.gradable / outcome.problems
        console.print(
            f"gradable: {outcome.gradable} / {outcome.problems} ({100 * share:.2f}%)", highlight=False
        )
        if share < GRADABLE_BAR:
            console.print(f"[yellow]warning: below the {100 * GRADABLE_BAR:.1f}% bar of gradable problems[/]")


@app.command("pull")
@user_errors
def pull_cmd(
    sources: Annotated[
        list[str] | None, typer.Argument(help="Source names from raw/sources.toml (default: all).")
    ] = None,
    mirror: Annotated[
        Path | None,
        typer.Option(
            "--mirror",
            envvar=MIRROR_ENV,
            help="Read DIR/<source>/test.jsonl instead of the Hugging Face Hub."
            + default_note("none: the Hub"),
        ),
    ] = None,
    update_lock: Annotated[
        bool,
        typer.Option(
            "--update-lock", help="Accept content that differs from raw/lock.json." + default_note("off")
        ),
    ] = False,
) -> None:
    """Pull sources into typed problems: write raw/cache/<source>.jsonl and raw/lock.json."""
    paths = RawPaths.default()
    if mirror is None:
        specs = select_sources(load_registry(paths.registry), list(sources or []), None)
        for spec in specs:
            if not _COMMIT.fullmatch(spec.revision):
                err_console.print(
                    f"warning: {spec.name}: revision {spec.revision!r} is not a pinned commit",
                    markup=False,
                    highlight=False,
                )
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=True) as bar:
        task = bar.add_task("pulling", total=None)
        outcome = pull(
            sources,
            mirror,
            paths=paths,
            update_lock=update_lock,
            on_source=lambda spec: bar.update(task, description=f"pulling {spec.name}"),
        )
    _print_pull(outcome)
    if outcome.pulled:
        names = ", ".join(s.spec.name for s in outcome.pulled)
        console.print(f"wrote {paths.cache_dir}/ ({names})", highlight=False, soft_wrap=True)
    if outcome.lock_changed:
        console.print(f"wrote {paths.lock}", highlight=False, soft_wrap=True)
    for message in outcome.errors:
        error_line(message)
    if outcome.errors:
        raise typer.Exit(2)


# ---------------------------------------------------------------- stats


def _distribution(problems: Sequence[Problem], key: str) -> dict[str, int]:
    counts = Counter(str(p.metadata[key]) for p in problems if p.metadata.get(key) is not None)
    return {k: counts[k] for k in sorted(counts)}


def stats_report(problems: Sequence[Problem], dups: NearDuplicates) -> dict[str, Any]:
    """Per source: problems, gradable, level/subject distribution, near-duplicate pairs (pure)."""
    by_source: dict[str, list[Problem]] = {}
    for p in problems:
        by_source.setdefault(p.source, []).append(p)
    sources: dict[str, Any] = {}
    for name, group in by_source.items():
        block: dict[str, Any] = {
            "problems": len(group),
            "gradable": sum(p.gradable for p in group),
            "non_gradable": [p.id for p in group if not p.gradable],
        }
        for key in ("level", "subject"):
            dist = _distribution(group, key)
            if dist:
                block[key] = dist
        prefix = f"{name}/"
        within = [d for d in dups.pairs if d.a.startswith(prefix) and d.b.startswith(prefix)]
        across = [d for d in dups.pairs if (d.a.startswith(prefix)) != (d.b.startswith(prefix))]
        block["near_duplicate_pairs"] = {"within": len(within), "across": len(across)}
        sources[name] = block
    return {
        "sources": sources,
        "problems": len(problems),
        "gradable": sum(p.gradable for p in problems),
        "near_duplicates": {
            "threshold": dups.threshold,
            "scorer": "rapidfuzz fuzz.ratio on match keys",
            "pairs": [{"a": d.a, "b": d.b, "score": d.score} for d in dups.pairs],
            "groups": [{"ids": list(g.ids), "max_score": g.max_score} for g in dups.groups],
        },
    }


def _print_stats(report: dict[str, Any]) -> None:
    table = Table(title="mathif raw stats")
    for col in ("source", "problems", "gradable", "near-dup pairs within", "across"):
        table.add_column(col, justify="left" if col == "source" else "right")
    for name, block in report["sources"].items():
        dup = block["near_duplicate_pairs"]
        table.add_row(
            name, str(block["problems"]), str(block["gradable"]), str(dup["within"]), str(dup["across"])
        )
    console.print(table)
    for name, block in report["sources"].items():
        for key in ("level", "subject"):
            if key in block:
                spread = ", ".join(f"{k}: {v}" for k, v in block[key].items())
                console.print(f"{name} {key}: {spread}", highlight=False, soft_wrap=True)
    nd = report["near_duplicates"]
    console.print(
        f"near-duplicate groups (fuzz.ratio >= {nd['threshold']:g}): {len(nd['groups'])}", highlight=False
    )
    for group in nd["groups"]:
        console.print(
            f"  {group['max_score']:6.2f}  {' '.join(group['ids'])}", highlight=False, soft_wrap=True
        )


@app.command("stats")
@user_errors
def stats_cmd(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON on stdout." + default_note("off"))
    ] = False,
    threshold: Annotated[
        float, typer.Option("--threshold", min=0, max=100, help="Near-duplicate score (0-100).")
    ] = DEFAULT_DUP_THRESHOLD,
) -> None:
    """Per source: problems, gradable answers, level/subject spread and near duplicates."""
    problems = load_problems(paths=RawPaths.default())
    report = stats_report(problems, find_near_duplicates(problems, threshold))
    if as_json:
        typer.echo(json_text(report), nl=False)
    else:
        _print_stats(report)


# ---------------------------------------------------------------- match


def read_questions(path: Path) -> list[tuple[int, str]]:
    """(line, question) for every row of a dataset file (``question`` or ``problem`` field)."""
    out = []
    for line, obj in read_jsonl(path):
        field = next((f for f in QUESTION_FIELDS if f in obj), None)
        if field is None:
            raise InputError(path, line, "no 'question' (or 'problem') field")
        if not isinstance(obj[field], str):
            raise InputError(path, line, f"field {field!r} must be a string")
        out.append((line, obj[field]))
    return out


@app.command("match")
@user_errors
def match_cmd(
    files: Annotated[list[Path], typer.Argument(help="JSONL dataset files with a 'question' field.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON on stdout." + default_note("off"))
    ] = False,
    min_score: Annotated[
        float, typer.Option("--min-score", min=0, max=100, help="Below this, nothing matched.")
    ] = DEFAULT_MATCH_CUTOFF,
) -> None:
    """Map every question of FILE... to the most similar source problem (rapidfuzz)."""
    rows = [(path, line, question) for path in files for line, question in read_questions(path)]
    problems = load_problems(paths=RawPaths.default())
    matches = match_questions([q for _, _, q in rows], problems, cutoff=min_score)
    records = []
    index_in_file: Counter[Path] = Counter()
    for (path, line, _), m in zip(rows, matches, strict=True):
        records.append(
            {
                "file": str(path),
                "index": index_in_file[path],
                "line": line,
                "source": m.problem.source if m.problem else None,
                "problem_id": m.problem.id if m.problem else None,
                "score": m.score,
            }
        )
        index_in_file[path] += 1
    if as_json:
        typer.echo(json_text(records), nl=False)
        return
    for r in records:
        where = f"{r['file']}:{r['line']}"
        if r["problem_id"]:
            typer.echo(f"{where}\t{r['source']}\t{r['problem_id']}\t{r['score']:.2f}")
        else:
            typer.echo(f"{where}\tno match (best score {r['score']:.2f} < {min_score:g})")
    matched = sum(1 for r in records if r["problem_id"])
    typer.echo(f"matched {matched} of {len(records)} question(s)")
