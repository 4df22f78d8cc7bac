"""Normalised source problems: the typed record every source row becomes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MetaValue = str | int | float | bool | None


@dataclass(frozen=True)
class Problem:
    """One maths problem from a raw source.

    id: stable, ``<source>/<upstream id or row index>``
    question: the question text exactly as upstream has it
    answer: the gold answer, as the source's gold-answer rule reads it
    gradable: the gold answer parses with math-verify and a verbatim ``\\boxed{answer}`` grades
        as correct against it (curation.grading.is_gradable)
    metadata: level, subject, answer type, unit, ... (per the registry's mapping)
    """

    id: str
    source: str
    question: str
    answer: str
    gradable: bool
    metadata: Mapping[str, MetaValue] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "question": self.question,
            "answer": self.answer,
            "gradable": self.gradable,
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> Problem:
        return cls(
            id=str(obj["id"]),
            source=str(obj["source"]),
            question=str(obj["question"]),
            answer=str(obj["answer"]),
            gradable=bool(obj["gradable"]),
            metadata=dict(obj.get("metadata") or {}),
        )
