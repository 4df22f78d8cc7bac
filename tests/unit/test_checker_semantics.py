"""The checkers' semantics version (``constraints.CHECKER_SEMANTICS``) is recorded wherever
results are written, next to the ``--fix-quirks`` setting: ``summary.json`` and ``report.md``
of ``mathif score``/``eval``, ``run.json``, ``compare``, the build manifest and the dataset
card.  Files written before the version existed read as semantics "1", and a run scored
under other semantics says so, once, when it is scored again (it is not refused)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

import constraints
from constraints import CHECKER_SEMANTICS, UNRECORDED_SEMANTICS
from curation.cli import app
from curation.core import InputError, Manifest, SplitRecord, make_manifest
from curation.evaluation import EvalSummary, RunRecord, make_config, run_compare, run_eval, score_generations
from curation.release.card import render_card
from tests.support.eval_support import reference_slice
from tests.support.paths import ROOT
from tests.unit.evaluation.test_run import ScriptedBackend, never
from tests.unit.release.test_card import card_inputs

runner = CliRunner()
SEMANTICS_NOTE = re.compile(r"scored under checker semantics (\S+); it is rescored now under (\S+) ")


def test_the_version_is_one_string_exported_by_constraints():
    assert CHECKER_SEMANTICS == "2" and UNRECORDED_SEMANTICS == "1"  # bump: README changelog too
    assert {"CHECKER_SEMANTICS", "UNRECORDED_SEMANTICS"} <= set(constraints.__all__)


def test_the_readme_changelog_lists_every_version_up_to_the_current_one():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "\n## Checker semantics\n" in text, "README.md has no 'Checker semantics' section"
    section = text.split("\n## Checker semantics\n", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r'^[-*|] [*`]*"?(\d+)"?[*`]*:', section, flags=re.M))  # - `"2"`: ...
    wanted = {str(v) for v in range(1, int(CHECKER_SEMANTICS) + 1)}
    assert wanted <= listed, f"the changelog lists {sorted(listed)}, not every one of {sorted(wanted)}"


# mathif score: summary.json, report.md, an older summary in the folder ---------------------------


def _generations(data: Path, path: Path) -> Path:
    from curation.core import open_dataset

    rows = [
        {"key": f"{f.name}:{i.line}", "output": f"<think>t</think>so \\boxed{{{i.answer}}}"}
        for f, i in open_dataset(data).items()
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def scored(tmp_path):
    data = reference_slice(tmp_path / "d", per_file=2)
    return data, _generations(data, tmp_path / "g.jsonl")


@pytest.mark.parametrize("fix_quirks", [False, True])
def test_score_records_the_semantics_next_to_fix_quirks(scored, tmp_path, fix_quirks):
    data, gens = scored
    out = tmp_path / "out"
    summary = score_generations(data, gens, out, fix_quirks=fix_quirks, with_correctness=False, plots=False)
    assert summary.run.checker_semantics == CHECKER_SEMANTICS
    run = json.loads((out / "summary.json").read_text(encoding="utf-8"))["run"]
    assert run["fix_quirks"] is fix_quirks and run["checker_semantics"] == CHECKER_SEMANTICS
    keys = list(run)
    assert keys[keys.index("fix_quirks") + 1] == "checker_semantics"
    header = (out / "report.md").read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert f"checker semantics {CHECKER_SEMANTICS}" in header
    assert ("the documented quirk fixes (`--fix-quirks`)" in header) is fix_quirks
    assert ("no `--fix-quirks`" in header) is not fix_quirks


def _as_old(path: Path, where: tuple[str, ...], semantics: str | None) -> None:
    """Rewrite a JSON file as an older mathif wrote it: the semantics at ``where`` set to
    ``semantics``, or left out (None: written before the version existed)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    block = doc
    for key in where[:-1]:
        block = block[key]
    if semantics is None:
        del block[where[-1]]
    else:
        block[where[-1]] = semantics
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")


def test_a_summary_without_the_semantics_reads_as_1_and_a_wrong_type_is_refused(scored, tmp_path):
    data, gens = scored
    out = tmp_path / "out"
    score_generations(data, gens, out, with_correctness=False, plots=False)
    _as_old(out / "summary.json", ("run", "checker_semantics"), None)
    old = EvalSummary.read(out / "summary.json")
    assert old.run.checker_semantics == UNRECORDED_SEMANTICS == "1"
    assert old.run.to_dict()["checker_semantics"] == "1"
    _as_old(out / "summary.json", ("run", "checker_semantics"), 2)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="checker_semantics must be str"):
        EvalSummary.read(out / "summary.json")


