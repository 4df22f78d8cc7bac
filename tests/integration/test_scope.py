"""Where constraints are checked: answer, reasoning or both, from item to score.

The scope is part of the item (``constraint_scope``) and of the description;
verify and build treat the description as including the scope sentence;
scoring checks each constraint on its part(s) of the output, or in
``scope_override``.
"""

from __future__ import annotations

import json
import random

import pytest
from typer.testing import CliRunner

from constraints import Instance, make_instance
from constraints.base import SCOPE_SUFFIX, SCOPES, scoped_description
from constraints.scope import scoped_conflicts, scoped_type_conflict, scoped_witness
from curation.cli import app
from curation.core.errors import InputError
from curation.core.items import item_from_dict
from curation.dataset.build import build_splits
from curation.dataset.recipe import draw_scope, load_recipe
from curation.dataset.verify import verify_object
from curation.scoring.score import score_item, score_output
from curation.scoring.summary import summarize
from tests.support.toy import RECIPE, toy_problems

runner = CliRunner()
QUESTION = "What is six times seven?"


def scoped_item(constraints, scopes=None, answer="42", describe_scopes=True):
    """An item in the tool's format: MathIF's fields plus ``constraint_scope``."""
    insts = [make_instance(cid, args) for cid, args in constraints]
    scopes = scopes or ["answer"] * len(insts)
    row = {
        "source": "toy",
        "id": "toy-1",
        "question": QUESTION,
        "answer": answer,
        "constraint_desc": [
            scoped_description(i.family.describe(i.args), s) if describe_scopes else i.family.describe(i.args)
            for i, s in zip(insts, scopes, strict=True)
        ],
        "constraint_name": [i.id for i in insts],
        "constraint_args": [i.args_json() for i in insts],
        "constraint_scope": scopes,
    }
    return row


LOWER = ("change_case:english_lowercase", None)
NO_COMMA = ("punctuation:no_comma", None)


# descriptions ------------------------------------------------------------------------


def test_description_gets_a_scope_sentence_unless_answer():
    inst = make_instance("punctuation:no_comma", None)
    plain = inst.describe()
    assert Instance(inst.family, inst.args, "answer").describe() == plain
    both = Instance(inst.family, inst.args, "both").describe()
    reasoning = Instance(inst.family, inst.args, "reasoning").describe()
    assert both == plain + " " + SCOPE_SUFFIX["both"] and "as well" in both
    assert reasoning.startswith(plain) and "reasoning" in reasoning and "only" in reasoning
    # MathIF's descriptions ending with a blank get one space, not two
    quoted = make_instance("startend:quotation", None)
    assert "  " not in Instance(quoted.family, quoted.args, "both").describe()
    with pytest.raises(ValueError, match="scope"):
        Instance(inst.family, inst.args, "everywhere")


# reading items ----------------------------------------------------------------------


def test_items_read_their_scopes_and_default_to_the_answer():
    row = scoped_item([LOWER, NO_COMMA], ["reasoning", "both"])
    assert item_from_dict(row).scopes == ("reasoning", "both")
    del row["constraint_scope"]
    row["constraint_desc"] = [make_instance(*c).describe() for c in (LOWER, NO_COMMA)]
    assert item_from_dict(row).scopes == ("answer", "answer")


@pytest.mark.parametrize(
    ("scopes", "needle"),
    [
        (["answer"], "list of 2 scope"),
        ("answer", "list of 2 scope"),
        (["answer", "trace"], "constraint 2: scope"),
    ],
)
def test_bad_scopes_are_one_clear_error(scopes, needle):
    row = scoped_item([LOWER, NO_COMMA])
    row["constraint_scope"] = scopes
    with pytest.raises(InputError, match=needle) as err:
        item_from_dict(row, "data.jsonl", 3)
    assert str(err.value).startswith("data.jsonl:3: ")


# scoring -------------------------------------------------------------------------------

