"""The run folder of ``mathif eval``: generations appended as they finish, and run.json.

``generations.jsonl`` has one line per finished sample, keyed by item, run and
sample index.  A :class:`Generation` checks its fields when it is made (the
reader and every backend share that one rule), so nothing the folder's reader
would refuse can be appended.  Each line is written with one ``write`` and
``fsync``ed, so a kill loses at most the lines being generated; a torn last
line (a partial write) is cut off when the folder is opened again and that
sample is made again.

A folder is this run's before anything in it is touched: it is new or empty,
or its ``run.json`` reads and records the same generation settings, or its
``run.json`` records other settings but not one generation was saved under them
(a run that failed at once, say on a ``--max-tokens`` the server refused): such
a folder is taken over and its ``run.json`` rewritten, so the fixed command can
reuse the same ``--out``.  A folder with other files and no ``run.json``, or with
a ``run.json`` of other settings and at least one generation, is refused and left
byte for byte as it was (no lock file, no repair).  A lock file keeps two runs
from writing into one folder at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from curation.core import (
    InputError,
    dumps_line,
    is_text,
    jsonl_line,
    redact,
    sha256_file,
    sha256_text,
)
from curation.evaluation.config import RUNS
from curation.evaluation.records import RunRecord

GENERATIONS = "generations.jsonl"
RUN_JSON = "run.json"
LOCK = ".lock"
_OWN_LEFTOVERS = (LOCK,)  # what a run killed before writing run.json may leave: still an empty folder
_SCAN = 1 << 16  # bytes read at a time when looking for a first generation line

GenKey = tuple[str, str, int]  # (item key, run, sample index)

# the pieces of a sample made under an intervention (``mathif eval --intervention``): the
# model's own text, the end-of-thinking marker the run put in, and what was injected
SPAN_KINDS = ("model", "close", "extension", "reminder", "final")
INJECTED_SPANS = ("extension", "reminder", "final")
MAX_SPANS = 512


def spans_problem(spans: Any, output: str, thinking_tokens: Any) -> str | None:
    """Why ``spans`` (``[[kind, characters], ...]`` covering ``output``) and
    ``thinking_tokens`` are not sound (None: they are, or both are absent)."""
    if spans is None:
        return None if thinking_tokens is None else "field 'thinking_tokens' without 'spans'"
    if not isinstance(spans, (list, tuple)) or len(spans) > MAX_SPANS:
        return f"field 'spans' must be a list of at most {MAX_SPANS} [kind, characters] pairs"
    total = 0
    for span in spans:
        if not isinstance(span, (list, tuple)) or len(span) != 2 or span[0] not in SPAN_KINDS:
            return f"field 'spans' holds {span!r:.60}, not a [kind, characters] pair (kinds: {', '.join(SPAN_KINDS)})"
        size = span[1]
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            return "field 'spans': a span's characters must be an integer >= 0"
        total += size
    if total != len(output):
        return f"field 'spans' covers {total} characters, the output has {len(output)}"
    if isinstance(thinking_tokens, bool) or not isinstance(thinking_tokens, int) or thinking_tokens < 0:
        return "field 'thinking_tokens' must be an integer >= 0"
    return None


def generation_problem(
    key: Any,
    run: Any,
    sample: Any,
    output: Any,
    finish_reason: Any,
    completion_tokens: Any,
    spans: Any = None,
    thinking_tokens: Any = None,
) -> str | None:
    """Why these fields make no line of ``generations.jsonl`` (None: they do).  The one rule
    shared by :class:`Generation` (made by a backend) and the folder's reader."""
    if not isinstance(key, str) or not key or not is_text(key):
        return "field 'key' must be a non-empty string"
    if run not in RUNS:
        return f"field 'run' must be one of {', '.join(RUNS)}, got {run!r}"
    if isinstance(sample, bool) or not isinstance(sample, int) or sample < 0:
        return f"field 'sample' must be an integer >= 0, got {sample!r}"
    if not isinstance(output, str):
        return "field 'output' must be a string"
    if not is_text(output):
        return "field 'output' holds a lone surrogate (not valid Unicode)"
    if finish_reason is not None and (not isinstance(finish_reason, str) or not is_text(finish_reason)):
        return "field 'finish_reason' must be a string or null"
    if completion_tokens is not None and (
        isinstance(completion_tokens, bool) or not isinstance(completion_tokens, int) or completion_tokens < 0
    ):
        return "field 'completion_tokens' must be an integer >= 0 or null"
    return spans_problem(spans, output, thinking_tokens)