def test_rescoring_a_folder_scored_under_older_semantics_says_so_once(scored, tmp_path):
    data, gens = scored
    out = tmp_path / "out"
    said: list[str] = []
    score_generations(data, gens, out, with_correctness=False, plots=False, note=said.append)
    assert said == []  # a new folder
    score_generations(data, gens, out, with_correctness=False, plots=False, note=said.append)
    assert said == []  # the same semantics
    _as_old(out / "summary.json", ("run", "checker_semantics"), None)
    score_generations(data, gens, out, with_correctness=False, plots=False, note=said.append)
    assert len(said) == 1 and said[0].startswith(str(out / "summary.json"))
    assert SEMANTICS_NOTE.search(said[0]).groups() == ("1", CHECKER_SEMANTICS)
    assert "changelog" in said[0]
    assert EvalSummary.read(out / "summary.json").run.checker_semantics == CHECKER_SEMANTICS


def test_the_score_command_prints_the_note_on_stderr(scored, tmp_path):
    data, gens = scored
    out = tmp_path / "out"
    args = ["score", "--data", str(data), "--generations", str(gens), "--out", str(out), "--no-plots"]
    first = runner.invoke(app, [*args, "--no-correctness"])
    assert first.exit_code == 0, first.output
    assert "checker semantics" not in first.stderr
    _as_old(out / "summary.json", ("run", "checker_semantics"), "1")
    again = runner.invoke(app, [*args, "--no-correctness", "--fix-quirks"])
    assert again.exit_code == 0, again.output
    assert SEMANTICS_NOTE.search(again.stderr).groups() == ("1", CHECKER_SEMANTICS)
    run = json.loads((out / "summary.json").read_text(encoding="utf-8"))["run"]
    assert run["checker_semantics"] == CHECKER_SEMANTICS and run["fix_quirks"] is True


# mathif eval: run.json, resuming a run of older semantics ----------------------------------------


def _eval_config(tmp_path: Path, data: Path, **flags):
    base = {"dataset": data, "model": "m", "out": tmp_path / "run", "backend": "openai"}
    return make_config(base | flags)


def test_run_json_records_the_semantics_and_a_resumed_older_run_is_rescored_with_a_note(tmp_path):
    data = reference_slice(tmp_path / "d", per_file=2)
    out = tmp_path / "run"
    said: list[str] = []
    first = run_eval(
        _eval_config(tmp_path, data), backend_factory=lambda _c: ScriptedBackend(), note=said.append
    )
    assert first.generated > 0 and not any("semantics" in s for s in said)
    run_json = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run_json["info"]["checker_semantics"] == CHECKER_SEMANTICS
    assert run_json["info"]["settings"]["fix_quirks"] is False
    assert list(run_json["info"])[:2] == ["mathif_version", "checker_semantics"]
    assert "checker_semantics" not in run_json["generation"]  # a resumed run need not match it
    before = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert before["run"]["checker_semantics"] == CHECKER_SEMANTICS and before["run"]["fix_quirks"] is False

    # the folder as a mathif before versioning left it: no semantics in run.json nor summary.json
    _as_old(out / "run.json", ("info", "checker_semantics"), None)
    _as_old(out / "summary.json", ("run", "checker_semantics"), None)
    assert RunRecord.read(out / "run.json").info.checker_semantics == "1"
    again = run_eval(_eval_config(tmp_path, data, fix_quirks=True), backend_factory=never, note=said.append)
    assert again.generated == 0 and again.reused == first.generated  # not refused, nothing generated
    notes = [s for s in said if "semantics" in s]
    assert len(notes) == 1 and notes[0].startswith(str(out / "run.json"))
    assert SEMANTICS_NOTE.search(notes[0]).groups() == ("1", CHECKER_SEMANTICS)
    after = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert after["run"]["checker_semantics"] == CHECKER_SEMANTICS and after["run"]["fix_quirks"] is True
    run_json = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run_json["info"]["checker_semantics"] == CHECKER_SEMANTICS
    assert run_json["info"]["settings"]["fix_quirks"] is True
    assert "checker semantics 2, the documented quirk fixes" in (out / "report.md").read_text(
        encoding="utf-8"
    )

    said.clear()  # now recorded under the current semantics: no note
    run_eval(_eval_config(tmp_path, data), backend_factory=never, note=said.append)
    assert not any("semantics" in s for s in said)

    # a rerun that stopped before scoring left a current run.json beside an older summary.json
    _as_old(out / "summary.json", ("run", "checker_semantics"), "1")
    run_eval(_eval_config(tmp_path, data), backend_factory=never, note=said.append)
    notes = [s for s in said if "semantics" in s]
    assert len(notes) == 1 and notes[0].startswith(str(out / "summary.json"))
    assert SEMANTICS_NOTE.search(notes[0]).groups() == ("1", CHECKER_SEMANTICS)


