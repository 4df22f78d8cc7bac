"""The one dataset reader: every command that reads items (eval, score, verify, diff) goes
through :func:`open_dataset`, whatever form the dataset comes in.

Forms, tried in this order:

- ``build``: a folder with ``manifest.json`` (``mathif build``'s output).  The manifest's
  split list is the truth: its JSONL files are read, and any other ``.jsonl`` or ``.parquet``
  file in the folder is refused by name (a stale split of an earlier build).
- ``published``: a folder with ``data/<config>/*.parquet`` (the tree ``mathif release
  publish`` writes, a dry run of it, or a Hub snapshot), one split per config folder.
- ``folder``: a folder of ``.jsonl`` files (MathIF's release), every one of them.
- ``jsonl``: one JSONL file.
- ``parquet``: one parquet file (the published schema or any with MathIF's seven columns).
- ``hub``: ``ORG/NAME`` or ``ORG/NAME@REVISION`` that is no local path: a Hub dataset
  repository, fetched with ``huggingface_hub.snapshot_download`` (into the Hugging Face
  cache, ``HF_ENDPOINT`` honoured, offline once cached) and read as ``published``.

Whatever the form, a split is named as its JSONL file is (``gsm8k_single.jsonl``; a
published config ``gsm8k_single`` or a parquet file ``gsm8k_single.parquet`` is that
split), and its rows are numbered from 1 in file order, the line of the JSONL file the
row came from.  So an item has the same key (``gsm8k_single.jsonl:3``) and the same
fields in every form.  Splits come in the order of their names.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constraints import Registry
from curation.core.errors import InputError, ServiceFailure
from curation.core.items import Item, item_from_dict
from curation.core.jsonio import MAX_DEPTH, JsonlLine, jsonl_lines
from curation.core.manifest import Manifest
from curation.core.parquet import decode_record
from curation.core.secrets import redact, register_secret

FORMS = ("build", "published", "folder", "jsonl", "parquet", "hub")
MANIFEST = "manifest.json"
DATA_DIR = "data"
MAX_PARQUET_ROWS = 1_000_000  # far above any benchmark; a bigger file is refused, not loaded
# ORG/NAME with an optional @REVISION (a branch, a tag such as v1.0.0, or a commit)
_HUB_ID = re.compile(
    r"(?P<repo>[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95})(?:@(?P<rev>[\w.\-/]{1,200}))?"
)
_SPLIT_FILE = re.compile(r"[\w.-]+\.jsonl")


@dataclass(frozen=True)
class DatasetFile:
    """One split of a dataset: the name keys use (``gsm8k_single.jsonl``) and its files."""

    name: str
    paths: tuple[Path, ...]  # one JSONL file, or the parquet shards of one config in order
    kind: str  # "jsonl" or "parquet"

    @property
    def split(self) -> str:
        """The split's name without ``.jsonl`` (``gsm8k_single``)."""
        return self.name.removesuffix(".jsonl")

    def lines(self) -> Iterator[tuple[Path, JsonlLine]]:
        """Every row as (file, line): a parsed JSON value, or why there is none.  Rows are
        numbered from 1 across a config's shards; an unreadable file is an InputError."""
        if self.kind == "jsonl":
            for line in jsonl_lines(self.paths[0]):
                yield self.paths[0], line
            return
        number = 0
        for path in self.paths:
            for row in _parquet_rows(path):
                number += 1
                yield path, _decoded(number, row)

    def items(self, registry: Registry | None = None) -> list[Item]:
        """Every item, validated; the first bad row is an InputError naming file and row."""
        out = []
        for path, line in self.lines():
            if line.error is not None:
                raise InputError(path, line.number, line.error)
            if not isinstance(line.value, dict):
                raise InputError(path, line.number, "expected a JSON object")
            out.append(item_from_dict(line.value, path, line.number, registry))
        if not out:
            raise InputError(self.paths[0], None, "holds no items (the file is empty or blank)")
        return out


