"""Every argument of every shipped family is bounded, and refused with a clear line beyond.

Absurd but valid-looking numbers (``num_words`` 10**12) used to hang ``verify`` and
``build`` while the witness was built.  Each integer parameter has a ``maximum`` (far
above what the samplers and the published release use), each string a ``max_length``
and each list a ``max_items``; at the bounds themselves a witness, a counterexample and
a family's joint-witness step are built quickly and stay small.
"""

from __future__ import annotations

import json
import random
import time

import pytest

from constraints import ConstraintArgError, Context, Instance, Param
from constraints.base import MAX_LIST_ITEMS, MAX_STR_LENGTH, RELATIONS
from constraints.joint import BASES, joint_witness
from constraints.registry import SHIPPED

CTX = Context(question="Natalia sold 48 clips in April and half as many in May. How many clips did she sell?")
IDS = [f.id for f in SHIPPED]
TIME_S = 5.0  # per witness, counterexample or step at the bound (measured: well under 1 s)
MAX_TEXT = 4_000_000  # characters: "a few MB" at most


def sampled(family, seed=0):
    return family.validate(family.sample(random.Random(seed), CTX))


def longest(p: Param) -> str:
    """A valid value of the longest length ``p`` allows (a word: any argument takes it)."""
    return "a" * p.max_length


def at_bounds(family) -> list[dict]:
    """Arguments with every number and length at its maximum, once per relation."""
    args = sampled(family)
    for p in family.params:
        if p.kind == "int":
            args[p.name] = p.maximum
        elif p.kind == "str":
            args[p.name] = longest(p)
        elif p.kind == "str_list":  # (keywords share a budget: one long, the others short)
            args[p.name] = [longest(p)] + ["a"] * (p.max_items - 1)
    variants = [args]
    for p in family.params:
        if p.kind == "choice" and set(p.choices) == set(RELATIONS):
            variants = [v | {p.name: r} for v in variants for r in RELATIONS]
    return [family.validate(v) for v in variants]


def numeric(family) -> list[Param]:
    return [p for p in family.params if p.kind == "int"]


def test_every_shipped_parameter_is_bounded():
    for family in SHIPPED:
        for p in family.params:
            if p.kind == "int":
                assert p.minimum is not None and p.maximum is not None, (family.id, p.name)
                assert p.maximum >= 1000, (family.id, p.name)  # generous: samplers draw <= 1024
            elif p.kind in ("str", "str_list"):
                assert p.max_length <= MAX_STR_LENGTH and p.max_items <= MAX_LIST_ITEMS


def test_bounds_cover_the_published_release(reference):
    for _, _, obj in reference:
        for cid, args in zip(obj["constraint_name"], obj["constraint_args"], strict=True):
            family = next(f for f in SHIPPED if f.id == cid)
            family.validate(args)  # every stored argument is within its bounds


@pytest.mark.parametrize("family", SHIPPED, ids=IDS)
def test_a_number_just_above_its_bound_is_refused_with_a_clear_line(family):
    for p in numeric(family):
        args = at_bounds(family)[0] | {p.name: p.maximum + 1}
        with pytest.raises(ConstraintArgError) as err:
            family.validate(args)
        line = str(err.value)
        assert err.value.family_id == family.id and err.value.arg == p.name
        assert family.id in line and repr(p.name) in line and str(p.maximum + 1) in line
        assert f"between {p.minimum} and {p.maximum}" in line, line
        assert "\n" not in line
        below = at_bounds(family)[0] | {p.name: p.minimum - 1}
        with pytest.raises(ConstraintArgError, match=f"between {p.minimum} and {p.maximum}"):
            family.validate(below)


@pytest.mark.parametrize("family", SHIPPED, ids=IDS)
def test_absurd_numbers_are_refused_without_printing_them(family):
    for p in numeric(family):
        for value in (10**12, 10**10, 10**5000, float(10**15), -(10**12)):
            with pytest.raises(ConstraintArgError) as err:
                family.validate(at_bounds(family)[0] | {p.name: value})
            assert len(str(err.value)) < 300 and p.name in str(err.value)


@pytest.mark.parametrize("family", SHIPPED, ids=IDS)
def test_strings_and_lists_beyond_their_bounds_are_refused(family):
    for p in family.params:
        if p.kind == "str":
            args = at_bounds(family)[0] | {p.name: longest(p) + "a"}
            with pytest.raises(ConstraintArgError, match=f"at most {p.max_length} characters"):
                family.validate(args)
        elif p.kind == "str_list":
            too_many = at_bounds(family)[0] | {p.name: ["a"] * (p.max_items + 1)}
            with pytest.raises(ConstraintArgError, match=f"at most {p.max_items} strings"):
                family.validate(too_many)
            too_long = at_bounds(family)[0] | {p.name: ["a", longest(p) + "a"]}
            with pytest.raises(ConstraintArgError, match=f"at most {p.max_length} characters"):
                family.validate(too_long)


@pytest.mark.parametrize("family", SHIPPED, ids=IDS)
def test_the_bounds_themselves_are_accepted_and_round_trip(family):
    for args in at_bounds(family):
        assert family.validate(json.loads(json.dumps(args))) == args


def timed(make):
    start = time.perf_counter()
    out = make()
    return out, time.perf_counter() - start


@pytest.mark.parametrize("family", SHIPPED, ids=IDS)
def test_witnesses_at_the_bounds_are_quick_small_and_right(family):
    for args in at_bounds(family):
        rng = random.Random(0)
        witness, t_w = timed(lambda: family.witness(args, rng))  # noqa: B023
        counter, t_c = timed(lambda: family.counterexample(args, rng))  # noqa: B023
        for name, text, took in (("witness", witness, t_w), ("counterexample", counter, t_c)):
            assert took < TIME_S, (family.id, args_summary(args), name, took)
            assert len(text) <= MAX_TEXT, (family.id, args_summary(args), name, len(text))
        assert family.check(witness, args) is True, (family.id, args_summary(args))
        assert family.check(counter, args) is False, (family.id, args_summary(args))
        for base in BASES:
            composed, took = timed(lambda: family.compose_into(base, args, random.Random(1)))  # noqa: B023
            assert took < TIME_S and len(composed) <= MAX_TEXT, (family.id, args_summary(args), took)


@pytest.mark.parametrize("family", SHIPPED, ids=IDS)
def test_a_joint_witness_at_the_bounds_is_quick(family):
    for args in at_bounds(family):
        found, took = timed(lambda: joint_witness([Instance(family, args)]))  # noqa: B023
        assert took < 4 * TIME_S, (family.id, args_summary(args), took)
        assert found is None or len(found) <= MAX_TEXT


def args_summary(args: dict) -> dict:
    return {k: (v if isinstance(v, int) else f"<{len(v)}>") for k, v in args.items()}
