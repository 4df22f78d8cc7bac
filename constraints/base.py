"""The contract every constraint family follows.

A family is immutable data plus pure functions.  Nothing here keeps state:
arguments are validated into plain JSON values once, and every function takes
them explicitly.  Missing arguments are an error, never re-drawn at random
(IFEval's ``build_description`` does that and it has made scores drift).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# MathIF's four categories, then "math" for the maths-specific families.
CATEGORIES = ("length", "lexical", "format", "affix", "math")

# When a family's ``compose`` step runs while a joint witness is built: the
# base text first, then additions, removals, affixes, case, trimming, wrapping.
PHASE_BASE, PHASE_ADD, PHASE_REMOVE, PHASE_AFFIX, PHASE_CASE, PHASE_TRIM, PHASE_WRAP = range(7)
RELATIONS = ("less than", "at least")

Args = dict[str, Any]


class ConstraintArgError(ValueError):
    """Arguments that do not fit a family's schema."""

    def __init__(self, family_id: str, arg: str, problem: str):
        self.family_id = family_id
        self.arg = arg
        self.problem = problem
        super().__init__(f"{family_id}: argument {arg!r} {problem}")


class UnknownConstraintError(KeyError):
    """A constraint id that no registered family has."""

    def __init__(self, family_id: str):
        self.family_id = family_id
        super().__init__(family_id)

    def __str__(self) -> str:
        return f"unknown constraint id {self.family_id!r}"


@dataclass(frozen=True)
class Context:
    """What a sampler may look at: the item's question (for repeat_prompt) and
    its gold answer (for families that only fit some answers, e.g. "the answer
    also in words" needs an integer).  An empty answer means "unknown": such
    samplers then draw as if the family fits."""

    question: str = ""
    answer: str = ""


# Bounds every argument lives within.  Model output is untrusted and so are data
# files: a count of 10**12 or a megabyte-long keyword must be refused when an item
# is read, not found out by a hang while its witness is built.  Families give each
# integer parameter a ``maximum``; strings and lists get these defaults unless a
# parameter says otherwise (``max_length``, ``max_items``).
MAX_STR_LENGTH = 100_000
MAX_LIST_ITEMS = 100
# The bounds the shipped families use, far above anything drawn or published
# (samplers draw at most 1024 words and 20 of anything else; MathIF's release
# at most 1016 words, 20 capital words, a 971-character prompt): a witness at the
# bound stays under about a megabyte.
MAX_WORDS = 100_000  # counts of \w+ words
MAX_LETTERS = 100_000  # counts of one letter
MAX_COUNT = 10_000  # counts of sentences, paragraphs, bullets, keywords, ...
MAX_WORD_LENGTH = 100  # a one-word argument
MAX_PHRASE_LENGTH = 1_000  # an end phrase


@dataclass(frozen=True)
class Param:
    """One argument of a family.

    kind: "int", "str", "choice" (one of ``choices``) or "str_list".
    minimum, maximum: the range of an "int" (both included).
    max_length: the longest "str" (and the longest string of a "str_list"), in characters.
    min_items, max_items: the size of a "str_list".
    """

    name: str
    kind: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    min_items: int = 1
    doc: str = ""
    max_length: int = MAX_STR_LENGTH
    max_items: int = MAX_LIST_ITEMS

    def int_range(self) -> str:
        """The allowed range of an "int", in words ("between 1 and 100000", ">= 0")."""
        if self.minimum is not None and self.maximum is not None:
            return f"between {self.minimum} and {self.maximum}"
        if self.minimum is not None:
            return f">= {self.minimum}"
        if self.maximum is not None:
            return f"<= {self.maximum}"
        return "any integer"

    def validate(self, family_id: str, value: Any) -> Any:
        bad = lambda problem: ConstraintArgError(family_id, self.name, problem)  # noqa: E731
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                else:
                    raise bad(f"must be an integer, got {_shown(value)}")
            too_low = self.minimum is not None and value < self.minimum
            if too_low or (self.maximum is not None and value > self.maximum):
                raise bad(f"must be {self.int_range()}, got {_shown(value)}")
            return value
        if self.kind in ("str", "choice"):
            if not isinstance(value, str) or not value.strip():
                raise bad(f"must be a non-empty string, got {_shown(value)}")
            if self.kind == "choice" and value not in self.choices:
                raise bad(f"must be one of {list(self.choices)}, got {_shown(value)}")
            if len(value) > self.max_length:
                raise bad(f"must be at most {self.max_length} characters long, got {len(value)}")
            return value
        if self.kind == "str_list":
            if not isinstance(value, (list, tuple)) or len(value) < self.min_items:
                raise bad(f"must be a list of at least {self.min_items} strings, got {_shown(value)}")
            if len(value) > self.max_items:
                raise bad(f"must be a list of at most {self.max_items} strings, got {len(value)}")
            for v in value:
                if not isinstance(v, str) or not v.strip():
                    raise bad(f"must hold non-empty strings only, got {_shown(v)}")
                if len(v) > self.max_length:
                    raise bad(
                        f"must hold strings of at most {self.max_length} characters, got one of {len(v)}"
                    )
            return list(value)
        raise bad(f"has an unknown kind {self.kind!r}")  # a family definition error


