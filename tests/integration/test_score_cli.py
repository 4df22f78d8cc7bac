"""End-to-end tests of ``mathif score`` on small fixture files written by the tests.

Successful runs go through typer's CliRunner (in process, fast); bad-input runs go
through a real subprocess, so "one line on stderr, no traceback" is checked on the
real streams.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from constraints import Context, families, make_instance
from curation.cli import app
from curation.scoring.split import THINK_MODES
from tests.support.paths import REFERENCE

QUESTION = "What is six times seven? Give the number."
THINK = "<think>Let me think, step by step: 6 * 7 = 42, so the answer is 42.</think>"

runner = CliRunner()


# helpers ----------------------------------------------------------------------------


def mathif_item(
    constraints: list[tuple[str, Any]],
    *,
    source: str = "src",
    id: str = "item-0",
    question: str = QUESTION,
    answer: str = "42",
) -> dict[str, Any]:
    """One item in MathIF's seven-field format, built through the families."""
    insts = [make_instance(cid, args) for cid, args in constraints]
    return {
        "source": source,
        "id": id,
        "question": question,
        "answer": answer,
        "constraint_desc": [i.describe() for i in insts],
        "constraint_name": [i.id for i in insts],
        "constraint_args": [i.args_json() for i in insts],
    }


def write_lines(path: Path, rows: list[Any], trailer: str = "") -> Path:
    """Write JSONL; a ``str`` row is written verbatim (malformed lines, blank lines)."""
    text = "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows)
    path.write_text(text + trailer, encoding="utf-8")
    return path


def gen(output: Any, key: str = "output") -> dict[str, Any]:
    return {key: output}


