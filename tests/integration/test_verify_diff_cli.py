"""mathif verify and mathif diff as a user runs them."""

from __future__ import annotations

import json
import re
from collections import Counter

from typer.testing import CliRunner

from constraints import make_instance
from curation.cli import app
from curation.dataset.build import build
from curation.dataset.recipe import load_recipe
from tests.support.paths import REFERENCE
from tests.support.toy import RECIPE, toy_problems

runner = CliRunner()


def item(cid, args, answer="42", desc=None, question="What is 6 times 7?"):
    inst = make_instance(cid, args)
    return {
        "source": "toy",
        "id": "toy-1",
        "question": question,
        "answer": answer,
        "constraint_desc": [desc if desc is not None else inst.describe()],
        "constraint_name": [cid],
        "constraint_args": [inst.args_json()],
    }


def test_verify_finds_exactly_the_unsatisfiable_release_items(tmp_path):
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["verify", str(REFERENCE), "--report", str(report)])
    assert result.exit_code == 1
    rows = json.loads(report.read_text())
    assert len(rows) == 420
    assert set(rows[0]) >= {"file", "index", "id", "status", "satisfiable", "gradable", "problems"}
    assert Counter(r["status"] for r in rows) == {"ok": 411, "unsatisfiable": 4, "not_gradable": 5}
    unsat = [r for r in rows if r["status"] == "unsatisfiable"]
    assert unsat == [r for r in rows if r["satisfiable"] is not True]  # proven impossible, none unproven
    for r in unsat:
        assert r["satisfiable"] is False and r["gradable"] is True
        assert r["problems"] == [
            "conflict: combination:repeat_prompt vs punctuation:no_comma: the repeated prompt contains a comma"
        ]
    # the other items flagged are exactly those whose gold math-verify cannot grade
    flagged = [r for r in rows if r["status"] == "not_gradable"]
    assert flagged == [r for r in rows if r["gradable"] is False]
    assert all(r["satisfiable"] is True for r in flagged)
    assert all(len(r["problems"]) == 1 and "not machine-gradable" in r["problems"][0] for r in flagged)
    assert {r["file"].rsplit("/", 1)[-1] for r in flagged} <= {
        "minerva_single.jsonl",
        "minerva_double.jsonl",
        "minerva_triple.jsonl",
    }
    assert all(not r["problems"] for r in rows if r["status"] == "ok")
    output = result.output.splitlines()
    assert output[-1] == "420 items: 411 ok, 4 unsatisfiable (proven), 5 gold not gradable"
    assert sum(": unsatisfiable: conflict: " in line for line in output) == 4
    assert sum(": not_gradable: gold answer " in line for line in output) == 5


def test_verify_reports_each_kind_of_problem(tmp_path):
    rows = [
        item("punctuation:no_comma", None),  # fine
        item("punctuation:no_comma", None, desc="Use commas."),  # description mismatch
        item("punctuation:no_comma", None),  # unknown id, set below
        item("punctuation:no_comma", None, answer=""),  # not gradable
    ]
    rows[2]["constraint_name"] = ["keywords:nope"]
    text = "\n".join(json.dumps(r) for r in rows) + "\n{not json\n"
    text += json.dumps(
        item("keywords:frequency", {"keyword": "x", "frequency": 1, "relation": "less than"})
    ).replace('"less than"', '"sometimes"')
    conflict = item("combination:repeat_prompt", {"prompt_to_repeat": "First, say hi."})
    conflict["constraint_name"].append("punctuation:no_comma")
    conflict["constraint_args"].append(None)
    conflict["constraint_desc"].append(make_instance("punctuation:no_comma", None).describe())
    text += "\n" + json.dumps(conflict)
    f = tmp_path / "data.jsonl"
    f.write_text(text + "\n")
    report = tmp_path / "r.json"
    result = runner.invoke(app, ["verify", str(f), "--report", str(report)])
    assert result.exit_code == 1
    got = json.loads(report.read_text())
    assert [r["status"] for r in got] == [
        "ok",
        "schema_error",
        "unknown_family",
        "not_gradable",
        "schema_error",
        "schema_error",
        "unsatisfiable",
    ]
    assert [bool(r["problems"]) for r in got] == [False, True, True, True, True, True, True]
    assert "description" in got[1]["problems"][0]
    assert got[2]["problems"] == ["constraint 1: unknown constraint id 'keywords:nope'"]
    assert "gradable" in got[3]["problems"][0]
    assert "malformed JSON" in got[4]["problems"][0] and got[4]["line"] == 5
    assert "relation" in got[5]["problems"][0]
    assert [r["satisfiable"] for r in got] == [True, True, None, True, None, None, False]
    lines = result.output.splitlines()
    assert lines[-1] == (
        "7 items: 1 ok, 3 schema error, 1 unknown family, 1 unsatisfiable (proven), 1 gold not gradable"
    )
    assert f"{f}:3 (toy-1): unknown_family: constraint 1: unknown constraint id 'keywords:nope'" in lines


