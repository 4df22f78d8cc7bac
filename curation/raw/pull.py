"""Pulling raw sources: rows from the Hub or a mirror -> normalised problems -> cache + lock.

Layout (the registry is shipped; the cache and the lock are under the home, ``$MATHIF_HOME``,
which in a source checkout defaults to the checkout root: see :mod:`curation.core.home`)::

    raw/sources.toml          the registry (curation.sources)
    raw/cache/<source>.jsonl  normalised problems, one canonical JSON line each (git-ignored)
    raw/lock.json             per source: rows, revision, sha256 of the input and of the cache

Installed from a wheel, a home without a lock of its own uses the shipped lock (read-only):
pulls are checked against it and a pull that changes it writes the home's own lock.

The core is pure: :func:`normalise` turns :class:`RawRows` into :class:`~curation.problems.Problem`
records, :func:`canonical_jsonl` serialises them (sorted keys, one per line, so the cache is
byte-identical on every run and its sha256 is the lock's ``content_sha256``), and
:func:`check_lock` compares a pull with the lock. Reading rows (:func:`read_mirror`,
:func:`load_hub`) and writing files (:func:`pull`) are at the edges; every write is a temporary
file and a rename, and a source whose rows are bad or whose content differs from the lock is not
written at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curation.core import HOME_ENV as HOME_ENV  # where it was first defined; importers remain
from curation.core import (
    InputError,
    MetaValue,
    Problem,
    dumps_line,
    home_dir,
    json_text,
    read_json,
    read_jsonl,
    sha256_file,
    sha256_text,
    shipped,
    write_atomic,
)
from curation.raw.answer_rules import RULES, AnswerRuleError
from curation.raw.sources import SourceSpec, load_registry, select_sources
from curation.scoring import is_gradable

__all__ = [
    "GRADABLE_BAR",
    "LockEntry",
    "PullOutcome",
    "RawPaths",
    "RawRows",
    "SourcePull",
    "canonical_jsonl",
    "check_lock",
    "load_hub",
    "normalise",
    "pull",
    "read_lock",
    "read_mirror",
]

PROJECT_ROOT = shipped().root
"""Where the shipped registry, lock and release folders are: the source checkout, or the
installed package data (``curation.core.shipped``)."""
MIRROR_ENV = "MATHIF_RAW_MIRROR"
GRADABLE_BAR = 0.995
"""Share of all problems whose gold answer must parse with math-verify."""
PULL_HINT = "run `mathif raw pull --mirror ../shared/raw` (or pull from the Hub) first"


@dataclass(frozen=True)
class RawPaths:
    """Where the registry, the cache and the lock live."""

    registry: Path
    cache_dir: Path
    home_lock: Path
    """the home's own lock: where a pull writes the lock"""
    shipped_lock: Path | None = None
    """the lock in use while the home has none of its own (installed from a wheel)"""

    @property
    def lock(self) -> Path:
        """The lock in use: the home's own if it exists (or there is no shipped one), else the
        shipped lock."""
        if self.shipped_lock is None or self.home_lock.exists():
            return self.home_lock
        return self.shipped_lock

    @classmethod
    def under(
        cls, home: str | Path, registry: str | Path | None = None, shipped_lock: str | Path | None = None
    ) -> RawPaths:
        """Cache and lock under ``home/raw``; the registry is the shipped one unless given; a lock
        of the home's own only, unless ``shipped_lock`` is given to use until it has one."""
        raw = Path(home) / "raw"
        return cls(
            registry=Path(registry) if registry else shipped().registry,
            cache_dir=raw / "cache",
            home_lock=raw / "lock.json",
            shipped_lock=Path(shipped_lock) if shipped_lock else None,
        )

    @classmethod
    def default(cls) -> RawPaths:
        """Under the home (:func:`curation.core.home_dir`: ``$MATHIF_HOME``, else the checkout root,
        else the user's data folder).  Installed from a wheel, the shipped lock is in use until
        the home has a lock of its own; in a source checkout the shipped lock is the checkout's
        ``raw/lock.json`` (the default home's own), and another home starts without a lock."""
        where = shipped()
        return cls.under(home_dir(where=where), shipped_lock=where.lock if where.installed else None)

    def cache_file(self, source: str) -> Path:
        return self.cache_dir / f"{source}.jsonl"


