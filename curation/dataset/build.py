"""``mathif build``: a recipe and the pulled raw sources in, a dataset version out.

Per split and tier: sample problems (seeded, stratified, gradable only, no
problem twice, near duplicates apart), compose each item's constraints with
conflict filtering and a joint-witness proof, and write one JSONL file (plus
parquet) per split and tier and a manifest.  The same recipe and raw lock
give byte-identical JSONL and manifest files.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from constraints import ConstraintArgError, Registry, default_registry
from curation.core import (
    InputError,
    Manifest,
    PluginRecord,
    Problem,
    Progress,
    SplitRecord,
    dumps_line,
    make_manifest,
    no_progress,
    render_prompt,
    write_atomic,
)
from curation.dataset.compose import CompositionError, compose
from curation.dataset.plan import make_plan
from curation.dataset.recipe import TIERS, Recipe, SplitSpec, draw_scope
from curation.dataset.sampling import derive_seed


@dataclass
class BuiltSplit:
    name: str  # e.g. gsm8k_single
    rows: list[dict[str, Any]]
    not_discriminative: list[dict[str, Any]] = field(default_factory=list)
    draws: int = 0


@dataclass
class BuildResult:
    out: Path
    manifest: Manifest
    splits: list[BuiltSplit]


def _item_row(
    recipe: Recipe, split: SplitSpec, tier: int, index: int, problem: Problem, comp, source_label: str
) -> dict[str, Any]:
    descs = [inst.describe() for inst in comp.instances]  # with the scope sentence where not "answer"
    row: dict[str, Any] = {
        # MathIF's seven fields, same meanings
        "source": source_label,
        "id": f"{split.name}-{TIERS[tier]}-{index}",
        "question": problem.question,
        "answer": problem.answer,
        "constraint_desc": descs,
        "constraint_name": [inst.id for inst in comp.instances],
        "constraint_args": [inst.args_json() for inst in comp.instances],
    }
    if recipe.scopes_for(split) is not None:  # recipes without scopes keep MathIF's fields only
        row["constraint_scope"] = [inst.scope for inst in comp.instances]
    return row | {
        # the tool's own fields
        "version": recipe.version,
        "problem_id": problem.id,
        "split": split.name,
        "num_constraints": tier,
        "prompt": render_prompt(recipe.prompt_template, problem.question, descs),
        "metadata": dict(problem.metadata),
    }


def build_splits(
    recipe: Recipe,
    problems: Sequence[Problem],
    source_labels: dict[str, str] | None = None,
    registry: Registry | None = None,
    on_item: Callable[[], None] | None = None,
) -> list[BuiltSplit]:
    """The pure core of a build: recipe and problems in, rows out (no I/O)."""
    reg = registry or default_registry()
    labels = source_labels or {}
    plan = make_plan(recipe, problems, strict=True)
    built: list[BuiltSplit] = []
    for draw in plan.draws:
        split, tier, name = draw.split, draw.tier, draw.name
        families = [reg.get(fid) for fid in recipe.families_for(split)]
        weights = recipe.weights_for(split)
        overrides = {f.id: recipe.overrides_for(split, f.id) for f in families}
        out = BuiltSplit(name=name, rows=[])
        scope_weights = recipe.scopes_for(split)
        for index, problem in enumerate(draw.chosen):
            item_rng = random.Random(derive_seed(recipe.seed, split.name, tier, problem.id, "compose"))
            scopes = _draw_scopes(recipe, split, tier, problem, scope_weights)
            try:
                comp = compose(
                    tier,
                    problem.question,
                    families,
                    overrides,
                    reg,
                    item_rng,
                    problem.answer,
                    scopes,
                    weights,
                )
            except ConstraintArgError as exc:
                raise recipe.error(
                    f"split {split.name!r} overrides: {exc}",
                    *recipe.override_path(split, exc.family_id, exc.arg),
                ) from None
            except CompositionError as exc:
                raise recipe.error(
                    f"{name} item {index} ({problem.id}): {exc}", "splits", split.index
                ) from None
            row = _item_row(
                recipe, split, tier, index, problem, comp, labels.get(problem.source, problem.source)
            )
            out.rows.append(row)
            out.draws += comp.draws
            if comp.not_discriminative:
                out.not_discriminative.append({"id": row["id"], "constraints": list(comp.not_discriminative)})
            if on_item:
                on_item()
        built.append(out)
    return built


def _draw_scopes(recipe: Recipe, split: SplitSpec, tier: int, problem: Problem, weights) -> list[str] | None:
    """Each position's scope, from an rng of its own (the other draws stay as they were)."""
    if weights is None:
        return None
    rng = random.Random(derive_seed(recipe.seed, split.name, tier, problem.id, "scope"))
    return [draw_scope(weights, rng) for _ in range(tier)]


