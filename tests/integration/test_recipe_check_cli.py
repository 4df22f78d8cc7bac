"""``mathif recipe check`` on real sources: the plan it explains is what ``mathif build``
builds, and every problem of a bad recipe is one line with the recipe's file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from constraints.registry import MATHIF_IDS
from curation.cli import app
from curation.raw import RawPaths, pull
from tests.support.paths import RAW

runner = CliRunner()

RECIPE = """\
version = "3.0.0-test"
seed = 5
families = ["mathif", "math:single_boxed"]
weights = { "math:single_boxed" = 4 }

[[splits]]
name = "hard"
sources = ["math500"]
quota = { single = 12, double = 8 }
stratify = ["subject"]
filter = { level = { min = 4 } }

[[splits]]
name = "aime"
sources = ["aime24", "aime25"]
quota = { single = 6 }
families = ["punctuation:no_comma", "change_case:english_lowercase"]
filter = { year = 2025 }
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("home")
    assert not pull(["math500", "aime24", "aime25"], mirror=RAW, paths=RawPaths.under(home)).errors
    return home


def invoke(home: Path, monkeypatch, *args: str):
    monkeypatch.setenv("MATHIF_HOME", str(home))
    return runner.invoke(app, list(args))


def test_the_plan_is_what_the_build_builds(home, tmp_path, monkeypatch):
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(RECIPE, encoding="utf-8")
    shown = invoke(home, monkeypatch, "recipe", "check", str(recipe))
    assert shown.exit_code == 0, shown.output
    text = shown.stdout
    assert "filter: level >= 4 keeps 262 of 500" in text
    assert "filter: year = 2025 keeps 30 of 60" in text
    assert "families: mathif (15) + math:single_boxed, weighted" in text
    assert "ok: 26 items" in text
    plan = json.loads(invoke(home, monkeypatch, "recipe", "check", str(recipe), "--json").stdout)
    assert plan["ok"] and plan["items"] == 26
    hard = next(m for m in plan["family_mix"] if m["split"] == "hard")
    expected = {f["id"]: f["expected"] for f in hard["families"]}
    assert sum(expected.values()) == pytest.approx(12 + 16, abs=0.01)
    assert expected["math:single_boxed"] > 3 * expected[MATHIF_IDS[0]]
    drawn = {t["file"]: t for s in plan["splits"] for t in s["tiers"]}

    built = invoke(home, monkeypatch, "build", str(recipe), "--out", str(tmp_path / "out"), "--no-parquet")
    assert built.exit_code == 0, built.output
    for name, tier in drawn.items():
        rows = [json.loads(line) for line in (tmp_path / "out" / f"{name}.jsonl").read_text().splitlines()]
        assert len(rows) == tier["quota"]
        strata = {tuple(s["stratum"]): s["drawn"] for s in tier["strata"] if s["drawn"]}
        if name.startswith("hard"):
            assert all(r["metadata"]["level"] >= 4 for r in rows)
            got: dict[tuple[str, ...], int] = {}
            for r in rows:
                key = (str(r["metadata"]["subject"]),)
                got[key] = got.get(key, 0) + 1
            assert got == strata
        else:
            assert all(r["metadata"]["year"] == 2025 for r in rows)
            assert {n for r in rows for n in r["constraint_name"]} <= {
                "punctuation:no_comma",
                "change_case:english_lowercase",
            }


def test_every_problem_is_a_line_with_the_recipes_line(home, tmp_path, monkeypatch):
    bad = (
        RECIPE.replace("quota = { single = 12, double = 8 }", "quota = { single = 300, double = 8 }")
        .replace('stratify = ["subject"]', 'stratify = ["difficulty"]')
        .replace("filter = { year = 2025 }", "filter = { year = 2026 }")
        .replace("quota = { single = 6 }", "quota = { single = 6, triple = 2 }")
    )
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(bad, encoding="utf-8")
    result = invoke(home, monkeypatch, "recipe", "check", str(recipe))
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert all(line.startswith(f"error: {recipe}:") for line in errors), errors
    text = "\n".join(errors)
    assert f"{recipe}:9: split hard_single: quota 300 but only 261 eligible" in text
    assert f"{recipe}:10: split 'hard': stratify field 'difficulty'" in text
    assert (
        f"{recipe}:18: split 'aime': the filter keeps none of its 60 problems (values: year: 2024, 2025)"
        in text
    )
    assert (
        f"{recipe}:17: split aime_triple: 3 constraints per item, but the split draws from 2 families" in text
    )
    assert "Traceback" not in result.output


def test_a_source_not_pulled_says_how_to_pull_it(home, tmp_path, monkeypatch):
    result = invoke(home, monkeypatch, "recipe", "check", "v1.0.0")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "mathif raw pull" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unknown_source_is_named_at_its_line(home, tmp_path, monkeypatch):
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(RECIPE.replace('["aime24", "aime25"]', '["aime24", "aime26"]'), encoding="utf-8")
    result = invoke(home, monkeypatch, "recipe", "check", str(recipe))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {recipe}:15: split 'aime': unknown source 'aime26'")
