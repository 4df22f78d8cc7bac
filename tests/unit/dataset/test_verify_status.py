"""``verify``'s statuses (issue 12): one per item, by a documented precedence, every
problem listed; "unsatisfiable" means proven impossible."""

from __future__ import annotations

from dataclasses import replace

import pytest

from constraints import BrokenPlugin, Family, PluginOrigin, Registry, default_registry, make_instance
from constraints.registry import SHIPPED
from curation.core import PluginRecord
from curation.dataset import STATUS_LABELS, STATUSES, Verdict, verify_file, verify_object

ACME = PluginRecord("acme-constraints", "1.2", "acme", ("acme:rhyme",))
COMMA_PROMPT = {"prompt_to_repeat": "First, say hello."}


def item(*constraints, answer="42", question="What is 6 times 7?", registry=None):
    insts = [make_instance(cid, args, registry) for cid, args in constraints]
    return {
        "source": "toy",
        "id": "toy-1",
        "question": question,
        "answer": answer,
        "constraint_desc": [i.describe() for i in insts],
        "constraint_name": [i.id for i in insts],
        "constraint_args": [i.args_json() for i in insts],
    }


def with_unknown(row, family_id="acme:rhyme", args=None):
    """``row`` with one more constraint, of a family no registry has."""
    return row | {
        "constraint_name": [*row["constraint_name"], family_id],
        "constraint_args": [*row["constraint_args"], args],
        "constraint_desc": [*row["constraint_desc"], "Make it rhyme."],
    }


def verdict(obj, registry=None, plugins=()):
    return verify_object(obj, "f.jsonl", 0, 1, registry or default_registry(), plugins)


# a family no response meets, and whose impossibility nothing proves
NEVER = replace(
    SHIPPED[0],
    id="test:never",
    params=(),
    sample=lambda rng, ctx: {},
    describe=lambda a: "Do the impossible.",
    check=lambda r, a: False,
    witness=lambda a, rng: "no",
    counterexample=lambda a, rng: "no",
    validate_extra=None,
    compose=None,
    conflicts=frozenset(),
)
WITH_NEVER = Registry([*SHIPPED, NEVER])


def test_statuses_and_their_order():
    assert STATUSES == ("ok", "schema_error", "unknown_family", "unsatisfiable", "unproven", "not_gradable")
    assert set(STATUS_LABELS) == set(STATUSES) and STATUS_LABELS["unsatisfiable"] == "unsatisfiable (proven)"
    assert isinstance(NEVER, Family)


def test_ok():
    v = verdict(item(("punctuation:no_comma", None)))
    assert (v.status, v.ok, v.satisfiable, v.gradable, v.problems) == ("ok", True, True, True, ())
    assert v.to_report()["status"] == "ok"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda r: r.pop("question"), "missing field(s) question"),
        (lambda r: r.update(question=1.5), "field 'question' must be a string"),
        (lambda r: r.update(constraint_args=[{"nope": 1}]), "'nope' is not an argument"),
        (lambda r: r.update(constraint_desc=["Use commas."]), "stored description differs"),
        (lambda r: r.update(constraint_name=[7]), "constraint_name must be a string"),
    ],
    ids=["missing", "mistyped", "bad-argument", "description", "name-type"],
)
def test_schema_errors(change, words):
    row = item(("punctuation:no_comma", None))
    change(row)
    v = verdict(row)
    assert v.status == "schema_error" and not v.ok
    assert len(v.problems) == 1 and words in v.problems[0]


def test_a_description_mismatch_is_a_schema_error_of_a_readable_item():
    row = item(("punctuation:no_comma", None)) | {"constraint_desc": ["Use commas."]}
    v = verdict(row)
    assert v.status == "schema_error" and v.satisfiable is True and v.gradable is True


def test_not_an_object_and_an_unreadable_line_are_schema_errors(tmp_path):
    assert verdict([1, 2]).status == "schema_error"
    f = tmp_path / "d.jsonl"
    f.write_text('{"a": \n')
    (v,) = verify_file(f, plugins=[ACME])
    assert v.status == "schema_error" and v.satisfiable is None and v.gradable is None
    assert Verdict.unreadable("x", 0, 1, "not JSON").to_report()["status"] == "schema_error"


def test_unknown_family_without_anything_known_about_it():
    v = verdict(with_unknown(item(("punctuation:no_comma", None))))
    assert v.status == "unknown_family"
    assert v.problems == ("constraint 2: unknown constraint id 'acme:rhyme'",)
    assert v.satisfiable is None and v.gradable is True


