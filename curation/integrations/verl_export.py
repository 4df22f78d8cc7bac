"""``mathif export verl``: a version as verl's RL data rows, in one parquet file.

Each item is one row in verl's schema (as verl's own ``examples/data_preprocess/gsm8k.py``
writes it, and ``verl.utils.dataset.RLHFDataset`` reads it):

- ``data_source``: ``mathif/<version>/<split>`` (verl groups its validation metrics by it);
- ``prompt``: the chat messages: an optional system message, then the item's prompt as the
  only user message (MathIF's setting; without its constraints for ``constraints=False``);
- ``ability``: ``math``;
- ``reward_model``: ``{"style": "rule", "ground_truth": <the item as JSON text>}``, which
  :func:`curation.integrations.rewards.compute_score` reads back
  (:func:`~curation.integrations.rewards.ground_truth_text`);
- ``extra_info``: ``{"key", "split", "index", "id", "run"}``: the item key of ``mathif eval``
  (``gsm8k_single.jsonl:3``), the split, the row's 0-based index in the file (verl's
  ``index``), the item id, and ``constraints`` or ``plain``.

The columns have one explicit arrow schema, so the same version gives the same bytes
(given the pyarrow version).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curation.core import InputError, check_output_folder, write_atomic
from curation.integrations.api import Benchmark, load
from curation.integrations.rewards import ground_truth_text

VERL_COLUMNS = ("data_source", "prompt", "ability", "reward_model", "extra_info")
ABILITY = "math"


def verl_schema() -> Any:
    """The arrow schema of the rows (every field non-null)."""
    import pyarrow as pa

    def struct(*names_types: tuple[str, Any]) -> Any:
        return pa.struct([pa.field(n, t, nullable=False) for n, t in names_types])

    message = struct(("role", pa.string()), ("content", pa.string()))
    return pa.schema(
        [
            pa.field("data_source", pa.string(), nullable=False),
            pa.field("prompt", pa.list_(pa.field("item", message, nullable=False)), nullable=False),
            pa.field("ability", pa.string(), nullable=False),
            pa.field(
                "reward_model", struct(("style", pa.string()), ("ground_truth", pa.string())), nullable=False
            ),
            pa.field(
                "extra_info",
                struct(
                    ("key", pa.string()),
                    ("split", pa.string()),
                    ("index", pa.int64()),
                    ("id", pa.string()),
                    ("run", pa.string()),
                ),
                nullable=False,
            ),
        ]
    )


def version_name(bench: Benchmark) -> str:
    """The version for ``data_source``: the items' own ``version`` field (every built or
    published version has one), else the name of the folder the items were read from
    (``mathif-v1`` for MathIF's release), else the Hub id's name."""
    versions = {b.item.extra.get("version") for b in bench}
    if len(versions) == 1:
        (v,) = versions
        if isinstance(v, str) and v.strip():
            return v
    path = Path(bench.spec)
    if path.is_file():
        path = path.resolve().parent
    elif path.exists():
        path = path.resolve()
    else:  # a Hub id ORG/NAME[@REV]
        return bench.spec.rsplit("/", 1)[-1] or bench.spec
    return path.name or "mathif"


def verl_rows(
    bench: Benchmark, system_prompt: str | None = None, constraints: bool = True, version: str | None = None
) -> list[dict[str, Any]]:
    """One verl row per item of ``bench``, in its order (see the module docstring)."""
    if system_prompt is not None and not system_prompt.strip():
        raise InputError(None, None, "--system-prompt is blank (leave it out for no system message)")
    name = version if version is not None else version_name(bench)
    run = "constraints" if constraints else "plain"
    rows = []
    for index, b in enumerate(bench):
        messages = [] if system_prompt is None else [{"role": "system", "content": system_prompt}]
        messages.append({"role": "user", "content": b.prompt if constraints else b.plain_prompt})
        rows.append(
            {
                "data_source": f"mathif/{name}/{b.split}",
                "prompt": messages,
                "ability": ABILITY,
                "reward_model": {"style": "rule", "ground_truth": ground_truth_text(b.item)},
                "extra_info": {"key": b.key, "split": b.split, "index": index, "id": b.id, "run": run},
            }
        )
    return rows


def verl_parquet_bytes(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """The rows as one parquet file (explicit schema, zstd, no statistics: deterministic)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist([dict(r) for r in rows], schema=verl_schema())
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", write_statistics=False)
    return buf.getvalue()


@dataclass(frozen=True)
class VerlExport:
    """What ``export_verl`` wrote."""

    path: Path
    rows: int
    splits: Mapping[str, int]  # split -> rows
    version: str
    data_sources: Sequence[str]


def check_verl_out(out: str | Path) -> Path:
    """Refuse, before any work, an output that is not a writable ``.parquet`` file path
    (verl reads data files by their ``.parquet`` suffix)."""
    p = Path(out)
    if "\0" in str(p):
        raise InputError(str(p).replace("\0", "\\0"), None, "not a usable path (it holds a NUL byte)")
    if p.suffix != ".parquet":
        raise InputError(
            p, None, "the output must be a .parquet file (verl reads data files by their suffix)"
        )
    try:
        is_dir = p.is_dir()
    except (OSError, ValueError) as exc:
        raise InputError(p, None, f"cannot write here ({exc})") from None
    if is_dir:
        raise InputError(p, None, "is a folder, expected a .parquet file path")
    check_output_folder(p.parent)
    return p


def export_verl(
    spec: str | Path,
    out: str | Path,
    system_prompt: str | None = None,
    constraints: bool = True,
    limit: int | None = None,
    endpoint: str | None = None,
) -> VerlExport:
    """Write ``spec`` (any dataset form) as verl's rows to ``out`` (a ``.parquet`` file)."""
    path = check_verl_out(out)
    if system_prompt is not None and not system_prompt.strip():
        raise InputError(None, None, "--system-prompt is blank (leave it out for no system message)")
    bench = load(spec, limit=limit, endpoint=endpoint)
    name = version_name(bench)
    rows = verl_rows(bench, system_prompt, constraints, name)
    write_atomic(path, verl_parquet_bytes(rows))
    splits: dict[str, int] = {}
    for b in bench:
        splits[b.split] = splits.get(b.split, 0) + 1
    sources = sorted({r["data_source"] for r in rows})
    return VerlExport(path, len(rows), splits, name, sources)