@dataclass(frozen=True)
class Generation:
    """One finished sample; refuses (ValueError) any field the folder's reader would refuse."""

    key: str
    run: str
    sample: int
    output: str
    finish_reason: str | None = None
    completion_tokens: int | None = None
    # made under an intervention: (kind, characters) of each piece of ``output`` in order
    # (see SPAN_KINDS), and the tokens the model spent thinking; None otherwise
    spans: tuple[tuple[str, int], ...] | None = None
    thinking_tokens: int | None = None

    def __post_init__(self) -> None:
        problem = generation_problem(
            self.key,
            self.run,
            self.sample,
            self.output,
            self.finish_reason,
            self.completion_tokens,
            self.spans,
            self.thinking_tokens,
        )
        if problem is not None:
            raise ValueError(problem)
        if self.spans is not None:  # one hashable shape, whatever lists the reader gave
            object.__setattr__(self, "spans", tuple((k, n) for k, n in self.spans))

    @property
    def id(self) -> GenKey:
        return (self.key, self.run, self.sample)

    def redacted(self) -> Generation:
        """This generation with every registered secret masked (a server may echo the key)."""
        output = redact(self.output)
        reason = redact(self.finish_reason) if self.finish_reason is not None else None
        if output == self.output and reason == self.finish_reason:
            return self
        spans = self.spans
        if spans is not None and output != self.output:  # masked piece by piece, spans kept
            pieces, at = [], 0
            for kind, size in spans:
                pieces.append((kind, redact(self.output[at : at + size])))
                at += size
            output = "".join(text for _, text in pieces)
            spans = tuple((kind, len(text)) for kind, text in pieces)
            if redact(output) != output:  # a secret across two pieces: one piece of model text
                output, spans = redact(output), (("model", len(redact(output))),)
        return replace(self, output=output, finish_reason=reason, spans=spans)

    def to_row(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "run": self.run,
            "sample": self.sample,
            "output": self.output,
            "finish_reason": self.finish_reason,
            "completion_tokens": self.completion_tokens,
        } | self.intervention_fields()

    def intervention_fields(self) -> dict[str, Any]:
        """``spans`` and ``thinking_tokens`` when made under an intervention (else nothing:
        the lines of a plain run are as before)."""
        if self.spans is None:
            return {}
        return {"spans": [list(s) for s in self.spans], "thinking_tokens": self.thinking_tokens}


def generation_from_row(obj: Mapping[str, Any], path: Path, line: int) -> Generation:
    names = (
        "key",
        "run",
        "sample",
        "output",
        "finish_reason",
        "completion_tokens",
        "spans",
        "thinking_tokens",
    )
    fields: list[Any] = [obj.get(name) for name in names]
    problem = generation_problem(*fields)
    if problem is not None:
        raise InputError(path, line, problem)
    return Generation(*fields)


def holds_generations(path: Path) -> bool:
    """Whether ``path`` (a ``generations.jsonl``) has a whole line that is not blank: a
    generation, or a line that claims to be one.  Reads up to the end of that first line
    only; a torn last line (a run killed while writing it) is no generation."""
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise InputError(path, None, f"cannot read this file ({exc.strerror})") from None
    with fh:
        content = False  # the line being read holds more than white space
        while chunk := fh.read(_SCAN):
            for line in chunk.split(b"\n")[:-1]:  # each piece that a newline ends
                if content or line.strip():
                    return True
                content = False
            content = content or bool(chunk.rsplit(b"\n", 1)[-1].strip())
        return False