# compare ------------------------------------------------------------------------------------------


def test_compare_shows_the_checks_and_warns_when_they_differ(scored, tmp_path):
    data, gens = scored
    for name in ("a", "b", "c"):
        score_generations(
            data, gens, tmp_path / name, fix_quirks=name == "c", with_correctness=False, plots=False
        )
    _as_old(tmp_path / "b" / "summary.json", ("run", "checker_semantics"), None)
    rows = run_compare([tmp_path / "a", tmp_path / "b"], tmp_path / "cmp")
    assert {(r["name"], r["checker_semantics"], r["fix_quirks"]) for r in rows} == {
        ("a", CHECKER_SEMANTICS, False),
        ("b", "1", False),
    }
    saved = json.loads((tmp_path / "cmp" / "compare.json").read_text(encoding="utf-8"))
    assert {r["checker_semantics"] for r in saved} == {CHECKER_SEMANTICS, "1"}
    md = (tmp_path / "cmp" / "compare.md").read_text(encoding="utf-8")
    assert "not all checked alike" in md and "| semantics 1 |" in md
    run_compare([tmp_path / "a", tmp_path / "c"], tmp_path / "cmp2")  # same semantics, other quirks
    md = (tmp_path / "cmp2" / "compare.md").read_text(encoding="utf-8")
    assert "not all checked alike" in md and f"| semantics {CHECKER_SEMANTICS}, --fix-quirks |" in md
    run_compare([tmp_path / "a", tmp_path / "a"], tmp_path / "cmp3")
    assert "not all checked alike" not in (tmp_path / "cmp3" / "compare.md").read_text(encoding="utf-8")


# the build manifest and the card -----------------------------------------------------------------


def _built_manifest() -> Manifest:
    split = SplitRecord(1, {"punctuation:no_comma": 1}, ["a-single-0"], ["p"], [])
    return make_manifest("9.9.9", "r" * 64, "l" * 64, {"a_single": split}, {"a_single.jsonl": b"{}\n"})


def test_a_build_manifest_records_the_semantics_after_the_tool_version(tmp_path):
    m = _built_manifest()
    doc = json.loads(m.to_json())
    assert doc["checker_semantics"] == CHECKER_SEMANTICS
    keys = list(doc)
    assert keys[keys.index("tool_version") + 1] == "checker_semantics"
    m.write(tmp_path / "manifest.json")
    assert Manifest.read(tmp_path / "manifest.json") == m


def test_a_manifest_without_the_semantics_loads_as_1_and_differs_from_a_current_build(tmp_path):
    doc = json.loads(_built_manifest().to_json())
    del doc["checker_semantics"]
    (tmp_path / "manifest.json").write_text(json.dumps(doc), encoding="utf-8")
    old = Manifest.read(tmp_path / "manifest.json")
    assert old.checker_semantics == "1"
    assert _built_manifest().differences(old) == ["checker_semantics"]  # a rebuild is not the same


@pytest.mark.parametrize("version", ["v1.0.0", "v2.0.0"])
def test_the_recorded_manifests_say_2_and_read_back_byte_for_byte(version):
    path = ROOT / "release" / version / "manifest.json"
    m = Manifest.read(path)
    assert m.checker_semantics == "2"
    assert m.to_json() == path.read_text(encoding="utf-8")


def test_the_card_states_the_semantics_of_its_manifest_and_fix_quirks():
    inputs = card_inputs("v2.0.0")
    text = render_card(inputs)
    scoring = text.split("## Scoring without mathif", 1)[1].split("\n## ", 1)[0]
    assert "under mathif's checker semantics 2 (`checker_semantics` in `manifest.json`)" in scoring
    assert "`mathif score --fix-quirks`" in scoring and "`run.checker_semantics`, `run.fix_quirks`" in scoring
    building = text.split("## How the items are built", 1)[1].split("\n## ", 1)[0]
    assert "checker semantics\n2," in building
    older = render_card(replace(inputs, manifest=replace(inputs.manifest, checker_semantics="1")))
    assert "under mathif's checker semantics 1 (" in older and "checker semantics 2" not in older
