"""``mathif constraints list / show / new`` as a contributor uses them."""

from __future__ import annotations

import importlib.util
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from constraints import Context, Instance, Registry, families, make_instance
from constraints.joint import joint_witness, meets_all
from constraints.registry import MATHIF_IDS, SHIPPED
from curation.cli import app

runner = CliRunner()
MATHIF = Path(sys.executable).parent / "mathif"


def test_list_json_has_every_family_with_an_example_and_a_source():
    result = runner.invoke(app, ["constraints", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == [f.id for f in families()]
    for r in rows:
        assert set(r) == {"id", "category", "origin", "example", "source"}
        assert r["example"].strip() and r["source"].strip() and not r["example"].startswith("(no example")
        assert r["origin"] == ("mathif" if r["id"] in MATHIF_IDS else "extended")
    no_comma = next(r for r in rows if r["id"] == "punctuation:no_comma")
    assert no_comma["example"] == "In your entire response, refrain from the use of any commas."


def test_list_table():
    result = runner.invoke(app, ["constraints", "list"], terminal_width=250)
    assert result.exit_code == 0
    assert "math:single_boxed" in result.output and f"{len(families())} constraint families" in result.output


def test_show_one_family():
    result = runner.invoke(app, ["constraints", "show", "keywords:letter_frequency"], terminal_width=250)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "keywords:letter_frequency  (lexical, extended)" in out and "IFEval" in out
    assert "let_relation: one of less than, at least" in out
    assert "never combined with: combination:repeat_prompt" in out
    data = json.loads(runner.invoke(app, ["constraints", "show", "math:answer_in_words", "--json"]).output)
    assert data["answer_only"] is True and data["category"] == "math"
    family = next(f for f in families() if f.id == "math:answer_in_words")
    assert family.check(data["witness"], {}) and not family.check(data["counterexample"], {})


def test_show_unknown_id_is_one_line_and_exit_2():
    proc = subprocess.run(
        [str(MATHIF), "constraints", "show", "keywords:nope"], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: unknown constraint id 'keywords:nope' (see `mathif constraints list`)"
    ]
    assert "Traceback" not in proc.stderr


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_new_writes_a_working_family_and_tests_that_pass(tmp_path):
    result = runner.invoke(app, ["constraints", "new", "check_line", "--out", str(tmp_path / "fam")])
    assert result.exit_code == 0, result.output
    module, tests = (
        tmp_path / "fam" / "constraint_check_line.py",
        tmp_path / "fam" / "test_constraint_check_line.py",
    )
    assert module.is_file() and tests.is_file()
    # the written tests pass, run as a contributor would run them
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", tests.name],
        cwd=tests.parent,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " passed" in proc.stdout
    # and the family meets the contract beside the shipped ones
    family = _load(module).FAMILY
    registry = Registry([*SHIPPED, family])
    assert registry.get("custom:check_line") is family
    ctx = Context(question="What is six times seven?")
    for seed in range(10):
        args = family.validate(family.sample(random.Random(seed), ctx))
        assert family.check(family.witness(args, random.Random(seed)), args) is True
        assert family.check(family.counterexample(args, random.Random(seed)), args) is False
        insts = [Instance(family, args), make_instance("keywords:existence", {"keywords": ["root"]})]
        witness = joint_witness(insts, seed=seed)
        assert witness is not None and meets_all(witness, insts)


def test_new_refuses_to_overwrite(tmp_path):
    (tmp_path / "test_constraint_mine.py").write_text("# mine\n")
    result = runner.invoke(app, ["constraints", "new", "mine", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "already exists; not overwriting it" in result.output
    assert not (tmp_path / "constraint_mine.py").exists()  # nothing half-written
    assert (tmp_path / "test_constraint_mine.py").read_text() == "# mine\n"


@pytest.mark.parametrize("name", ["Bad", "1st", "has-dash", "a b", "", "x" * 41, "../evil"])
def test_new_refuses_invalid_names(tmp_path, name):
    result = runner.invoke(app, ["constraints", "new", name, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "invalid family name" in result.output
    assert not list(tmp_path.iterdir())


def test_new_into_a_file_is_an_error(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    result = runner.invoke(app, ["constraints", "new", "ok", "--out", str(target)])
    assert result.exit_code == 2 and "exists and is not a folder" in result.output