# ---------------------------------------------------------------- reading rows (edges)


@dataclass(frozen=True)
class RawRow:
    line: int
    """1-based line of the mirror file, or 1-based row number of the Hub split"""
    data: Mapping[str, Any]


@dataclass(frozen=True)
class RawRows:
    """One source's upstream rows, where they came from and the sha256 of the input."""

    origin: str
    rows: tuple[RawRow, ...]
    input_sha256: str


def read_mirror(spec: SourceSpec, mirror: str | Path) -> RawRows:
    """``mirror/<source>/test.jsonl``: every row, with its line number and the file's sha256."""
    folder = Path(mirror)
    if not folder.is_dir():
        raise InputError(folder, None, "mirror folder not found (--mirror / MATHIF_RAW_MIRROR)")
    path = folder / spec.name / "test.jsonl"
    rows = tuple(RawRow(line, row) for line, row in read_jsonl(path))
    return RawRows(origin=str(path), rows=rows, input_sha256=sha256_file(path))


def _hub_origin(spec: SourceSpec) -> str:
    config = f"/{spec.config}" if spec.config else ""
    return f"hf://datasets/{spec.hub_id}{config}@{spec.revision}:{spec.split}"


def hub_rows_to_mirror_layout(spec: SourceSpec, rows: Iterable[Mapping[str, Any]]) -> tuple[RawRow, ...]:
    """Rename Hub columns to the mirror's fields and apply the registry's Hub filter (pure)."""
    kept: list[RawRow] = []
    for number, row in enumerate(rows, start=1):
        data = {spec.hub_columns.get(k, k): v for k, v in row.items()}
        if spec.hub_filter and spec.hub_filter.contains not in str(data.get(spec.hub_filter.field, "")):
            continue
        kept.append(RawRow(number, data))
    return tuple(kept)


def load_hub(spec: SourceSpec) -> RawRows:
    """Load the source from the Hugging Face Hub at the pinned revision (needs the network)."""
    origin = _hub_origin(spec)
    try:
        import datasets  # lazy: slow to import and only needed here
    except ImportError:
        raise InputError(origin, None, "the `datasets` package is not installed; use --mirror DIR") from None
    try:
        table = datasets.load_dataset(spec.hub_id, spec.config, split=spec.split, revision=spec.revision)
    except Exception as exc:  # network, auth, missing revision: one line, not a traceback
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise InputError(
            origin,
            None,
            f"cannot load from the Hugging Face Hub ({type(exc).__name__}: {reason}); "
            f"use --mirror DIR or set {MIRROR_ENV}",
        ) from None
    rows = hub_rows_to_mirror_layout(spec, (dict(r) for r in table))
    raw = "".join(json.dumps(r.data, sort_keys=True, ensure_ascii=False, default=str) + "\n" for r in rows)
    return RawRows(origin=origin, rows=rows, input_sha256=sha256_text(raw))


# ---------------------------------------------------------------- normalising (pure)


def _upstream_id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"expected a string or an integer, got {type(value).__name__}")
    text = str(value).strip()
    if not text:
        raise ValueError("is empty")
    return text


def _meta_value(value: Any) -> MetaValue:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError(f"expected a string, number, boolean or null, got {type(value).__name__}")


