"""What a scoring run adds up to: HAcc, SAcc and correctness overall and per group, and
``summary.json`` of ``mathif score`` as a typed record."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from curation.core import dicts_of, records_of, typed
from curation.scoring.score import ItemScore
from curation.scoring.stats import SMALL, Interval, interval

_NUM = (int, float)


@dataclass(frozen=True)
class GroupScores:
    """Items, HAcc, SAcc and correctness of a group of scored items (0.0 when empty), each
    with its 95% interval (:mod:`curation.scoring.stats`; None: no item, or a summary
    written before intervals were recorded); ``graded``: the items correctness is over."""

    items: int
    hacc: float
    sacc: float
    correctness: float
    correctness_without_constraints: float | None = None  # eval runs with the plain run only
    graded: int | None = None  # items whose gold can be graded (None: not recorded)
    hacc_ci: Interval | None = None
    sacc_ci: Interval | None = None
    correctness_ci: Interval | None = None
    correctness_without_constraints_ci: Interval | None = None

    @property
    def small(self) -> bool:
        """Too few items for the rates to say much (fewer than :data:`stats.SMALL`)."""
        return self.items < SMALL

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "items": self.items,
            "hacc": self.hacc,
            "sacc": self.sacc,
            "correctness": self.correctness,
        }
        if self.correctness_without_constraints is not None:
            out["correctness_without_constraints"] = self.correctness_without_constraints
        if self.graded is not None:
            out["graded"] = self.graded
        cis = {
            "hacc": self.hacc_ci,
            "sacc": self.sacc_ci,
            "correctness": self.correctness_ci,
            "correctness_without_constraints": self.correctness_without_constraints_ci,
        }
        if any(ci is not None for ci in cis.values()):
            out["ci"] = {k: ci.to_dict() for k, ci in cis.items() if ci is not None}
        return out

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> GroupScores:
        without = doc.get("correctness_without_constraints")
        cis = intervals_of(doc)

        def ci(key: str) -> Interval | None:
            return cis.get(key)

        return cls(
            items=typed(doc["items"], int, "items"),
            hacc=typed(doc["hacc"], _NUM, "hacc"),
            sacc=typed(doc["sacc"], _NUM, "sacc"),
            correctness=typed(doc["correctness"], _NUM, "correctness"),
            correctness_without_constraints=typed(
                without, (*_NUM, type(None)), "correctness_without_constraints"
            ),
            graded=typed(doc.get("graded"), (int, type(None)), "graded"),
            hacc_ci=ci("hacc"),
            sacc_ci=ci("sacc"),
            correctness_ci=ci("correctness"),
            correctness_without_constraints_ci=ci("correctness_without_constraints"),
        )

    @classmethod
    def of(cls, scores: Sequence[ItemScore]) -> GroupScores:
        """Means over the items; correctness over the items whose gold can be graded."""
        n = len(scores)
        hard = [s.hard for s in scores]
        soft = [s.soft for s in scores]
        correct = [c for c in (s.correct for s in scores) if c is not None]
        return cls(
            items=n,
            hacc=sum(hard) / n if n else 0.0,
            sacc=sum(soft) / n if n else 0.0,
            correctness=sum(correct) / len(correct) if correct else 0.0,
            graded=len(correct),
            hacc_ci=interval(hard),
            sacc_ci=interval(soft),
            correctness_ci=interval(correct),
        )


def intervals_of(doc: Mapping[str, Any]) -> dict[str, Interval]:
    """The intervals a record's ``ci`` holds, by rate ({}: none recorded)."""
    cis = typed(doc.get("ci", {}), dict, "ci")
    return {str(k): Interval.from_dict(typed(v, dict, f"ci.{k}")) for k, v in cis.items()}


def ungraded(scores: Sequence[ItemScore]) -> int:
    """How many items have a gold that cannot be graded (``correct`` None)."""
    return sum(1 for s in scores if s.correct is None)


@dataclass(frozen=True)
class FollowRate:
    """How often one constraint type (or scope) is followed: ``n`` constraints, mean share,
    and its 95% interval (None: not recorded)."""

    n: int
    follow: float
    ci: Interval | None = None

    @property
    def small(self) -> bool:
        return self.n < SMALL

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"n": self.n, "follow": self.follow}
        if self.ci is not None:
            out["follow_ci"] = self.ci.to_dict()
        return out

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> FollowRate:
        ci = doc.get("follow_ci")
        return cls(
            typed(doc["n"], int, "n"),
            typed(doc["follow"], _NUM, "follow"),
            Interval.from_dict(typed(ci, dict, "follow_ci")) if ci is not None else None,
        )

    @classmethod
    def of(cls, shares: Sequence[float]) -> FollowRate:
        return cls(len(shares), sum(shares) / len(shares), interval(shares))


@dataclass(frozen=True)
class Breakdown:
    """Scores overall and by constraint type, source, number of constraints and scope."""

    overall: GroupScores
    samples: int
    by_constraint: dict[str, FollowRate]
    by_source: dict[str, GroupScores]
    by_num_constraints: dict[str, GroupScores]
    by_scope: dict[str, FollowRate]

    def to_dict(self) -> dict[str, Any]:
        return self.overall.to_dict() | {
            "samples": self.samples,
            "by_constraint": dicts_of(self.by_constraint),
            "by_source": dicts_of(self.by_source),
            "by_num_constraints": dicts_of(self.by_num_constraints),
            "by_scope": dicts_of(self.by_scope),
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Breakdown:
        return cls(
            overall=GroupScores.from_dict(doc),
            samples=typed(doc["samples"], int, "samples"),
            by_constraint=records_of(doc["by_constraint"], FollowRate, "by_constraint"),
            by_source=records_of(doc["by_source"], GroupScores, "by_source"),
            by_num_constraints=records_of(doc["by_num_constraints"], GroupScores, "by_num_constraints"),
            by_scope=records_of(doc["by_scope"], FollowRate, "by_scope"),
        )


def summarize(scores: Sequence[ItemScore]) -> Breakdown:
    """Overall HAcc, SAcc and correctness, and breakdowns by constraint, source, tier and scope."""
    by_source: dict[str, list[ItemScore]] = defaultdict(list)
    by_tier: dict[str, list[ItemScore]] = defaultdict(list)
    followed: dict[str, list[float]] = defaultdict(list)
    by_scope: dict[str, list[float]] = defaultdict(list)
    for s in scores:
        by_source[s.item.source].append(s)
        by_tier[str(len(s.item.constraints))].append(s)
        for i, (cid, scope) in enumerate(zip(s.item.constraint_ids, s.scopes, strict=True)):
            share = sum(x.follow[i] for x in s.samples) / len(s.samples)
            followed[cid].append(share)
            by_scope[scope].append(share)
    return Breakdown(
        overall=GroupScores.of(scores),
        samples=sum(len(s.samples) for s in scores),
        by_constraint={cid: FollowRate.of(v) for cid, v in sorted(followed.items())},
        by_source={k: GroupScores.of(v) for k, v in sorted(by_source.items())},
        by_num_constraints={k: GroupScores.of(v) for k, v in sorted(by_tier.items())},
        by_scope={k: FollowRate.of(v) for k, v in sorted(by_scope.items())},
    )
