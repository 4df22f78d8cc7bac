"""``mathif release``: a recorded version as the tree its Hub dataset repository holds.

A version lives in ``release/vX.Y.Z/`` (``recipe.toml``, ``manifest.json`` and, once
published, ``published.json``) and is built into ``build/X.Y.Z/``.  Publishing reads
the build (building it first if needed and refusing a build that does not match the
recorded manifest), turns every split into ``data/<config>/test-00000-of-00001.parquet``
in one schema (:mod:`curation.publish_parquet`) and writes a dataset card
(:mod:`curation.publish_card`).  The Hub side is :mod:`curation.publish_hub`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from curation.core import (
    InputError,
    JsonRecord,
    Manifest,
    Note,
    Progress,
    home_dir,
    hub_parquet_bytes,
    no_note,
    no_progress,
    read_split_rows,
    sha256_file,
    shipped,
    typed,
    write_atomic,
)
from curation.raw import RawPaths
from curation.release.card import ALL_CONFIG, DATA_FILE, CardInputs, Changelog, ConfigInfo, render_card

_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")
_DATA_FILE = re.compile(r"data/[^/]+/test-00000-of-00001\.parquet")
PUBLISHED = "published.json"


@dataclass(frozen=True, order=True)
class VersionRef:
    """A version as ``1.0.0`` (build folder) and ``v1.0.0`` (release folder and tag)."""

    key: tuple[int, int, int]

    @classmethod
    def parse(cls, text: str) -> VersionRef:
        m = _VERSION.fullmatch(text.strip())
        if not m:
            raise InputError("VERSION", None, f"expected vX.Y.Z or X.Y.Z (e.g. v1.0.0), got {text!r}")
        return cls((int(m[1]), int(m[2]), int(m[3])))

    @property
    def version(self) -> str:
        return ".".join(map(str, self.key))

    @property
    def tag(self) -> str:
        return f"v{self.version}"


@dataclass(frozen=True)
class ReleasePaths:
    """Where release folders and builds live: by default the shipped ``release/`` (the checkout's,
    or the installed package data) and ``build/`` under the home (``$MATHIF_HOME``, else the
    checkout root, else the user's data folder)."""

    release_root: Path = field(default_factory=lambda: shipped().release_root)
    build_root: Path = field(default_factory=lambda: home_dir() / "build")
    raw: RawPaths | None = None

    def release_dir(self, ref: VersionRef) -> Path:
        return self.release_root / ref.tag

    def recipe(self, ref: VersionRef) -> Path:
        return self.release_dir(ref) / "recipe.toml"

    def manifest(self, ref: VersionRef) -> Path:
        return self.release_dir(ref) / "manifest.json"

    def published(self, ref: VersionRef) -> Path:
        return self.release_dir(ref) / PUBLISHED

    def build_dir(self, ref: VersionRef) -> Path:
        return self.build_root / ref.version

    def raw_paths(self) -> RawPaths:
        return self.raw or RawPaths.default()

    def versions(self) -> list[VersionRef]:
        """Release folders named ``vX.Y.Z``, oldest first."""
        check_path(self.release_root)
        try:
            if not self.release_root.is_dir():
                return []
            found = [p.name for p in self.release_root.iterdir() if p.is_dir() and p.name.startswith("v")]
        except OSError as exc:
            raise InputError(
                shown_path(self.release_root), None, f"cannot read ({exc.strerror or exc})"
            ) from None
        return sorted(VersionRef.parse(n) for n in found if _VERSION.fullmatch(n))


def require_release(ref: VersionRef, paths: ReleasePaths) -> None:
    check_path(paths.build_root)
    folder = check_path(paths.release_dir(ref))
    try:
        known_folder, has_manifest = folder.is_dir(), paths.manifest(ref).is_file()
    except OSError as exc:
        raise InputError(shown_path(folder), None, f"cannot read ({exc.strerror or exc})") from None
    if not known_folder:
        known = ", ".join(v.tag for v in paths.versions()) or "none"
        raise InputError(
            shown_path(folder), None, f"unknown version {ref.tag}: no such release folder (known: {known})"
        )
    if not has_manifest:
        raise InputError(
            shown_path(paths.manifest(ref)),
            None,
            f"no recorded manifest for {ref.tag}; record it with "
            f"`mathif build {shown_path(paths.recipe(ref))} --record`",
        )


def _build(ref: VersionRef, paths: ReleasePaths, progress: Progress) -> None:
    from curation.dataset import build, load_recipe
    from curation.raw import load_problems, lock_sha256, source_labels

    recipe = load_recipe(paths.recipe(ref))
    if recipe.version != ref.version:
        raise InputError(recipe.path, None, f"version {recipe.version!r}, but its folder is {ref.tag}")
    raw = paths.raw_paths()
    problems = load_problems(recipe.sources, raw, asked_by=recipe.path)
    build(recipe, paths.build_dir(ref), problems, lock_sha256(raw), source_labels(raw), progress=progress)


def ensure_built(
    ref: VersionRef, paths: ReleasePaths, note: Note = no_note, progress: Progress = no_progress
) -> Path:
    """``build/X.Y.Z/``, built now if it has no manifest, checked against the recorded manifest."""
    require_release(ref, paths)
    recorded_path = paths.manifest(ref)
    recorded = Manifest.read(recorded_path)
    out = paths.build_dir(ref)
    built_path = out / "manifest.json"
    if not built_path.is_file():
        note(f"{ref.tag} is not built yet: building it into {out}")
        _build(ref, paths, progress)
    hint = f"rebuild with `mathif build {paths.recipe(ref)} --out {out}`"
    differing = Manifest.read(built_path).differences(recorded)
    if differing:
        raise InputError(
            built_path, None, f"does not match {recorded_path} ({', '.join(differing)} differ); {hint}"
        )
    for name, entry in sorted(recorded.files.items()):
        path = out / name
        if not path.is_file() or sha256_file(path) != entry.sha256:
            raise InputError(path, None, f"missing or its sha256 differs from {recorded_path}; {hint}")
    return out


def previous_version(ref: VersionRef, paths: ReleasePaths) -> VersionRef | None:
    """The highest recorded version below ``ref``."""
    older = [v for v in paths.versions() if v < ref and paths.manifest(v).is_file()]
    return max(older) if older else None


def changelog(
    ref: VersionRef, paths: ReleasePaths, note: Note = no_note, progress: Progress = no_progress
) -> Changelog:
    from curation.dataset import diff_versions

    prev = previous_version(ref, paths)
    if prev is None:
        return Changelog(previous=None, summary={}, splits={})
    d = diff_versions(ensure_built(prev, paths, note, progress), paths.build_dir(ref))
    return Changelog(
        previous=prev.tag,
        summary=d["summary"],
        splits=d["splits"],
        families={k: d["families"][k] for k in ("old", "new")},
        scopes={k: d["scopes"][k] for k in ("old", "new")},
    )


@dataclass(frozen=True)
class ReleaseTree:
    """Exactly the files one commit puts in the repository (path -> bytes)."""

    ref: VersionRef
    files: dict[str, bytes]
    configs: tuple[ConfigInfo, ...]
    items: int
    changelog: Changelog


def _configs(out: Path, manifest: Manifest) -> tuple[dict[str, bytes], list[ConfigInfo]]:
    files: dict[str, bytes] = {}
    configs: list[ConfigInfo] = []
    for name, info in manifest.splits.items():
        rows = read_split_rows(out / f"{name}.jsonl")
        if [r["id"] for r in rows] != info.item_ids:
            raise InputError(out / f"{name}.jsonl", None, "items differ from the manifest's item_ids")
        path = DATA_FILE.format(config=name)
        files[path] = hub_parquet_bytes(rows)
        configs.append(
            ConfigInfo(
                name=name,
                paths=(path,),
                rows=len(rows),
                tiers=tuple(sorted({r["num_constraints"] for r in rows})),
                sources=tuple(sorted({r["source"] for r in rows})),
            )
        )
    configs.append(
        ConfigInfo(
            name=ALL_CONFIG,
            paths=tuple(p for c in configs for p in c.paths),
            rows=sum(c.rows for c in configs),
            tiers=tuple(sorted({t for c in configs for t in c.tiers})),
            sources=tuple(sorted({s for c in configs for s in c.sources})),
        )
    )
    return files, configs


def prepare_release(
    ref: VersionRef,
    repo: str,
    paths: ReleasePaths,
    note: Note = no_note,
    progress: Progress = no_progress,
) -> ReleaseTree:
    """The repository tree of a version: README.md (the card) and one parquet file per split."""
    from constraints import default_registry
    from curation.dataset import load_recipe
    from curation.raw import load_registry

    out = ensure_built(ref, paths, note, progress)
    manifest = Manifest.read(out / "manifest.json")
    recipe = load_recipe(paths.recipe(ref))
    if recipe.sha256 != manifest.recipe_sha256:
        raise InputError(recipe.path, None, f"changed since {paths.manifest(ref)} was recorded")
    registry_path = paths.raw_paths().registry
    registry = load_registry(registry_path)
    missing = [s for s in recipe.sources if s not in registry]
    if missing:
        raise InputError(registry_path, None, f"no entry for source {missing[0]!r} of {recipe.path}")
    files, configs = _configs(out, manifest)
    log = changelog(ref, paths, note, progress)
    card = render_card(
        CardInputs(
            tag=ref.tag,
            repo=repo,
            description=recipe.description,
            recipe=recipe,
            manifest=manifest,
            sources=[registry[s] for s in recipe.sources],
            families=[default_registry().get(fid) for fid in recipe.families],
            configs=configs,
            changelog=log,
        )
    )
    return ReleaseTree(
        ref=ref,
        files={"README.md": card.encode("utf-8"), **files},
        configs=tuple(configs),
        items=manifest.items,
        changelog=log,
    )


def _is_tree_file(rel: str) -> bool:
    return rel == "README.md" or bool(_DATA_FILE.fullmatch(rel))


def shown_path(path: str | Path) -> str:
    """A path as it can be printed on one line: a NUL, a control character or a byte that
    is not UTF-8 (a lone surrogate) written as its escape."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in str(path))


def _unusable(path: Path, exc: BaseException) -> InputError:
    if isinstance(exc, OSError):
        return InputError(
            shown_path(exc.filename or path), None, f"cannot write here ({exc.strerror or exc})"
        )
    return InputError(shown_path(path), None, f"not a usable path ({exc})")


def check_path(path: Path) -> Path:
    """``path`` if the system can name it (no NUL, encodable); else one :class:`InputError`."""
    try:
        os.fsencode(path)
        if "\0" in str(path):
            raise ValueError("it holds a NUL byte")
    except ValueError as exc:  # UnicodeEncodeError is one
        raise _unusable(path, exc) from None
    return path


def _foreign(dest: Path) -> tuple[list[Path], list[Path]]:
    """The files under ``dest`` (an earlier dry run's tree) and those not of a tree."""
    entries = sorted(p for p in dest.rglob("*") if not p.is_dir() or p.is_symlink())
    return entries, [
        p for p in entries if p.is_symlink() or not _is_tree_file(p.relative_to(dest).as_posix())
    ]


def check_destination(dest: Path) -> None:
    """Refuse, in one line, a folder the tree cannot be written into (a file, a folder of
    other files, a path that cannot be made or written, an impossible name), before any work."""
    check_path(dest)
    try:
        if dest.is_symlink() and not dest.is_dir():
            raise InputError(shown_path(dest), None, "is a link to no folder")
        if dest.exists() and not dest.is_dir():
            raise InputError(shown_path(dest), None, "exists and is not a folder")
        if dest.is_dir():
            foreign = _foreign(dest)[1]
            if foreign:
                raise InputError(
                    shown_path(dest),
                    None,
                    f"not empty (holds {shown_path(foreign[0].relative_to(dest))}); give a new or empty folder",
                )
            if not os.access(dest, os.W_OK | os.X_OK):
                raise InputError(shown_path(dest), None, "cannot write here (not writable)")
            return
        parent = next(p for p in dest.absolute().parents if p.exists() or p == p.parent)
        if not parent.is_dir():
            raise InputError(shown_path(parent), None, f"is not a folder: {shown_path(dest)} cannot be made")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise InputError(shown_path(dest), None, f"cannot be made: {shown_path(parent)} is not writable")
    except (OSError, ValueError) as exc:
        raise _unusable(dest, exc) from None


def write_tree(tree: ReleaseTree, dest: Path) -> None:
    """Write the tree into ``dest`` (new, empty, or holding an earlier dry run, which is replaced)."""
    check_destination(dest)
    try:
        if dest.is_dir():
            for p in _foreign(dest)[0]:
                p.unlink()
            for d in sorted((p for p in dest.rglob("*") if p.is_dir()), reverse=True):
                d.rmdir()
        for rel, data in tree.files.items():
            write_atomic(dest / rel, data)
    except (OSError, ValueError) as exc:
        raise _unusable(dest, exc) from None


@dataclass(frozen=True)
class PublishRecord(JsonRecord):
    """What ``release/vX.Y.Z/published.json`` holds (never a token)."""

    KIND = "publish record"

    version: str
    repo: str
    endpoint: str
    commit: str
    tag: str
    private: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> PublishRecord:
        text = {k: typed(doc[k], str, k) for k in ("version", "repo", "endpoint", "commit", "tag")}
        return cls(**text, private=typed(doc["private"], bool, "private"))


def write_published(paths: ReleasePaths, ref: VersionRef, record: PublishRecord) -> Path:
    """Write ``published.json``; a failure says the version is on the Hub but not recorded
    (running the publish again records it)."""
    dest = paths.published(ref)
    try:
        record.write(dest)
    except (InputError, OSError, ValueError) as exc:
        why = exc if isinstance(exc, InputError) else _unusable(dest, exc)
        raise InputError(
            shown_path(dest),
            None,
            f"not written ({why}): {ref.tag} is on the Hub as commit {record.commit}, tag {record.tag}, "
            "but not recorded; fix this and run the publish again to record it",
        ) from None
    return dest


@dataclass(frozen=True)
class ReleaseStatus:
    """One row of ``mathif release list``."""

    ref: VersionRef
    has_recipe: bool
    has_manifest: bool
    items: int | None
    built: str  # "yes", "no", "differs" (from the recorded manifest)
    published: PublishRecord | None = None
    problems: list[str] = field(default_factory=list)
    # where ``items`` comes from: "recorded" (release/vX.Y.Z/manifest.json), "built"
    # (build/X.Y.Z/manifest.json of a version built but not recorded), None (neither)
    items_from: str | None = None


def _built_state(ref: VersionRef, paths: ReleasePaths, recorded: Manifest | None) -> str:
    built_path = paths.build_dir(ref) / "manifest.json"
    if not built_path.is_file():
        return "no"
    if recorded is None:
        return "yes"
    try:
        return "differs" if Manifest.read(built_path).differences(recorded) else "yes"
    except InputError:
        return "differs"


def _items(
    ref: VersionRef, paths: ReleasePaths, recorded: Manifest | None, problems: list[str]
) -> tuple[int | None, str | None]:
    """The recorded item count; for a version with no recorded manifest, its build's."""
    if recorded is not None:
        return recorded.items, "recorded"
    built_path = paths.build_dir(ref) / "manifest.json"
    if paths.manifest(ref).is_file() or not built_path.is_file():
        return None, None
    try:
        return Manifest.read(built_path).items, "built"
    except InputError as err:
        problems.append(str(err))
        return None, None


def release_status(paths: ReleasePaths) -> list[ReleaseStatus]:
    rows = []
    for ref in paths.versions():
        problems: list[str] = []
        recorded = None
        if paths.manifest(ref).is_file():
            try:
                recorded = Manifest.read(paths.manifest(ref))
            except InputError as err:
                problems.append(str(err))
        published = None
        if paths.published(ref).is_file():
            try:
                published = PublishRecord.read(paths.published(ref))
            except InputError as err:
                problems.append(str(err))
        items, items_from = _items(ref, paths, recorded, problems)
        rows.append(
            ReleaseStatus(
                ref=ref,
                has_recipe=paths.recipe(ref).is_file(),
                has_manifest=recorded is not None,
                items=items,
                built=_built_state(ref, paths, recorded),
                published=published,
                problems=problems,
                items_from=items_from,
            )
        )
    return rows
