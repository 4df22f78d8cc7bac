"""The starting point ``mathif constraints new NAME`` writes: a working family
module and its tests, to be edited into the family one has in mind."""

from __future__ import annotations

import re

NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")


def valid_name(name: str) -> bool:
    """Lower-case letters, digits and _, starting with a letter (a module name)."""
    return NAME_PATTERN.fullmatch(name) is not None


def module_filename(name: str) -> str:
    return f"constraint_{name}.py"


def tests_filename(name: str) -> str:
    return f"test_constraint_{name}.py"


def family_id(name: str) -> str:
    return f"custom:{name}"


_MODULE = '''"""custom:__NAME__ -- a line that checks the result ("Check: 12 - 5 = 7").

What it checks: some line starts with the label (case-insensitive) and a
colon, followed by some text.  Where the idea comes from: say it here (a
benchmark, a paper, a style guide); ``source`` below says it in one line.

Written by ``mathif constraints new __NAME__`` as a working family to edit.
A family is immutable data plus pure functions (see constraints/base.py):
- sample(rng, context) -> args: seeded; context has the question and answer;
- describe(args) -> the instruction shown to the model;
- check(response, args) -> bool, total: never raises, on any string;
- witness / counterexample -> a response that meets / breaks the instance;
- compose(text, args, rng) -> text changed to also meet the instance: its
  step in an item's joint witness, run at ``phase`` (constraints/joint.py);
- conflicts -> ids of families it can never be combined with.
Model output is untrusted: never eval, exec or sympify it, and keep ``check``
linear in its length (no pattern that backtracks, no re-reading it in a loop;
``benchmarks/hostile_bench.py`` times checkers on hostile 5 MB texts).  Data
files are untrusted too: give an "int" parameter a ``maximum`` (and a string a
``max_length``) so that absurd arguments are refused, not built into a witness.

Register it from your package's pyproject.toml:

    [project.entry-points."mathif.constraints"]
    __NAME__ = "your_package.constraint___NAME__:FAMILY"
"""

from __future__ import annotations

import random
import re

from constraints import Context, Family, Param
from constraints.base import PHASE_ADD, Args

LABELS = ("Check", "Verification")


def follows(response: str, args: Args) -> bool:
    pattern = rf"^[ \\t]*{re.escape(args['label'])}:[ \\t]*\\S"
    return re.search(pattern, response, flags=re.MULTILINE | re.IGNORECASE) is not None


def sample(rng: random.Random, ctx: Context) -> Args:
    return {"label": LABELS[rng.randrange(len(LABELS))]}


def describe(args: Args) -> str:
    return f'Add a line that starts with "{args["label"]}:" and checks your result.'


def witness(args: Args, rng: random.Random) -> str:
    return f"7 + 5 = 12.\\n{args['label']}: 12 - 5 = 7."


def counterexample(args: Args, rng: random.Random) -> str:
    return f"7 + 5 = 12. {args['label']} done."


def compose(text: str, args: Args, rng: random.Random) -> str:
    return text + f"\\n{args['label']}: it holds."


FAMILY = Family(
    id="custom:__NAME__",
    category="format",
    params=(Param("label", "choice", choices=LABELS, doc="how the check line starts"),),
    sample=sample,
    describe=describe,
    check=follows,
    witness=witness,
    counterexample=counterexample,
    compose=compose,
    phase=PHASE_ADD,
    conflicts=frozenset(),
    source="say where the idea comes from",
    doc="Some line starts with the label and a colon, followed by text (case-insensitive).",
)
'''

_TESTS = '''"""Tests of custom:__NAME__: the family contract, on the family alone and beside the shipped ones."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from constraint___NAME__ import FAMILY  # noqa: E402

from constraints import ConstraintArgError, Context, Instance, Registry, make_instance  # noqa: E402
from constraints.joint import joint_witness, meets_all  # noqa: E402
from constraints.registry import SHIPPED  # noqa: E402

CTX = Context(question="Natalia sold 48 clips in April and half as many in May. How many?", answer="72")
SEEDS = range(20)


def sampled(seed: int) -> dict:
    return FAMILY.validate(FAMILY.sample(random.Random(seed), CTX))


def test_registers_beside_the_shipped_families():
    registry = Registry([*SHIPPED, FAMILY])
    assert registry.get(FAMILY.id) is FAMILY
    assert ":" in FAMILY.id and FAMILY.source and FAMILY.category


def test_sampling_is_seeded():
    assert [sampled(s) for s in SEEDS] == [sampled(s) for s in SEEDS]


def test_args_round_trip_through_json():
    for seed in SEEDS:
        args = sampled(seed)
        assert FAMILY.validate(json.loads(json.dumps(args))) == args


def test_witness_passes_and_counterexample_fails():
    for seed in SEEDS:
        args = sampled(seed)
        assert FAMILY.check(FAMILY.witness(args, random.Random(seed)), args) is True
        assert FAMILY.check(FAMILY.counterexample(args, random.Random(seed)), args) is False
        assert FAMILY.describe(args).strip()


@pytest.mark.parametrize("text", ["", " ", "\\x00", "\\ud800", "🙂" * 500, "a" * 200_000, "Check:", ":\\n" * 500])
def test_check_is_total(text):
    for seed in SEEDS:
        assert FAMILY.check(text, sampled(seed)) in (True, False)


def test_bad_arguments_are_refused():
    args = sampled(0)
    with pytest.raises(ConstraintArgError):
        FAMILY.validate({})
    with pytest.raises(ConstraintArgError):
        FAMILY.validate(args | {"not_an_argument": 1})


def test_joint_witness_with_mathif_families():
    for seed in SEEDS:
        instances = [
            Instance(FAMILY, sampled(seed)),
            make_instance("punctuation:no_comma", None),
            make_instance("change_case:english_lowercase", None),
        ]
        witness = joint_witness(instances, seed=seed)
        assert witness is not None and meets_all(witness, instances)
'''


def render_module(name: str) -> str:
    return _MODULE.replace("__NAME__", name)


def render_tests(name: str) -> str:
    return _TESTS.replace("__NAME__", name)