def claim(root: Path, record: RunRecord) -> RunRecord | None:
    """Refuse ``root`` unless it may become (missing, empty, or a ``run.json`` of other
    settings with no generation made under them: see :func:`holds_generations`) or already
    is (its ``run.json`` records ``record``'s generation settings) the folder of this run;
    the ``run.json`` found (None: none yet).  Reads only: a folder that is not this run's is
    refused with one line and left as it was."""
    if not root.exists():
        return None
    if not root.is_dir():
        raise InputError(root, None, "exists and is not a folder")
    path = root / RUN_JSON
    try:
        names = sorted(os.listdir(root))
    except OSError as exc:
        raise InputError(root, None, f"cannot read this folder ({exc.strerror})") from None
    if RUN_JSON not in names:
        foreign = [n for n in names if n not in _OWN_LEFTOVERS]
        if foreign:
            shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
            raise InputError(
                root,
                None,
                f"not a run folder of mathif eval (it holds {shown} but no {RUN_JSON}); "
                "nothing was changed; use another --out or an empty folder",
            )
        return None
    if not path.is_file():
        raise InputError(path, None, "is not a file; use another --out")
    recorded = RunRecord.read(path)
    changes = list(recorded.generation.differences(record.generation))
    if changes and not holds_generations(root / GENERATIONS):
        return recorded  # nothing was made under those settings: this run takes the folder over
    for name, was, now in changes:
        raise InputError(
            path,
            None,
            f"this folder holds generations made with {name} = {json.dumps(was)}, this run "
            f"asks for {json.dumps(now)}; use another --out or the folder's settings",
        )
    return recorded


def taken_over_note(path: Path, changes: Sequence[tuple[str, Any, Any]]) -> str:
    """The line that tells the user a run folder with no generation was taken over by a run
    with other settings (``changes``: ``(name, recorded, now)``)."""

    def value(v: Any) -> str:
        text = json.dumps(v, ensure_ascii=False)
        return text if len(text) <= 24 else text[:23] + "…"  # a hash or a long prompt, cut

    shown = ", ".join(f"{name} {value(was)} -> {value(now)}" for name, was, now in changes[:4])
    more = f" and {len(changes) - 4} more" if len(changes) > 4 else ""
    return (
        f"{path}: no generation was saved under its settings; this run takes the folder over "
        f"({shown}{more}) and rewrites it"
    )


class RunFolder:
    """The run folder of one run, claimed for ``record`` and locked until ``close``.

    Nothing is written before the folder is known to be this run's (see :func:`claim`);
    then ``run.json`` is (re)written (``recorded`` keeps the one found, None: a new
    folder; ``taken_over`` lists the settings that changed when the folder held no
    generation under them), the generations are read and a torn last line is cut off."""

    def __init__(self, root: Path, record: RunRecord):
        claim(root, record)  # refuse a folder that is not ours before touching it
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
        self._fd = -1
        try:
            # again under the lock: another run may have claimed it meanwhile
            self.recorded: RunRecord | None = claim(root, record)
            self.taken_over: list[tuple[str, Any, Any]] = (
                list(self.recorded.generation.differences(record.generation)) if self.recorded else []
            )
            self.root = root
            self.path = root / GENERATIONS
            self.done: dict[GenKey, Generation] = {}
            self.dropped_tail = False
            self._load()
            record.write(root / RUN_JSON)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except BaseException:
            self.close()
            raise

    def _load(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        cut = data.rfind(b"\n") + 1
        # every whole line is checked before any repair, with the reader of every JSONL file
        for number, raw in enumerate(data[:cut].split(b"\n"), start=1):
            line = jsonl_line(number, raw, surrogates="replace")
            if line is None:
                continue
            if line.error is not None:
                raise InputError(self.path, number, line.error)
            if not isinstance(line.value, dict):
                raise InputError(self.path, number, "expected a JSON object")
            gen = generation_from_row(line.value, self.path, number)
            self.done.setdefault(gen.id, gen)  # a duplicate (never written by this tool) keeps the first
        if cut < len(data):  # a partial last line, from a run killed while writing it
            with self.path.open("r+b") as fh:
                fh.truncate(cut)
                fh.flush()
                os.fsync(fh.fileno())
            self.dropped_tail = True

    def append(self, gen: Generation) -> None:
        """Write one finished generation durably (one write, then fsync), with every
        registered secret masked (``done`` holds what was written)."""
        if gen.id in self.done:
            return
        gen = gen.redacted()
        data = dumps_line(gen.to_row()).encode("utf-8")  # a Generation always encodes
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)
        self.done[gen.id] = gen

    def close(self) -> None:
        for fd in (self._fd, self._lock):
            if fd < 0:
                continue
            try:
                os.close(fd)
            except OSError:
                pass
        self._fd = self._lock = -1

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