LOW = "we solve the problem step by step, then we check the result carefully."  # English, lower case, a comma
LOW_NO_COMMA = "first we think about the problem step by step and then we check it."
ANSWER_OK = f"<think>{LOW.title()}</think>{LOW}"  # the answer in lower case, the reasoning not
REASONING_OK = f"<think>{LOW}</think>{LOW.title()}"
BOTH_OK = f"<think>{LOW_NO_COMMA}</think>{LOW_NO_COMMA}"


@pytest.mark.parametrize(
    ("scope", "output", "followed"),
    [
        ("answer", ANSWER_OK, True),
        ("answer", REASONING_OK, False),
        ("reasoning", ANSWER_OK, False),
        ("reasoning", REASONING_OK, True),
        ("both", ANSWER_OK, False),
        ("both", REASONING_OK, False),
        ("both", BOTH_OK, True),
        ("reasoning", f"<think> </think>{LOW}", False),  # a blank reasoning follows nothing
    ],
)
def test_each_scope_checks_its_part(scope, output, followed):
    item = item_from_dict(scoped_item([LOWER], [scope]))
    assert score_output(item, output, with_correctness=False).follow == (followed,)


def test_scope_override_checks_every_constraint_in_that_scope():
    item = item_from_dict(scoped_item([LOWER, NO_COMMA], ["answer", "answer"]))
    assert score_output(item, ANSWER_OK, with_correctness=False).follow == (True, False)
    out = score_output(item, REASONING_OK, with_correctness=False, scope_override="reasoning")
    assert out.follow == (True, False)
    out = score_output(item, BOTH_OK, "mathif", False, False, "both")
    assert out.follow == (True, True)
    with pytest.raises(ValueError, match="scope_override"):
        score_output(item, ANSWER_OK, scope_override="trace")


def test_item_rows_and_summary_carry_the_scopes():
    item = item_from_dict(scoped_item([LOWER, NO_COMMA], ["reasoning", "both"]))
    scored = score_item(0, item, [REASONING_OK], with_correctness=False)
    row = scored.to_row()
    assert row["constraint_scope"] == ["reasoning", "both"] and row["follow"] == [True, False]
    overridden = score_item(0, item, [REASONING_OK], with_correctness=False, scope_override="answer")
    assert overridden.to_row()["constraint_scope"] == ["answer", "answer"]
    summary = summarize([scored, overridden])
    rates = {k: (v["n"], v["follow"]) for k, v in summary.to_dict()["by_scope"].items()}
    assert rates == {"answer": (2, 0.0), "both": (1, 0.0), "reasoning": (1, 1.0)}


def test_mathif_score_honours_the_items_scopes(tmp_path):
    rows = [
        scoped_item([LOWER], ["answer"]),
        scoped_item([LOWER], ["reasoning"]),
        scoped_item([LOWER], ["both"]),
    ]
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    gens = tmp_path / "gens.jsonl"
    gens.write_text("".join(json.dumps({"output": REASONING_OK}) + "\n" for _ in rows))
    result = runner.invoke(
        app, ["score", "--data", str(data), "--generations", str(gens), "--out", str(tmp_path / "s")]
    )
    assert result.exit_code == 0, result.output
    scored = [json.loads(line) for line in (tmp_path / "s" / "items.jsonl").read_text().splitlines()]
    assert [r["follow"] for r in scored] == [[False], [True], [False]]
    assert [r["constraint_scope"] for r in scored] == [["answer"], ["reasoning"], ["both"]]


# conflicts, witnesses, verify ------------------------------------------------------------


def _insts(pairs, scopes):
    return [
        Instance(make_instance(c, a).family, make_instance(c, a).args, s)
        for (c, a), s in zip(pairs, scopes, strict=True)
    ]


