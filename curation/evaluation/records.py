"""``run.json``: what a run folder's generations were made with.

``generation`` holds every setting that changes what the model generates; a resumed run
must match it exactly.  ``info`` describes the run that wrote the file (free to change),
with the checkers' semantics it was scored under (``checker_semantics``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from constraints import CHECKER_SEMANTICS, UNRECORDED_SEMANTICS
from curation.core import JsonRecord, typed

_TEXT = (str, type(None))
_INT = (int, type(None))


@dataclass(frozen=True)
class GenerationSettings:
    model: str
    backend: str
    temperature: float
    top_p: float
    max_tokens: int
    samples: int
    seed: int
    dataset_sha256: str  # of every item key and prompt shown to the model
    model_files_sha256: str | None  # a local model folder's config, tokenizer and weights
    chat_template_sha256: str | None
    system_prompt: str | None
    chat_template_kwargs: dict[str, Any] | None
    dtype: str | None  # vllm backend only
    max_model_len: int | None  # vllm backend only
    # mathif eval --intervention: its kind and settings, the end-of-thinking marker resolved
    # (None: none; a run.json written before interventions existed records none)
    intervention: dict[str, Any] | None = None
    tokenizer: str | None = None  # an intervention's tokenizer when not --model's

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> GenerationSettings:
        kinds: dict[str, Any] = {
            "model": str,
            "backend": str,
            "temperature": (int, float),
            "top_p": (int, float),
            "max_tokens": int,
            "samples": int,
            "seed": int,
            "dataset_sha256": str,
            "model_files_sha256": _TEXT,
            "chat_template_sha256": _TEXT,
            "system_prompt": _TEXT,
            "chat_template_kwargs": (dict, type(None)),
            "dtype": _TEXT,
            "max_model_len": _INT,
            "intervention": (dict, type(None)),
            "tokenizer": _TEXT,
        }
        return cls(**{k: typed(doc.get(k), kind, k) for k, kind in kinds.items()})

    def differences(self, other: GenerationSettings) -> Iterator[tuple[str, Any, Any]]:
        """``(name, mine, other's)`` for every setting that differs, by name."""
        mine, theirs = self.to_dict(), other.to_dict()
        for name in sorted(mine):
            if mine[name] != theirs[name]:
                yield name, mine[name], theirs[name]


@dataclass(frozen=True)
class RunInfo:
    mathif_version: str
    dataset: str
    items: int
    runs: list[str]
    settings: dict[str, Any]  # the whole configuration (no secret: the key's variable name only)
    # the checkers' semantics the run was scored under (constraints.CHECKER_SEMANTICS); not a
    # generation setting: a run resumed under other semantics keeps its generations and is
    # scored again.  A run.json written before the version existed records none: "1".
    checker_semantics: str = CHECKER_SEMANTICS

    def to_dict(self) -> dict[str, Any]:
        """Every field, ``checker_semantics`` after ``mathif_version`` (both say what scored)."""
        doc = dataclasses.asdict(self)
        first = {k: doc.pop(k) for k in ("mathif_version", "checker_semantics")}
        return first | doc

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> RunInfo:
        return cls(
            mathif_version=typed(doc["mathif_version"], str, "mathif_version"),
            dataset=typed(doc["dataset"], str, "dataset"),
            items=typed(doc["items"], int, "items"),
            runs=list(typed(doc["runs"], list, "runs")),
            settings=dict(typed(doc["settings"], dict, "settings")),
            checker_semantics=typed(
                doc.get("checker_semantics", UNRECORDED_SEMANTICS), str, "checker_semantics"
            ),
        )


@dataclass(frozen=True)
class RunRecord(JsonRecord):
    KIND = "run file of mathif eval"

    generation: GenerationSettings
    info: RunInfo

    def to_dict(self) -> dict[str, Any]:
        return {"generation": self.generation.to_dict(), "info": self.info.to_dict()}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> RunRecord:
        return cls(
            GenerationSettings.from_dict(typed(doc["generation"], dict, "generation")),
            RunInfo.from_dict(typed(doc["info"], dict, "info")),
        )