def _shown(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters: error lines stay one short line,
    whatever a data file holds (and an int of 10**5000 digits is never turned into text)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
    text = repr(value) if not isinstance(value, (list, tuple, dict)) or len(value) <= 20 else None
    if text is None:
        return f"a {type(value).__name__} of {len(value)} items"
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Family:
    """A constraint family: schema plus pure functions.

    sample(rng, context) -> args
    describe(args) -> instruction text shown to the model
    check(response, args) -> bool, total on every string and linear in its length
        (model output is untrusted: ``benchmarks/hostile_bench.py`` times it on 5 MB)
    witness(args, rng) -> a response that satisfies the instance
    counterexample(args, rng) -> a response that violates it
    conflicts: ids this family can never be combined with (type level)
    source: where the idea comes from
    validate_extra: cross-argument validation, raises ConstraintArgError
    check_fixed: the same check with a MathIF quirk we consider a bug fixed
        (opt-in: ``mathif score --fix-quirks``); None where MathIF's is kept
    compose(text, args, rng) -> text changed so that it also meets this
        instance, keeping what it can of the rest; it is how the joint witness
        of an item is built (``constraints.joint``).  Families without one
        get their witness appended on a new line.
    phase: when ``compose`` runs (PHASE_* above, or a function of the args)
    doc: what the family checks and where the idea comes from (shown by
        ``mathif constraints show``)
    answer_only: it is about the final answer itself (how it is boxed or
        written), so builds only check it on the answer, never on the reasoning
    """

    id: str
    category: str
    params: tuple[Param, ...]
    sample: Callable[[random.Random, Context], Args]
    describe: Callable[[Args], str]
    check: Callable[[str, Args], bool]
    witness: Callable[[Args, random.Random], str]
    counterexample: Callable[[Args, random.Random], str]
    conflicts: frozenset[str] = field(default_factory=frozenset)
    source: str = ""
    validate_extra: Callable[[Args], None] | None = None
    check_fixed: Callable[[str, Args], bool] | None = None
    compose: Callable[[str, Args, random.Random], str] | None = None
    phase: int | Callable[[Args], int] = PHASE_ADD
    doc: str = ""
    answer_only: bool = False

    @property
    def takes_args(self) -> bool:
        return bool(self.params)

    def validate(self, args: Mapping[str, Any] | None) -> Args:
        """Check ``args`` against the schema; return a fresh, clean copy.

        Families without parameters accept ``None`` or ``{}``, as MathIF stores them.
        """
        if not self.params:
            if args is None or (isinstance(args, Mapping) and not args):
                return {}
            if not isinstance(args, Mapping):
                raise ConstraintArgError(self.id, "*", f"takes no arguments, got {args!r}")
            raise ConstraintArgError(self.id, next(iter(args)), "is not an argument of it")
        if not isinstance(args, Mapping):
            raise ConstraintArgError(self.id, "*", f"arguments must be an object, got {args!r}")
        names = {p.name for p in self.params}
        for key in args:
            if key not in names:
                raise ConstraintArgError(self.id, key, "is not an argument of it")
        out: Args = {}
        for p in self.params:
            if p.name not in args or args[p.name] is None:
                raise ConstraintArgError(self.id, p.name, "is missing")
            out[p.name] = p.validate(self.id, args[p.name])
        if self.validate_extra is not None:
            self.validate_extra(out)
        return out

    def phase_of(self, args: Args) -> int:
        return self.phase(args) if callable(self.phase) else self.phase

    def compose_into(self, text: str, args: Args, rng: random.Random) -> str:
        """This family's step of a joint witness (its witness on a new line by default)."""
        if self.compose is not None:
            return self.compose(text, args, rng)
        return (text + "\n" + self.witness(args, rng)).strip("\n")

    def follows(self, response: str, args: Args, *, fix_quirks: bool = False) -> bool:
        """``check`` with a last guard: a checker that raises counts as not followed."""
        check = self.check_fixed if fix_quirks and self.check_fixed else self.check
        try:
            return bool(check(response, args))
        except Exception:  # noqa: BLE001 - a third-party checker must not stop scoring
            return False


# Where a constraint is checked: on the final answer (MathIF's only choice and
# the default), on the reasoning trace (the thinking before the answer), or on
# both (as ReasonIF does).  Descriptions say so unless the scope is "answer".
SCOPES = ("answer", "reasoning", "both")
DEFAULT_SCOPE = "answer"
SCOPE_SUFFIX: Mapping[str, str] = {
    "answer": "",
    "reasoning": "This applies to your reasoning (the thinking before the final answer) only, "
    "not to the final answer.",
    "both": "This applies to your reasoning (the thinking before the final answer) as well.",
}


def scoped_description(description: str, scope: str) -> str:
    """A family's description with the scope sentence after it (unchanged for "answer")."""
    if scope == DEFAULT_SCOPE:
        return description
    return description.rstrip() + " " + SCOPE_SUFFIX[scope]


@dataclass(frozen=True)
class Instance:
    """A family with validated arguments, as it sits in an item, and where it
    is checked (``scope``: one of SCOPES; "answer" unless said otherwise)."""

    family: Family
    args: Args
    scope: str = DEFAULT_SCOPE

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}, got {self.scope!r}")

    @property
    def id(self) -> str:
        return self.family.id

    def describe(self) -> str:
        """The instruction text, with the scope sentence unless the scope is "answer"."""
        return scoped_description(self.family.describe(self.args), self.scope)

    def check(self, response: str, *, fix_quirks: bool = False) -> bool:
        return self.family.follows(response, self.args, fix_quirks=fix_quirks)

    def args_json(self) -> Args | None:
        """The arguments as MathIF stores them: ``None`` for families without any."""
        return json.loads(json.dumps(self.args)) if self.family.takes_args else None


def compare(count: int, relation: str, threshold: int) -> bool:
    """MathIF's two relations: 'less than' is strict, 'at least' is >=."""
    if relation == "less than":
        return count < threshold
    return count >= threshold


def pick(rng: random.Random, options: Sequence[Any]) -> Any:
    return options[rng.randrange(len(options))]
