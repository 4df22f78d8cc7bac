"""Recipe authoring: family sets with ids, weights, per-split families, metadata filters,
error lines, and ``check_recipe``'s plan and errors."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from constraints import default_registry
from constraints.registry import ALL_IDS, MATHIF_IDS
from curation.core.errors import InputError
from curation.core.tomlio import key_lines, line_of
from curation.dataset import check_recipe, load_recipe, source_error
from curation.dataset.build import build_splits, jsonl_bytes
from curation.dataset.compose import inclusion, weighted_sample
from curation.dataset.plan import make_plan
from curation.dataset.recipe import MetadataFilter, resolve_weights
from tests.support.toy import RECIPE, toy_problems

HEAD = 'version = "0.2.0"\nseed = 11\n'
SPLIT = '\n[[splits]]\nname = "alpha"\nsources = ["toy_a"]\nquota = { single = 6, double = 6 }\n'


def load(tmp_path, text: str):
    path = tmp_path / "recipe.toml"
    path.write_text(text, encoding="utf-8")
    return load_recipe(path)


def error_of(tmp_path, text: str) -> InputError:
    with pytest.raises(InputError) as err:
        load(tmp_path, text)
    return err.value


# -- where keys are ---------------------------------------------------------------------------


def test_key_lines_number_array_tables_and_their_sub_tables():
    text = (
        'version = "1"\n'  # 1
        'description = """\n'  # 2
        "fake = 1\n"  # 3: inside a string, not a key
        '"""\n'  # 4
        "[[splits]]\n"  # 5
        'name = "a"\n'  # 6
        "[[splits]]\n"  # 7
        "quota = { single = 1 }\n"  # 8
        '[splits.overrides."a.b:c"]\n'  # 9
        "x = 1\n"  # 10
    )
    lines = key_lines(text)
    assert lines[("version",)] == 1
    assert ("fake",) not in lines
    assert lines[("splits", 0, "name")] == 6
    assert lines[("splits", 1)] == 7
    assert lines[("splits", 1, "overrides", "a.b:c", "x")] == 10
    # an inline table's keys are found through their parent
    assert line_of(lines, ("splits", 1, "quota", "single")) == 8
    assert line_of(lines, ("nowhere",)) is None


def test_errors_name_the_line_of_the_key(tmp_path):
    err = error_of(tmp_path, HEAD + SPLIT + "stratify = 3\n")
    assert (err.line, "splits[0].stratify" in err.problem) == (8, True)
    err = error_of(tmp_path, HEAD + SPLIT + SPLIT.replace("single = 6", "quadruple = 6"))
    assert err.line == 12 and "splits[1].quota.quadruple" in err.problem
    err = error_of(tmp_path, HEAD + 'families = ["mathif", "keywords:nope"]\n' + SPLIT)
    assert err.line == 3 and "keywords:nope" in err.problem


# -- families: sets and ids, weights ------------------------------------------------------------


def test_set_names_and_ids_combine_in_order_each_once(tmp_path):
    r = load(tmp_path, HEAD + 'families = ["mathif", "math:single_boxed", "punctuation:no_comma"]\n' + SPLIT)
    assert r.families == (*MATHIF_IDS, "math:single_boxed")
    r = load(tmp_path, HEAD + 'families = ["math:single_boxed", "all"]\n' + SPLIT)
    assert r.families[0] == "math:single_boxed" and set(r.families) == set(ALL_IDS)
    assert len(r.families) == len(ALL_IDS) == 35


def test_all_is_frozen_when_a_family_is_added(tmp_path, monkeypatch):
    """ "all" keeps meaning v2.0.0's 35 families: a family appended to the shipped set is named
    by id."""
    from constraints import registry

    assert registry.ALL_IDS == registry.SHIPPED_IDS[:35]
    assert registry.ALL_IDS[-1] == "math:reduced_fraction"  # the last family of v2.0.0
    r = load(tmp_path, HEAD + 'families = "all"\n' + SPLIT)
    assert r.families == registry.ALL_IDS