@dataclass(frozen=True)
class Dataset:
    """A dataset as given (``spec``), the form it was read in, and its splits."""

    spec: str
    form: str
    root: Path  # the file or folder read (a Hub dataset: its snapshot folder)
    files: tuple[DatasetFile, ...]
    manifest: Manifest | None = None  # a build folder's
    revision: str | None = None  # a Hub dataset's resolved commit

    def items(self, registry: Registry | None = None) -> list[tuple[DatasetFile, Item]]:
        return [(f, item) for f in self.files for item in f.items(registry)]

    def describe(self) -> str:
        """One line for reports: what was read."""
        if self.form == "hub":
            return f"{self.spec} (commit {self.revision})" if self.revision else self.spec
        return self.spec


def open_dataset(
    spec: str | Path, endpoint: str | None = None, cache_dir: str | Path | None = None
) -> Dataset:
    """The dataset ``spec`` names, in any of :data:`FORMS` (see the module docstring).  A Hub
    dataset goes to ``cache_dir`` (default: the Hugging Face cache, ``HF_HUB_CACHE``)."""
    text = str(spec)
    if "\0" in text:
        raise InputError(text.replace("\0", "\\0"), None, "not a usable path (it holds a NUL byte)")
    path = Path(text)
    try:
        exists = path.exists()
    except (OSError, ValueError) as exc:
        raise InputError(text, None, f"cannot read ({exc})") from None
    if exists:
        return _local(text, path)
    hub = _HUB_ID.fullmatch(text)
    if hub and not text.startswith((".", "/")):
        return _from_hub(text, hub["repo"], hub["rev"], endpoint, cache_dir)
    raise InputError(text, None, "no such file or folder (nor a Hub dataset id ORG/NAME[@REVISION])")


def _local(spec: str, path: Path) -> Dataset:
    if path.is_dir():
        if (path / MANIFEST).is_file():
            return _build_folder(spec, path)
        if (path / DATA_DIR).is_dir():
            return _published(spec, path, "published")
        files = sorted(path.glob("*.jsonl"))
        if not files:
            raise InputError(
                path,
                None,
                "holds no dataset (no manifest.json of a build, no data/<config>/*.parquet "
                "of a published tree, no .jsonl files)",
            )
        return Dataset(spec, "folder", path, tuple(DatasetFile(f.name, (f,), "jsonl") for f in files))
    if path.suffix == ".parquet":
        return Dataset(spec, "parquet", path, (DatasetFile(_parquet_split_name(path), (path,), "parquet"),))
    return Dataset(spec, "jsonl", path, (DatasetFile(path.name, (path,), "jsonl"),))


def _build_folder(spec: str, root: Path) -> Dataset:
    manifest = Manifest.read(root / MANIFEST)
    listed = set(manifest.all_files())
    for name in manifest.split_files:
        if not _SPLIT_FILE.fullmatch(name):
            raise InputError(root / MANIFEST, None, f"split file name {name!r} is not a plain .jsonl name")
        if not (root / name).is_file():
            raise InputError(root / name, None, f"missing: {root / MANIFEST} lists it; rebuild the version")
    for path in sorted(root.iterdir()):
        if path.suffix in (".jsonl", ".parquet") and path.name not in listed:
            raise InputError(
                path,
                None,
                f"not a split of this version ({root / MANIFEST} does not list it): a stale file "
                "of another build? remove it or rebuild into a new folder",
            )
    files = tuple(DatasetFile(n, (root / n,), "jsonl") for n in sorted(manifest.split_files))
    return Dataset(spec, "build", root, files, manifest)


def _published(spec: str, root: Path, form: str, revision: str | None = None) -> Dataset:
    data = root / DATA_DIR
    configs = sorted(p for p in data.iterdir() if p.is_dir())
    files = []
    for config in configs:
        shards = tuple(sorted(config.glob("*.parquet")))
        if shards:
            files.append(DatasetFile(f"{config.name}.jsonl", shards, "parquet"))
    if not files:
        raise InputError(data, None, "holds no <config>/*.parquet files")
    return Dataset(spec, form, root, tuple(files), revision=revision)


