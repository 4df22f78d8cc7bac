"""mathif verify and mathif diff as a user runs them."""

from __future__ import annotations

import json

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
    assert set(rows[0]) >= {"file", "index", "id", "satisfiable", "gradable", "problems"}
    unsat = [r for r in rows if not r["satisfiable"]]
    assert len(unsat) == 4
    for r in unsat:
        assert r["gradable"] is True
        assert r["problems"] == [
            "conflict: combination:repeat_prompt vs punctuation:no_comma: the repeated prompt contains a comma"
        ]
    # the satisfiable items flagged are exactly those whose gold math-verify cannot grade
    flagged = [r for r in rows if r["satisfiable"] and r["problems"]]
    assert flagged and all(r["gradable"] is False for r in flagged)
    assert all(len(r["problems"]) == 1 and "not machine-gradable" in r["problems"][0] for r in flagged)
    assert {r["file"].rsplit("/", 1)[-1] for r in flagged} <= {
        "minerva_single.jsonl",
        "minerva_double.jsonl",
        "minerva_triple.jsonl",
    }
    assert all(r["gradable"] for r in rows if not r["problems"])
    n = len(flagged)
    assert f"420 items: {416 - n} ok, {4 + n} failing, 4 unsatisfiable, {n} with a gold answer" in " ".join(
        result.output.split()
    )


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
    f = tmp_path / "data.jsonl"
    f.write_text(text + "\n")
    report = tmp_path / "r.json"
    result = runner.invoke(app, ["verify", str(f), "--report", str(report)])
    assert result.exit_code == 1
    got = json.loads(report.read_text())
    assert [bool(r["problems"]) for r in got] == [False, True, True, True, True, True]
    assert "description" in got[1]["problems"][0]
    assert "unknown constraint id" in got[2]["problems"][0]
    assert "gradable" in got[3]["problems"][0]
    assert "malformed JSON" in got[4]["problems"][0] and got[4]["line"] == 5
    assert "relation" in got[5]["problems"][0]


def test_verify_clean_file_exits_0(tmp_path):
    f = tmp_path / "ok.jsonl"
    f.write_text(json.dumps(item("startend:quotation", None)) + "\n")
    assert runner.invoke(app, ["verify", str(f)]).exit_code == 0


def test_verify_missing_file_is_one_line_exit_2(tmp_path):
    result = runner.invoke(app, ["verify", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "nope.jsonl" in result.output and "Traceback" not in result.output


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
        "changed": 0,
        "unchanged": 26,
    }
    result = runner.invoke(app, ["diff", str(tmp_path / "va"), str(tmp_path / "vb"), "--json"])
    d = json.loads(result.output)
    assert d["splits"]["beta_triple"] == {"old": 4, "new": 0, "added": 0, "removed": 4, "changed": 0}
    s = d["summary"]
    assert s["old_items"] == 26 and s["new_items"] == 22
    assert s["added"] - s["removed"] == -4
    table = runner.invoke(app, ["diff", str(tmp_path / "va"), str(tmp_path / "vb")])
    assert table.exit_code == 0 and "beta_triple" in table.output


def test_diff_of_missing_folder_is_exit_2(tmp_path):
    result = runner.invoke(app, ["diff", str(tmp_path / "x"), str(tmp_path / "y")])
    assert result.exit_code == 2 and "not a folder" in result.output


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