@pytest.mark.parametrize(
    "weights, needle",
    [
        ('{ "math:single_boxed" = 2 }', "not drawn here"),
        ("{ mathif = 0 }", "(0, 1e+06]"),
        ("{ mathif = -1 }", "(0, 1e+06]"),
        ('{ mathif = "2" }', "(0, 1e+06]"),
        ('{ "keywords:nope" = 2 }', "unknown constraint id"),
        ("{}", "must be a table"),
    ],
)
def test_bad_weights_are_refused_at_their_line(tmp_path, weights, needle):
    err = error_of(tmp_path, HEAD + f"weights = {weights}\n" + SPLIT)
    assert err.line == 3 and needle in err.problem


def test_ids_outweigh_their_set_and_equal_weights_are_no_weights():
    fams = ("a", *MATHIF_IDS[:2])
    assert resolve_weights(fams, {"a": 1.0}) is None
    assert resolve_weights(fams, {"mathif": 1.0}) is None
    w = resolve_weights(MATHIF_IDS, {MATHIF_IDS[0]: 5.0, "mathif": 2.0})
    assert w is not None and w[0] == 5.0 and set(w[1:]) == {2.0}
    # a split's layer goes on top of the recipe's: its keys win, a set name too
    w = resolve_weights(MATHIF_IDS, {"mathif": 2.0}, {MATHIF_IDS[1]: 3.0})
    assert w is not None and (w[0], w[1]) == (2.0, 3.0)
    assert resolve_weights(MATHIF_IDS, {MATHIF_IDS[0]: 5.0}, {"mathif": 3.0}) is None
    w = resolve_weights(MATHIF_IDS, {MATHIF_IDS[0]: 5.0}, {MATHIF_IDS[0]: 1.0})
    assert w is None


def test_weighted_draws_follow_the_weights():
    items = list("abcd")
    weights = [1.0, 1.0, 2.0, 4.0]
    rng = random.Random(5)
    firsts = Counter(weighted_sample(items, weights, 1, rng)[0] for _ in range(16000))
    for item, w in zip(items, weights, strict=True):
        assert abs(firsts[item] / 16000 - w / 8) < 0.015, (item, firsts)
    pairs = [weighted_sample(items, weights, 2, rng) for _ in range(16000)]
    assert all(len(set(p)) == 2 for p in pairs)
    seen = Counter(x for p in pairs for x in p)
    for item, chance in zip(items, inclusion(weights, 2), strict=True):
        assert abs(seen[item] / 16000 - chance) < 0.015, (item, seen, chance)


def test_inclusion_is_exact_on_small_cases():
    assert inclusion([1, 1, 1, 1], 2) == pytest.approx([0.5] * 4)
    assert sum(inclusion([1, 2, 3, 4, 5], 3)) == pytest.approx(3)
    # two items, one drawn: the weights' shares; both drawn: both certainly
    assert inclusion([1, 3], 1) == pytest.approx([0.25, 0.75])
    assert inclusion([1, 3], 2) == pytest.approx([1.0, 1.0])
    # a heavy item is drawn at most once, so its share of two draws is below twice its weight's
    heavy = inclusion([6, 1, 1, 1, 1], 2)[0]
    assert 0.6 < heavy < 1.0


def test_inclusion_of_many_families_is_approximated_and_close():
    # 400 families: 64 M ordered draws exactly; the approximation instead
    rough = inclusion([1.0 + (i % 7) for i in range(400)], 3)
    assert sum(rough) == pytest.approx(3) and rough[6] > rough[0]
    # against the exact sum where both are computed
    small = [1.0 + (i % 7) for i in range(40)]
    exact = inclusion(small, 3)
    from curation.dataset import compose

    limit = compose.EXACT_INCLUSION_LIMIT
    try:
        compose.EXACT_INCLUSION_LIMIT = 0
        approx = inclusion(small, 3)
    finally:
        compose.EXACT_INCLUSION_LIMIT = limit
    assert max(abs(a - e) for a, e in zip(approx, exact, strict=True)) < 0.01


