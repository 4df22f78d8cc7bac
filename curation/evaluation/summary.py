"""``summary.json`` of ``mathif eval``: MathIF's three scores, the run without constraints,
breakdowns, scores against response length, the reasoning length and what an intervention
did, and the reasoning-trace views, typed.

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
from curation.core import JsonRecord, dicts_of, group_order, records_of, typed
from curation.evaluation.score import EvalScores, Generated, SampleLength
from curation.scoring import (
    INTERVALS_NOTE,
    Breakdown,
    FollowRate,
    GroupScores,
    Interval,
    ItemScore,
    interval,
    intervals_of,
    ks_for,
    pass_at_k,
    summarize,
    ungraded,
)

LENGTH_BINS = 6
_NUM = (int, float)


@dataclass(frozen=True)
class ConstraintScores:
    """One constraint type: how often it is followed, and the scores of the items that have it."""

    n: int
    follow: float
    scores: GroupScores
    follow_ci: Interval | None = None

    @property
    def rate(self) -> FollowRate:
        return FollowRate(self.n, self.follow, self.follow_ci)

    def to_dict(self) -> dict[str, Any]:
        return self.rate.to_dict() | self.scores.to_dict()

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> ConstraintScores:
        rate = FollowRate.from_dict(doc)
        return cls(rate.n, rate.follow, GroupScores.from_dict(doc), rate.ci)


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
    truncated: int | None = None  # samples that stopped at the token limit (None: not known)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> LengthBin:
        ints = {k: typed(doc[k], int, k) for k in ("min", "max", "samples")}
        rates = {k: typed(doc[k], _NUM, k) for k in ("mean", "hacc", "sacc", "correctness")}
        return cls(**ints, **rates, truncated=typed(doc.get("truncated"), (int, type(None)), "truncated"))


@dataclass(frozen=True)
class ReasoningLength:
    """How long the reasoning of the run with constraints is, on average over its samples:
    in characters the scorer read (the text before ``</think>``, injected text left out),
    and in thinking tokens when every sample records them (``mathif eval --intervention``;
    None otherwise)."""

    characters: float
    tokens: float | None
    samples: int

    def to_dict(self) -> dict[str, Any]:
        return {"tokens": self.tokens, "characters": self.characters, "samples": self.samples}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> ReasoningLength:
        return cls(
            characters=typed(doc["characters"], _NUM, "characters"),
            tokens=typed(doc.get("tokens"), (*_NUM, type(None)), "tokens"),
            samples=typed(doc["samples"], int, "samples"),
        )

    @classmethod
    def of(cls, lengths: Sequence[SampleLength]) -> ReasoningLength | None:
        """The mean over ``lengths`` (None: no sample)."""
        if not lengths:
            return None
        thinking = [x.intervened.thinking_tokens for x in lengths if x.intervened is not None]
        tokens = _mean(thinking) if len(thinking) == len(lengths) else None
        return cls(_mean([x.reasoning_chars for x in lengths]), tokens, len(lengths))

    def mean(self, unit: str) -> float | None:
        """The mean in ``unit`` (:data:`REASONING_UNITS`): thinking tokens or characters."""
        return self.tokens if unit == THINKING_TOKENS else self.characters


THINKING_TOKENS = "thinking tokens"
REASONING_UNITS = (THINKING_TOKENS, "characters")
"""The units of a reasoning length: thinking tokens where recorded, else characters."""


@dataclass(frozen=True)
class InterventionEffects:
    """What ``mathif eval --intervention`` did to the samples of the run with constraints:
    how many times per sample, on average, the end of thinking was suppressed ("Wait"
    appended), and the share of samples reminded of their constraints and of samples whose
    thinking reached the budget and was closed for them."""

    mean_extensions: float
    reminded: float  # share of samples reminded at least once
    budget_closed: float  # share of samples whose thinking was closed at the budget
    samples: int

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> InterventionEffects:
        rates = {k: typed(doc[k], _NUM, k) for k in ("mean_extensions", "reminded", "budget_closed")}
        return cls(**rates, samples=typed(doc["samples"], int, "samples"))

    @classmethod
    def of(cls, lengths: Sequence[SampleLength]) -> InterventionEffects | None:
        """Over the samples an intervention shaped (None: none was)."""
        done = [x.intervened for x in lengths if x.intervened is not None]
        if not done:
            return None
        return cls(
            mean_extensions=_mean([d.extensions for d in done]),
            reminded=_mean([float(d.reminders > 0) for d in done]),
            budget_closed=_mean([float(d.budget_closed) for d in done]),
            samples=len(done),
        )


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
    hacc_ci: Interval | None = None
    sacc_ci: Interval | None = None

    def to_dict(self) -> dict[str, Any]:
        cis = {"hacc": self.hacc_ci, "sacc": self.sacc_ci}
        return {
            "hacc": self.hacc,
            "sacc": self.sacc,
            "ci": {k: v.to_dict() for k, v in cis.items() if v is not None},
            "by_constraint": dicts_of(self.by_constraint),
            "by_source": dicts_of(self.by_source),
            "by_num_constraints": dicts_of(self.by_num_constraints),
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> ScopeScores:
        cis = intervals_of(doc)
        return cls(
            hacc=typed(doc["hacc"], _NUM, "hacc"),
            sacc=typed(doc["sacc"], _NUM, "sacc"),
            by_constraint=records_of(doc["by_constraint"], FollowRate, "by_constraint"),
            by_source=records_of(doc["by_source"], HardSoft, "by_source"),
            by_num_constraints=records_of(doc["by_num_constraints"], HardSoft, "by_num_constraints"),
            hacc_ci=cis.get("hacc"),
            sacc_ci=cis.get("sacc"),
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
            hacc_ci=base.overall.hacc_ci,
            sacc_ci=base.overall.sacc_ci,
        )


@dataclass(frozen=True)
class Ending:
    """How the samples of a group ended: how many stopped at the token limit (None: no
    finish reason known for any) and how many hold the reasoning delimiter ``</think>``."""

    samples: int
    truncated: int | None
    delimited: int

    @property
    def truncated_share(self) -> float | None:
        return None if self.truncated is None or not self.samples else self.truncated / self.samples

    @property
    def delimited_share(self) -> float:
        return self.delimited / self.samples if self.samples else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "truncated": self.truncated,
            "truncated_share": self.truncated_share,
            "delimited": self.delimited,
            "delimited_share": self.delimited_share,
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Ending:
        return cls(
            typed(doc["samples"], int, "samples"),
            typed(doc["truncated"], (int, type(None)), "truncated"),
            typed(doc["delimited"], int, "delimited"),
        )

    @classmethod
    def of(cls, generated: Sequence[Generated]) -> Ending:
        cut = [t for g in generated for t in g.truncated]
        return cls(
            samples=len(cut),
            truncated=_known_sum(cut),
            delimited=sum(d for g in generated for d in g.delimited),
        )


@dataclass(frozen=True)
class Endings:
    """:class:`Ending` of the run with constraints, overall and per group, and of the run
    without constraints (None: not run)."""

    overall: Ending
    plain: Ending | None
    by_source: dict[str, Ending]
    by_split: dict[str, Ending]
    by_num_constraints: dict[str, Ending]

    def to_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.to_dict(),
            "plain": self.plain.to_dict() if self.plain is not None else None,
            "by_source": dicts_of(self.by_source),
            "by_split": dicts_of(self.by_split),
            "by_num_constraints": dicts_of(self.by_num_constraints),
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Endings:
        plain = doc.get("plain")
        return cls(
            overall=Ending.from_dict(typed(doc["overall"], dict, "overall")),
            plain=Ending.from_dict(typed(plain, dict, "plain")) if plain is not None else None,
            by_source=records_of(doc["by_source"], Ending, "by_source"),
            by_split=records_of(doc["by_split"], Ending, "by_split"),
            by_num_constraints=records_of(doc["by_num_constraints"], Ending, "by_num_constraints"),
        )


@dataclass(frozen=True)
class MultiSample:
    """With several samples per prompt: every rate above is the mean over each item's
    samples (avg@k); pass@k (unbiased, Chen et al. 2021) of correctness and of HAcc (some
    sample of k meets every constraint); correctness of the majority answer (maj@k)."""

    k: int  # samples per prompt (the fewest any item has)
    pass_at: dict[str, float]  # correctness pass@k, k as text
    hard_pass_at: dict[str, float]  # HAcc pass@k
    majority: float
    majority_ci: Interval | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "pass_at": self.pass_at,
            "hard_pass_at": self.hard_pass_at,
            "majority": self.majority,
            "majority_ci": self.majority_ci.to_dict() if self.majority_ci is not None else None,
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> MultiSample:
        def rates(key: str) -> dict[str, float]:
            return {str(k): typed(v, _NUM, key) for k, v in typed(doc[key], dict, key).items()}

        ci = doc.get("majority_ci")
        return cls(
            k=typed(doc["k"], int, "k"),
            pass_at=rates("pass_at"),
            hard_pass_at=rates("hard_pass_at"),
            majority=typed(doc["majority"], _NUM, "majority"),
            majority_ci=Interval.from_dict(typed(ci, dict, "majority_ci")) if ci is not None else None,
        )


NO_DELIMITER = {
    "mathif": "the whole text is the answer, as in MathIF",
    "last": "the whole text is the answer",
    "strict": "the answer is empty (the model never finished thinking)",
}
"""What a sample without ``</think>`` is scored as, per ``--think-mode``."""


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
    # sha256 of the items evaluated (their keys and prompts: curation.evaluation.data.fingerprint);
    # None in a summary written before it was recorded
    items_sha256: str | None = None
    # mathif eval --intervention: its kind and settings (None: none, and not written)
    intervention: dict[str, Any] | None = None

    @property
    def no_delimiter(self) -> str:
        """What a sample without ``</think>`` is scored as (recorded in summary.json)."""
        return NO_DELIMITER.get(self.think_mode, self.think_mode)

    def to_dict(self) -> dict[str, Any]:
        """Every field, ``checker_semantics`` right after ``fix_quirks`` (the two say how
        the constraints were checked), the policy for a missing ``</think>`` after
        ``think_mode``."""
        out: dict[str, Any] = {}
        for name, value in dataclasses.asdict(self).items():
            if name != "checker_semantics":
                out[name] = value
            if name == "fix_quirks":
                out["checker_semantics"] = self.checker_semantics
            if name == "think_mode":
                out["no_delimiter"] = self.no_delimiter
        if self.intervention is None:
            del out["intervention"]
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
            items_sha256=typed(doc.get("items_sha256"), (str, type(None)), "items_sha256"),
            intervention=typed(doc.get("intervention"), (dict, type(None)), "intervention"),
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
    by_split: dict[str, GroupScores] = dataclasses.field(default_factory=dict)  # per split file
    endings: Endings | None = None  # truncation and reasoning delimiter (None: not recorded)
    multi: MultiSample | None = None  # several samples per prompt only
    warnings: tuple[str, ...] = ()  # what makes these figures doubtful, one line each
    reasoning_length: ReasoningLength | None = None  # None: no sample, or not recorded
    intervention_effects: InterventionEffects | None = None  # mathif eval --intervention only

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
            "graded": o.graded,
            "samples": self.samples,
            "ungraded": self.ungraded,
            "grade_timeouts": self.grade_timeouts,
            "intervals": INTERVALS_NOTE,
            "warnings": list(self.warnings),
        }
        if o.hacc_ci is not None:
            out["ci"] = o.to_dict()["ci"]
        if self.multi is not None:
            out["multi_sample"] = self.multi.to_dict()
        if self.plain is not None:
            out["plain"] = self.plain.to_dict()
        out |= {
            "by_constraint": dicts_of(self.by_constraint),
            "by_source": dicts_of(self.by_source),
            "by_split": dicts_of(self.by_split),
            "by_num_constraints": dicts_of(self.by_num_constraints),
            "by_scope": dicts_of(self.by_scope),
            "length_unit": self.length_unit,
            "by_length": [b.to_dict() for b in self.by_length],
            "reasoning_length": self.reasoning_length.to_dict()
            if self.reasoning_length is not None
            else None,
        }
        if self.intervention_effects is not None:
            out["intervention_effects"] = self.intervention_effects.to_dict()
        if self.reasoning_scope is not None:
            out["reasoning_scope"] = self.reasoning_scope.to_dict()
        if self.both_scope is not None:
            out["both_scope"] = self.both_scope.to_dict()
        if self.endings is not None:
            out["endings"] = self.endings.to_dict()
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
            by_split=records_of(doc.get("by_split", {}), GroupScores, "by_split"),
            endings=optional("endings", Endings),
            multi=optional("multi_sample", MultiSample),
            warnings=tuple(
                typed(w, str, "warnings") for w in typed(doc.get("warnings", []), list, "warnings")
            ),
            reasoning_length=optional("reasoning_length", ReasoningLength),
            intervention_effects=optional("intervention_effects", InterventionEffects),
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
        cid: ConstraintScores(
            follow[cid].n, follow[cid].follow, GroupScores.of(list(groups[cid].values())), follow[cid].ci
        )
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
            truncated=_known_sum([c.truncated for c in chunk]),
        )
        for chunk in chunks
    ]


def _known_sum(flags: Sequence[bool | None]) -> int | None:
    """How many flags are set, None when none is known."""
    known = [f for f in flags if f is not None]
    return sum(known) if known else None


def _grouped(scores: Sequence[ItemScore], key: Callable[[ItemScore], str]) -> dict[str, list[ItemScore]]:
    groups: dict[str, list[ItemScore]] = defaultdict(list)
    for s in scores:
        groups[key(s)].append(s)
    return groups


def _with_plain(
    groups: dict[str, GroupScores], plain: Mapping[str, list[ItemScore]]
) -> dict[str, GroupScores]:
    """Each group's scores with the correctness of its items in the run without constraints."""
    out = {}
    for name, g in groups.items():
        if name in plain:
            unasked = GroupScores.of(plain[name])
            g = dataclasses.replace(
                g,
                correctness_without_constraints=unasked.correctness,
                correctness_without_constraints_ci=unasked.correctness_ci,
            )
        out[name] = g
    return out