def test_verify_keeps_a_hostile_id_on_one_line(tmp_path):
    row = item("punctuation:no_comma", None, answer="") | {"id": "a\nb\x1b[31m"}
    f = tmp_path / "d.jsonl"
    f.write_text(json.dumps(row) + "\n")
    result = runner.invoke(app, ["verify", str(f)])
    assert result.exit_code == 1
    assert f"{f}:1 (a\\x0ab\\x1b[31m): not_gradable: gold answer '' is not machine-gradable" in result.output


def test_verify_clean_file_exits_0(tmp_path):
    f = tmp_path / "ok.jsonl"
    f.write_text(json.dumps(item("startend:quotation", None)) + "\n")
    assert runner.invoke(app, ["verify", str(f)]).exit_code == 0


def test_verify_missing_file_is_one_line_exit_2(tmp_path):
    result = runner.invoke(app, ["verify", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "nope.jsonl" in result.output and "Traceback" not in result.output


def cells(output: str) -> list[list[str]]:
    """The rows of the tables in ``output``, each as its cells' text."""
    return [
        [c.strip() for c in re.split("[│┃]", line)[1:-1]] for line in output.splitlines() if line[:1] in "│┃"
    ]


def test_diff_between_two_versions(tmp_path):
    rec_a = tmp_path / "a.toml"
    rec_a.write_text(RECIPE)
    rec_b = tmp_path / "b.toml"
    rec_b.write_text(
        RECIPE.replace("seed = 7", "seed = 8").replace(
            "quota = { single = 4, triple = 4 }", "quota = { single = 4 }"
        )
    )
    build(load_recipe(rec_a), tmp_path / "va", toy_problems(), "0" * 64, parquet=False)
    build(load_recipe(rec_b), tmp_path / "vb", toy_problems(), "0" * 64, parquet=False)
    same = runner.invoke(app, ["diff", str(tmp_path / "va"), str(tmp_path / "va"), "--json"])
    assert same.exit_code == 0
    assert json.loads(same.output)["summary"] == {
        "old_items": 26,
        "new_items": 26,
        "added": 0,
        "removed": 0,
        "moved": 0,
        "changed": 0,
        "unchanged": 26,
    }
    result = runner.invoke(app, ["diff", str(tmp_path / "va"), str(tmp_path / "vb"), "--json"])
    d = json.loads(result.output)
    assert d["splits"]["beta_triple"] == {
        "old": 4,
        "new": 0,
        "added": 0,
        "removed": 4,
        "moved_in": 0,
        "moved_out": 0,
        "changed": 0,
    }
    assert list(d["splits"]) == ["alpha_single", "alpha_double", "alpha_triple", "beta_single", "beta_triple"]
    s = d["summary"]
    assert s["old_items"] == 26 and s["new_items"] == 22
    assert s["added"] - s["removed"] == -4
    # another seed draws some problems of alpha into other tiers: moves, each within alpha
    assert s["moved"] > 0 and s["old_items"] == s["removed"] + s["moved"] + s["changed"] + s["unchanged"]
    assert all(m["split"] == "alpha" and m["old_split"] != m["new_split"] for m in d["moved"])
    assert all(m["constraints_changed"] for m in d["moved"])  # a tier is a number of constraints
    table = runner.invoke(app, ["diff", str(tmp_path / "va"), str(tmp_path / "vb")], terminal_width=200)
    assert table.exit_code == 0 and "beta_triple" in table.output
    assert ["split", "old", "new", "added", "removed", "moved in", "moved out", "changed"] in cells(
        table.output
    )
    assert (
        f"{s['added']} added, {s['removed']} removed, {s['moved']} moved to another tier "
        f"({s['moved']} with other constraints, 0 with another answer), {s['changed']} changed, "
        f"{s['unchanged']} unchanged (26 items before, 22 now)"
    ) in table.output
    assert ["answer", "52 (100%)", "40 (100%)", "-12"] in cells(table.output)  # 6 * (1 + 2 + 3) + 4 * (1 + 3)


def test_diff_prints_the_family_mix_and_keeps_hostile_names_as_text(tmp_path):
    hostile = "[red]x:y[/red]"
    old = item("startend:quotation", None) | {"problem_id": "p/1"}
    new = old | {"constraint_name": [hostile], "constraint_scope": ["reasoning"]}
    for name, row in (("old", old), ("new", new)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "s.jsonl").write_text(json.dumps(row) + "\n")
    result = runner.invoke(app, ["diff", str(tmp_path / "old"), str(tmp_path / "new")], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "constraints: 1 -> 1; families: 1 -> 1 (1 new, 1 gone, 0 with another count)" in result.output
    rows = cells(result.output)
    assert [hostile, "-", "1", "+1"] in rows and ["startend:quotation", "1", "-", "-1"] in rows
    assert ["answer", "1 (100%)", "0 (0%)", "-1"] in rows and [
        "reasoning",
        "0 (0%)",
        "1 (100%)",
        "+1",
    ] in rows


def test_diff_of_missing_folder_is_exit_2(tmp_path):
    result = runner.invoke(app, ["diff", str(tmp_path / "x"), str(tmp_path / "y")])
    assert result.exit_code == 2 and "x: no such file or folder" in result.output


def test_verify_and_score_read_line_separators_inside_strings_alike(tmp_path):
    row = item("startend:quotation", None) | {"question": "Two\u2028lines\u0085and a\x1cseparator: 1 + 1?"}
    f = tmp_path / "sep.jsonl"
    f.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["verify", str(f), "--report", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    assert [v["line"] for v in json.loads((tmp_path / "r.json").read_text())] == [1]
    gens = tmp_path / "g.jsonl"
    gens.write_text('{"output": "\\"x\\""}\n', encoding="utf-8")
    scored = runner.invoke(
        app, ["score", "--data", str(f), "--generations", str(gens), "--out", str(tmp_path / "o")]
    )
    assert scored.exit_code == 0, scored.output


def test_diff_keeps_every_item_of_a_problem_that_stands_twice(tmp_path):
    first = item("startend:quotation", None) | {"problem_id": "p/1", "id": "a"}
    second = first | {"id": "b", "answer": "3"}
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    (tmp_path / "old" / "s.jsonl").write_text(
        json.dumps(first) + "\n" + json.dumps(first | {"id": "b"}) + "\n"
    )
    (tmp_path / "new" / "s.jsonl").write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    d = json.loads(
        runner.invoke(app, ["diff", str(tmp_path / "old"), str(tmp_path / "new"), "--json"]).output
    )
    assert d["summary"]["old_items"] == 2 and d["summary"]["new_items"] == 2
    assert d["summary"]["changed"] == 1 and d["changed"][0]["problem"] == "p/1 (#2)"