def test_constraints_on_different_parts_do_not_conflict():
    from constraints import default_registry

    upper, lower = ("change_case:english_capital", None), LOWER
    apart = _insts([upper, lower], ["reasoning", "answer"])
    assert not scoped_type_conflict(apart, default_registry()) and not scoped_conflicts(apart)
    witness = scoped_witness(apart)
    assert witness is not None and witness.answer.islower() and witness.reasoning.isupper()
    together = _insts([upper, lower], ["both", "answer"])
    assert scoped_type_conflict(together, default_registry())
    comma = _insts(
        [("combination:repeat_prompt", {"prompt_to_repeat": "Tom, Ann: 3?"}), NO_COMMA], ["answer", "answer"]
    )
    assert scoped_conflicts(comma) and scoped_witness(comma) is None
    comma_apart = [Instance(i.family, i.args, s) for i, s in zip(comma, ["answer", "reasoning"], strict=True)]
    assert not scoped_conflicts(comma_apart) and scoped_witness(comma_apart) is not None


def test_verify_wants_the_scope_sentence_and_checks_each_part():
    from constraints import default_registry

    reg = default_registry()
    ok = scoped_item([("change_case:english_capital", None), LOWER], ["reasoning", "answer"])
    verdict = verify_object(ok, "f.jsonl", 0, 1, reg)
    assert verdict.ok and verdict.satisfiable, verdict.problems
    stale = scoped_item([NO_COMMA], ["both"], describe_scopes=False)
    problems = verify_object(stale, "f.jsonl", 0, 1, reg).problems
    assert problems and "description" in problems[0]


# building ----------------------------------------------------------------------------


def test_draw_scope_follows_the_weights():
    rng = random.Random(0)
    draws = [draw_scope({"answer": 0.5, "both": 0.5}, rng) for _ in range(2000)]
    assert set(draws) == {"answer", "both"} and 900 < draws.count("answer") < 1100
    assert {draw_scope({"reasoning": 1}, rng) for _ in range(50)} == {"reasoning"}


def _recipe(tmp_path, extra: str, name: str):
    p = tmp_path / name
    p.write_text(RECIPE.replace('families = "mathif"', 'families = "all"\n' + extra))
    return load_recipe(p)


def test_scopes_in_a_recipe_leave_every_other_draw_alone(tmp_path):
    plain = build_splits(_recipe(tmp_path, "", "plain.toml"), toy_problems())
    answer_only = build_splits(_recipe(tmp_path, "scopes = { answer = 1 }", "a.toml"), toy_problems())
    for a, b in zip(plain, answer_only, strict=True):
        for x, y in zip(a.rows, b.rows, strict=True):
            assert "constraint_scope" not in x and y.pop("constraint_scope") == ["answer"] * len(
                x["constraint_name"]
            )
            assert x == y


def test_built_items_carry_scopes_in_fields_descriptions_and_prompt(tmp_path):
    recipe = _recipe(tmp_path, "scopes = { answer = 1, reasoning = 1, both = 1 }", "s.toml")
    from curation.dataset.build import build
    from curation.dataset.verify import verify_file

    built = build(recipe, tmp_path / "out", toy_problems(), "0" * 64, parquet=False)
    seen = set()
    for split in built.splits:
        for row in split.rows:
            item = item_from_dict(row)
            for inst, desc, scope in zip(
                item.constraints, row["constraint_desc"], row["constraint_scope"], strict=True
            ):
                seen.add(scope)
                assert desc == inst.describe() and inst.scope == scope
                assert [s for s in SCOPES if SCOPE_SUFFIX[s] and SCOPE_SUFFIX[s] in desc] == (
                    [] if scope == "answer" else [scope]
                )
                assert not (inst.family.answer_only and scope != "answer")
                assert desc.strip() in row["prompt"]
    assert seen == set(SCOPES)
    for f in sorted((tmp_path / "out").glob("*.jsonl")):
        assert all(v.ok and v.satisfiable for v in verify_file(f))


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ("scopes = { answer = 1, trace = 1 }", "scopes.trace: unknown key"),
        ("scopes = { answer = -1 }", "scopes.answer: must be a non-negative number"),
        ("scopes = { answer = 0 }", "scopes: weights must not all be zero"),
        ('scopes = "both"', "scopes: must be a table"),
    ],
)
def test_bad_scope_weights_name_the_key(tmp_path, extra, needle):
    with pytest.raises(InputError, match=needle):
        _recipe(tmp_path, extra, "bad.toml")