def in_order(groups: Mapping[str, Any]) -> dict[str, Any]:
    """Sources or splits in MathIF's order (GSM8K, MATH-500, ...; single, double, triple)."""
    return {k: groups[k] for k in sorted(groups, key=group_order)}


def _endings(scores: EvalScores) -> Endings:
    groups: dict[str, dict[str, list[Generated]]] = {"source": {}, "split": {}, "tier": {}}
    for e, g in zip(scores.items, scores.generated, strict=True):
        for kind, name in (
            ("source", e.item.source),
            ("split", e.split),
            ("tier", str(len(e.item.constraints))),
        ):
            groups[kind].setdefault(name, []).append(g)

    def each(kind: str) -> dict[str, Ending]:
        return in_order({k: Ending.of(v) for k, v in sorted(groups[kind].items())})

    plain = Ending.of(scores.plain_generated) if scores.plain_generated is not None else None
    return Endings(Ending.of(scores.generated), plain, each("source"), each("split"), each("tier"))


def _multi(scores: EvalScores) -> MultiSample | None:
    """pass@k and majority vote of the run with constraints (None: one sample per prompt)."""
    items = scores.constraints
    counts = [len(s.samples) for s in items]
    if not counts or min(counts) < 2:
        return None
    k_max = min(counts)
    graded = [s for s in items if s.correct is not None]

    def pass_rates(scored: Sequence[ItemScore], hit: Callable[[Any], bool]) -> dict[str, float]:
        out = {}
        for k in ks_for(k_max):
            values = [pass_at_k(len(s.samples), sum(hit(x) for x in s.samples), k) for s in scored]
            out[str(k)] = _mean(values)
        return out

    votes = [float(v) for v in scores.majority if v is not None]
    return MultiSample(
        k=k_max,
        pass_at=pass_rates(graded, lambda x: x.correct is True),
        hard_pass_at=pass_rates(items, lambda x: x.hard),
        majority=_mean(votes),
        majority_ci=interval(votes),
    )