def _parquet_split_name(path: Path) -> str:
    """``data/<config>/test-….parquet`` is split ``<config>``; any other file its stem."""
    parent = path.resolve().parent
    if parent.parent.name == DATA_DIR:
        return f"{parent.name}.jsonl"
    return f"{path.stem}.jsonl"


def _parquet_rows(path: Path) -> Iterator[dict[str, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        rows = pf.metadata.num_rows
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise InputError(path, None, f"not a readable parquet file ({str(exc)[:200]})") from None
    if rows > MAX_PARQUET_ROWS:
        raise InputError(path, None, f"holds {rows} rows; at most {MAX_PARQUET_ROWS} are read")
    try:
        for batch in pf.iter_batches(batch_size=1024):
            yield from batch.to_pylist()
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise InputError(path, None, f"not a readable parquet file ({str(exc)[:200]})") from None


def _decoded(number: int, row: Mapping[str, Any]) -> JsonlLine:
    """A parquet row as the JSON object its JSONL line holds (published rows decoded)."""
    problem = _json_problem(row)
    if problem:
        return JsonlLine(number, None, problem)
    args = row.get("constraint_args")
    if isinstance(args, list) and any(isinstance(a, str) for a in args):  # the published schema
        try:
            return JsonlLine(number, decode_record(row))
        except (KeyError, TypeError, ValueError, RecursionError) as exc:
            return JsonlLine(number, None, f"not a row of the published schema ({type(exc).__name__}: {exc})")
    return JsonlLine(number, dict(row))


def _json_problem(value: Any) -> str | None:
    """Why a parquet value is no JSON value (a binary, a date, NaN, too deep), or None."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
        if v is None or isinstance(v, (bool, int, str)):
            continue
        if isinstance(v, float):
            if not math.isfinite(v):
                return "holds NaN or Infinity, which is no JSON number"
        elif isinstance(v, dict):
            if not all(isinstance(k, str) for k in v):
                return "holds a map with keys that are not strings"
            stack.extend((c, depth + 1) for c in v.values())
        elif isinstance(v, list):
            stack.extend((c, depth + 1) for c in v)
        else:
            return f"holds a {type(v).__name__} value, which JSON cannot hold"
    return None


def _from_hub(
    spec: str, repo: str, revision: str | None, endpoint: str | None, cache_dir: str | Path | None
) -> Dataset:
    """Fetch the repository's README and data files (cached; offline once cached)."""
    import huggingface_hub
    from huggingface_hub import errors

    token = huggingface_hub.get_token()
    if token:
        register_secret(token)
    where = endpoint or os.environ.get("HF_ENDPOINT") or None
    try:
        folder = huggingface_hub.snapshot_download(
            repo,
            repo_type="dataset",
            revision=revision,
            endpoint=where,
            cache_dir=cache_dir,
            allow_patterns=["README.md", f"{DATA_DIR}/**"],
        )
    except errors.RevisionNotFoundError:
        raise InputError(spec, None, f"the Hub dataset {repo} has no revision {revision!r}") from None
    except errors.RepositoryNotFoundError:
        raise InputError(
            spec, None, "no such file or folder, nor a Hub dataset (repository not found, or private)"
        ) from None
    except errors.LocalEntryNotFoundError as exc:
        raise ServiceFailure(
            redact(
                f"{spec}: no such local file or folder; as a Hub dataset it is not in the local "
                f"Hugging Face cache and the Hub cannot be reached ({exc})"
            )
        ) from None
    except (errors.HfHubHTTPError, OSError, ValueError) as exc:
        raise ServiceFailure(
            redact(f"{spec}: no such local file or folder; as a Hub dataset it could not be fetched ({exc})")
        ) from None
    root = Path(folder)
    if not (root / DATA_DIR).is_dir():
        raise InputError(spec, None, "the Hub repository holds no data/<config>/*.parquet files")
    return _published(spec, root, "hub", revision=root.name)
