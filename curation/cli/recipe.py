"""``mathif recipe check``: validate a recipe and explain what it would build."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from curation.cli.console import console, default_note, error_line, note, user_errors
from curation.core import json_text

if TYPE_CHECKING:
    from constraints import Registry
    from curation.dataset import Recipe

app = typer.Typer(
    help="Build recipes: check one and see its plan before building it (keys: docs/recipes.md).",
    no_args_is_help=True,
)


def _line(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _weight(w: float) -> str:
    return f"{w:g}"


def read_recipe(path: Path, registry: Registry | None = None) -> Recipe:
    """The recipe at ``path``; a source it names that the source registry lacks is an error at
    its line (``build`` and ``recipe check`` read recipes through this)."""
    from curation.dataset import load_recipe, source_error
    from curation.raw import RawPaths, load_registry

    rec = load_recipe(path, registry)
    unknown = source_error(rec, list(load_registry(RawPaths.default().registry)))
    if unknown:
        raise unknown
    return rec


@app.command("check")
@user_errors
def check_cmd(
    recipe: Annotated[
        Path,
        typer.Argument(
            help="A recipe file, or a version (v1.0.0 or 1.0.0) for the shipped release/vX.Y.Z/recipe.toml.",
            show_default=False,
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the check and the plan as JSON." + default_note("off"))
    ] = False,
) -> None:
    """Check a recipe against the pulled raw sources and explain its plan; builds nothing.

    Errors (each with the recipe's file and line; exit code 2): unknown keys and bad
    values, unknown families, sources with no pulled problems, filter and stratify fields
    no problem has, filters that keep nothing, quotas the eligible problems cannot meet,
    more constraints per item than families, override values a family refuses.

    The plan: per split, its sources and their problems, the filter, the pool, the eligible
    problems and quota of each tier, the strata, the scopes; and the family mix: each
    family's weight and the constraints it is expected to get (before conflict redraws,
    which move a few to other families).  The sampling is the build's own, so a recipe
    that checks clean builds.
    """
    from constraints import default_registry
    from curation.core import resolve_recipe
    from curation.dataset import check_recipe
    from curation.raw import load_problems

    registry = default_registry()
    rec = read_recipe(resolve_recipe(recipe), registry)
    problems = load_problems(rec.sources, asked_by=rec.path)
    result = check_recipe(rec, problems, registry)
    if as_json:
        typer.echo(json_text(_as_json(result)), nl=False)
    else:
        _show(result)
    for warning in result.warnings:
        note(f"warning: {warning}")
    for err in result.errors:
        error_line(str(err))
    if len(result.errors) > 1:
        note(f"{len(result.errors)} errors: fix them and check again")
    if result.errors:
        raise typer.Exit(2)


def _family_set(ids: tuple[str, ...]) -> str:
    """``mathif (15)``, ``all (35) + custom:x``, ``3 families: a, b, c``"""
    from constraints.registry import ALL_IDS, MATHIF_IDS

    for name, base in (("all", ALL_IDS), ("mathif", MATHIF_IDS)):
        if set(base) <= set(ids):
            extra = [f for f in ids if f not in base]
            return f"{name} ({len(base)})" + (" + " + ", ".join(extra) if extra else "")
    shown = ", ".join(ids[:6]) + (f", … ({len(ids) - 6} more)" if len(ids) > 6 else "")
    return f"{len(ids)} famil{'y' if len(ids) == 1 else 'ies'}: {shown}"


def _show(result: Any) -> None:
    from curation.dataset import TIERS

    rec, plan = result.recipe, result.plan
    constraints = sum(m.constraints for m in result.mix)
    _line(
        f"recipe {rec.path}: version {rec.version}, seed {rec.seed}, {len(rec.splits)} split(s), "
        f"{result.items} items, {constraints} constraints"
    )
    _line(
        "(eligible: gradable problems the filter keeps, not drawn by an earlier tier, one per near-duplicate group)"
    )
    for pool, mix in zip(plan.pools, result.mix, strict=True):
        split = pool.split
        sources = ", ".join(f"{s} ({n} problems)" for s, n in pool.per_source.items())
        _line(f"split {split.name} <- {sources}")
        if split.filters:
            kept = " and ".join(f.describe() for f in split.filters)
            _line(f"  filter: {kept} keeps {len(pool.kept)} of {sum(pool.per_source.values())}")
        draws = [d for d in plan.draws if d.split is split]
        quota = ", ".join(
            f"{TIERS[d.tier]} {d.quota} of {d.eligible} eligible"
            + (" (too few!)" if d.quota > d.eligible else "")
            for d in draws
        )
        _line(f"  quota: {quota}")
        weights = "weighted" if len(set(mix.weights)) > 1 else "equal weights"
        _line(f"  families: {_family_set(mix.families)}, {weights}")
        if split.stratify:
            _line(f"  stratify: {', '.join(split.stratify)} (strata below)")
        scopes = rec.scopes_for(split)
        if scopes:
            _line("  scopes: " + ", ".join(f"{k} {_weight(v)}" for k, v in scopes.items()))
        for fid in mix.families:
            for arg, o in rec.overrides_for(split, fid).items():
                _line(f"  override: {fid} {arg} = {o.describe()}")
    for pool in plan.pools:
        _show_strata(pool.split, [d for d in plan.draws if d.split is pool.split])
    _show_mix(result)
    if result.ok:
        _line(
            f"ok: {result.items} items in {len(plan.draws)} split files; build it with: mathif build {rec.path}"
        )


def _show_strata(split: Any, draws: list[Any]) -> None:
    from curation.dataset import TIERS

    if not split.stratify or not draws:
        return
    table = Table(title=f"{split.name} by {', '.join(split.stratify)}: eligible -> drawn")
    table.add_column("stratum")
    for d in draws:
        table.add_column(TIERS[d.tier], justify="right")
    strata = sorted({s for d in draws for s in d.strata})
    for stratum in strata:
        cells = []
        for d in draws:
            eligible, drawn = d.strata.get(stratum, (0, 0))
            cells.append(f"{eligible} -> {drawn}")
        table.add_row(" / ".join(stratum), *cells)
    console.print(table)


def _show_mix(result: Any) -> None:
    """Each family's weight (all the values it has in some split), expected constraints over
    every split and share of them (per split in --json)."""
    rec = result.recipe
    weighted = any(len(set(m.weights)) > 1 for m in result.mix)
    table = Table(title="family mix: expected constraints (before conflict redraws)")
    table.add_column("family", no_wrap=True)
    if weighted:
        table.add_column("weight", justify="right", no_wrap=True)
    table.add_column("expected", justify="right", no_wrap=True)
    table.add_column("share", justify="right", no_wrap=True)
    total = sum(m.constraints for m in result.mix) or 1
    for fid in rec.families:
        row = [fid]
        if weighted:
            weights = {w for m in result.mix for f, w in zip(m.families, m.weights, strict=True) if f == fid}
            row.append("/".join(_weight(w) for w in sorted(weights)))
        overall = sum(m.expected.get(fid, 0.0) for m in result.mix)
        row += [f"{overall:.1f}", f"{100 * overall / total:.1f}%"]
        table.add_row(*row)
    console.print(table)


def _as_json(result: Any) -> dict[str, Any]:
    rec, plan = result.recipe, result.plan
    return {
        "recipe": rec.path,
        "version": rec.version,
        "ok": result.ok,
        "items": result.items,
        "errors": [str(e) for e in result.errors],
        "warnings": list(result.warnings),
        "splits": [
            {
                "name": pool.split.name,
                "sources": pool.per_source,
                "filter": [f.describe() for f in pool.split.filters],
                "pool": len(pool.kept),
                "stratify": list(pool.split.stratify),
                "scopes": dict(rec.scopes_for(pool.split) or {"answer": 1.0}),
                "tiers": [
                    {
                        "file": d.name,
                        "quota": d.quota,
                        "eligible": d.eligible,
                        "strata": [
                            {"stratum": list(s), "eligible": e, "drawn": n} for s, (e, n) in d.strata.items()
                        ],
                    }
                    for d in plan.draws
                    if d.split is pool.split
                ],
            }
            for pool in plan.pools
        ],
        "family_mix": [
            {
                "split": m.split,
                "constraints": m.constraints,
                "families": [
                    {"id": f, "weight": w, "expected": round(m.expected[f], 3)}
                    for f, w in zip(m.families, m.weights, strict=True)
                ],
            }
            for m in result.mix
        ],
    }