def jsonl_bytes(rows: Sequence[dict[str, Any]]) -> bytes:
    return "".join(dumps_line(r) for r in rows).encode("utf-8")


def parquet_bytes(rows: Sequence[dict[str, Any]]) -> bytes:
    """The same rows as parquet, in the one schema every split and the Hub share
    (``curation.publish_parquet``: argument objects and metadata as JSON text), so
    all of a version's parquet files read together."""
    from curation.core import hub_parquet_bytes

    return hub_parquet_bytes(rows)


def split_names(recipe: Recipe) -> list[str]:
    """The split files a build of ``recipe`` writes (``<split>_<tier>``), in build order."""
    return [f"{split.name}_{TIERS[tier]}" for split in recipe.splits for tier in split.quota]


def stale_files(out: Path, recipe: Recipe) -> list[Path]:
    """Split files in ``out`` that a build of ``recipe`` would not write, but that the
    folder's manifest lists (an earlier build of the version, with other splits): removed
    once the new build is written.  A ``.jsonl`` or ``.parquet`` file that neither the
    build nor the old manifest names is someone else's: refused before any work."""
    if not out.is_dir():
        return []
    new = {f"{n}{ext}" for n in split_names(recipe) for ext in (".jsonl", ".parquet")}
    old: set[str] = set()
    if (out / "manifest.json").is_file():
        old = set(Manifest.read(out / "manifest.json").all_files())
    stale = []
    for path in sorted(out.iterdir()):
        if path.suffix not in (".jsonl", ".parquet") or path.name in new:
            continue
        if path.name not in old or not path.is_file():
            raise InputError(
                path,
                None,
                f"is not a split file of this build of {recipe.version} and no manifest.json in "
                f"{out} lists it; move it away or build into another --out",
            )
        stale.append(path)
    return stale


def plugin_records(splits: Sequence[BuiltSplit], registry: Registry) -> tuple[PluginRecord, ...]:
    """A record per plugin whose families the built items use (those ids, sorted), by entry
    point; empty when every family used is shipped."""
    used = {fid for s in splits for row in s.rows for fid in row["constraint_name"]}
    return tuple(
        PluginRecord(p.distribution, p.version, p.entry_point, p.families)
        for p in registry.used_plugins(used)
    )


def build(
    recipe: Recipe,
    out: Path,
    problems: Sequence[Problem],
    lock_sha256: str,
    source_labels: dict[str, str] | None = None,
    progress: Progress = no_progress,
    parquet: bool = True,
) -> BuildResult:
    stale = stale_files(out, recipe)  # refuses a folder holding someone else's files
    total = sum(sum(s.quota.values()) for s in recipe.splits)
    done = 0

    def on_item() -> None:
        nonlocal done
        done += 1
        progress(done, total)

    registry = default_registry()
    splits = build_splits(recipe, problems, source_labels, registry, on_item=on_item)
    files: dict[str, bytes] = {}
    for s in splits:
        files[f"{s.name}.jsonl"] = jsonl_bytes(s.rows)
        if parquet:
            files[f"{s.name}.parquet"] = parquet_bytes(s.rows)
    records = {s.name: SplitRecord.of_rows(s.rows, s.not_discriminative) for s in splits}
    plugins = plugin_records(splits, registry)
    manifest = make_manifest(recipe.version, recipe.sha256, lock_sha256, records, files, plugins=plugins)
    for name, data in files.items():
        write_atomic(out / name, data)
    manifest.write(out / "manifest.json")
    for path in stale:  # an earlier build's splits that this version no longer has
        path.unlink(missing_ok=True)
    return BuildResult(out, manifest, splits)