def test_unknown_family_named_from_the_manifest():
    v = verdict(with_unknown(item(("punctuation:no_comma", None))), plugins=[ACME])
    assert v.problems == (
        "constraint 2: unknown constraint id 'acme:rhyme'; this version was built with plugin 'acme' "
        "from acme-constraints 1.2, which is not installed",
    )
    left_out = Registry(SHIPPED, left_out=["acme"])
    assert (
        verdict(with_unknown(item(("punctuation:no_comma", None))), left_out, [ACME])
        .problems[0]
        .endswith("from acme-constraints 1.2, which MATHIF_PLUGINS leaves out")
    )
    other = replace(NEVER, id="acme:other")
    newer = Registry(
        [*SHIPPED, other], [PluginOrigin("acme", "acme:F", "acme-constraints", "1.3", ("acme:other",))]
    )
    assert (
        verdict(with_unknown(item(("punctuation:no_comma", None))), newer, [ACME])
        .problems[0]
        .endswith("; the installed acme-constraints 1.3 does not provide it")
    )


def test_unknown_family_named_from_a_broken_plugin():
    broken = BrokenPlugin(
        "acme", "acme_rhyme:FAMILY", "acme-constraints", "1.2", "ModuleNotFoundError: No module named 'foo'"
    )
    reg = Registry(SHIPPED, broken=[broken])
    expected = (
        "constraint 1: unknown constraint id 'acme:rhyme' (plugin 'acme' from acme-constraints 1.2 failed to "
        "load: ModuleNotFoundError: No module named 'foo')"
    )
    row = with_unknown(item(("punctuation:no_comma", None)))
    row = {k: v[::-1] if isinstance(v, list) else v for k, v in row.items()}  # the unknown one first
    assert verdict(row, reg).problems == (expected,)
    assert verdict(row, reg, [ACME]).problems == (
        expected + "; this version was built with plugin 'acme' from acme-constraints 1.2",
    )


def test_unsatisfiable_is_proven():
    v = verdict(item(("combination:repeat_prompt", COMMA_PROMPT), ("punctuation:no_comma", None)))
    assert v.status == "unsatisfiable" and v.satisfiable is False
    assert v.problems == (
        "conflict: combination:repeat_prompt vs punctuation:no_comma: the repeated prompt contains a comma",
    )


def test_unproven_is_no_witness_and_no_proof():
    v = verdict(item(("test:never", None), registry=WITH_NEVER), WITH_NEVER)
    assert v.status == "unproven" and v.satisfiable is None
    assert v.problems == ("no response meeting every constraint could be built (satisfiability unproven)",)


def test_not_gradable():
    v = verdict(item(("punctuation:no_comma", None), answer=""))
    assert v.status == "not_gradable" and v.satisfiable is True and v.gradable is False


# precedence: schema_error, unknown_family, unsatisfiable, unproven, not_gradable; all listed


def test_schema_error_before_unknown_family():
    row = with_unknown(item(("punctuation:no_comma", None))) | {"question": 1.5}
    v = verdict(row)
    assert v.status == "schema_error"
    assert v.problems == (
        "field 'question' must be a string",
        "constraint 2: unknown constraint id 'acme:rhyme'",
    )
    bad_args = with_unknown(item(("punctuation:no_comma", None)), args=["not", "an", "object"])
    v = verdict(bad_args)
    assert v.status == "schema_error" and "must be an object or null" in v.problems[0]
    assert "unknown constraint id 'acme:rhyme'" in v.problems[1]


def test_schema_error_before_unsatisfiable():
    row = item(("combination:repeat_prompt", COMMA_PROMPT), ("punctuation:no_comma", None))
    row["constraint_desc"][1] = "Use commas."
    v = verdict(row)
    assert v.status == "schema_error" and v.satisfiable is False
    assert "description differs" in v.problems[0] and v.problems[1].startswith("conflict: ")


def test_unknown_family_before_unsatisfiable_which_it_does_not_hide():
    row = with_unknown(item(("combination:repeat_prompt", COMMA_PROMPT), ("punctuation:no_comma", None)))
    v = verdict(row)
    assert v.status == "unknown_family" and v.satisfiable is False  # proven whatever the unknown one asks
    assert [p.split(":")[0] for p in v.problems] == ["constraint 3", "conflict"]


def test_unsatisfiable_before_not_gradable():
    v = verdict(item(("combination:repeat_prompt", COMMA_PROMPT), ("punctuation:no_comma", None), answer=""))
    assert v.status == "unsatisfiable" and v.gradable is False
    assert v.problems[0].startswith("conflict: ") and "not machine-gradable" in v.problems[1]


def test_unproven_before_not_gradable():
    v = verdict(item(("test:never", None), answer="", registry=WITH_NEVER), WITH_NEVER)
    assert v.status == "unproven" and len(v.problems) == 2 and "not machine-gradable" in v.problems[1]


def test_a_verdict_status_matches_its_problems():
    with pytest.raises(ValueError, match="status must be one of"):
        Verdict("f", 0, 1, None, "broken", None, ("x",))
    with pytest.raises(ValueError, match="ok exactly when"):
        Verdict("f", 0, 1, None, "ok", True, ("x",))
    with pytest.raises(ValueError, match="ok exactly when"):
        Verdict("f", 0, 1, None, "unproven", None, ())