def normalise(spec: SourceSpec, raw: RawRows, gradable: Callable[[str], bool] = is_gradable) -> list[Problem]:
    """Every row of ``raw`` as a problem; the first bad row is an InputError naming its line."""
    rule = RULES[spec.answer_rule]
    verdicts: dict[str, bool] = {}  # many rows share a gold answer: parse each answer once
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(raw.rows):

        def fail(problem: str, line: int = row.line) -> InputError:
            return InputError(raw.origin, line, problem)

        for name in (spec.question_field, spec.answer_field, spec.id_field, *spec.metadata.values()):
            if name is not None and name not in row.data:
                raise fail(f"missing field {name!r}")
        question = row.data[spec.question_field]
        if not isinstance(question, str) or not question.strip():
            raise fail(f"field {spec.question_field!r} must be a non-empty string")
        try:
            answer = rule(row.data[spec.answer_field])
        except AnswerRuleError as exc:
            raise fail(f"gold answer ({spec.answer_rule} of {spec.answer_field!r}): {exc}") from None
        try:
            local = _upstream_id(row.data[spec.id_field]) if spec.id_field else str(index)
        except ValueError as exc:
            raise fail(f"field {spec.id_field!r} {exc}") from None
        pid = f"{spec.name}/{local}"
        if pid in seen:
            raise fail(f"duplicate id {pid!r} (first on line {seen[pid]})")
        seen[pid] = row.line
        metadata: dict[str, MetaValue] = dict(spec.constants)
        for key, name in spec.metadata.items():
            try:
                metadata[key] = _meta_value(row.data[name])
            except ValueError as exc:
                raise fail(f"field {name!r}: {exc}") from None
        if answer not in verdicts:
            verdicts[answer] = gradable(answer)
        problems.append(
            Problem(
                id=pid,
                source=spec.name,
                question=question,
                answer=answer,
                gradable=verdicts[answer],
                metadata=metadata,
            )
        )
    return problems


def canonical_jsonl(problems: Iterable[Problem]) -> str:
    """The cache text: one JSON object per problem, sorted keys, UTF-8, ``\\n`` line ends."""
    return "".join(dumps_line(p.to_dict(), sort_keys=True) for p in problems)


# ---------------------------------------------------------------- the lock


@dataclass(frozen=True)
class LockEntry:
    rows: int
    revision: str
    content_sha256: str
    """sha256 of the cache file (:func:`canonical_jsonl` of the normalised problems)"""
    input_sha256: str
    """sha256 of the mirror file, or of the Hub rows as canonical JSON lines"""
    hub_id: str = ""
    config: str | None = None
    split: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "revision": self.revision,
            "content_sha256": self.content_sha256,
            "input_sha256": self.input_sha256,
            "hub_id": self.hub_id,
            "config": self.config,
            "split": self.split,
        }


def read_lock(path: str | Path) -> dict[str, LockEntry]:
    """The lock's entries (empty if there is no lock yet)."""
    p = Path(path)
    if not p.exists():
        return {}
    try:
        doc = read_json(p, "raw-source lock file")
        entries = doc["sources"]
        return {
            name: LockEntry(
                rows=int(e["rows"]),
                revision=str(e["revision"]),
                content_sha256=str(e["content_sha256"]),
                input_sha256=str(e["input_sha256"]),
                hub_id=str(e.get("hub_id", "")),
                config=e.get("config"),
                split=str(e.get("split", "")),
            )
            for name, e in entries.items()
        }
    except json.JSONDecodeError as exc:
        raise InputError(p, exc.lineno, f"malformed JSON ({exc.msg})") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(p, None, f"not a raw-source lock file ({type(exc).__name__}: {exc})") from None


def lock_text(entries: Mapping[str, LockEntry]) -> str:
    doc = {
        "comment": "written by `mathif raw pull`; a pull whose content differs is refused "
        "unless --update-lock is given",
        "sources": {name: entries[name].to_dict() for name in sorted(entries)},
    }
    return json_text(doc, sort_keys=True)