TRUNCATION_WARNING = 0.1  # warn when more samples than this share stopped at the token limit


def _warnings(endings: Endings, run: RunDescription) -> tuple[str, ...]:
    out = []
    o = endings.overall
    share = o.truncated_share
    if share is not None and share > TRUNCATION_WARNING:
        limit = run.sampling.get("max_tokens")
        at = f" ({limit} new tokens)" if limit else ""
        out.append(
            f"{o.truncated} of {o.samples} samples ({100 * share:.1f}%) stopped at the token limit{at}: "
            "their answers are cut short, so HAcc and correctness are understated; "
            "raise --max-tokens if the model and server allow"
        )
    if run.trace_scope != "answer" and o.samples and o.delimited == 0:
        out.append(
            f"no sample contains the reasoning delimiter </think>: the reasoning-scope view is "
            f"meaningless (without it {run.no_delimiter}); use a reasoning model or its chat "
            "template's thinking mode"
        )
    return tuple(out)


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
    splits = _grouped(scores.constraints, lambda s: scores.items[s.index].split)
    by_split = {k: GroupScores.of(v) for k, v in sorted(splits.items())}
    if scores.plain is not None:
        by_split = _with_plain(by_split, _grouped(scores.plain, lambda s: scores.items[s.index].split))
        overall = dataclasses.replace(
            overall, correctness_without_constraints_ci=unasked.overall.correctness_ci
        )
    endings = _endings(scores) if scores.generated else None
    return EvalSummary(
        overall=overall,
        samples=main.samples,
        plain=plain,
        by_constraint=by_constraint_type(scores.constraints, main.by_constraint),
        by_source=in_order(by_source),
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
        by_split=in_order(by_split),
        endings=endings,
        multi=_multi(scores),
        warnings=_warnings(endings, run) if endings is not None else (),
        reasoning_length=ReasoningLength.of(scores.lengths),
        intervention_effects=InterventionEffects.of(scores.lengths) if run.intervention is not None else None,
    )
