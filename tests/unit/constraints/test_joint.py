"""Joint witnesses (an item is satisfiable) and joint counterexamples (each constraint matters)."""

from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from constraints import Context, Instance, default_registry, families, make_instance
from constraints.conflicts import instance_conflicts
from constraints.joint import joint_counterexample, joint_witness, meets_all
from curation.core.items import item_from_dict

CTX = Context(question="Natalia sold 48 clips in April and half as many in May. How many clips did she sell?")


def test_release_items_are_satisfiable_except_the_proven_four(reference):
    unsat = []
    for name, line, obj in reference:
        item = item_from_dict(obj, name, line)
        witness = joint_witness(item.constraints)
        if witness is None:
            unsat.append((name, line))
            assert instance_conflicts(item.constraints), "an unsatisfiable item needs a proof"
            continue
        assert meets_all(witness, item.constraints)
        for k in range(len(item.constraints)):
            counter = joint_counterexample(item.constraints, k)
            assert counter is not None, (name, line, item.constraint_ids[k])
            assert not item.constraints[k].check(counter)
            assert meets_all(counter, [c for j, c in enumerate(item.constraints) if j != k])
    assert len(unsat) == 4


def test_joint_witness_is_deterministic():
    insts = [
        make_instance("keywords:existence", {"keywords": ["root", "value"]}),
        make_instance("startend:end_checker", {"end_phrase": "Any other questions?"}),
        make_instance("change_case:english_capital", None),
    ]
    first = joint_witness(insts, seed=3)
    assert first is not None and first == joint_witness(insts, seed=3)
    assert first.isupper() and first.strip().lower().endswith("any other questions?")


def test_unsatisfiable_pair_gets_no_witness():
    insts = [
        make_instance("combination:repeat_prompt", {"prompt_to_repeat": "Tom, Ann and Bo have 3 apples."}),
        make_instance("punctuation:no_comma", None),
    ]
    assert joint_witness(insts) is None


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10**6), size=st.integers(min_value=1, max_value=3))
def test_every_compatible_combination_has_a_joint_witness(seed, size):
    """What the build relies on: no type or argument conflict means a witness is found."""
    rng = random.Random(seed)
    reg = default_registry()
    chosen = rng.sample(list(families()), size)
    if any(reg.type_conflict(a.id, b.id) for a, b in itertools.combinations(chosen, 2)):
        return
    insts = [Instance(f, f.validate(f.sample(rng, CTX))) for f in chosen]
    if instance_conflicts(insts):
        return
    witness = joint_witness(insts, seed=seed)
    assert witness is not None, [(i.id, i.args) for i in insts]
    assert meets_all(witness, insts)
