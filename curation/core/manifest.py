"""``manifest.json``: what a built version is (hashes, counts, item ids; no problem text).

JSONL files are byte-identical on any machine; parquet bytes also depend on the writer's
version, so they are listed apart with the writer that made them, and two manifests are
compared on their parquet hashes only when the writers are the same.

Families that come from plugins are recorded with the package that provided them
(``plugins``: distribution, version, entry point, family ids), so a reader of the
manifest or the card knows what to install; a version of shipped families only has no
``plugins`` key at all.

``checker_semantics`` is the version of the shipped checkers' semantics
(``constraints.CHECKER_SEMANTICS``) the items were composed and proven satisfiable under;
a manifest written before it existed has none and reads as ``"1"``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from constraints import CHECKER_SEMANTICS, UNRECORDED_SEMANTICS
from curation.core.hashing import sha256_bytes
from curation.core.records import JsonRecord, typed
from curation.core.version import __version__


@dataclass(frozen=True)
class FileHash:
    sha256: str
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "rows": self.rows}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> FileHash:
        return cls(typed(doc["sha256"], str, "sha256"), typed(doc["rows"], int, "rows"))


@dataclass(frozen=True)
class ParquetFiles:
    writer: str  # e.g. "pyarrow 21.0.0"
    files: dict[str, FileHash]

    def to_dict(self) -> dict[str, Any]:
        return {"writer": self.writer, "files": {n: f.to_dict() for n, f in self.files.items()}}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> ParquetFiles:
        return cls(typed(doc["writer"], str, "parquet.writer"), _file_hashes(doc["files"]))


@dataclass(frozen=True)
class PluginRecord:
    """A plugin whose families a version uses: the installed distribution that provided them."""

    distribution: str  # e.g. "mathif-demo-plugin"
    version: str  # the distribution's version
    entry_point: str  # the name in the ``mathif.constraints`` group
    families: tuple[str, ...]  # the family ids of this plugin that the version's items use

    def to_dict(self) -> dict[str, Any]:
        return {
            "distribution": self.distribution,
            "version": self.version,
            "entry_point": self.entry_point,
            "families": list(self.families),
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> PluginRecord:
        families = typed(doc["families"], list, "plugins.families")
        return cls(
            distribution=typed(doc["distribution"], str, "plugins.distribution"),
            version=typed(doc["version"], str, "plugins.version"),
            entry_point=typed(doc["entry_point"], str, "plugins.entry_point"),
            families=tuple(typed(f, str, "plugins.families") for f in families),
        )


@dataclass(frozen=True)
class SplitRecord:
    rows: int
    constraint_types: dict[str, int]
    item_ids: list[str]
    problem_ids: list[str]
    not_discriminative: list[dict[str, Any]]  # {"id": item id, "constraints": [family ids]}

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "constraint_types": dict(self.constraint_types),
            "item_ids": list(self.item_ids),
            "problem_ids": list(self.problem_ids),
            "not_discriminative": list(self.not_discriminative),
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> SplitRecord:
        return cls(
            rows=typed(doc["rows"], int, "rows"),
            constraint_types=dict(typed(doc["constraint_types"], dict, "constraint_types")),
            item_ids=list(typed(doc["item_ids"], list, "item_ids")),
            problem_ids=list(typed(doc["problem_ids"], list, "problem_ids")),
            not_discriminative=list(typed(doc["not_discriminative"], list, "not_discriminative")),
        )

    @classmethod
    def of_rows(
        cls, rows: Sequence[Mapping[str, Any]], not_discriminative: list[dict[str, Any]]
    ) -> SplitRecord:
        return cls(
            rows=len(rows),
            constraint_types=dict(sorted(Counter(c for r in rows for c in r["constraint_name"]).items())),
            item_ids=[r["id"] for r in rows],
            problem_ids=[r["problem_id"] for r in rows],
            not_discriminative=not_discriminative,
        )


@dataclass(frozen=True)
class Manifest(JsonRecord):
    KIND = "build manifest"

    version: str
    recipe_sha256: str
    raw_lock_sha256: str
    tool_version: str
    items: int
    files: dict[str, FileHash]  # the JSONL files, by name
    parquet: ParquetFiles | None
    splits: dict[str, SplitRecord]
    plugins: tuple[PluginRecord, ...] = ()  # plugin families used; empty: shipped families only
    # the shipped checkers' semantics the items were composed and proven under
    # (constraints.CHECKER_SEMANTICS); a manifest written before the version existed has none: "1"
    checker_semantics: str = CHECKER_SEMANTICS

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "version": self.version,
            "recipe_sha256": self.recipe_sha256,
            "raw_lock_sha256": self.raw_lock_sha256,
            "tool_version": self.tool_version,
            "checker_semantics": self.checker_semantics,
            "items": self.items,
            "files": {n: f.to_dict() for n, f in self.files.items()},
            "parquet": self.parquet.to_dict() if self.parquet else None,
            "splits": {n: s.to_dict() for n, s in self.splits.items()},
        }
        if self.plugins:
            out["plugins"] = [p.to_dict() for p in self.plugins]
        return out

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Manifest:
        parquet = doc.get("parquet")
        return cls(
            version=typed(doc["version"], str, "version"),
            recipe_sha256=typed(doc["recipe_sha256"], str, "recipe_sha256"),
            raw_lock_sha256=typed(doc["raw_lock_sha256"], str, "raw_lock_sha256"),
            tool_version=typed(doc["tool_version"], str, "tool_version"),
            checker_semantics=typed(
                doc.get("checker_semantics", UNRECORDED_SEMANTICS), str, "checker_semantics"
            ),
            items=typed(doc["items"], int, "items"),
            files=_file_hashes(doc["files"]),
            parquet=ParquetFiles.from_dict(typed(parquet, dict, "parquet")) if parquet is not None else None,
            splits={
                typed(n, str, "split name"): SplitRecord.from_dict(typed(s, dict, f"splits.{n}"))
                for n, s in typed(doc["splits"], dict, "splits").items()
            },
            plugins=tuple(
                PluginRecord.from_dict(typed(p, dict, "plugins"))
                for p in typed(doc.get("plugins", []), list, "plugins")
            ),
        )

    @property
    def split_files(self) -> tuple[str, ...]:
        """The version's JSONL split files (``<split>.jsonl``), in the manifest's order."""
        return tuple(self.files)

    def differences(self, other: Manifest) -> list[str]:
        """Top-level keys whose values differ; the parquet block counts only with the same writer."""
        a, b = self.to_dict(), other.to_dict()
        if (self.parquet and self.parquet.writer) != (other.parquet and other.parquet.writer):
            a.pop("parquet")
            b.pop("parquet")
        return sorted(k for k in a if a[k] != b[k])

    def all_files(self) -> dict[str, FileHash]:
        """Every file of the build with its hash: the JSONL files, then the parquet files."""
        return {**self.files, **(self.parquet.files if self.parquet else {})}


def _file_hashes(doc: Any) -> dict[str, FileHash]:
    return {
        typed(n, str, "file name"): FileHash.from_dict(typed(f, dict, f"files.{n}"))
        for n, f in typed(doc, dict, "files").items()
    }


def parquet_writer() -> str:
    import pyarrow as pa

    return f"pyarrow {pa.__version__}"


def make_manifest(
    version: str,
    recipe_sha256: str,
    lock_sha256: str,
    splits: Mapping[str, SplitRecord],
    files: Mapping[str, bytes],
    plugins: Sequence[PluginRecord] = (),
) -> Manifest:
    """The manifest of a build whose files (by name: ``<split>.jsonl``, ``<split>.parquet``)
    hold ``splits``."""

    def hashes(suffix: str) -> dict[str, FileHash]:
        return {
            n: FileHash(sha256_bytes(d), splits[n.rsplit(".", 1)[0]].rows)
            for n, d in sorted(files.items())
            if n.endswith(suffix)
        }

    parquet = hashes(".parquet")
    return Manifest(
        version=version,
        recipe_sha256=recipe_sha256,
        raw_lock_sha256=lock_sha256,
        tool_version=__version__,
        items=sum(s.rows for s in splits.values()),
        files=hashes(".jsonl"),
        parquet=ParquetFiles(parquet_writer(), parquet) if parquet else None,
        splits=dict(splits),
        plugins=tuple(plugins),
        checker_semantics=CHECKER_SEMANTICS,
    )