def test_weights_that_change_nothing_build_the_same_bytes(tmp_path):
    plain = load(tmp_path, RECIPE)
    same = load(
        tmp_path, RECIPE.replace('families = "mathif"', 'families = ["mathif"]\nweights = { mathif = 3 }')
    )
    a, b = build_splits(plain, toy_problems()), build_splits(same, toy_problems())
    assert [jsonl_bytes(s.rows) for s in a] == [jsonl_bytes(s.rows) for s in b]


def test_a_heavy_family_gets_its_share(tmp_path):
    heavy = "punctuation:no_comma"
    text = HEAD + f'weights = {{ "{heavy}" = 14 }}\n' + SPLIT.replace("single = 6, double = 6", "single = 38")
    splits = build_splits(load(tmp_path, text), toy_problems())
    names = Counter(n for s in splits for row in s.rows for n in row["constraint_name"])
    # weight 14 of 28: about half of 38 single constraints; unweighted it would be 38/15
    assert names[heavy] >= 12, names


def test_a_split_draws_its_own_families(tmp_path):
    own = '["punctuation:no_comma", "change_case:english_lowercase"]'
    text = (
        HEAD
        + SPLIT
        + SPLIT.replace('"alpha"', '"beta"')
        .replace('["toy_a"]', '["toy_b", "toy_c"]')
        .replace("quota =", f"families = {own}\nquota =")
    )
    r = load(tmp_path, text)
    assert r.families_for(r.splits[0]) == MATHIF_IDS
    assert r.families_for(r.splits[1]) == ("punctuation:no_comma", "change_case:english_lowercase")
    splits = build_splits(r, toy_problems())
    beta = {n for s in splits if s.name.startswith("beta") for row in s.rows for n in row["constraint_name"]}
    assert beta <= {"punctuation:no_comma", "change_case:english_lowercase"}


# -- filters -------------------------------------------------------------------------------------


def test_a_filter_matches_values_exactly():
    level = MetadataFilter("level", minimum=2)
    assert level.accepts({"level": 2}) and not level.accepts({"level": 1})
    assert not level.accepts({"level": "5"}) and not level.accepts({"level": True})
    assert not level.accepts({"level": float("nan")}) and not level.accepts({})
    one_of = MetadataFilter("subject", values=("Algebra", "Geometry"))
    assert one_of.accepts({"subject": "Algebra"}) and not one_of.accepts({"subject": "algebra"})
    flag = MetadataFilter("multi", values=(True,))
    assert flag.accepts({"multi": True}) and not flag.accepts({"multi": 1})
    assert not MetadataFilter("x", exclude=("a",)).accepts({"x": "a"})
    assert MetadataFilter("x", exclude=("a",)).accepts({"x": "b"})


@pytest.mark.parametrize(
    "flt, needle",
    [
        ("{ level = { min = 3, max = 1 } }", "min 3 is above max 1"),
        ("{ level = { above = 3 } }", "unknown key"),
        ("{ level = [] }", "non-empty list"),
        ('{ level = { min = "3" } }', "must be a number"),
        ("{ level = { value = 1, choices = [2] } }", "not both"),
        ("{}", "must be a table"),
    ],
)
def test_bad_filters_are_refused_at_their_line(tmp_path, flt, needle):
    err = error_of(tmp_path, HEAD + SPLIT + f"filter = {flt}\n")
    assert err.line == 8 and needle in err.problem, err


def test_a_filtered_split_holds_only_what_the_filter_keeps(tmp_path):
    r = load(
        tmp_path,
        HEAD + SPLIT.replace("single = 6, double = 6", "single = 5, double = 5") + "filter = { level = 2 }\n",
    )
    problems = {p.id: p for p in toy_problems()}
    rows = [row for s in build_splits(r, toy_problems()) for row in s.rows]
    assert len(rows) == 10 and all(problems[row["problem_id"]].metadata["level"] == 2 for row in rows)


