"""Registry, normalisation, cache + lock, the Hub path and near-duplicate matching.

Unit tests run on the tiny hand-written mirror in tests/fixtures/raw/mirror; integration tests
run on the real mirror in ../shared/raw and the published release in ../shared/reference.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import sys
import types
from pathlib import Path

import pytest

from curation.core.errors import InputError
from curation.core.problems import Problem
from curation.raw.cache import load_problems
from curation.raw.near_dups import find_near_duplicates, match_key, match_questions, repair_escapes
from curation.raw.pull import (
    GRADABLE_BAR,
    PROJECT_ROOT,
    RawPaths,
    canonical_jsonl,
    load_hub,
    normalise,
    pull,
    read_lock,
    read_mirror,
)
from curation.raw.sources import load_registry, parse_registry
from tests.support.paths import FIXTURE_MIRROR, RAW, REFERENCE

REGISTRY = PROJECT_ROOT / "raw" / "sources.toml"
SOURCES = ("gsm8k", "math500", "minerva_math", "olympiadbench", "aime24", "aime25", "amc23")

# rows and sha256 of every test.jsonl, as ../shared/raw/SOURCES.md lists them
MIRROR_FILES = {
    "gsm8k": (1319, "3730d312f6e3440559ace48831e51066acaca737f6eabec99bccb9e4b3c39d14"),
    "math500": (500, "35dc41080a3680858b27fa7e0533d2d547825316fc5dafe5d316f4ccc5a06132"),
    "minerva_math": (272, "0e656b430d3a0a1dab6aa853f453ba3805e28e2cabe4fc72486a897cc09d8ba2"),
    "olympiadbench": (675, "bb8c1e38a16ea9eacb77530315a674d883f267fbff79183effc53681b4fcc416"),
    "aime24": (30, "af2b8bd2aa911b6333ad0df32f3ca05c7ae8ed10f1731f4372c8ae26990bf7ac"),
    "aime25": (30, "5ee6e9fb9b8c0408c8e3591709b6927063abf73ed238c029167a7eff7376cca0"),
    "amc23": (40, "43707e1ca784602d8479de24ee8ce36609dbebc46dd152b0b12a46611aa898a4"),
}


@pytest.fixture(scope="module")
def registry():
    return load_registry(REGISTRY)


@pytest.fixture
def paths(tmp_path) -> RawPaths:
    return RawPaths.under(tmp_path / "home")


def fixture_problems(registry, name: str) -> list[Problem]:
    return normalise(registry[name], read_mirror(registry[name], FIXTURE_MIRROR))


def copy_mirror(tmp_path: Path) -> Path:
    mirror = tmp_path / "mirror"
    shutil.copytree(FIXTURE_MIRROR, mirror)
    return mirror


# registry ----------------------------------------------------------------------------------


def test_registry_has_the_seven_sources(registry):
    assert tuple(registry) == SOURCES
    assert registry["gsm8k"].config == "main" and registry["gsm8k"].id_field is None
    assert registry["math500"].metadata == {"level": "level", "subject": "subject"}
    assert registry["aime24"].constants == {"contest": "AIME", "year": 2024}
    assert registry["amc23"].hub_filter is not None and registry["amc23"].hub_filter.field == "url"


GOOD_ENTRY = """
[sources.toy]
hub_id = "me/toy"
split = "test"
revision = "main"
license = "MIT"
question_field = "q"
answer_field = "a"
answer_rule = "verbatim"
"""


def test_a_new_source_is_an_entry_not_code():
    specs = parse_registry(GOOD_ENTRY, "sources.toml")
    assert specs["toy"].answer_rule == "verbatim" and specs["toy"].config is None


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (GOOD_ENTRY.replace('"verbatim"', '"guess"'), 2, "unknown answer_rule 'guess'"),
        (GOOD_ENTRY.replace('split = "test"\n', ""), 2, "missing key(s) 'split'"),
        (GOOD_ENTRY + 'colour = "red"\n', 2, "unknown key(s) 'colour'"),
        (GOOD_ENTRY.replace('"me/toy"', "3"), 2, "'hub_id' must be a non-empty string"),
        ("\n" + GOOD_ENTRY.replace('license = "MIT"', "license = "), 7, "not valid TOML"),
        ('title = "x"\n', None, "no [sources.NAME] entries"),
    ],
)
def test_registry_mistakes_name_file_line_and_entry(text, line, reason):
    with pytest.raises(InputError) as err:
        parse_registry(text, "raw/sources.toml")
    assert err.value.path == "raw/sources.toml"
    assert err.value.line == line
    assert reason in err.value.problem
    if line == 2:
        assert err.value.problem.startswith("[sources.toy]: ")


def test_registry_file_missing(tmp_path):
    with pytest.raises(InputError, match="source registry not found"):
        load_registry(tmp_path / "nope.toml")


# normalisation (fixture mirror) ------------------------------------------------------------


def test_gsm8k_ids_are_row_indexes_and_answers_lose_separators(registry):
    problems = fixture_problems(registry, "gsm8k")
    assert [p.id for p in problems] == ["gsm8k/0", "gsm8k/1", "gsm8k/2", "gsm8k/3"]
    assert [p.answer for p in problems] == ["36", "29000", "-10", "1234500"]
    assert (
        problems[1].question == "Ana saves $1,000 a month for 2 years and 5 months.  How much has she saved?"
    )
    assert all(p.metadata == {} for p in problems)


def test_math500_ids_metadata_and_gradable(registry):
    problems = fixture_problems(registry, "math500")
    assert problems[0].id == "math500/test/prealgebra/1.json"
    assert problems[0].metadata == {"level": 1, "subject": "Prealgebra"}
    assert [p.answer for p in problems] == ["\\frac12", "2", "\u2014"]
    assert [p.gradable for p in problems] == [True, True, False]  # a dash is not an answer


def test_minerva_last_box_and_subject(registry):
    problems = fixture_problems(registry, "minerva_math")
    assert [p.id for p in problems] == ["minerva_math/0", "minerva_math/1", "minerva_math/7"]
    assert [p.answer for p in problems] == ["\\frac{1}{\\sqrt{2}}", "\\{1, 2\\}", "5"]
    assert problems[2].metadata == {"subject": "Toy Chemistry (0.001 Spring 2001)"}


def test_olympiadbench_answers_and_metadata(registry):
    problems = fixture_problems(registry, "olympiadbench")
    assert [p.answer for p in problems] == ["$\\frac{1}{2}$", "$2$, $3$, $5$", "$(-\\infty, 0)$", "4.2"]
    assert all(p.gradable for p in problems)
    assert problems[3].metadata == {
        "subject": "Geometry",
        "answer_type": "Numerical",
        "unit": "cm",
        "is_multiple_answer": False,
        "tolerance": "1e-1",
    }


def test_competitions_ids_answers_and_constants(registry):
    aime24 = fixture_problems(registry, "aime24")
    assert [(p.id, p.answer) for p in aime24] == [("aime24/60", "25"), ("aime24/61", "998")]
    assert aime24[0].metadata == {"contest": "AIME", "year": 2024}
    aime25 = fixture_problems(registry, "aime25")
    assert [(p.id, p.answer) for p in aime25] == [("aime25/0", "10"), ("aime25/1", "0")]
    amc = fixture_problems(registry, "amc23")
    assert [(p.id, p.answer) for p in amc] == [("amc23/0", "27"), ("amc23/4", "0.5")]


@pytest.mark.parametrize(
    ("source", "lines", "line", "reason"),
    [
        ("aime25", ['{"problem": "Find 1.", "answer": "1"}', '{"problem": "Find 2.", '], 2, "malformed JSON"),
        ("aime25", ['{"problem": "Find 1."}'], 1, "missing field 'answer'"),
        ("aime25", ['{"problem": "", "answer": "1"}'], 1, "must be a non-empty string"),
        ("aime25", ['{"problem": "Find 1.", "answer": "1.5"}'], 1, "gold answer (integer of 'answer')"),
        ("gsm8k", ['{"question": "Q?", "answer": "no marker"}'], 1, "no '####'"),
        ("minerva_math", ['{"problem": "P", "solution": "none", "type": "t", "idx": 0}'], 1, "no \\boxed"),
        (
            "amc23",
            ['{"id": 1, "problem": "P", "answer": 2}'] * 2,
            2,
            "duplicate id 'amc23/1' (first on line 1)",
        ),
        (
            "amc23",
            ['{"id": null, "problem": "P", "answer": 2}'],
            1,
            "field 'id' expected a string or an integer",
        ),
        (
            "math500",
            ['{"problem": "P", "answer": "1", "subject": "S", "level": [1], "unique_id": "u"}'],
            1,
            "field 'level'",
        ),
    ],
)
def test_bad_rows_name_file_line_and_problem(registry, tmp_path, source, lines, line, reason):
    folder = tmp_path / source
    folder.mkdir()
    (folder / "test.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        normalise(registry[source], read_mirror(registry[source], tmp_path))
    assert err.value.path == str(folder / "test.jsonl")
    assert err.value.line == line
    assert reason in err.value.problem


def test_missing_mirror_folder_and_file(registry, tmp_path):
    with pytest.raises(InputError, match="mirror folder not found"):
        read_mirror(registry["gsm8k"], tmp_path / "nowhere")
    with pytest.raises(InputError, match="no such file") as err:
        read_mirror(registry["gsm8k"], tmp_path)
    assert err.value.path == str(tmp_path / "gsm8k" / "test.jsonl")


def test_each_distinct_answer_is_parsed_once(registry, tmp_path):
    rows = [{"problem": f"Find {i}.", "answer": "7"} for i in range(5)]
    (tmp_path / "aime25").mkdir()
    (tmp_path / "aime25" / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    calls = []
    problems = normalise(
        registry["aime25"], read_mirror(registry["aime25"], tmp_path), lambda a: calls.append(a) or True
    )
    assert len(problems) == 5 and calls == ["7"]


# pull: cache and lock ----------------------------------------------------------------------


def test_pull_writes_cache_and_lock_deterministically(paths, tmp_path):
    outcome = pull(mirror=FIXTURE_MIRROR, paths=paths)
    assert outcome.errors == [] and [s.spec.name for s in outcome.pulled] == list(SOURCES)
    assert [p.id for p in outcome.non_gradable()] == ["math500/test/prealgebra/9.json"]
    lock = read_lock(paths.lock)
    assert set(lock) == set(SOURCES)
    for name in SOURCES:
        data = paths.cache_file(name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == lock[name].content_sha256
        mirror_file = FIXTURE_MIRROR / name / "test.jsonl"
        assert lock[name].input_sha256 == hashlib.sha256(mirror_file.read_bytes()).hexdigest()
    assert lock["gsm8k"].rows == 4 and lock["gsm8k"].revision == "main"
    before = {f.name: f.read_bytes() for f in paths.cache_dir.iterdir()} | {"lock": paths.lock.read_bytes()}
    again = pull(mirror=FIXTURE_MIRROR, paths=paths)
    assert again.errors == [] and not again.lock_changed
    after = {f.name: f.read_bytes() for f in paths.cache_dir.iterdir()} | {"lock": paths.lock.read_bytes()}
    assert after == before
    assert not [f for f in paths.cache_dir.iterdir() if f.name.startswith(".")]  # no temp files left


def test_changed_content_is_refused_unless_update_lock(paths, tmp_path):
    mirror = copy_mirror(tmp_path)
    pull(["aime25", "amc23"], mirror, paths=paths)
    cached = paths.cache_file("aime25").read_bytes()
    locked = paths.lock.read_bytes()
    target = mirror / "aime25" / "test.jsonl"
    target.write_text(target.read_text().replace('"10"', '"11"'))

    refused = pull(["aime25", "amc23"], mirror, paths=paths)
    assert len(refused.errors) == 1
    assert "aime25: differs from the lock (content sha256" in refused.errors[0]
    assert "--update-lock" in refused.errors[0] and "input is unchanged" not in refused.errors[0]
    assert [s.spec.name for s in refused.pulled] == ["amc23"]
    assert paths.cache_file("aime25").read_bytes() == cached and paths.lock.read_bytes() == locked

    accepted = pull(["aime25"], mirror, paths=paths, update_lock=True)
    assert accepted.errors == [] and accepted.lock_changed
    assert [p.answer for p in load_problems(["aime25"], paths=paths)] == ["11", "0"]


def test_same_input_normalised_differently_says_the_tool_changed(paths):
    pull(["aime24"], FIXTURE_MIRROR, paths=paths)
    refused = pull(["aime24"], FIXTURE_MIRROR, paths=paths, gradable=lambda answer: False)
    assert len(refused.errors) == 1
    assert "aime24: differs from the lock (content sha256" in refused.errors[0]
    assert "the input is unchanged: this version of the tool normalises it differently" in refused.errors[0]


def test_a_bad_source_does_not_stop_the_others_or_touch_its_cache(paths, tmp_path):
    mirror = copy_mirror(tmp_path)
    pull(["aime24"], mirror, paths=paths)
    cached = paths.cache_file("aime24").read_bytes()
    (mirror / "aime24" / "test.jsonl").write_text('{"id": 60, "problem": "P"\n')
    outcome = pull(["aime24", "aime25", "amc23"], mirror, paths=paths)
    assert len(outcome.errors) == 1
    assert outcome.errors[0].startswith(f"{mirror / 'aime24' / 'test.jsonl'}:1: malformed JSON")
    assert [s.spec.name for s in outcome.pulled] == ["aime25", "amc23"]
    assert paths.cache_file("aime24").read_bytes() == cached
    assert set(read_lock(paths.lock)) == {"aime24", "aime25", "amc23"}


def test_unknown_source_and_missing_mirror_fail_before_writing(paths, tmp_path):
    with pytest.raises(InputError, match="unknown source 'gsm9k'") as err:
        pull(["gsm8k", "gsm9k"], FIXTURE_MIRROR, paths=paths)
    assert err.value.path is None  # the argument's fault, not the registry's
    with pytest.raises(InputError, match="mirror folder not found"):
        pull(["gsm8k"], tmp_path / "nowhere", paths=paths)
    assert not paths.cache_dir.exists() and not paths.lock.exists()


def test_load_problems_roundtrip_missing_and_stale(paths):
    with pytest.raises(InputError, match=r"raw pull --mirror ../shared/raw") as err:
        load_problems(["aime25"], paths=paths)
    assert err.value.path == str(paths.cache_file("aime25"))
    outcome = pull(["aime25", "olympiadbench"], FIXTURE_MIRROR, paths=paths)
    problems = load_problems(["aime25", "olympiadbench"], paths=paths)
    assert problems == [p for s in outcome.pulled for p in s.problems]
    cache = paths.cache_file("aime25")
    cache.write_text(cache.read_text().replace('"10"', '"12"'))
    with pytest.raises(InputError, match="cache does not match"):
        load_problems(["aime25"], paths=paths)


def test_canonical_jsonl_sorts_keys():
    line = canonical_jsonl([Problem("s/1", "s", "Q é", "1", True, {"z": 1, "a": None})])
    assert line == (
        '{"answer": "1", "gradable": true, "id": "s/1", "metadata": {"a": null, "z": 1}, '
        '"question": "Q é", "source": "s"}\n'
    )


# the Hub path (a stand-in for `datasets`; the Hub itself cannot be reached here) -------------


def fake_datasets(monkeypatch, rows=None, error=None):
    calls = []

    def load_dataset(hub_id, config, split, revision):
        calls.append((hub_id, config, split, revision))
        if error:
            raise error
        return rows

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))
    return calls


def test_hub_rows_are_filtered_renamed_and_normalised_like_the_mirror(registry, monkeypatch):
    mirror_rows = [json.loads(line) for line in (FIXTURE_MIRROR / "amc23" / "test.jsonl").open()]
    hub_rows = [
        {
            "id": 90,
            "problem": "A 2022 problem",
            "answer": 1.0,
            "url": "https://example.invalid/2022_AMC_10A/1",
        },
        *mirror_rows,
    ]
    calls = fake_datasets(monkeypatch, hub_rows)
    raw = load_hub(registry["amc23"])
    assert calls == [("AI-MO/aimo-validation-amc", None, "train", "main")]
    assert raw.origin == "hf://datasets/AI-MO/aimo-validation-amc@main:train"
    assert [r.line for r in raw.rows] == [2, 3]  # the 2022 row is filtered out
    from_hub = normalise(registry["amc23"], raw)
    assert from_hub == fixture_problems(registry, "amc23")


def test_hub_columns_are_renamed(registry, monkeypatch):
    spec = registry["aime25"]
    spec = dataclasses.replace(spec, hub_columns={"Question": "problem", "Answer": "answer"})
    fake_datasets(monkeypatch, [{"Question": "Find 1.", "Answer": "001"}])
    (problem,) = normalise(spec, load_hub(spec))
    assert (problem.id, problem.question, problem.answer) == ("aime25/0", "Find 1.", "1")


def test_hub_failure_is_one_clear_input_error(registry, monkeypatch):
    fake_datasets(monkeypatch, error=ConnectionError("Couldn't reach 'openai/gsm8k' on the Hub\nmore"))
    with pytest.raises(InputError) as err:
        load_hub(registry["gsm8k"])
    assert err.value.path == "hf://datasets/openai/gsm8k/main@main:test"
    assert "ConnectionError: Couldn't reach 'openai/gsm8k' on the Hub)" in err.value.problem
    assert "--mirror" in err.value.problem and "\n" not in str(err.value)


# near duplicates and matching (unit) -------------------------------------------------------


def test_match_key_ignores_spacing_dollars_case_and_suffixes():
    a = 'Find  $3\\times9$\\,cm.\nLet\'s think step by step and output the final answer after "####".'
    b = "find $3 \\times 9 \\; $ cm"
    assert match_key(a) == match_key(b) == "find 3 times 9 cm"
    assert match_key("$\\left( x \\right)$ and $\\leftarrow$") == "x and leftarrow"


def test_repair_escapes_restores_eaten_backslashes():
    assert repair_escapes("$\x0crac{1}{2}$ and $\triangle$") == "$\\frac{1}{2}$ and $\\triangle$"
    assert repair_escapes("tab\t7 stays") == "tab\t7 stays"


def _p(pid: str, question: str) -> Problem:
    return Problem(pid, pid.split("/")[0], question, "1", True)


def test_near_duplicates_are_grouped_within_and_across_sources():
    problems = [
        _p("a/0", "How many sides does a regular hexagon have? Answer with a number."),
        _p("a/1", "A fair coin is tossed three times. What is the probability of three heads?"),
        _p("b/0", "How many sides does a regular hexagon have?  Answer with a number!"),
        _p("b/1", "How many  sides does a regular hexagon have? Answer with one number."),
        _p("b/2", "Compute the sum of the first ten positive odd integers."),
    ]
    dups = find_near_duplicates(problems, threshold=90)
    assert [g.ids for g in dups.groups] == [("a/0", "b/0", "b/1")]
    assert dups.groups[0].cross_source and dups.groups[0].sources == ("a", "b")
    assert {(d.a, d.b) for d in dups.pairs} == {("a/0", "b/0"), ("a/0", "b/1"), ("b/0", "b/1")}
    assert dups.group_of() == {"a/0": 0, "b/0": 0, "b/1": 0}
    # punctuation and spacing are not part of the key: a/0 and b/0 are the same question
    assert [g.ids for g in find_near_duplicates(problems, threshold=100).groups] == [("a/0", "b/0")]
    assert find_near_duplicates(problems[:2], threshold=50).pairs == ()


def test_match_questions_best_problem_or_none():
    problems = [
        _p("a/0", "Find the area of a circle of radius $2$."),
        _p("a/1", "Find the perimeter of a square of side $2$."),
    ]
    matches = match_questions(
        [
            'Find the area of a circle of radius 2. Let\'s think step by step and output the final answer after "####".',
            "Find the perimeter of a  square of side $2$ .",
            "Name the capital city of France and describe its history in two sentences.",
        ],
        problems,
    )
    assert [m.problem.id if m.problem else None for m in matches] == ["a/0", "a/1", None]
    assert matches[0].score == 100.0 and matches[2].score < 70


# integration: the real mirror and the published release --------------------------------------


@pytest.fixture(scope="module")
def real_pull(tmp_path_factory):
    if not RAW.is_dir():
        pytest.fail(f"the raw mirror is expected at {RAW}")
    paths = RawPaths.under(tmp_path_factory.mktemp("home"))
    outcome = pull(mirror=RAW, paths=paths)
    return paths, outcome


def test_real_mirror_rows_hashes_and_ids(real_pull):
    paths, outcome = real_pull
    assert outcome.errors == []
    lock = read_lock(paths.lock)
    for name, (rows, sha) in MIRROR_FILES.items():
        assert (lock[name].rows, lock[name].input_sha256) == (rows, sha)
    problems = load_problems(paths=paths)
    assert len(problems) == sum(rows for rows, _ in MIRROR_FILES.values())
    assert len({p.id for p in problems}) == len(problems)
    math500 = [p for p in problems if p.source == "math500"]
    assert {p.metadata["level"] for p in math500} == {1, 2, 3, 4, 5}


def test_real_mirror_is_at_least_99_5_percent_gradable(real_pull):
    _, outcome = real_pull
    missing = [(p.id, p.answer) for p in outcome.non_gradable()]
    assert outcome.gradable / outcome.problems >= GRADABLE_BAR, missing


def test_committed_lock_matches_a_fresh_pull(real_pull):
    """raw/lock.json is committed: a change of rows or of normalisation must update it."""
    paths, _ = real_pull
    fresh = read_lock(paths.lock)
    committed = read_lock(PROJECT_ROOT / "raw" / "lock.json")
    assert {n: (e.rows, e.content_sha256) for n, e in committed.items()} == {
        n: (e.rows, e.content_sha256) for n, e in fresh.items()
    }, "normalisation changed: run `mathif raw pull --mirror ../shared/raw --update-lock`"


EXPECTED_SOURCES = {
    "aime": {"aime24", "aime25"},
    "gsm8k": {"gsm8k"},
    "math500": {"math500"},
    "minerva": {"minerva_math"},
    "olympiad": {"olympiadbench"},
}
# The release's answer differs from the source's gold answer for this item (a unit added).
ANSWER_DIFFERS = {"336^\\circ"}


def _same_answer(a: str, b: str) -> bool:
    a, b = a.strip(), b.strip()
    return a == b or (a.isdigit() and b.isdigit() and int(a) == int(b))


def test_every_reference_item_matches_its_source_problem(real_pull, reference):
    paths, _ = real_pull
    assert REFERENCE.is_dir() and len(reference) == 420
    problems = load_problems(paths=paths)
    matches = match_questions([obj["question"] for _, _, obj in reference], problems)
    wrong = []
    for (name, line, obj), m in zip(reference, matches, strict=True):
        expected = EXPECTED_SOURCES[name.split("_")[0]]
        ok = m.problem is not None and m.problem.source in expected and m.score >= 75
        if ok and obj["answer"] not in ANSWER_DIFFERS:
            ok = _same_answer(obj["answer"], m.problem.answer)
        if not ok:
            wrong.append((name, line, m.problem and m.problem.id, m.score))
    assert wrong == []
