"""A third-party package (tests/plugin_pkg) adds a family through the entry point
group ``mathif.constraints``; every command picks it up: list, build, verify, score.

The package is only put on PYTHONPATH of real ``mathif`` processes, as an installed
plugin would be on sys.path; nothing in the tool names it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from constraints import Registry
from constraints.joint import joint_witness
from constraints.registry import ENTRY_POINT_GROUP, PLUGINS_ENV, SHIPPED, _plugin_families
from curation.core.items import item_from_dict
from curation.raw.pull import RawPaths, pull
from tests.support.paths import PLUGIN_DIR, RAW

MATHIF = Path(sys.executable).parent / "mathif"
PLUGIN_ID = "demo:therefore_sign"
PLUGIN_ENTRY_POINT = "therefore_sign"

RECIPE = """
version = "0.0.1-plugin"
seed = 3
families = ["demo:therefore_sign", "punctuation:no_comma"]

[[splits]]
name = "gsm8k"
sources = ["gsm8k"]
quota = { single = 2, double = 3 }
"""


def _plugin_family():
    spec = importlib.util.spec_from_file_location(
        "plugin_copy", PLUGIN_DIR / "mathif_plugin_demo" / "__init__.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FAMILY


def run(*args: str, plugin: bool = True, home: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if plugin:
        env["PYTHONPATH"] = str(PLUGIN_DIR)
        env[PLUGINS_ENV] = PLUGIN_ENTRY_POINT
    if home is not None:
        env["MATHIF_HOME"] = str(home)
    return subprocess.run([str(MATHIF), *args], capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    outcome = pull(["gsm8k"], mirror=RAW, paths=RawPaths.under(home))
    assert not outcome.errors
    return home


@pytest.fixture(scope="module")
def built(home, tmp_path_factory):
    work = tmp_path_factory.mktemp("plugin_build")
    recipe = work / "recipe.toml"
    recipe.write_text(RECIPE)
    proc = run("build", str(recipe), "--out", str(work / "out"), "--no-parquet", home=home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return work / "out"


def test_entry_point_is_found_on_the_path(monkeypatch):
    assert PLUGIN_ID not in [f.id for f in _plugin_families()]
    monkeypatch.syspath_prepend(str(PLUGIN_DIR))
    assert _plugin_families() == []  # installed, but not allowed
    monkeypatch.setenv(PLUGINS_ENV, PLUGIN_ENTRY_POINT)
    found = _plugin_families()
    assert [f.id for f in found] == [PLUGIN_ID]
    entry_points = (PLUGIN_DIR / "mathif_plugin_demo-0.1.0.dist-info" / "entry_points.txt").read_text()
    assert entry_points.startswith(f"[{ENTRY_POINT_GROUP}]")
    sys.modules.pop("mathif_plugin_demo", None)


def test_listed_with_its_origin():
    proc = run("constraints", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = {r["id"]: r for r in json.loads(proc.stdout)}
    assert rows[PLUGIN_ID]["origin"] == "plugin" and "∴" in rows[PLUGIN_ID]["example"]
    assert PLUGIN_ID not in {
        r["id"] for r in json.loads(run("constraints", "list", "--json", plugin=False).stdout)
    }


def test_build_uses_the_plugin_family(built):
    rows = [json.loads(line) for f in sorted(built.glob("*.jsonl")) for line in f.read_text().splitlines()]
    assert len(rows) == 5
    doubles = [r for r in rows if r["num_constraints"] == 2]
    assert all(PLUGIN_ID in r["constraint_name"] for r in doubles)  # only two families allowed
    assert all("∴" in r["prompt"] for r in doubles)


def test_verify_knows_it_only_with_the_plugin(built):
    assert run("verify", str(built)).returncode == 0
    proc = run("verify", str(built), plugin=False)
    assert proc.returncode == 1
    assert f"unknown constraint id '{PLUGIN_ID}'" in proc.stdout


def test_score_checks_it(built, tmp_path):
    data = built / "gsm8k_double.jsonl"
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    registry = Registry([*SHIPPED, _plugin_family()])
    witnesses = [joint_witness(item_from_dict(r, registry=registry).constraints) for r in rows]
    assert all(w is not None and "∴" in w for w in witnesses)
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    good.write_text("".join(json.dumps({"output": "<think>ok</think>" + w}) + "\n" for w in witnesses))
    bad.write_text(
        "".join(json.dumps({"output": "<think>ok</think>" + w.replace("∴", "")}) + "\n" for w in witnesses)
    )
    for gens, followed in ((good, True), (bad, False)):
        proc = run(
            "score",
            "--data",
            str(data),
            "--generations",
            str(gens),
            "--out",
            str(tmp_path / gens.stem),
            "--no-correctness",
        )
        assert proc.returncode == 0, proc.stderr
        scored = [
            json.loads(line) for line in (tmp_path / gens.stem / "items.jsonl").read_text().splitlines()
        ]
        for row in scored:
            k = row["constraint_name"].index(PLUGIN_ID)
            assert row["follow"][k] is followed
            assert all(row["follow"][j] for j in range(len(row["follow"])) if j != k)
        summary = json.loads((tmp_path / gens.stem / "summary.json").read_text())
        assert summary["by_constraint"][PLUGIN_ID]["follow"] == (1.0 if followed else 0.0)
