"""``summary.json`` of ``mathif eval``: MathIF's three scores, the run without constraints,
breakdowns, scores against response length and the reasoning-trace views, typed.

Pure: built from :class:`curation.evaluation.score.EvalScores`, read back by the report,
the plots and ``mathif compare``.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from constraints import CHECKER_SEMANTICS, UNRECORDED_SEMANTICS
from curation.core import JsonRecord, dicts_of, records_of, typed
from curation.evaluation.score import EvalScores, SampleLength
from curation.scoring import Breakdown, FollowRate, GroupScores, ItemScore, mean_correct, summarize, ungraded

LENGTH_BINS = 6
_NUM = (int, float)


@dataclass(frozen=True)
class ConstraintScores:
    """One constraint type: how often it is followed, and the scores of the items that have it."""

    n: int
    follow: float
    scores: GroupScores

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "follow": self.follow} | self.scores.to_dict()

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> ConstraintScores:
        rate = FollowRate.from_dict(doc)
        return cls(rate.n, rate.follow, GroupScores.from_dict(doc))


@dataclass(frozen=True)
class PlainScores:
    """The run without constraints in the prompt: correctness, and the constraints held unasked."""

    correctness: float
    hacc_unasked: float
    sacc_unasked: float
    by_constraint_unasked: dict[str, FollowRate]

    def to_dict(self) -> dict[str, Any]:
        return {
            "correctness": self.correctness,
            "hacc_unasked": self.hacc_unasked,
            "sacc_unasked": self.sacc_unasked,
            "by_constraint_unasked": dicts_of(self.by_constraint_unasked),
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> PlainScores:
        return cls(
            correctness=typed(doc["correctness"], _NUM, "correctness"),
            hacc_unasked=typed(doc["hacc_unasked"], _NUM, "hacc_unasked"),
            sacc_unasked=typed(doc["sacc_unasked"], _NUM, "sacc_unasked"),
            by_constraint_unasked=records_of(
                doc["by_constraint_unasked"], FollowRate, "by_constraint_unasked"
            ),
        )


@dataclass(frozen=True)
class LengthBin:
    min: int
    max: int
    mean: float
    samples: int
    hacc: float
    sacc: float
    correctness: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> LengthBin:
        ints = {k: typed(doc[k], int, k) for k in ("min", "max", "samples")}
        rates = {k: typed(doc[k], _NUM, k) for k in ("mean", "hacc", "sacc", "correctness")}
        return cls(**ints, **rates)


@dataclass(frozen=True)
class HardSoft:
    hacc: float
    sacc: float

    def to_dict(self) -> dict[str, Any]:
        return {"hacc": self.hacc, "sacc": self.sacc}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> HardSoft:
        return cls(typed(doc["hacc"], _NUM, "hacc"), typed(doc["sacc"], _NUM, "sacc"))


@dataclass(frozen=True)
class ScopeScores:
    """The constraints checked on the reasoning trace (or on both parts) instead of the answer."""

    hacc: float
    sacc: float
    by_constraint: dict[str, FollowRate]
    by_source: dict[str, HardSoft]
    by_num_constraints: dict[str, HardSoft]

    def to_dict(self) -> dict[str, Any]:
        return {
            "hacc": self.hacc,
            "sacc": self.sacc,
            "by_constraint": dicts_of(self.by_constraint),
            "by_source": dicts_of(self.by_source),
            "by_num_constraints": dicts_of(self.by_num_constraints),
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> ScopeScores:
        return cls(
            hacc=typed(doc["hacc"], _NUM, "hacc"),
            sacc=typed(doc["sacc"], _NUM, "sacc"),
            by_constraint=records_of(doc["by_constraint"], FollowRate, "by_constraint"),
            by_source=records_of(doc["by_source"], HardSoft, "by_source"),
            by_num_constraints=records_of(doc["by_num_constraints"], HardSoft, "by_num_constraints"),
        )

    @classmethod
    def of(cls, base: Breakdown) -> ScopeScores:
        def hard_soft(groups: Mapping[str, GroupScores]) -> dict[str, HardSoft]:
            return {k: HardSoft(v.hacc, v.sacc) for k, v in groups.items()}

        return cls(
            hacc=base.overall.hacc,
            sacc=base.overall.sacc,
            by_constraint=base.by_constraint,
            by_source=hard_soft(base.by_source),
            by_num_constraints=hard_soft(base.by_num_constraints),
        )


@dataclass(frozen=True)
class RunDescription:
    """What was evaluated and how (the settings a reader of the report needs)."""

    model: str
    backend: str
    dataset: str
    runs: list[str]
    sampling: dict[str, Any]
    think_mode: str
    fix_quirks: bool
    trace_scope: str
    correctness_graded: bool = True  # False: mathif score --no-correctness (correctness is 0)
    # the checkers' semantics the verdicts were given under (constraints.CHECKER_SEMANTICS);
    # a summary written before the version existed records none and reads as "1"
    checker_semantics: str = CHECKER_SEMANTICS

    def to_dict(self) -> dict[str, Any]:
        """Every field, ``checker_semantics`` right after ``fix_quirks`` (the two say how
        the constraints were checked)."""
        out: dict[str, Any] = {}
        for name, value in dataclasses.asdict(self).items():
            if name != "checker_semantics":
                out[name] = value
            if name == "fix_quirks":
                out["checker_semantics"] = self.checker_semantics
        return out

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> RunDescription:
        text = {
            k: typed(doc[k], str, k) for k in ("model", "backend", "dataset", "think_mode", "trace_scope")
        }
        return cls(
            **text,
            runs=list(typed(doc["runs"], list, "runs")),
            sampling=dict(typed(doc["sampling"], dict, "sampling")),
            fix_quirks=typed(doc["fix_quirks"], bool, "fix_quirks"),
            correctness_graded=typed(doc.get("correctness_graded", True), bool, "correctness_graded"),
            checker_semantics=typed(
                doc.get("checker_semantics", UNRECORDED_SEMANTICS), str, "checker_semantics"
            ),
        )


@dataclass(frozen=True)
class EvalSummary(JsonRecord):
    KIND = "summary of mathif eval"

    overall: GroupScores  # the run with constraints; correctness_without_constraints from the plain run
    samples: int
    plain: PlainScores | None
    by_constraint: dict[str, ConstraintScores]
    by_source: dict[str, GroupScores]
    by_num_constraints: dict[str, GroupScores]
    by_scope: dict[str, FollowRate]  # how often constraints are followed per scope (answer, ...)
    length_unit: str  # "tokens" or "characters"
    by_length: list[LengthBin]
    reasoning_scope: ScopeScores | None
    both_scope: ScopeScores | None
    run: RunDescription
    ungraded: int = 0  # items whose gold cannot be graded: left out of every correctness figure
    grade_timeouts: int = 0  # samples whose grading hit its time limit (graded not correct)

    @property
    def hacc(self) -> float:
        return self.overall.hacc

    @property
    def sacc(self) -> float:
        return self.overall.sacc

    @property
    def correctness(self) -> float:
        return self.overall.correctness

    @property
    def correctness_without_constraints(self) -> float | None:
        return self.overall.correctness_without_constraints

    @property
    def items(self) -> int:
        return self.overall.items

    def to_dict(self) -> dict[str, Any]:
        o = self.overall
        out: dict[str, Any] = {
            "hacc": o.hacc,
            "sacc": o.sacc,
            "correctness": o.correctness,
            "correctness_without_constraints": o.correctness_without_constraints,
            "items": o.items,
            "samples": self.samples,
            "ungraded": self.ungraded,
            "grade_timeouts": self.grade_timeouts,
        }
        if self.plain is not None:
            out["plain"] = self.plain.to_dict()
        out |= {
            "by_constraint": dicts_of(self.by_constraint),
            "by_source": dicts_of(self.by_source),
            "by_num_constraints": dicts_of(self.by_num_constraints),
            "by_scope": dicts_of(self.by_scope),
            "length_unit": self.length_unit,
            "by_length": [b.to_dict() for b in self.by_length],
        }
        if self.reasoning_scope is not None:
            out["reasoning_scope"] = self.reasoning_scope.to_dict()
        if self.both_scope is not None:
            out["both_scope"] = self.both_scope.to_dict()
        out["run"] = self.run.to_dict()
        return out

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> EvalSummary:
        def optional(key: str, kind: Any) -> Any:
            return kind.from_dict(typed(doc[key], dict, key)) if doc.get(key) is not None else None

        return cls(
            overall=GroupScores.from_dict(doc),
            samples=typed(doc["samples"], int, "samples"),
            plain=optional("plain", PlainScores),
            by_constraint=records_of(doc["by_constraint"], ConstraintScores, "by_constraint"),
            by_source=records_of(doc["by_source"], GroupScores, "by_source"),
            by_num_constraints=records_of(doc["by_num_constraints"], GroupScores, "by_num_constraints"),
            by_scope=records_of(doc.get("by_scope", {}), FollowRate, "by_scope"),
            length_unit=typed(doc["length_unit"], str, "length_unit"),
            by_length=[
                LengthBin.from_dict(typed(b, dict, "by_length"))
                for b in typed(doc["by_length"], list, "by_length")
            ],
            reasoning_scope=optional("reasoning_scope", ScopeScores),
            both_scope=optional("both_scope", ScopeScores),
            run=RunDescription.from_dict(typed(doc["run"], dict, "run")),
            ungraded=typed(doc.get("ungraded", 0), int, "ungraded"),
            grade_timeouts=typed(doc.get("grade_timeouts", 0), int, "grade_timeouts"),
        )


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def by_constraint_type(
    scores: Sequence[ItemScore], follow: Mapping[str, FollowRate]
) -> dict[str, ConstraintScores]:
    """Per constraint type: how often it is followed (``follow``, summarize's ``by_constraint``
    for the same scores) and HAcc/SAcc/correctness of the items that have it."""
    groups: dict[str, dict[int, ItemScore]] = defaultdict(dict)
    for pos, s in enumerate(scores):
        for cid in s.item.constraint_ids:
            groups[cid][pos] = s
    return {
        cid: ConstraintScores(follow[cid].n, follow[cid].follow, GroupScores.of(list(groups[cid].values())))
        for cid in sorted(groups)
    }


def length_bins(lengths: Sequence[SampleLength], bins: int = LENGTH_BINS) -> list[LengthBin]:
    """Samples sorted by length in up to ``bins`` groups of (nearly) equal size; samples of
    the same length stay in one group (many outputs stop at the token limit)."""
    ordered = sorted(lengths, key=lambda x: x.length)
    if not ordered:
        return []
    target = -(-len(ordered) // min(bins, len(ordered)))  # ceiling
    chunks: list[list[SampleLength]] = [[]]
    for pos, x in enumerate(ordered):
        chunks[-1].append(x)
        more = pos + 1 < len(ordered)
        if more and len(chunks[-1]) >= target and ordered[pos + 1].length != x.length:
            chunks.append([])
    return [
        LengthBin(
            min=chunk[0].length,
            max=chunk[-1].length,
            mean=_mean([c.length for c in chunk]),
            samples=len(chunk),
            hacc=_mean([float(c.hard) for c in chunk]),
            sacc=_mean([c.soft for c in chunk]),
            correctness=_mean([float(c.correct) for c in chunk if c.correct is not None]),
        )
        for chunk in chunks
    ]


def _grouped(scores: Sequence[ItemScore], key: Callable[[ItemScore], str]) -> dict[str, list[ItemScore]]:
    groups: dict[str, list[ItemScore]] = defaultdict(list)
    for s in scores:
        groups[key(s)].append(s)
    return groups


def _with_plain(
    groups: dict[str, GroupScores], plain: Mapping[str, list[ItemScore]]
) -> dict[str, GroupScores]:
    """Each group's scores with the correctness of its items in the run without constraints."""
    return {
        name: dataclasses.replace(g, correctness_without_constraints=mean_correct(plain[name]))
        if name in plain
        else g
        for name, g in groups.items()
    }


