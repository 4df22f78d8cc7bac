"""``mathif release publish`` and ``mathif release list``."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from curation.cli.console import console, default_note, err_console, note, progress_bar, user_errors
from curation.core import json_text

if TYPE_CHECKING:
    from curation.release import ReleasePaths, ReleaseTree

app = typer.Typer(
    help="Publish built versions to the Hugging Face Hub (one commit and one tag per version) "
    "and list the local releases.",
    no_args_is_help=True,
)
ReleaseRoot = Annotated[
    Path | None,
    typer.Option(
        "--release-root",
        help="Folder of the release/vX.Y.Z/ folders."
        + default_note("the shipped release/, the checkout's or the installed package's"),
    ),
]
BuildRoot = Annotated[
    Path | None,
    typer.Option(
        "--build-root",
        help="Folder of the built versions (X.Y.Z/)."
        + default_note("build/ under MATHIF_HOME, which in a source checkout is its root"),
    ),
]


def _paths(release_root: Path | None, build_root: Path | None) -> ReleasePaths:
    """The roots given, the defaults of :class:`curation.release.ReleasePaths` for the others."""
    from curation.release import ReleasePaths

    default = ReleasePaths()
    return ReleasePaths(release_root or default.release_root, build_root or default.build_root)


def _print_tree(tree: ReleaseTree) -> None:
    table = Table(title=f"mathif {tree.ref.tag}: repository tree")
    for col in ("config", "items", "data files"):
        table.add_column(col, justify="right" if col == "items" else "left")
    for c in tree.configs:
        table.add_row(c.name, str(c.rows), c.paths[0] if len(c.paths) == 1 else f"{len(c.paths)} files")
    console.print(table)
    size = sum(len(d) for d in tree.files.values())
    console.print(f"{len(tree.files)} files, {size:,} bytes, README.md is the dataset card", highlight=False)


@app.command("publish")
@user_errors
def publish_cmd(
    version: Annotated[str, typer.Argument(help="The version: v1.0.0 or 1.0.0 (release/v1.0.0/).")],
    repo: Annotated[str, typer.Option("--repo", help="The Hub dataset repository, ORG/NAME.")],
    private: Annotated[
        bool,
        typer.Option(
            "--private",
            help="Create the repository private (refused if it exists public)." + default_note("off"),
        ),
    ] = False,
    dry_run: Annotated[
        Path | None,
        typer.Option(
            "--dry-run",
            help="Write the tree that would be committed into this folder instead (no Hub, no token)."
            + default_note("none: publish to the Hub"),
        ),
    ] = None,
    endpoint: Annotated[
        str | None,
        typer.Option("--endpoint", help="Hub endpoint." + default_note("HF_ENDPOINT, else the Hub")),
    ] = None,
    release_root: ReleaseRoot = None,
    build_root: BuildRoot = None,
) -> None:
    """Publish a version to the Hub: one atomic commit, then the tag vX.Y.Z.

    Builds the version if build/X.Y.Z/ has no manifest and refuses a build that does
    not match release/vX.Y.Z/manifest.json.  The commit holds one parquet file per
    split (data/<config>/test-00000-of-00001.parquet), the config `all` and the
    dataset card, and deletes stale files.  An existing tag on the same tree is
    recorded (a publish cut short is finished by running it again); on another tree
    it refuses the publish.  The token comes from HF_TOKEN or the huggingface_hub
    login and is never shown or stored.  release/vX.Y.Z/published.json records the
    commit and the tag.
    """
    from curation.release import (
        Hub,
        VersionRef,
        check_destination,
        check_repo_id,
        default_endpoint,
        prepare_release,
        publish_tree,
        require_release,
        resolve_token,
        write_published,
        write_tree,
    )

    ref = VersionRef.parse(version)
    check_repo_id(repo)
    paths = _paths(release_root, build_root)
    require_release(ref, paths)
    if dry_run is not None:
        check_destination(dry_run)  # before the build, not after it
    hub = None
    if dry_run is None:
        _quiet_hub_logs()
        hub = Hub.connect(endpoint or default_endpoint(), resolve_token())
        user = hub.check_token()
        console.print(
            f"publishing as {user} to {hub.endpoint}/datasets/{repo}", highlight=False, soft_wrap=True
        )
    with progress_bar("building") as progress:
        tree = prepare_release(ref, repo, paths, note, progress)
    _print_tree(tree)
    if dry_run is not None:
        write_tree(tree, dry_run)
        console.print(
            f"dry run: wrote the tree of {ref.tag} to {dry_run}; read it with "
            f'datasets.load_dataset("{dry_run}", name=CONFIG, split="test")',
            highlight=False,
            soft_wrap=True,
        )
        return
    assert hub is not None
    record = publish_tree(hub, repo, tree, private, note=note)
    dest = write_published(paths, ref, record)
    console.print(
        f"published {ref.tag} to {hub.endpoint}/datasets/{repo}: commit {record.commit}, "
        f"tag {record.tag}; recorded in {dest}",
        highlight=False,
        soft_wrap=True,
    )


def _items_cell(items: int | None, items_from: str | None) -> str:
    """A row's items: the recorded count, or a build's marked as not recorded."""
    if items is None:
        return "-"
    return str(items) if items_from == "recorded" else f"{items} (built)"


def _quiet_hub_logs() -> None:
    """huggingface_hub's own retry warnings would turn a failure into several lines; the
    error line says what failed."""
    from huggingface_hub.utils import logging as hub_logging

    hub_logging.set_verbosity_error()


@app.command("list")
@user_errors
def list_cmd(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON on stdout." + default_note("off"))
    ] = False,
    release_root: ReleaseRoot = None,
    build_root: BuildRoot = None,
) -> None:
    """Local versions: recipe, manifest, items, whether built, and where each was published.

    Items are the recorded manifest's (release/vX.Y.Z/manifest.json); a version built
    but not recorded shows its build's count (build/X.Y.Z/manifest.json), marked
    "(built)" and explained under the table (in --json, items_from says which:
    "recorded", "built" or null).
    """
    from curation.release import release_status

    paths = _paths(release_root, build_root)
    rows = release_status(paths)
    if as_json:
        out = [
            {
                "version": r.ref.version,
                "tag": r.ref.tag,
                "recipe": r.has_recipe,
                "manifest": r.has_manifest,
                "items": r.items,
                "items_from": r.items_from,
                "built": r.built,
                "published": asdict(r.published) if r.published else None,
                "problems": r.problems,
            }
            for r in rows
        ]
        typer.echo(json_text(out), nl=False)
        return
    from curation.release import default_endpoint

    table = Table(title=f"mathif releases in {paths.release_root}")
    for col in ("version", "recipe/manifest", "items", "built", "published to", "tag", "commit"):
        folds = col in ("published to", "recipe/manifest")  # the other columns stay whole
        table.add_column(
            col, justify="right" if col == "items" else "left", overflow="fold", no_wrap=not folds
        )
    hub = default_endpoint()
    for r in rows:
        p = r.published
        where = "-"
        if p:
            where = p.repo + (" (private)" if p.private else "")
            where += "" if p.endpoint == hub else f" at {p.endpoint}"
        table.add_row(
            r.ref.tag,
            f"{'yes' if r.has_recipe else 'no'}/{'yes' if r.has_manifest else 'no'}",
            _items_cell(r.items, r.items_from),
            r.built,
            where,
            p.tag if p else "-",
            p.commit[:12] if p else "-",
        )
    console.print(table)
    for r in rows:
        if r.items_from == "built":
            console.print(
                f"{r.ref.tag}: built, not recorded: its items are those of "
                f"{paths.build_dir(r.ref) / 'manifest.json'}; record it with "
                f"`mathif build {paths.recipe(r.ref)} --record`",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    if not rows:
        console.print(f"no release folders (vX.Y.Z) in {paths.release_root}", highlight=False)
    for r in rows:
        for problem in r.problems:
            err_console.print(f"warning: {problem}", markup=False, highlight=False, soft_wrap=True)