# -- the check and the plan ----------------------------------------------------------------------


def check(tmp_path, text: str):
    return check_recipe(load(tmp_path, text), toy_problems(), default_registry())


def test_the_plan_of_a_clean_recipe_is_the_builds_draw(tmp_path):
    r = load(tmp_path, RECIPE)
    result = check_recipe(r, toy_problems(), default_registry())
    assert result.ok and result.items == 6 * 3 + 4 * 2
    built = build_splits(r, toy_problems())
    assert [[p.id for p in d.chosen] for d in result.plan.draws] == [
        [row["problem_id"] for row in s.rows] for s in built
    ]
    alpha = result.plan.draws[0]
    assert alpha.eligible == 40 and sum(n for _, n in alpha.strata.values()) == 6
    # toy_b/dup has no level: a warning, not an error (beta does not stratify by it)
    mix = result.mix[0]
    assert sum(mix.expected.values()) == pytest.approx(6 + 12 + 18)


def test_the_check_finds_every_problem_each_at_its_line(tmp_path):
    text = (
        HEAD  # 1-2
        + 'families = ["punctuation:no_comma", "change_case:english_lowercase"]\n'  # 3
        + '[overrides."punctuation:no_comma"]\n'  # 4
        + "\n"  # 5
        + "[[splits]]\n"  # 6
        + 'name = "alpha"\n'  # 7
        + 'sources = ["toy_a"]\n'  # 8
        + "quota = { single = 30, triple = 1 }\n"  # 9
        + 'stratify = ["difficulty"]\n'  # 10
        + "filter = { level = { min = 1 } }\n"  # 11
        + "[[splits]]\n"  # 12
        + 'name = "beta"\n'  # 13
        + 'sources = ["toy_b"]\n'  # 14
        + "quota = { single = 2 }\n"  # 15
        + "filter = { colour = 1 }\n"  # 16
        + '[splits.overrides."punctuation:no_comma"]\n'  # 17
    )
    result = check(tmp_path, text)
    lines = sorted(e.line for e in result.errors)
    # the tier after a short one, and a split whose filter field is unknown, are short too
    assert lines == [3, 9, 9, 10, 15, 16], result.errors
    messages = " | ".join(e.problem for e in result.errors)
    assert "3 constraints per item, but the split draws from 2 families" in messages
    assert "quota 30 but only 26 eligible" in messages  # levels 1 and 2 of 40, less toy_a/bad
    assert "stratify field 'difficulty'" in messages
    assert "filter field 'colour' is in no problem of toy_b" in messages


def test_a_filter_keeping_nothing_lists_the_values(tmp_path):
    result = check(tmp_path, HEAD + SPLIT + "filter = { level = 7 }\n")
    first = result.errors[0]
    assert first.line == 8 and "keeps none of its 41 problems" in first.problem and "0, 1, 2" in first.problem


def test_refused_override_values_are_errors_at_their_line(tmp_path):
    text = (
        HEAD
        + '[overrides."length_constraint_checkers:number_words"]\nnum_words = { min = 0, max = 10 }\n'
        + SPLIT
    )
    result = check(tmp_path, text)
    assert [(e.line, "'num_words'" in e.problem) for e in result.errors] == [(4, True)]


def test_unknown_sources_and_strict_plans_stop_at_the_first_problem(tmp_path):
    r = load(tmp_path, HEAD + SPLIT.replace('["toy_a"]', '["toy_a", "toy_z"]'))
    err = source_error(r, ["toy_a", "toy_b"])
    assert err is not None and err.line == 6 and "unknown source 'toy_z'" in err.problem
    r = load(tmp_path, HEAD + SPLIT.replace("single = 6", "single = 60"))
    with pytest.raises(InputError) as caught:
        make_plan(r, toy_problems(), strict=True)
    assert caught.value.line == 7 and "quota 60" in caught.value.problem