def score(
    tmp_path: Path,
    items: list[Any],
    gens: list[Any],
    *options: str,
    out: Path | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run ``mathif score`` in process; return (items.jsonl rows, summary.json)."""
    data = write_lines(tmp_path / "data.jsonl", items)
    generations = write_lines(tmp_path / "gen.jsonl", gens)
    out = out or tmp_path / "out"
    result = runner.invoke(
        app,
        ["score", "--data", str(data), "--generations", str(generations), "--out", str(out), *options],
    )
    assert result.exit_code == 0, (result.output, result.exception)
    assert result.exception is None
    rows = [json.loads(line) for line in (out / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return rows, summary


def single_constraint_cases(seeds: int = 4) -> list[tuple[str, dict[str, Any]]]:
    """(family id, validated args) for every registered family, several draws each."""
    cases = []
    for fam in families():
        for seed in range(seeds):
            args = fam.validate(fam.sample(random.Random(seed), Context(question=QUESTION)))
            cases.append((fam.id, args))
    return cases


def with_box(fam_id: str, args: dict[str, Any], text: str, gold: str, fix_quirks: bool) -> tuple[str, bool]:
    """``text`` with ``\\boxed{gold}`` after (or before) it where the instance still holds."""
    inst = make_instance(fam_id, args)
    for candidate in (f"{text} \\boxed{{{gold}}}", f"\\boxed{{{gold}}} {text}"):
        if inst.check(candidate, fix_quirks=fix_quirks):
            return candidate, True
    return text, False


# follow / hard / soft ---------------------------------------------------------------


@pytest.mark.parametrize("think_mode", THINK_MODES)
@pytest.mark.parametrize("fix_quirks", [False, True], ids=["mathif-checks", "fix-quirks"])
def test_witnesses_follow_every_constraint(tmp_path, think_mode, fix_quirks):
    cases = single_constraint_cases()
    items, gens, boxed = [], [], []
    for n, (fid, args) in enumerate(cases):
        fam = next(f for f in families() if f.id == fid)
        witness = fam.witness(args, random.Random(n))
        answer, has_box = with_box(fid, args, witness, "42", fix_quirks)
        items.append(mathif_item([(fid, args)], id=f"w-{n}", source=fid.split(":")[0]))
        gens.append(gen(THINK + answer))
        boxed.append(has_box)
    # hand-made joint responses for multi-constraint items
    joint = [
        (
            [("startend:end_checker", {"end_phrase": "Any other questions?"}), ("startend:quotation", None)],
            '"We add the numbers and get \\boxed{42}. Any other questions?"',
        ),
        (
            [
                ("punctuation:no_comma", None),
                ("keywords:existence", {"keywords": ["answer", "total"]}),
                ("length_constraint_checkers:number_words", {"num_words": 30, "relation": "less than"}),
            ],
            "The total is six times seven so the answer is \\boxed{42}.",
        ),
        (
            [
                ("combination:repeat_prompt", {"prompt_to_repeat": QUESTION}),
                ("detectable_format:number_bullet_lists", {"num_bullets": 2}),
            ],
            QUESTION + "\n* six times seven\n* gives \\boxed{42}",
        ),
    ]
    for n, (constraints, response) in enumerate(joint):
        items.append(mathif_item(constraints, id=f"joint-{n}", source="joint"))
        gens.append(gen(THINK + response))
        boxed.append(True)

    options = ["--think-mode", think_mode] + (["--fix-quirks"] if fix_quirks else [])
    rows, summary = score(tmp_path, items, gens, *options)

    assert len(rows) == len(items)
    for row, item, has_box in zip(rows, items, boxed, strict=True):
        assert row["id"] == item["id"]
        assert row["follow"] == [True] * len(item["constraint_name"]), row
        assert row["hard"] is True and row["soft"] == 1.0
        assert row["correct"] is has_box, row
    assert summary["hacc"] == 1.0 and summary["sacc"] == 1.0
    assert summary["run"]["think_mode"] == think_mode and summary["run"]["fix_quirks"] is fix_quirks
    assert set(summary["by_constraint"]) == {f.id for f in families()}
    assert all(b["follow"] == 1.0 for b in summary["by_constraint"].values())
    assert summary["correctness"] == pytest.approx(sum(boxed) / len(boxed))


@pytest.mark.parametrize("fix_quirks", [False, True], ids=["mathif-checks", "fix-quirks"])
def test_counterexamples_follow_no_constraint(tmp_path, fix_quirks):
    cases = single_constraint_cases()
    items, gens = [], []
    for n, (fid, args) in enumerate(cases):
        fam = next(f for f in families() if f.id == fid)
        items.append(mathif_item([(fid, args)], id=f"c-{n}"))
        gens.append(gen(THINK + fam.counterexample(args, random.Random(n))))
    rows, summary = score(tmp_path, items, gens, *(["--fix-quirks"] if fix_quirks else []))
    for row in rows:
        assert row["follow"] == [False], row
        assert row["hard"] is False and row["soft"] == 0.0
    assert summary["hacc"] == 0.0 and summary["sacc"] == 0.0
    assert all(b["follow"] == 0.0 for b in summary["by_constraint"].values())


def hand_fixture() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Four items whose verdicts are worked out by hand in test_summary_numbers."""
    items = [
        mathif_item([("punctuation:no_comma", None)], source="alpha", id="a1", answer="42"),
        mathif_item(
            [("startend:end_checker", {"end_phrase": "Any other questions?"}), ("startend:quotation", None)],
            source="alpha",
            id="a2",
            answer="7",
        ),
        mathif_item(
            [
                ("length_constraint_checkers:number_words", {"num_words": 100, "relation": "less than"}),
                ("punctuation:no_comma", None),
                ("keywords:existence", {"keywords": ["answer"]}),
            ],
            source="beta",
            id="b1",
            answer="3",
        ),
        mathif_item(
            [("keywords:forbidden_words", {"forbidden_words": ["total"]})],
            source="beta",
            id="b2",
            answer="10",
        ),
    ]
    gens = [
        # commas only in the reasoning: followed; boxed 42 is correct
        gen("<think>x, y</think>We get \\boxed{42}"),
        # ends with the phrase but is not quoted: [T, F]; correct
        gen("<think>t</think>The answer is \\boxed{7}. Any other questions?"),
        # short, has a comma, has 'answer': [T, F, T]; 5 is wrong
        gen("<think>t</think>the answer is \\boxed{5}, we think."),
        # uses the forbidden word: [F]; the stated answer 10 is correct (prose alone is no answer)
        gen("<think>t</think>The total is 10. Final answer: 10"),
    ]
    return items, gens


def test_summary_numbers(tmp_path):
    items, gens = hand_fixture()
    rows, s = score(tmp_path, items, gens)

    assert [r["follow"] for r in rows] == [[True], [True, False], [True, False, True], [False]]
    assert [r["hard"] for r in rows] == [True, False, False, False]
    assert [r["soft"] for r in rows] == pytest.approx([1.0, 0.5, 2 / 3, 0.0])
    assert [r["correct"] for r in rows] == [True, True, False, True]
    assert [r["index"] for r in rows] == [0, 1, 2, 3]
    assert [r["id"] for r in rows] == ["a1", "a2", "b1", "b2"]
    assert rows[1]["constraint_name"] == ["startend:end_checker", "startend:quotation"]

    assert s["items"] == 4 and s["samples"] == 4
    assert s["hacc"] == pytest.approx(0.25)
    assert s["sacc"] == pytest.approx((1 + 0.5 + 2 / 3 + 0) / 4)
    assert s["correctness"] == pytest.approx(0.75)

    def rates(groups):  # each group's rates (their intervals are tested in test_trust.py)
        keys = ("items", "hacc", "sacc", "correctness")
        return {name: {k: g[k] for k in keys} for name, g in groups.items()}

    assert rates(s["by_source"]) == {
        "alpha": {"items": 2, "hacc": 0.5, "sacc": 0.75, "correctness": 1.0},
        "beta": {"items": 2, "hacc": 0.0, "sacc": pytest.approx(1 / 3), "correctness": 0.5},
    }
    assert s["by_source"]["alpha"]["ci"]["hacc"]["method"] == "wilson"
    assert s["by_source"]["beta"]["graded"] == 2
    assert rates(s["by_num_constraints"]) == {
        "1": {"items": 2, "hacc": 0.5, "sacc": 0.5, "correctness": 1.0},
        "2": {"items": 1, "hacc": 0.0, "sacc": 0.5, "correctness": 1.0},
        "3": {"items": 1, "hacc": 0.0, "sacc": pytest.approx(2 / 3), "correctness": 0.0},
    }
    assert {k: {"n": v["n"], "follow": v["follow"]} for k, v in s["by_constraint"].items()} == {
        "keywords:existence": {"n": 1, "follow": 1.0},
        "keywords:forbidden_words": {"n": 1, "follow": 0.0},
        "length_constraint_checkers:number_words": {"n": 1, "follow": 1.0},
        "punctuation:no_comma": {"n": 2, "follow": 0.5},
        "startend:end_checker": {"n": 1, "follow": 1.0},
        "startend:quotation": {"n": 1, "follow": 0.0},
    }
    assert list(s["by_constraint"]) == sorted(s["by_constraint"])
    run = s["run"]
    assert run["think_mode"] == "mathif" and run["fix_quirks"] is False and run["correctness_graded"] is True


def test_no_correctness_keeps_follow_and_grades_nothing(tmp_path):
    items, gens = hand_fixture()
    rows, s = score(tmp_path, items, gens, "--no-correctness")
    assert [r["follow"] for r in rows] == [[True], [True, False], [True, False, True], [False]]
    assert [r["correct"] for r in rows] == [False] * 4
    assert s["correctness"] == 0.0 and s["run"]["correctness_graded"] is False
    assert s["hacc"] == pytest.approx(0.25)


# correctness ------------------------------------------------------------------------


def test_correctness_boxed_number(tmp_path):
    items = [mathif_item([("punctuation:no_comma", None)], id=f"i{n}", answer="42") for n in range(4)]
    gens = [
        gen("\\boxed{42}"),
        gen("\\boxed{41}"),
        gen(THINK + "so it is \\boxed{42}"),
        gen("<think>the answer is \\boxed{42}</think>so it is \\boxed{41}"),  # reasoning is not graded
    ]
    rows, s = score(tmp_path, items, gens)
    assert [r["correct"] for r in rows] == [True, False, True, False]
    assert s["correctness"] == 0.5


# blank answers ----------------------------------------------------------------------


@pytest.mark.parametrize("think_mode", THINK_MODES)
def test_blank_answer_follows_nothing(tmp_path, think_mode):
    constraints = [
        ("punctuation:no_comma", None),
        ("length_constraint_checkers:number_words", {"num_words": 5, "relation": "less than"}),
        ("keywords:forbidden_words", {"forbidden_words": ["total"]}),
    ]
    outputs = [
        "<think>only thinking</think>   ",
        "<think>only thinking \\boxed{42}</think>",
        "<think>x</think>\n\t \n",
    ]
    items = [mathif_item(constraints, id=f"b{n}") for n in range(len(outputs))]
    rows, s = score(tmp_path, items, [gen(o) for o in outputs], "--think-mode", think_mode)
    for row in rows:
        assert row["follow"] == [False, False, False], row
        assert row["hard"] is False and row["soft"] == 0.0
        assert row["correct"] is False
    assert s["by_constraint"]["punctuation:no_comma"]["follow"] == 0.0


def test_strict_mode_unfinished_thinking_follows_nothing(tmp_path):
    items = [mathif_item([("punctuation:no_comma", None)])]
    rows, _ = score(tmp_path, items, [gen("<think>never closed \\boxed{42}")], "--think-mode", "strict")
    assert rows[0]["follow"] == [False] and rows[0]["correct"] is False and rows[0]["answer_chars"] == 0


# think modes ------------------------------------------------------------------------

# output -> {mode: (no_comma followed, answer_chars, reasoning_chars)}, from the rules
# documented in curation/response.py
THINK_CASES = {
    # mathif keeps the text between the two </think> ("x, y"); last/strict take "z"
    "<think>a, b</think>x, y</think>z": {
        "mathif": (False, 4, 4),
        "last": (True, 1, 16),
        "strict": (True, 1, 16),
    },
    # two <think>: mathif answers "a" (cut at the second <think>); last/strict "d, e"
    "<think>a<think>b</think>d, e": {
        "mathif": (True, 1, 1),
        "last": (False, 4, 9),
        "strict": (False, 4, 9),
    },
    # no tags: mathif and last answer the whole text; strict answers nothing
    "plain answer": {
        "mathif": (True, 12, 12),
        "last": (True, 12, 0),
        "strict": (False, 0, 12),
    },
    # unclosed <think>: mathif drops the tag, last keeps it, strict answers nothing
    "<think>unfinished thought": {
        "mathif": (True, 18, 18),
        "last": (True, 25, 0),
        "strict": (False, 0, 18),
    },
    # <answer> tags narrow the answer in every mode
    "<think>r, s</think>p, q <answer>done</answer> tail, end": {
        "mathif": (True, 4, 4),
        "last": (True, 4, 4),
        "strict": (True, 4, 4),
    },
}


@pytest.mark.parametrize("think_mode", THINK_MODES)
def test_think_modes_differ_as_documented(tmp_path, think_mode):
    outputs = list(THINK_CASES)
    items = [mathif_item([("punctuation:no_comma", None)], id=f"t{n}") for n in range(len(outputs))]
    rows, s = score(
        tmp_path, items, [gen(o) for o in outputs], "--think-mode", think_mode, "--no-correctness"
    )
    got = [(r["follow"][0], r["answer_chars"], r["reasoning_chars"]) for r in rows]
    assert got == [THINK_CASES[o][think_mode] for o in outputs]
    assert s["run"]["think_mode"] == think_mode


def test_think_modes_give_different_summaries(tmp_path):
    outputs = list(THINK_CASES)
    items = [mathif_item([("punctuation:no_comma", None)], id=f"t{n}") for n in range(len(outputs))]
    hacc = {}
    for mode in THINK_MODES:
        _, s = score(tmp_path, items, [gen(o) for o in outputs], "--think-mode", mode, out=tmp_path / mode)
        hacc[mode] = s["hacc"]
    assert hacc == {"mathif": 0.8, "last": 0.8, "strict": 0.4}


# several samples, other keys --------------------------------------------------------


def test_several_samples_per_line(tmp_path):
    constraints = [
        ("punctuation:no_comma", None),
        ("startend:end_checker", {"end_phrase": "Any other questions?"}),
    ]
    items = [
        mathif_item(constraints, id="multi", source="m"),
        mathif_item([("punctuation:no_comma", None)], id="single", source="m"),
    ]
    s1 = THINK + "It is \\boxed{42}. Any other questions?"  # [T, T], correct
    s2 = THINK + "It is, I think, \\boxed{41}. Any other questions?"  # [F, T], wrong
    s3 = THINK + "Hmm, \\boxed{42}"  # [F, F], correct
    rows, s = score(tmp_path, items, [gen([s1, s2, s3]), gen([s1])])

    multi, single = rows
    assert [x["follow"] for x in multi["samples"]] == [[True, True], [False, True], [False, False]]
    assert [x["hard"] for x in multi["samples"]] == [True, False, False]
    assert [x["correct"] for x in multi["samples"]] == [True, False, True]
    assert multi["follow"] == pytest.approx([1 / 3, 2 / 3])
    assert multi["hard"] == pytest.approx(1 / 3)
    assert multi["soft"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert multi["correct"] == pytest.approx(2 / 3)
    # a one-element list is one sample: verdicts at the top level, no "samples"
    assert "samples" not in single
    assert single["follow"] == [True] and single["hard"] is True and single["correct"] is True

    assert s["samples"] == 4 and s["items"] == 2
    assert s["hacc"] == pytest.approx((1 / 3 + 1) / 2)
    assert s["sacc"] == pytest.approx((0.5 + 1) / 2)
    assert s["correctness"] == pytest.approx((2 / 3 + 1) / 2)
    assert s["by_constraint"]["punctuation:no_comma"]["n"] == 2
    assert s["by_constraint"]["punctuation:no_comma"]["follow"] == pytest.approx((1 / 3 + 1) / 2)
    assert s["by_constraint"]["startend:end_checker"]["n"] == 1
    assert s["by_constraint"]["startend:end_checker"]["follow"] == pytest.approx(2 / 3)


@pytest.mark.parametrize("key", ["output", "response", "responses"])
def test_generation_keys(tmp_path, key):
    items = [mathif_item([("punctuation:no_comma", None)], id=f"k{n}") for n in range(2)]
    value_ok = THINK + "\\boxed{42}"
    value_bad = THINK + "well, \\boxed{42}"
    gens = [gen(value_ok, key), gen([value_bad, value_ok], key)]
    rows, _ = score(tmp_path, items, gens)
    assert rows[0]["follow"] == [True] and rows[0]["hard"] is True
    assert rows[1]["follow"] == [0.5] and len(rows[1]["samples"]) == 2


# outputs ----------------------------------------------------------------------------


def test_out_folder_is_created_and_items_are_in_order(tmp_path):
    n = 25
    items = [
        mathif_item([("punctuation:no_comma", None)], id=f"ord-{i:02d}", answer=str(i)) for i in range(n)
    ]
    gens = [gen(THINK + f"\\boxed{{{i}}}" + ("," if i % 3 == 0 else "")) for i in range(n)]
    out = tmp_path / "not" / "there" / "yet"
    assert not out.parent.exists()
    rows, s = score(tmp_path, items, gens, out=out)
    assert sorted(p.name for p in out.iterdir()) == [
        "items.jsonl",
        "plots",
        "report.md",
        "samples.jsonl",
        "summary.json",
    ]
    assert [r["index"] for r in rows] == list(range(n))
    assert [r["id"] for r in rows] == [f"ord-{i:02d}" for i in range(n)]
    assert [r["follow"] for r in rows] == [[i % 3 != 0] for i in range(n)]
    assert s["correctness"] == 1.0


def test_blank_lines_are_skipped_in_both_files(tmp_path):
    items = [mathif_item([("punctuation:no_comma", None)], id=f"bl{i}") for i in range(3)]
    gens = [gen(THINK + "a"), gen(THINK + "b, c"), gen(THINK + "d")]
    data = write_lines(tmp_path / "data.jsonl", ["", items[0], "   ", items[1], items[2], ""], trailer="\n\n")
    generations = write_lines(tmp_path / "gen.jsonl", [gens[0], "", "", gens[1], "\t", gens[2]])
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "score",
            "--data",
            str(data),
            "--generations",
            str(generations),
            "--out",
            str(out),
            "--no-correctness",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in (out / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["bl0", "bl1", "bl2"]
    assert [r["follow"] for r in rows] == [[True], [False], [True]]


# the published release --------------------------------------------------------------


def release_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_published_aime_double_scores(tmp_path):
    data = REFERENCE / "aime_double.jsonl"
    raw = data.read_text(encoding="utf-8")
    assert raw.endswith("\n\n"), "the fixture is expected to end with a blank line"
    objs = release_rows(data)
    assert len(objs) == 20
    # right count, with blank lines of its own (middle and end)
    gens: list[Any] = []
    for n, obj in enumerate(objs):
        gens.append(gen(f"<think>reasoning, {n}</think>The result is \\boxed{{{obj['answer']}}}"))
        if n % 7 == 3:
            gens.append("")
    generations = write_lines(tmp_path / "gen.jsonl", gens, trailer="\n")
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["score", "--data", str(data), "--generations", str(generations), "--out", str(out)]
    )
    assert result.exit_code == 0, (result.output, result.exception)
    rows = [json.loads(x) for x in (out / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [o["id"] for o in objs]
    assert [r["constraint_name"] for r in rows] == [o["constraint_name"] for o in objs]
    assert all(len(r["follow"]) == 2 for r in rows)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["items"] == 20 and summary["samples"] == 20
    assert summary["correctness"] == 1.0
    assert list(summary["by_num_constraints"]) == ["2"]
    assert list(summary["by_source"]) == ["aime"]
    # the release itself is untouched
    assert data.read_text(encoding="utf-8") == raw


@pytest.mark.parametrize("name", sorted(p.name for p in REFERENCE.glob("*.jsonl")))
def test_every_published_file_scores(tmp_path, name):
    data = REFERENCE / name
    objs = release_rows(data)
    gens = [gen(f"<think>r</think>\\boxed{{{o['answer']}}}") for o in objs]
    generations = write_lines(tmp_path / "gen.jsonl", gens)
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "score",
            "--data",
            str(data),
            "--generations",
            str(generations),
            "--out",
            str(out),
            "--no-correctness",
        ],
    )
    assert result.exit_code == 0, (result.output, result.exception)
    rows = (out / "items.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rows) == len(objs)


# bad input --------------------------------------------------------------------------

MATHIF_SCRIPT = Path(sys.executable).with_name("mathif")


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    if MATHIF_SCRIPT.exists():
        cmd = [str(MATHIF_SCRIPT), *args]
    else:  # pragma: no cover - not installed as a console script
        cmd = [sys.executable, "-c", "from curation.cli import app; app(prog_name='mathif')", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=120)


GOOD = mathif_item([("punctuation:no_comma", None)], id="good")


def without(obj: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k != key}


def bad_args_item() -> dict[str, Any]:
    obj = mathif_item(
        [("length_constraint_checkers:number_words", {"num_words": 10, "relation": "at least"})]
    )
    obj["constraint_args"] = [{"num_words": "many", "relation": "at least"}]
    return obj


def unknown_id_item() -> dict[str, Any]:
    obj = dict(GOOD)
    obj["constraint_name"] = ["punctuation:no_semicolon"]
    return obj


OK = gen(THINK + "\\boxed{42}")

# name -> (data rows, generation rows, file named: "data"/"gen", line or None)
BAD_INPUT = {
    "data-malformed-json": ([GOOD, '{"source": "x", ', GOOD], [OK] * 3, "data", 2),
    "data-malformed-after-blank-lines": (["", GOOD, "", "{oops"], [OK] * 2, "data", 4),
    "data-not-an-object": ([GOOD, "[1, 2]"], [OK] * 2, "data", 2),
    "data-missing-field": ([GOOD, without(GOOD, "answer")], [OK] * 2, "data", 2),
    "data-unknown-constraint": ([GOOD, GOOD, unknown_id_item()], [OK] * 3, "data", 3),
    "data-invalid-args": ([bad_args_item()], [OK], "data", 1),
    "data-args-length-mismatch": ([GOOD | {"constraint_args": [None, None]}], [OK], "data", 1),
    "data-args-not-an-object": ([GOOD, GOOD | {"constraint_args": [5]}], [OK] * 2, "data", 2),
    "data-args-true": ([GOOD | {"constraint_args": [True]}], [OK], "data", 1),
    "gen-malformed-json": ([GOOD] * 3, [OK, "{'output': 'single quotes'}", OK], "gen", 2),
    "gen-output-is-a-number": ([GOOD] * 2, [OK, gen(42)], "gen", 2),
    "gen-output-empty-list": ([GOOD] * 2, [gen([]), OK], "gen", 1),
    "gen-output-list-of-numbers": ([GOOD], [gen(["ok", 3])], "gen", 1),
    "gen-no-output-field": ([GOOD] * 2, [OK, {"text": "hello"}], "gen", 2),
    "gen-more-lines-than-items": ([GOOD] * 2, [OK, OK, "", OK], "gen", 4),
    "gen-fewer-lines-than-items": ([GOOD] * 3, [OK, OK], None, "any"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_exits_2_with_one_located_line(tmp_path, case):
    data_rows, gen_rows, which, line = BAD_INPUT[case]
    data = write_lines(tmp_path / "data.jsonl", data_rows)
    generations = write_lines(tmp_path / "gen.jsonl", gen_rows)
    out = tmp_path / "out"
    proc = run_cli(
        "score", "--data", str(data), "--generations", str(generations), "--out", str(out), cwd=tmp_path
    )
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    if which is None:  # either file may be blamed, but with a line number
        assert re.search(rf"({re.escape(str(data))}|{re.escape(str(generations))}):\d+\b", lines[0]), lines[0]
    else:
        path = data if which == "data" else generations
        assert f"{path}:{line}:" in lines[0], lines[0]
    assert not (out / "items.jsonl").exists() and not (out / "summary.json").exists()


@pytest.mark.parametrize("missing", ["data", "gen", "data-is-a-folder"])
def test_missing_file_exits_2_naming_it(tmp_path, missing):
    data = write_lines(tmp_path / "data.jsonl", [GOOD])
    generations = write_lines(tmp_path / "gen.jsonl", [OK])
    if missing == "data":
        data = tmp_path / "nope" / "data.jsonl"
        named = data
    elif missing == "gen":
        generations = tmp_path / "gens-missing.jsonl"
        named = generations
    else:
        data = tmp_path
        named = data
    proc = run_cli(
        "score",
        "--data",
        str(data),
        "--generations",
        str(generations),
        "--out",
        str(tmp_path / "out"),
        cwd=tmp_path,
    )
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(named) in lines[0], proc.stderr


def test_out_that_is_a_file_exits_2(tmp_path):
    data = write_lines(tmp_path / "data.jsonl", [GOOD])
    generations = write_lines(tmp_path / "gen.jsonl", [OK])
    out = tmp_path / "taken"
    out.write_text("not a folder\n", encoding="utf-8")
    proc = run_cli(
        "score", "--data", str(data), "--generations", str(generations), "--out", str(out), cwd=tmp_path
    )
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(out) in lines[0], proc.stderr
    assert out.read_text(encoding="utf-8") == "not a folder\n"


def test_unknown_think_mode_exits_2(tmp_path):
    data = write_lines(tmp_path / "data.jsonl", [GOOD])
    generations = write_lines(tmp_path / "gen.jsonl", [OK])
    proc = run_cli(
        "score",
        "--data",
        str(data),
        "--generations",
        str(generations),
        "--out",
        str(tmp_path / "out"),
        "--think-mode",
        "first",
        cwd=tmp_path,
    )
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "--think-mode" in lines[0] and "'first'" in lines[0]
    assert not (tmp_path / "out").exists()


def test_success_exits_0_through_the_console_script(tmp_path):
    items, gens = hand_fixture()
    data = write_lines(tmp_path / "data.jsonl", items)
    generations = write_lines(tmp_path / "gen.jsonl", gens)
    out = tmp_path / "o"
    proc = run_cli(
        "score", "--data", str(data), "--generations", str(generations), "--out", str(out), cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == ""
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["hacc"] == pytest.approx(0.25)
