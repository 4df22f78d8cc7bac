"""The run folder of ``mathif eval``: generations appended as they finish, and run.json.

``generations.jsonl`` has one line per finished sample, keyed by item, run and
sample index.  Each line is written with one ``write`` and ``fsync``ed, so a
kill loses at most the lines being generated; a torn last line (a partial
write) is cut off when the folder is opened again and that sample is made
again.  ``run.json`` records every setting that changes generations; a run
with other settings refuses to add to the folder.  A lock file keeps two runs
from writing into one folder at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curation.core import InputError, dumps_line, sha256_file, sha256_text
from curation.evaluation.config import RUNS
from curation.evaluation.records import RunRecord

GENERATIONS = "generations.jsonl"
RUN_JSON = "run.json"
LOCK = ".lock"

GenKey = tuple[str, str, int]  # (item key, run, sample index)


@dataclass(frozen=True)
class Generation:
    key: str
    run: str
    sample: int
    output: str
    finish_reason: str | None = None
    completion_tokens: int | None = None

    @property
    def id(self) -> GenKey:
        return (self.key, self.run, self.sample)

    def to_row(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "run": self.run,
            "sample": self.sample,
            "output": self.output,
            "finish_reason": self.finish_reason,
            "completion_tokens": self.completion_tokens,
        }


def generation_from_row(obj: Mapping[str, Any], path: Path, line: int) -> Generation:
    def bad(problem: str) -> InputError:
        return InputError(path, line, problem)

    key, run, sample, output = obj.get("key"), obj.get("run"), obj.get("sample"), obj.get("output")
    if not isinstance(key, str) or not key:
        raise bad("field 'key' must be a non-empty string")
    if run not in RUNS:
        raise bad(f"field 'run' must be one of {', '.join(RUNS)}, got {run!r}")
    if isinstance(sample, bool) or not isinstance(sample, int) or sample < 0:
        raise bad(f"field 'sample' must be an integer >= 0, got {sample!r}")
    if not isinstance(output, str):
        raise bad("field 'output' must be a string")
    reason, tokens = obj.get("finish_reason"), obj.get("completion_tokens")
    if reason is not None and not isinstance(reason, str):
        raise bad("field 'finish_reason' must be a string or null")
    if tokens is not None and (isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 0):
        raise bad("field 'completion_tokens' must be an integer >= 0 or null")
    return Generation(key, run, sample, output, reason, tokens)


def _lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if raw.strip():
            yield number, raw


class RunFolder:
    """An open run folder (locked for this process until ``close``)."""

    def __init__(self, root: Path):
        if root.exists() and not root.is_dir():
            raise InputError(root, None, "exists and is not a folder")
        try:
            root.mkdir(parents=True, exist_ok=True)
            self._lock = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise InputError(root, None, f"cannot write here ({exc.strerror})") from None
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self._lock)
            raise InputError(root, None, "another mathif eval is writing into this folder") from None
        self.root = root
        self.path = root / GENERATIONS
        self.done: dict[GenKey, Generation] = {}
        self.dropped_tail = False
        self._load()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def _load(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        cut = data.rfind(b"\n") + 1
        if cut < len(data):  # a partial last line, from a run killed while writing it
            with self.path.open("r+b") as fh:
                fh.truncate(cut)
                fh.flush()
                os.fsync(fh.fileno())
            self.dropped_tail = True
            data = data[:cut]
        for number, raw in _lines(data):
            try:
                obj = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise InputError(self.path, number, f"malformed line ({exc})") from None
            if not isinstance(obj, dict):
                raise InputError(self.path, number, "expected a JSON object")
            gen = generation_from_row(obj, self.path, number)
            self.done.setdefault(gen.id, gen)  # a duplicate (never written by this tool) keeps the first

    def append(self, gen: Generation) -> None:
        """Write one finished generation durably (one write, then fsync)."""
        if gen.id in self.done:
            return
        data = dumps_line(gen.to_row()).encode("utf-8")
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)
        self.done[gen.id] = gen

    def close(self) -> None:
        for fd in (self._fd, self._lock):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # run.json -----------------------------------------------------------------------

    def check_settings(self, record: RunRecord) -> None:
        """Refuse generation settings that differ from the folder's; record them on first use."""
        path = self.root / RUN_JSON
        if path.exists():
            recorded = RunRecord.read(path).generation
            for name, was, now in recorded.differences(record.generation):
                raise InputError(
                    path,
                    None,
                    f"this folder holds generations made with {name} = {json.dumps(was)}, this run "
                    f"asks for {json.dumps(now)}; use another --out or the folder's settings",
                )
        elif self.done:
            raise InputError(self.path, None, f"generations without {RUN_JSON}; use another --out")
        record.write(path)


MODEL_FILES = (
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "chat_template.jinja",
    "chat_template.json",
)


def model_fingerprint(model: str) -> tuple[str | None, str | None]:
    """(sha256 of a local model's config, tokenizer and weight names/sizes, sha256 of its chat
    template); (None, None) for a model name that is not a local folder."""
    root = Path(model)
    if not root.is_dir():
        return None, None
    h = hashlib.sha256()
    for name in MODEL_FILES:
        p = root / name
        if p.is_file():
            h.update(f"{name}\0{sha256_file(p)}\n".encode())
    for p in sorted(root.glob("*.safetensors")) + sorted(root.glob("*.bin")):
        h.update(f"{p.name}\0{p.stat().st_size}\n".encode())
    return h.hexdigest(), chat_template_sha256(root)


def chat_template_sha256(root: Path) -> str | None:
    jinja = root / "chat_template.jinja"
    if jinja.is_file():
        return sha256_file(jinja)
    for name in ("chat_template.json", "tokenizer_config.json"):
        p = root / name
        if p.is_file():
            try:
                template = json.loads(p.read_text(encoding="utf-8")).get("chat_template")
            except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
                continue
            if template:
                text = json.dumps(template, sort_keys=True, ensure_ascii=False)
                return sha256_text(text)
    return None