def check_lock(name: str, locked: LockEntry | None, new: LockEntry) -> str | None:
    """Why ``new`` conflicts with the locked entry, or None (no entry yet, or the same content)."""
    if locked is None:
        return None
    diffs = []
    if locked.revision != new.revision:
        diffs.append(f"revision {locked.revision!r} -> {new.revision!r}")
    if locked.rows != new.rows:
        diffs.append(f"rows {locked.rows} -> {new.rows}")
    if locked.content_sha256 != new.content_sha256:
        diffs.append(f"content sha256 {locked.content_sha256[:12]}... -> {new.content_sha256[:12]}...")
        if locked.input_sha256 == new.input_sha256:
            diffs.append("the input is unchanged: this version of the tool normalises it differently")
    if not diffs:
        return None
    return f"{name}: differs from the lock ({'; '.join(diffs)}); pass --update-lock to accept it"


# ---------------------------------------------------------------- pulling (edges)


@dataclass(frozen=True)
class SourcePull:
    """One source pulled and normalised (nothing written yet)."""

    spec: SourceSpec
    origin: str
    problems: tuple[Problem, ...]
    text: str
    entry: LockEntry

    @property
    def gradable(self) -> int:
        return sum(p.gradable for p in self.problems)


def pull_source(
    spec: SourceSpec, mirror: str | Path | None, gradable: Callable[[str], bool] = is_gradable
) -> SourcePull:
    raw = read_mirror(spec, mirror) if mirror is not None else load_hub(spec)
    problems = normalise(spec, raw, gradable)
    text = canonical_jsonl(problems)
    entry = LockEntry(
        rows=len(raw.rows),
        revision=spec.revision,
        content_sha256=sha256_text(text),
        input_sha256=raw.input_sha256,
        hub_id=spec.hub_id,
        config=spec.config,
        split=spec.split,
    )
    return SourcePull(spec=spec, origin=raw.origin, problems=tuple(problems), text=text, entry=entry)


@dataclass
class PullOutcome:
    """What ``pull`` did: the sources written and the errors of the others (one line each)."""

    pulled: list[SourcePull] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock_changed: bool = False

    @property
    def problems(self) -> int:
        return sum(len(s.problems) for s in self.pulled)

    @property
    def gradable(self) -> int:
        return sum(s.gradable for s in self.pulled)

    def non_gradable(self) -> list[Problem]:
        return [p for s in self.pulled for p in s.problems if not p.gradable]


def pull(
    names: Sequence[str] | None = None,
    mirror: str | Path | None = None,
    *,
    paths: RawPaths | None = None,
    update_lock: bool = False,
    on_source: Callable[[SourceSpec], None] | None = None,
    gradable: Callable[[str], bool] = is_gradable,
) -> PullOutcome:
    """Pull ``names`` (all registry sources if none) from ``mirror`` or, if None, from the Hub.

    Each source is independent: a bad row, a missing file or a lock conflict is recorded in
    :attr:`PullOutcome.errors` and leaves that source's cache and lock entry untouched, and the
    other sources are still pulled. Unknown names or a bad registry raise InputError up front.
    """
    paths = paths or RawPaths.default()
    registry = load_registry(paths.registry)
    specs = select_sources(registry, list(names or []), None)
    if mirror is not None and not Path(mirror).is_dir():
        raise InputError(mirror, None, "mirror folder not found (--mirror / MATHIF_RAW_MIRROR)")
    lock = read_lock(paths.lock)
    new_lock = dict(lock)
    outcome = PullOutcome()
    for spec in specs:
        if on_source:
            on_source(spec)
        try:
            result = pull_source(spec, mirror, gradable)
        except InputError as err:
            outcome.errors.append(str(err))
            continue
        conflict = check_lock(spec.name, lock.get(spec.name), result.entry)
        if conflict and not update_lock:
            outcome.errors.append(f"{paths.lock}: {conflict}")
            continue
        write_atomic(paths.cache_file(spec.name), result.text)
        if spec.name not in lock or conflict:
            new_lock[spec.name] = result.entry  # unchanged content keeps its entry as it was
        outcome.pulled.append(result)
    if new_lock != lock:
        write_atomic(paths.home_lock, lock_text(new_lock))  # never the shipped lock
        outcome.lock_changed = True
    return outcome


# ---------------------------------------------------------------- reading the cache