def summary_of(scores: EvalScores, run: RunDescription) -> EvalSummary:
    """summary.json: the three scores first, then breakdowns."""
    main = summarize(scores.constraints)
    overall, by_source, by_tier, plain = main.overall, main.by_source, main.by_num_constraints, None
    if scores.plain is not None:
        unasked = summarize(scores.plain)
        overall = dataclasses.replace(overall, correctness_without_constraints=unasked.overall.correctness)
        by_source = _with_plain(by_source, _grouped(scores.plain, lambda s: s.item.source))
        by_tier = _with_plain(by_tier, _grouped(scores.plain, lambda s: str(len(s.item.constraints))))
        plain = PlainScores(
            correctness=unasked.overall.correctness,
            hacc_unasked=unasked.overall.hacc,
            sacc_unasked=unasked.overall.sacc,
            by_constraint_unasked=unasked.by_constraint,
        )
    return EvalSummary(
        overall=overall,
        samples=main.samples,
        plain=plain,
        by_constraint=by_constraint_type(scores.constraints, main.by_constraint),
        by_source=by_source,
        by_num_constraints=by_tier,
        by_scope=main.by_scope,
        length_unit=scores.length_unit,
        by_length=length_bins(scores.lengths),
        reasoning_scope=ScopeScores.of(summarize(scores.reasoning)) if scores.reasoning is not None else None,
        both_scope=ScopeScores.of(summarize(scores.both)) if scores.both is not None else None,
        run=run,
        ungraded=ungraded(scores.constraints) if run.correctness_graded else 0,
        grade_timeouts=sum(
            s.grading == "timeout"
            for run_scores in (scores.constraints, scores.plain or ())
            for i in run_scores
            for s in i.samples
        ),
    )
